import { bindMethods } from './bindMethods';
import { MAX_CHARACTERS_PER_TASK, countCharacters, isSsml } from './countCharacters';
import { SynthesisError, ValidationError } from './errors';
import { openTextSource, type ReadableStreamLike, type TextSourceReader } from './openTextSource';
import type { SynthesisParameters } from './parameters';
import { SpeechController, type SpeechControllerOptions, type SpeechStatus } from './SpeechController';
import { splitText } from './splitText';
import type { SynthesisTask } from './SynthesisTask';
import type { Utterance } from './Utterance';

/** Options of {@link StreamingSpeechController}. */
export interface StreamingSpeechControllerOptions extends SpeechControllerOptions {
  /**
   * Finish the task after this long without new text, and continue in a new task when text comes
   * again — the service fails a task after 23 s without text. @default 20000
   */
  idleFinishMs?: number;
}

/**
 * A task of a stream:
 * - `open`: takes text
 * - `finishing`: `finish-task` was sent; text written meanwhile waits for the next task
 * - `finished`: it ended; more text opens a new task on the same timeline
 */
interface StreamTask {
  readonly task: SynthesisTask;
  characters: number;
  phase: 'open' | 'finishing' | 'finished';
}

/**
 * The text side of a streaming utterance: `open` while text may come, `completing` once `complete()`
 * was called (the utterance is synthesized when its last task has ended).
 */
interface TextStream {
  readonly utterance: Utterance;
  phase: 'open' | 'completing';
  task: StreamTask | undefined;
  /** Text for the next task (written while the current one finishes). */
  readonly pending: string[];
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The engine behind `useStreamingSynthesis`: a {@link SpeechController} that also takes text in pieces
 * (the SDK's bidirectional mode). Complete sentences are spoken as they arrive; after
 * `idleFinishMs` without text the task is finished (the service fails a task after 23 s without
 * text) and later text continues in a new task on the same timeline and playback queue. A task that
 * would pass 200 000 characters continues in the next one the same way.
 *
 * @example
 * const controller = new StreamingSpeechController({ transport, defaults: { model, voice }, createPlayer });
 * button.onclick = () => controller.pipe(llm.textStream);
 */
export class StreamingSpeechController extends SpeechController {
  readonly #idleFinishMs: number;
  #stream: TextStream | undefined;

  constructor(options: StreamingSpeechControllerOptions) {
    super(options);
    this.#idleFinishMs = options.idleFinishMs ?? 20_000;
    bindMethods(this, ['start', 'write', 'complete', 'cancel', 'pipe']);
  }

  /**
   * Starts a streaming utterance (text to come with `write`): unlocks audio and connects now.
   * Call it from the user's gesture.
   */
  start(overrides: Partial<SynthesisParameters> = {}): void {
    const utterance = this.beginUtterance(overrides, '');
    if (!utterance) return;
    const stream: TextStream = { utterance, phase: 'open', task: undefined, pending: [], idleTimer: undefined };
    this.#stream = stream;
    utterance.onSynthesisOver(() => {
      this.#clearIdle(stream);
      stream.pending.length = 0;
    });
    try {
      this.#openTask(stream);
      this.#armIdle(stream);
    } catch (error) {
      this.fail(utterance, error);
    }
  }

  /** Adds a text fragment to the streaming utterance (starting one if needed). */
  write(fragment: string): void {
    if (typeof fragment !== 'string' || fragment === '') return;
    let stream = this.#live();
    if (!stream) {
      this.start();
      stream = this.#live();
      if (!stream) return;
    }
    if (stream.phase === 'completing') {
      this.options.onWarning?.('write() after complete() is ignored');
      return;
    }
    const { utterance } = stream;
    try {
      if (isSsml(fragment)) throw new ValidationError('text', 'streaming takes plain text; SSML can only be spoken whole with speak()');
      for (const piece of splitText(fragment)) {
        utterance.text += piece;
        this.#send(stream, piece);
      }
      this.publish({ text: utterance.text });
      this.#armIdle(stream);
    } catch (error) {
      this.fail(utterance, error);
    }
  }

  /** No more text: finish the streaming utterance; it ends when the last audio has been heard. */
  complete(): void {
    const stream = this.#live();
    if (!stream || stream.phase === 'completing') return;
    stream.phase = 'completing';
    this.#clearIdle(stream);
    const task = stream.task;
    if (task?.phase === 'open') this.#finish(stream, task);
    else if (task?.phase !== 'finishing' && stream.pending.length === 0) this.synthesized(stream.utterance);
  }

  /** Cancels the streaming utterance (same as `stop`). */
  cancel(): void {
    this.stop();
  }

  /**
   * Speaks a stream of text (an LLM's tokens): starts, writes every piece, completes, and resolves
   * with the final status once everything was heard (`ended`), failed (`error`) or was stopped (`idle`).
   */
  async pipe(source: AsyncIterable<string> | ReadableStreamLike<string>, overrides: Partial<SynthesisParameters> = {}): Promise<SpeechStatus> {
    this.start(overrides);
    const stream = this.#live();
    if (!stream) return this.getSnapshot().status;
    const { utterance } = stream;
    const ended = this.whenSettled(utterance);
    const reader = openTextSource(source);
    // A quiet source must not keep `pipe` waiting after a stop or a failure: the end also answers the
    // pending read (one waiter for the whole pipe, not one per fragment).
    let answerRead: ((result: undefined) => void) | undefined;
    let over = false;
    void ended.then(() => {
      over = true;
      answerRead?.(undefined);
    });
    try {
      while (!over) {
        const next = await new Promise<Awaited<ReturnType<TextSourceReader['next']>> | undefined>((resolve, reject) => {
          answerRead = resolve;
          reader.next().then(resolve, reject);
        });
        if (!next || !this.isLive(utterance)) break;
        if (next.done) {
          this.complete();
          break;
        }
        this.write(next.value);
      }
    } catch (error) {
      this.fail(utterance, new SynthesisError('InvalidOptions', `The text source failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
    } finally {
      reader.close();
    }
    return ended;
  }

  /** The stream, while its utterance is current and still synthesizing (not replaced by `speak`, over, failed). */
  #live(): TextStream | undefined {
    const stream = this.#stream;
    return stream && this.isLive(stream.utterance) ? stream : undefined;
  }

  /** Opens the next task of the stream; it connects at once. */
  #openTask(stream: TextStream): StreamTask {
    let opened: StreamTask;
    const task = this.startTask(stream.utterance, () => this.#taskEnded(stream, opened));
    opened = { task, characters: 0, phase: 'open' };
    stream.task = opened;
    return opened;
  }

  #send(stream: TextStream, piece: string): void {
    const counted = countCharacters(piece);
    // After an idle finish the old task is done: text continues in a new task on the same timeline.
    const task = stream.task?.phase === 'finished' ? this.#openTask(stream) : stream.task;
    if (!task || task.phase === 'finishing') {
      stream.pending.push(piece);
      return;
    }
    if (task.characters + counted > MAX_CHARACTERS_PER_TASK) {
      // The service caps a task at 200 000 characters: continue in the next task.
      stream.pending.push(piece);
      this.#finish(stream, task);
      return;
    }
    task.characters += counted;
    task.task.send(piece);
  }

  /** `finish-task` for `task`: when it has finished, {@link #taskEnded} continues (a failure fails the utterance). */
  #finish(stream: TextStream, task: StreamTask): void {
    if (task.phase !== 'open') return;
    task.phase = 'finishing';
    task.task.finish();
  }

  /** A task ended: the text written meanwhile continues in a new task; after `complete()` the utterance is synthesized. */
  #taskEnded(stream: TextStream, task: StreamTask): void {
    if (stream.task !== task || !this.isLive(stream.utterance)) return;
    task.phase = 'finished';
    if (stream.pending.length > 0) {
      const pending = stream.pending.splice(0);
      try {
        this.#openTask(stream);
        for (const piece of pending) this.#send(stream, piece);
        const next = stream.task!;
        if (stream.phase === 'completing') this.#finish(stream, next);
        else this.#armIdle(stream);
      } catch (error) {
        this.fail(stream.utterance, error);
      }
      return;
    }
    if (stream.phase === 'completing') this.synthesized(stream.utterance);
  }

  #armIdle(stream: TextStream): void {
    this.#clearIdle(stream);
    stream.idleTimer = setTimeout(() => {
      stream.idleTimer = undefined;
      const task = stream.task;
      if (!this.isLive(stream.utterance) || task?.phase !== 'open' || stream.phase === 'completing') return;
      if (task.characters === 0) {
        // Started but no text yet: drop this task before the service times it out; the next write
        // opens a new one.
        task.phase = 'finished';
        task.task.cancel();
        return;
      }
      this.#finish(stream, task);
    }, this.#idleFinishMs);
  }

  #clearIdle(stream: TextStream): void {
    if (stream.idleTimer !== undefined) clearTimeout(stream.idleTimer);
    stream.idleTimer = undefined;
  }
}
