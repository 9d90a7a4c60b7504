import { randomUUID } from 'node:crypto';
import { AudioDurationCounter } from '../core/AudioDurationCounter';
import { findAudioFormat } from '../core/AudioFormat';
import { countCharacters, isSsml, stripSsml } from '../core/countCharacters';
import { applyHotFix } from './applyHotFix';
import { createStreamEncoder, type StreamEncoder } from './createStreamEncoder';
import { parseSsml } from './parseSsml';
import type { ServiceError } from './readClientFrame';
import type { TaskParameters } from './readTaskParameters';
import { SentenceSplitter } from './SentenceSplitter';
import { TaskTextBudget } from './TaskTextBudget';
import { SERVER_ERRORS, TaskFailure } from './serverErrors';
import { StreamingResampler } from './StreamingResampler';
import type { EngineWord, SynthesisEngine } from './SynthesisEngine';
import { detectLanguage } from './textScript';

/** What a task needs from its connection. */
export interface TaskContext {
  /** The engine (resolved lazily: espeak starts its worker on first use). */
  engine(): Promise<SynthesisEngine>;
  /** Sends a JSON frame. */
  sendText(text: string): void;
  /** Sends a binary frame. */
  sendAudio(bytes: Uint8Array): void;
  /** Resolves when the client has read enough of what was sent (bounded buffering for slow clients). */
  drained(): Promise<void>;
  /** The task failed: the connection sends `task-failed` and closes. */
  fail(taskId: string, failure: ServiceError): void;
  /** The task ended (finished, cancelled or failed). */
  ended(taskId: string): void;
  /** No client input for this long (and no audio pending) fails the task. */
  idleTimeoutMs: number;
  /** Whether word times are relative to the sentence (the service's observed behaviour) or the task. */
  wordTimeBase: 'sentence' | 'task';
  /** Whether the voice accepts SSML. */
  ssmlSupported: boolean;
}

interface Sentence {
  text: string;
  /** Absolute offset of the sentence in the task's spoken text. */
  offset: number;
}

/**
 * One synthesis task of the local voice server: takes `continue-task` text, splits sentences, speaks
 * each through the engine as soon as it is complete and streams `sentence-begin`, (`sentence-synthesis`
 * + binary audio)×k and `sentence-end` (words, cumulative usage), then `task-finished`.
 *
 * @example
 * const task = new SynthesisTask(taskId, params, context); // sends task-started
 * task.onText('Hello.');
 * task.onFinish(false);
 */
export class SynthesisTask {
  readonly taskId: string;
  readonly #params: TaskParameters;
  readonly #context: TaskContext;
  readonly #splitter = new SentenceSplitter();
  readonly #abort = new AbortController();
  readonly #queue: Sentence[] = [];
  readonly #breaks: Array<{ index: number; ms: number }> = [];
  readonly #counter: AudioDurationCounter;
  readonly #requestUuid = randomUUID();
  #state: 'running' | 'finishing' | 'ended' = 'running';
  readonly #budget: TaskTextBudget;
  #textLength = 0; // spoken characters received (offsets)
  #splitOffset = 0;
  #billed = 0;
  #sentenceIndex = 0;
  #pumping = false;
  #encoder: Promise<StreamEncoder> | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(taskId: string, params: TaskParameters, context: TaskContext) {
    this.taskId = taskId;
    this.#params = params;
    this.#context = context;
    this.#budget = new TaskTextBudget(params.enableSsml);
    this.#counter = new AudioDurationCounter(findAudioFormat(params.format, params.sampleRate) ?? { format: params.format, sampleRate: 22050, channels: 'mono', bitRate: 0 } as never);
    this.#send({ header: { task_id: taskId, event: 'task-started', attributes: {} }, payload: {} });
    this.#armIdle();
  }

  /** Whether the task has ended. */
  get ended(): boolean {
    return this.#state === 'ended';
  }

  /** Handles the text of a `continue-task`; returns the service's error when the text breaks a rule. */
  onText(text: string): ServiceError | undefined {
    if (this.#state !== 'running') return undefined;
    this.#armIdle();
    const taken = this.#budget.take(text);
    if (!taken.ok) return taken.error;
    let spoken = text;
    if (isSsml(text)) {
      if (this.#params.enableSsml && !this.#context.ssmlSupported) return SERVER_ERRORS.ssmlNotSupported;
      if (this.#params.enableSsml) {
        const parsed = parseSsml(text);
        for (const pause of parsed.breaks) this.#breaks.push({ index: this.#textLength + pause.index, ms: pause.ms });
        spoken = parsed.text;
      } else {
        spoken = stripSsml(text);
      }
    }
    this.#textLength += spoken.length;
    // SSML is one whole message: speak it all now instead of holding an unterminated tail.
    this.#enqueue(this.#splitter.push(spoken));
    if (this.#params.enableSsml) this.#enqueue(this.#splitter.flush());
    return undefined;
  }

  /** Handles a flush (`continue-task` with `input.flush: true`): speaks the held tail now. */
  onFlush(): void {
    if (this.#state !== 'running') return;
    this.#armIdle();
    this.#enqueue(this.#splitter.flush());
  }

  /** Handles `finish-task`; `cancel` (`input.directive: "cancel"`) ends at once, without more audio. */
  onFinish(cancel: boolean): void {
    if (this.#state !== 'running') return;
    if (cancel) {
      this.#finish();
      return;
    }
    this.#state = 'finishing';
    this.#clearIdle();
    this.#enqueue(this.#splitter.flush());
    void this.#pump();
  }

  /** Stops everything without sending anything (the connection failed or closed). */
  dispose(): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#cleanup();
  }

  #enqueue(sentences: string[]): void {
    for (const text of sentences) {
      this.#queue.push({ text, offset: this.#splitOffset });
      this.#splitOffset += text.length;
    }
    if (sentences.length > 0) void this.#pump();
  }

  #send(frame: unknown): void {
    if (this.#state !== 'ended' || (frame as { header: { event: string } }).header.event === 'task-finished') {
      this.#context.sendText(JSON.stringify(frame));
    }
  }

  #result(type: 'sentence-begin' | 'sentence-synthesis' | 'sentence-end', index: number, extra: Record<string, unknown> = {}, words: unknown[] = [], usage?: number): void {
    const payload: Record<string, unknown> = { output: { sentence: { index, words }, type, ...extra } };
    if (usage !== undefined) payload.usage = { characters: usage };
    this.#send({ header: { task_id: this.taskId, event: 'result-generated', attributes: {} }, payload });
  }

  #armIdle(): void {
    this.#clearIdle();
    if (this.#state !== 'running') return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#state !== 'running') return;
      // Audio still going out counts as activity (the service's rule: no text *and* no audio).
      if (this.#pumping) return;
      this.#context.fail(this.taskId, new TaskFailure(SERVER_ERRORS.idleTimeout));
    }, this.#context.idleTimeoutMs);
    this.#idleTimer.unref?.();
  }

  #clearIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  async #pump(): Promise<void> {
    if (this.#pumping || this.#state === 'ended') return;
    this.#pumping = true;
    try {
      for (;;) {
        if (this.ended) return;
        const sentence = this.#queue.shift();
        if (!sentence) break;
        await this.#speak(sentence);
        await this.#context.drained();
      }
      if (this.#state === 'finishing') this.#finish();
    } catch (error) {
      if (this.ended) return;
      const failure = error instanceof TaskFailure ? error : new TaskFailure({ code: 'InternalError', message: `[tts:]Engine error: ${(error as Error)?.message ?? String(error)}` });
      this.#context.fail(this.taskId, failure);
    } finally {
      this.#pumping = false;
      if (this.#state === 'running' && !this.#idleTimer) this.#armIdle();
    }
  }

  #finish(): void {
    if (this.#state === 'ended') return;
    this.#billed = Math.max(this.#billed, this.#budget.characters);
    this.#state = 'ended';
    this.#cleanup();
    this.#send({
      header: { task_id: this.taskId, event: 'task-finished', attributes: { request_uuid: this.#requestUuid } },
      payload: { output: null, usage: { characters: this.#billed } },
    });
    this.#context.ended(this.taskId);
  }

  #cleanup(): void {
    this.#clearIdle();
    this.#abort.abort();
    this.#queue.length = 0;
    void this.#encoder?.then((encoder) => encoder.close(), () => undefined);
  }

  #sendAudio(index: number, chunks: Uint8Array[]): void {
    for (const chunk of chunks) {
      if (this.#state === 'ended' || chunk.length === 0) continue;
      this.#result('sentence-synthesis', index);
      this.#context.sendAudio(chunk);
      this.#counter.push(chunk);
    }
  }

  async #speak(sentence: Sentence): Promise<void> {
    const { text } = sentence;
    // Spoken text (tags already gone): billed as plain text.
    const counted = countCharacters(text, { ssml: false });
    if (text.trim() === '') {
      this.#billed += counted;
      return;
    }
    const params = this.#params;
    const index = this.#sentenceIndex++;
    const startMs = this.#counter.durationMs;
    this.#result('sentence-begin', index, { original_text: text });
    this.#encoder ??= createStreamEncoder(params.format, params.sampleRate, params.bitRate);
    const encoder = await this.#encoder;
    const engine = await this.#context.engine();
    const gain = params.volume / 50;
    const outRate = params.sampleRate;
    let samples = 0;
    const emit = (chunk: Float32Array): void => {
      if (this.#state === 'ended' || chunk.length === 0) return;
      const scaled = new Float32Array(chunk.length);
      for (let i = 0; i < chunk.length; i++) scaled[i] = Math.max(-1, Math.min(1, chunk[i]! * gain));
      samples += chunk.length;
      this.#sendAudio(index, encoder.encode(scaled));
    };
    const words: EngineWord[] = [];
    // Pauses from SSML <break> split the sentence into pieces spoken one after another.
    const cuts = this.#breaks.filter((b) => b.index >= sentence.offset && b.index < sentence.offset + text.length);
    let pieceStart = 0;
    const pieces: Array<{ start: number; end: number; pauseMs: number }> = [];
    for (const cut of cuts) {
      pieces.push({ start: pieceStart, end: cut.index - sentence.offset, pauseMs: 0 });
      pieces.push({ start: cut.index - sentence.offset, end: cut.index - sentence.offset, pauseMs: cut.ms });
      pieceStart = cut.index - sentence.offset;
    }
    pieces.push({ start: pieceStart, end: text.length, pauseMs: 0 });
    for (const piece of pieces) {
      if (this.#state === 'ended') return;
      if (piece.pauseMs > 0) emit(new Float32Array(Math.round((piece.pauseMs * outRate) / 1000)));
      const original = text.slice(piece.start, piece.end);
      const replaced = applyHotFix(original, params.hotFix);
      if (!/[\p{L}\p{N}]/u.test(replaced.text)) continue;
      const pieceOffsetMs = (samples / outRate) * 1000;
      const resampler = engine.sampleRate && engine.sampleRate !== outRate ? new StreamingResampler(engine.sampleRate, outRate) : undefined;
      const spoken = await engine.synthesize(
        {
          text: replaced.text,
          language: detectLanguage(replaced.text, params.languageHints),
          speechRate: params.speechRate,
          pitchRate: params.pitchRate,
          seed: params.seed,
          sampleRate: outRate,
        },
        (chunk) => emit(resampler ? resampler.push(chunk) : chunk),
        this.#abort.signal,
      );
      if (resampler) emit(resampler.end());
      for (const word of spoken) {
        const begin = replaced.origin[word.beginIndex] ?? original.length;
        const last = replaced.origin[Math.max(word.beginIndex, word.endIndex - 1)] ?? original.length - 1;
        words.push({
          text: original.slice(begin, Math.max(begin + 1, last + 1)),
          beginIndex: piece.start + begin,
          endIndex: piece.start + Math.max(begin + 1, last + 1),
          beginMs: pieceOffsetMs + word.beginMs,
          endMs: pieceOffsetMs + word.endMs,
        });
      }
    }
    if (this.#state === 'ended') return;
    this.#sendAudio(index, encoder.endSentence());
    this.#billed += counted;
    const durationMs = (samples / outRate) * 1000;
    const shift = encoder.latencyMs + (this.#context.wordTimeBase === 'task' ? startMs : 0);
    const wireWords = params.wordTimestampEnabled
      ? words.map((word) => ({
          text: word.text,
          begin_index: word.beginIndex,
          end_index: word.endIndex,
          begin_time: Math.round(shift + Math.min(word.beginMs, durationMs)),
          end_time: Math.round(shift + Math.min(Math.max(word.endMs, word.beginMs), durationMs)),
        }))
      : [];
    this.#result('sentence-end', index, { original_text: text }, wireWords, this.#billed);
  }
}
