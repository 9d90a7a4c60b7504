import { bindMethods } from './bindMethods';
import { concatBytes } from './concatBytes';
import { AudioDurationCounter } from './AudioDurationCounter';
import { DEFAULT_AUDIO_FORMAT } from './AudioFormat';
import { now } from './now';
import { MAX_CHARACTERS_PER_TASK, isSsml } from './countCharacters';
import { ConnectionError, SynthesisError, TaskFailedError, ValidationError, toSynthesisError } from './errors';
import { buildWireParameters, validateSynthesisParameters, validateText, type SynthesisParameters } from './parameters';
import {
  buildCancelTask,
  buildContinueTask,
  buildFinishTask,
  buildFlush,
  buildRunTask,
  createTaskId,
  parseServerFrame,
  serializeClientMessage,
  type ClientMessage,
  type ResultGeneratedEvent,
  type ServerEvent,
} from './protocol';
import type { Transport, TransportSocket } from './Transport';
import { WordTimeline, type TimelineSentence, type TimelineWord } from './WordTimeline';

/**
 * Where a synthesizer is in its current task. `completed`, `failed` and `cancelled` are terminal; from
 * `idle` or a terminal state a new `call` or `streamingCall` starts a new task.
 */
export type SynthesizerState = 'idle' | 'connecting' | 'starting' | 'streaming' | 'finishing' | 'completed' | 'failed' | 'cancelled';

/** Whether a state ends a task. */
export function isTerminalState(state: SynthesizerState): boolean {
  return state === 'completed' || state === 'failed' || state === 'cancelled';
}

/**
 * The SDK's callback interface. Every method is optional. For each task exactly one of `onComplete`
 * and `onError` is called; `onClose` follows when the socket has closed.
 */
export interface SynthesisCallback {
  /** The socket opened (before `run-task` is sent). */
  onOpen?(): void;
  /** A JSON event arrived (typed; `event.raw` has the frame as sent). */
  onEvent?(event: ServerEvent): void;
  /** An audio chunk arrived, in the requested format (wav/mp3: header in the first chunk only). */
  onData?(audio: Uint8Array): void;
  /** A sentence ended; its words are in absolute time on the task's timeline. */
  onSentence?(sentence: TimelineSentence, words: readonly TimelineWord[]): void;
  /** The task finished (`task-finished`). */
  onComplete?(): void;
  /** The task failed, timed out, lost its socket or was cancelled (`error.code === 'Cancelled'`). */
  onError?(error: SynthesisError): void;
  /** The socket closed. */
  onClose?(): void;
}

/** Options of {@link SpeechSynthesizer}: the request parameters plus how to connect and whom to tell. */
export interface SpeechSynthesizerOptions extends SynthesisParameters {
  /** Where to connect: `directTransport`, `proxyTransport` or `memoryTransport`. */
  transport: Transport;
  /** Receives events and audio as they arrive. Without it, `call` and `streamingComplete` resolve to the whole audio. */
  callback?: SynthesisCallback;
  /** How long opening the socket may take. @default 5000 */
  connectTimeoutMillis?: number;
  /** How long the service may take to answer `run-task` with `task-started`. @default 10000 */
  startTimeoutMillis?: number;
  /** Receives warnings: unusual parameter combinations, ignored malformed frames, callbacks that threw. @default console.warn */
  onWarning?(message: string): void;
}

/** Options of `call` and `streamingComplete`. */
export interface CompletionOptions {
  /** Give up (and cancel the task) after this many ms. `call` waits indefinitely by default; `streamingComplete` 600 000 ms. */
  timeoutMillis?: number;
}

interface Run {
  taskId: string;
  mode: 'call' | 'stream';
  socket: TransportSocket | undefined;
  connectAbort: AbortController;
  started: boolean;
  queue: ClientMessage[];
  finishRequested: boolean;
  collect: boolean;
  chunks: Uint8Array[];
  counter: AudioDurationCounter;
  timeline: WordTimeline;
  sentenceOffsets: Map<number, number>;
  lastSentenceEndMs: number;
  characters: number;
  timers: Set<ReturnType<typeof setTimeout>>;
  startTimer: ReturnType<typeof setTimeout> | undefined;
  settled: boolean;
  done: Promise<Uint8Array | null>;
  resolve(audio: Uint8Array | null): void;
  reject(error: SynthesisError): void;
}

const DEFAULT_STREAMING_COMPLETE_TIMEOUT = 600_000;

function busy(method: string): SynthesisError {
  return new SynthesisError('InvalidState', `${method}() cannot be used while call() is running`);
}

/**
 * CosyVoice speech synthesis over the DashScope WebSocket protocol: the Python SDK's
 * `SpeechSynthesizer` in TypeScript. One object runs one task at a time; after a task ends, the next
 * `call` or `streamingCall` starts a new task (with a new task id) on a new connection.
 *
 * Everything is validated before a socket opens; every task ends in `completed`, `failed` or
 * `cancelled`, with exactly one `onComplete` or `onError`.
 *
 * @example
 * const synthesizer = new SpeechSynthesizer({
 *   model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.WAV_24000HZ_MONO_16BIT,
 *   transport: directTransport({ apiKey: process.env.DASHSCOPE_API_KEY, WebSocket }),
 * });
 * const audio = await synthesizer.call('今天天气怎么样？');
 * console.log(synthesizer.getLastRequestId(), synthesizer.getFirstPackageDelay());
 */
export class SpeechSynthesizer {
  readonly #options: SpeechSynthesizerOptions;
  #state: SynthesizerState = 'idle';
  #run: Run | undefined;
  #lastRequestId: string | undefined;
  #requestUuid: string | undefined;
  #heldWhitespace = '';
  #lastResponse: ServerEvent | undefined;
  #startTimestamp = 0;
  #firstPackageDelay: number | undefined;
  #usageCharacters: number | undefined;

  constructor(options: SpeechSynthesizerOptions) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'SpeechSynthesizer needs an options object');
    const transport = options.transport as Partial<Transport> | undefined;
    if (!transport || typeof transport.connect !== 'function') {
      throw new ValidationError('transport', 'transport is required: directTransport(...), proxyTransport(...) or memoryTransport(...)');
    }
    for (const field of ['connectTimeoutMillis', 'startTimeoutMillis'] as const) {
      const value = options[field];
      if (value !== undefined && !(typeof value === 'number' && value > 0)) {
        throw new ValidationError(field, `${field} must be a positive number of milliseconds; received ${String(value)}`);
      }
    }
    validateSynthesisParameters(options);
    this.#options = { ...options, format: options.format ?? DEFAULT_AUDIO_FORMAT };
    // Doubtful combinations (a voice of another model, an option the model ignores) are development
    // warnings, like React's: production builds drop the check and the voice index it needs. The try covers
    // browsers without a bundler, where `process` does not exist.
    try {
      if (process.env.NODE_ENV !== 'production') {
        import('./modelWarnings').then(({ modelWarnings }) => modelWarnings(options).forEach((warning) => this.#warn(warning)), () => undefined);
      }
    } catch {
      // no process: no development warnings
    }
    // Bound so `const { call } = object` works (hooks hand these out as stable actions).
    bindMethods(this, ['call', 'streamingCall', 'streamingStart', 'streamingFlush', 'streamingComplete', 'streamingCancel']);
  }

  /** The current state. */
  get state(): SynthesizerState {
    return this.#state;
  }


  /**
   * Synthesizes a whole text (plain or SSML, ≤ 20 000 counted characters) in one task, sending
   * `enable_ssml: true` as the SDK does. Without a callback, resolves to the complete audio; with one,
   * streams to `onData` and resolves to `null` when the task ends.
   */
  async call(text: string, options: CompletionOptions = {}): Promise<Uint8Array | null> {
    const characters = validateText(text);
    this.#checkTimeout(options.timeoutMillis, 'timeoutMillis');
    if (this.#run && !isTerminalState(this.#state)) {
      throw new SynthesisError('InvalidState', `call() cannot start while a task is ${this.#state}; wait for it or cancel it first`);
    }
    const run = this.#startRun('call', true);
    this.#enqueue(run, buildContinueTask(run.taskId, text));
    run.characters = characters;
    run.finishRequested = true;
    this.#enqueue(run, buildFinishTask(run.taskId));
    if (options.timeoutMillis) this.#armTimeout(run, options.timeoutMillis, 'call');
    return run.done;
  }

  /**
   * Sends a text fragment of a streaming task (≤ 20 000 counted characters; ≤ 200 000 per task; plain
   * text only). The first call opens the connection and starts the task; fragments are queued until
   * `task-started`. Throws at once, sending nothing, when the text or the state is invalid.
   */
  streamingCall(text: string): void {
    let run = this.#run;
    if (run && !isTerminalState(this.#state)) {
      if (run.mode === 'call') throw busy('streamingCall');
      if (run.finishRequested) throw new SynthesisError('InvalidState', 'streamingCall() after streamingComplete(): the task is finishing; start a new one after it ends');
    } else {
      run = undefined;
    }
    // Whitespace separates a stream's words (LLMs send it as tokens of its own): alone it is held for the next fragment.
    if (text && typeof text === 'string' && !text.trim()) {
      this.#heldWhitespace += text;
      return;
    }
    const counted = validateText((text = this.#heldWhitespace + text));
    this.#heldWhitespace = '';
    if (isSsml(text)) {
      throw new ValidationError('text', 'SSML is accepted only by call() (the service allows one SSML message per task); streamingCall takes plain text');
    }
    const total = (run?.characters ?? 0) + counted;
    if (total > MAX_CHARACTERS_PER_TASK) {
      throw new ValidationError('text', `this fragment would bring the task to ${total} characters (CJK ideographs count 2); at most ${MAX_CHARACTERS_PER_TASK} are allowed per task`, 'TextTooLong');
    }
    run ??= this.#startRun('stream', false);
    run.characters = total;
    this.#enqueue(run, buildContinueTask(run.taskId, text));
  }

  /**
   * Opens the connection and starts a streaming task before any text is ready (saves the connection
   * time when the first fragment comes). Does nothing when a streaming task is already running.
   */
  streamingStart(): void {
    const run = this.#run;
    if (run && !isTerminalState(this.#state)) {
      if (run.mode === 'call') throw busy('streamingStart');
      return;
    }
    this.#startRun('stream', false);
  }

  /** Asks the service to synthesize the text it is holding now (a `continue-task` with `flush: true`). */
  streamingFlush(): void {
    const run = this.#activeStream('streamingFlush');
    this.#enqueue(run, buildFlush(run.taskId));
  }

  /**
   * Ends the streaming task: sends `finish-task` and resolves when `task-finished` arrives — to the
   * complete audio without a callback, to `null` with one. Rejects on failure or after `timeoutMillis`
   * (default 600 000 ms), cancelling the task.
   */
  streamingComplete(options: CompletionOptions = {}): Promise<Uint8Array | null> {
    try {
      this.#checkTimeout(options.timeoutMillis, 'timeoutMillis');
      const run = this.#run;
      if (run && run.mode === 'stream' && isTerminalState(this.#state)) return run.done;
      const active = this.#activeStream('streamingComplete');
      if (!active.finishRequested) {
        active.finishRequested = true;
        this.#enqueue(active, buildFinishTask(active.taskId));
        this.#armTimeout(active, options.timeoutMillis ?? DEFAULT_STREAMING_COMPLETE_TIMEOUT, 'streamingComplete');
        if (active.started) this.#state = 'finishing';
      }
      return active.done;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Cancels the current task at once: sends the cancel directive when the task has started, drops any
   * further audio, closes the socket and rejects pending promises with a `Cancelled` error. Does
   * nothing when no task is running.
   */
  streamingCancel(): void {
    const run = this.#run;
    if (!run || run.settled) return;
    if (run.started && run.socket) run.socket.send(serializeClientMessage(buildCancelTask(run.taskId)));
    this.#settle(run, new SynthesisError('Cancelled', 'The synthesis was cancelled', { taskId: run.taskId }));
  }

  /** The task id of the latest task (32 hex characters), as the SDK's `get_last_request_id`. */
  getLastRequestId(): string | undefined {
    return this.#lastRequestId;
  }

  /** The service's own id for the latest task (`request_uuid` of `task-finished`), once known. */
  getRequestUuid(): string | undefined {
    return this.#requestUuid;
  }

  /** Milliseconds from the start of the latest task (connecting included) to its first audio frame. */
  getFirstPackageDelay(): number | undefined {
    return this.#firstPackageDelay;
  }

  /** The latest JSON event received (the SDK's `get_response`). */
  getResponse(): ServerEvent | undefined {
    return this.#lastResponse;
  }

  /** Billed characters of the latest task so far (`usage.characters` of the latest event that had it). */
  getUsageCharacters(): number | undefined {
    return this.#usageCharacters;
  }

  /** The word timeline of the latest task (filled when `wordTimestampEnabled` is on). */
  getTimeline(): WordTimeline {
    return this.#run?.timeline ?? new WordTimeline();
  }

  /** How much audio the latest task has delivered so far, in ms (counted from the encoded stream). */
  getAudioDurationMs(): number {
    return this.#run?.counter.durationMs ?? 0;
  }

  #checkTimeout(value: unknown, field: string): void {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
      throw new ValidationError(field, `${field} must be a non-negative number of milliseconds; received ${String(value)}`);
    }
  }

  #activeStream(method: string): Run {
    const run = this.#run;
    if (!run || isTerminalState(this.#state)) throw new SynthesisError('InvalidState', `${method}(): speech synthesizer has not been started (call streamingCall first)`);
    if (run.mode !== 'stream') throw busy(method);
    return run;
  }


  #warn(message: string): void {
    try {
      (this.#options?.onWarning ?? ((text) => globalThis.console?.warn?.(`[cosyvoice-react] ${text}`)))(message);
    } catch {
      // Warnings are raised in socket handlers: a throwing onWarning must not escape into the WebSocket.
    }
  }

  #notify<K extends keyof SynthesisCallback>(name: K, ...args: Parameters<NonNullable<SynthesisCallback[K]>>): void {
    const fn = this.#options.callback?.[name] as ((...a: unknown[]) => void) | undefined;
    if (!fn) return;
    try {
      fn.apply(this.#options.callback, args);
    } catch (error) {
      this.#warn(`callback ${name} threw: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  #startRun(mode: 'call' | 'stream', enableSsml: boolean): Run {
    let resolve!: (audio: Uint8Array | null) => void;
    let reject!: (error: SynthesisError) => void;
    const done = new Promise<Uint8Array | null>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The promise is also handed out later; this keeps an unobserved failure from being "unhandled".
    done.catch(() => undefined);
    const run: Run = {
      taskId: createTaskId(),
      mode,
      socket: undefined,
      connectAbort: new AbortController(),
      started: false,
      queue: [],
      finishRequested: false,
      collect: !this.#options.callback,
      chunks: [],
      counter: new AudioDurationCounter(this.#options.format!),
      timeline: new WordTimeline(),
      sentenceOffsets: new Map(),
      lastSentenceEndMs: 0,
      characters: 0,
      timers: new Set(),
      startTimer: undefined,
      settled: false,
      done,
      resolve,
      reject,
    };
    this.#run = run;
    this.#lastRequestId = run.taskId;
    this.#requestUuid = undefined;
    this.#lastResponse = undefined;
    this.#firstPackageDelay = undefined;
    this.#usageCharacters = undefined;
    this.#startTimestamp = now();
    this.#state = 'connecting';
    void this.#connect(run, enableSsml);
    return run;
  }

  async #connect(run: Run, enableSsml: boolean): Promise<void> {
    const connectTimeout = this.#options.connectTimeoutMillis ?? 5000;
    const timer = this.#timer(run, connectTimeout, () => {
      const error = new SynthesisError('Timeout', `websocket connection could not be established within ${connectTimeout / 1000} s`, { retryable: true, taskId: run.taskId });
      run.connectAbort.abort(error);
      // Settle here too: a transport that ignores the abort signal must not leave the task hanging.
      this.#settle(run, error);
    });
    let socket: TransportSocket;
    try {
      socket = await this.#options.transport.connect(
        {
          onMessage: (data) => this.#onMessage(run, data),
          onClose: (code, reason) => this.#onClose(run, code, reason),
        },
        run.connectAbort.signal,
      );
    } catch (error) {
      if (!run.settled) {
        const failure = toSynthesisError(error, 'ConnectionFailed', { retryable: true, taskId: run.taskId });
        this.#settle(run, failure);
      }
      return;
    } finally {
      this.#clearTimer(run, timer);
    }
    if (run.settled) {
      socket.close(1000, 'cancelled');
      return;
    }
    run.socket = {
      // A transport whose send throws must not leave the task waiting for an answer that cannot come: the
      // task fails once the current step is done (a cancel that was sending settles as cancelled first).
      send: (text) => {
        try {
          socket.send(text);
        } catch (error) {
          queueMicrotask(() => this.#settle(run, toSynthesisError(error, 'ConnectionFailed', { retryable: true, taskId: run.taskId })));
        }
      },
      close: (code, reason) => socket.close(code, reason),
    };
    this.#notify('onOpen');
    if (run.settled) return; // settled from inside onOpen (a cancel)
    this.#state = 'starting';
    const startTimeout = this.#options.startTimeoutMillis ?? 10_000;
    run.startTimer = this.#timer(run, startTimeout, () => {
      if (!run.started) {
        this.#settle(run, new SynthesisError('Timeout', `TimeoutError: waiting for task started more than ${startTimeout} ms`, { retryable: true, taskId: run.taskId }));
      }
    });
    run.socket.send(serializeClientMessage(buildRunTask(run.taskId, this.#options.model, buildWireParameters(this.#options, { enableSsml }))));
  }

  #enqueue(run: Run, message: ClientMessage): void {
    if (run.started && run.socket) run.socket.send(serializeClientMessage(message));
    else run.queue.push(message);
  }

  #timer(run: Run, ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const handle = setTimeout(() => {
      run.timers.delete(handle);
      fn();
    }, ms);
    run.timers.add(handle);
    return handle;
  }

  #clearTimer(run: Run, handle: ReturnType<typeof setTimeout>): void {
    clearTimeout(handle);
    run.timers.delete(handle);
  }

  #armTimeout(run: Run, ms: number, method: string): void {
    if (!ms) return;
    this.#timer(run, ms, () => {
      if (run.settled) return;
      if (run.started && run.socket) run.socket.send(serializeClientMessage(buildCancelTask(run.taskId)));
      this.#settle(run, new SynthesisError('Timeout', `${method}() did not finish within ${ms} ms; the task was cancelled`, { retryable: true, taskId: run.taskId }));
    });
  }

  // Nothing here throws: the parser turns bad frames into `invalid`, callbacks and warnings are caught.
  #onMessage(run: Run, data: string | Uint8Array): void {
    if (run.settled || this.#run !== run) return;
    const frame = parseServerFrame(data);
    if (frame.kind === 'invalid') {
      this.#warn(`ignored a malformed server frame: ${frame.error.message}`);
      return;
    }
    if (frame.kind === 'audio') {
      if (this.#firstPackageDelay === undefined) this.#firstPackageDelay = Math.round(now() - this.#startTimestamp);
      run.counter.push(frame.data);
      if (run.collect) run.chunks.push(frame.data);
      this.#notify('onData', frame.data);
      return;
    }
    const event = frame.event;
    if (event.taskId && event.taskId !== run.taskId) {
      this.#warn(`ignored an event for another task (${event.taskId})`);
      return;
    }
    this.#lastResponse = event;
    if (event.usage) this.#usageCharacters = event.usage.characters;
    this.#notify('onEvent', event);
    switch (event.event) {
      case 'task-started':
        if (run.started) return;
        run.started = true;
        if (run.startTimer !== undefined) this.#clearTimer(run, run.startTimer);
        this.#state = run.finishRequested && run.mode === 'stream' ? 'finishing' : 'streaming';
        for (const message of run.queue.splice(0)) run.socket?.send(serializeClientMessage(message));
        if (run.mode === 'call') this.#state = 'finishing';
        return;
      case 'result-generated':
        this.#onResult(run, event);
        return;
      case 'task-finished':
        this.#requestUuid = event.requestUuid;
        this.#settle(run, null);
        return;
      case 'task-failed':
        this.#settle(run, new TaskFailedError(event.errorCode, event.errorMessage, { taskId: run.taskId }));
        return;
      case 'unknown':
        return;
      default:
        event satisfies never;
    }
  }

  #onResult(run: Run, event: ResultGeneratedEvent): void {
    const index = event.sentenceIndex ?? run.timeline.sentences.length;
    if (event.type === 'sentence-begin') {
      run.sentenceOffsets.set(index, run.counter.durationMs);
      return;
    }
    if (event.type !== 'sentence-end' && !(event.type === undefined && event.words.length > 0)) return;
    // Without a sentence-begin, the sentence began where the previous one's audio ended.
    const offset = run.sentenceOffsets.get(index) ?? run.lastSentenceEndMs;
    run.lastSentenceEndMs = run.counter.durationMs;
    const words = run.timeline.addSentence({ text: event.originalText ?? event.words.map((w) => w.text).join(''), audioOffsetMs: offset, words: event.words });
    const sentence = run.timeline.sentences[run.timeline.sentences.length - 1]!;
    this.#notify('onSentence', sentence, words);
  }

  #onClose(run: Run, code: number, reason: string): void {
    if (!run.settled) {
      this.#settle(
        run,
        new ConnectionError('ConnectionClosed', `The connection closed before the task ended (code ${code}${reason ? `: ${reason}` : ''})`, {
          closeCode: code,
          closeReason: reason,
          taskId: run.taskId,
        }),
      );
    }
    this.#notify('onClose');
  }

  #settle(run: Run, error: SynthesisError | null): void {
    if (run.settled) return;
    run.settled = true;
    this.#heldWhitespace = '';
    for (const timer of run.timers) clearTimeout(timer);
    run.timers.clear();
    run.queue.length = 0;
    if (!run.socket) run.connectAbort.abort(error ?? new SynthesisError('Cancelled', 'finished'));
    if (error) {
      this.#state = error.code === 'Cancelled' ? 'cancelled' : 'failed';
      this.#notify('onError', error);
      run.reject(error);
    } else {
      this.#state = 'completed';
      this.#notify('onComplete');
      run.resolve(run.collect ? concatBytes(run.chunks) : null);
    }
    run.chunks = [];
    // The service keeps a connection for more tasks, but like the Python SDK we close after each task.
    run.socket?.close(1000, error ? error.code : 'task finished');
  }
}

