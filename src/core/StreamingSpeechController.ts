import { bindMethods } from './bindMethods';
import { MAX_CHARACTERS_PER_TASK, countCharacters, isSsml } from './countCharacters';
import { SynthesisError, ValidationError } from './errors';
import type { SynthesisParameters } from './parameters';
import { SpeechController, type SpeechControllerOptions, type SpeechStatus, type Task, type Utterance } from './SpeechController';
import { splitText } from './splitText';

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
  constructor(options: SpeechControllerOptions) {
    super(options);
    // Bound so `const { start } = object` works (hooks hand these out as stable actions).
    bindMethods(this, ['start', 'write', 'complete', 'cancel', 'pipe']);
  }

  /**
   * Starts a streaming utterance (text to come with `write`): unlocks audio and connects now.
   * Call it from the user's gesture.
   */
  start(overrides: Partial<SynthesisParameters> = {}): void {
    const utterance = this.beginUtterance('stream', overrides, '');
    if (!utterance) return;
    try {
      const task = this.startTask(utterance);
      task.synthesizer.streamingStart();
      this.#armIdle(utterance);
    } catch (error) {
      this.fail(utterance, error);
    }
  }

  /** Adds a text fragment to the streaming utterance (starting one if needed). */
  write(fragment: string): void {
    if (typeof fragment !== 'string' || fragment === '') return;
    let utterance = this.utterance;
    if (!utterance || utterance.mode !== 'stream' || this.isFinal(utterance)) {
      this.start();
      utterance = this.utterance;
      if (!utterance || utterance.mode !== 'stream' || this.getSnapshot().status === 'error') return;
    }
    if (utterance.completing) {
      this.options.onWarning?.('write() after complete() is ignored');
      return;
    }
    try {
      if (isSsml(fragment)) throw new ValidationError('text', 'streaming takes plain text; SSML can only be spoken whole with speak()');
      for (const piece of splitText(fragment)) this.#writePiece(utterance, piece);
      this.publish({ text: utterance.text });
      this.#armIdle(utterance);
    } catch (error) {
      this.fail(utterance, error);
    }
  }

  /** No more text: finish the streaming utterance; it ends when the last audio has been heard. */
  complete(): void {
    const utterance = this.utterance;
    if (!utterance || utterance.mode !== 'stream' || utterance.completing || this.isFinal(utterance)) return;
    utterance.completing = true;
    this.clearIdle(utterance);
    const task = utterance.task;
    if (task && !task.finishing) this.#finishTask(utterance, task);
    else if ((!task || task.done) && utterance.pending.length === 0) this.onAllSynthesized(utterance);
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
    const utterance = this.utterance;
    if (!utterance || this.getSnapshot().status === 'error') return this.getSnapshot().status;
    const ended = this.whenFinal(utterance);
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
        if (!next || this.utterance !== utterance || this.isFinal(utterance)) break;
        if (next.done) {
          this.complete();
          break;
        }
        this.write(next.value);
      }
    } catch (error) {
      if (this.utterance === utterance) this.fail(utterance, new SynthesisError('InvalidOptions', `The text source failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
    } finally {
      reader.close();
    }
    return ended;
  }

  #writePiece(utterance: Utterance, piece: string): void {
    utterance.text += piece;
    this.#sendPiece(utterance, piece);
  }

  #sendPiece(utterance: Utterance, piece: string): void {
    const counted = countCharacters(piece);
    let task = utterance.task;
    // After an idle finish the old task is done: text continues in a new task on the same timeline.
    if (task?.done) task = this.startTask(utterance);
    if (!task || task.finishing) {
      utterance.pending.push(piece);
      return;
    }
    if (task.characters + counted > MAX_CHARACTERS_PER_TASK) {
      // The service caps a task at 200 000 characters: continue in the next task.
      utterance.pending.push(piece);
      this.#finishTask(utterance, task);
      return;
    }
    task.characters += counted;
    task.synthesizer.streamingCall(piece);
  }

  #finishTask(utterance: Utterance, task: Task): void {
    if (task.finishing) return;
    task.finishing = true;
    task.synthesizer.streamingComplete({ timeoutMillis: 0 }).then(
      () => this.onTaskDone(utterance, task),
      (error: unknown) => {
        // A task finished for the idle rule before any text: nothing was lost.
        if (isSynthesisErrorWithCode(error, 'InvalidState')) this.onTaskDone(utterance, task);
        else this.fail(utterance, error);
      },
    );
  }

  #armIdle(utterance: Utterance): void {
    if (utterance.mode !== 'stream') return;
    this.clearIdle(utterance);
    const delay = this.options.idleFinishMs ?? 20_000;
    utterance.idleTimer = setTimeout(() => {
      utterance.idleTimer = undefined;
      const task = utterance.task;
      if (this.utterance !== utterance || !task || task.finishing || utterance.completing) return;
      if (task.characters === 0) {
        // Started but no text yet: drop this task before the service times it out; the next write
        // opens a new one.
        task.synthesizer.streamingCancel();
        task.finishing = true;
        task.done = true;
        return;
      }
      this.#finishTask(utterance, task);
    }, delay);
  }


  protected override onStreamTaskDone(utterance: Utterance, _task: Task): void {
    if (utterance.pending.length > 0) {
      const pending = utterance.pending;
      utterance.pending = [];
      try {
        this.startTask(utterance);
        for (const piece of pending) this.#sendPiece(utterance, piece);
        if (utterance.completing && utterance.task && !utterance.task.finishing) this.#finishTask(utterance, utterance.task);
        else this.#armIdle(utterance);
      } catch (error) {
        this.fail(utterance, error);
      }
      return;
    }
    if (utterance.completing) this.onAllSynthesized(utterance);
  }

}

function isSynthesisErrorWithCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** The part of a `ReadableStream` that `pipe` reads (WHATWG streams in browsers and Node). */
export interface ReadableStreamLike<T> {
  getReader(): { read(): Promise<{ done: boolean; value?: T }>; releaseLock(): void; cancel?(reason?: unknown): Promise<void> };
}

interface TextSourceReader {
  next(): Promise<{ done: true } | { done: false; value: string }>;
  /** Releases the source (returns the iterator, cancels the stream), also while a read is pending. */
  close(): void;
}

function openTextSource(source: AsyncIterable<string> | ReadableStreamLike<string>): TextSourceReader {
  const ignore = (): undefined => undefined;
  // Streams are read through a reader even where they are iterable: only `reader.cancel()` ends a pending read.
  if (typeof (source as ReadableStreamLike<string>).getReader !== 'function') {
    const iterator = (source as AsyncIterable<string>)[Symbol.asyncIterator]();
    let done = false;
    return {
      next: async () => {
        const result = await iterator.next();
        if (result.done) done = true;
        return result.done ? { done: true } : { done: false, value: result.value };
      },
      close: () => {
        if (done) return;
        done = true;
        // Not awaited: an async generator answers `return` only after its pending `next`.
        Promise.resolve()
          .then(() => iterator.return?.())
          .catch(ignore);
      },
    };
  }
  const reader = (source as ReadableStreamLike<string>).getReader();
  let done = false;
  return {
    next: async () => {
      for (;;) {
        const result = await reader.read();
        if (result.done) {
          done = true;
          return { done: true };
        }
        if (result.value !== undefined) return { done: false, value: result.value };
      }
    },
    close: () => {
      const cancelled = done ? undefined : Promise.resolve().then(() => reader.cancel?.());
      done = true;
      Promise.resolve(cancelled)
        .catch(ignore)
        .then(() => reader.releaseLock())
        .catch(ignore);
    },
  };
}
