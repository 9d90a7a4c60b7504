import { bindMethods } from '../../core/bindMethods';
import type { ReadableStreamLike } from '../../core/openTextSource';
import type { SynthesisParameters } from '../../core/parameters';
import type { HeardText } from '../../core/splitHeardText';
import type { SpeechStatus } from '../../core/SpeechController';
import type { StreamingSpeechController, StreamingSpeechControllerOptions } from '../../core/StreamingSpeechController';
import { LazySpeechController, type SpeechEngineSource } from './LazySpeechController';

/**
 * A {@link StreamingSpeechController} whose engine is loaded on first intent, as {@link LazySpeechController}
 * does for speaking whole texts: `start`, `write` and `pipe` before the engine has arrived unlock audio
 * in the gesture, show `connecting` and the text written so far, and are handed to the engine in order.
 */
export class LazyStreamingSpeechController
  extends LazySpeechController<StreamingSpeechController, StreamingSpeechControllerOptions>
  implements Pick<StreamingSpeechController, keyof StreamingSpeechController>
{
  #written = '';

  constructor(options: StreamingSpeechControllerOptions, source: SpeechEngineSource<StreamingSpeechController, StreamingSpeechControllerOptions>) {
    super(options, source);
    bindMethods(this, ['start', 'write', 'complete', 'cancel', 'pipe']);
  }

  start(overrides: Partial<SynthesisParameters> = {}): void {
    const engine = this.engine;
    if (engine) return engine.start(overrides);
    this.#written = '';
    this.begin('', { run: (engine) => engine.start(overrides) });
  }

  write(fragment: string): void {
    const engine = this.engine;
    if (engine) return engine.write(fragment);
    if (typeof fragment !== 'string' || fragment === '') return;
    // As the engine does, a write with nothing started starts (the gesture's part included).
    if (!this.later({ run: (engine) => engine.write(fragment) })) {
      this.start();
      this.later({ run: (engine) => engine.write(fragment) });
    }
    this.#written += fragment;
    this.showText(this.#written);
  }

  complete(): void {
    const engine = this.engine;
    if (engine) engine.complete();
    else this.later({ run: (engine) => engine.complete() });
  }

  cancel(): HeardText | undefined {
    return this.stop();
  }

  pipe(source: AsyncIterable<string> | ReadableStreamLike<string>, overrides: Partial<SynthesisParameters> = {}): Promise<SpeechStatus> {
    const engine = this.engine;
    if (engine) return engine.pipe(source, overrides);
    return new Promise((resolve) => {
      this.#written = '';
      // Resolves as the engine's pipe would when stopped or replaced before it ran (`idle`), or failed (`error`).
      this.begin('', { run: (engine) => resolve(engine.pipe(source, overrides)), drop: resolve });
    });
  }
}
