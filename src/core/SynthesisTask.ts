import { AudioDurationCounter } from './AudioDurationCounter';
import type { AudioFormatSpec } from './AudioFormat';
import { ConnectionError, SynthesisError, TaskFailedError, ValidationError, toSynthesisError } from './errors';
import { now } from './now';
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
  type ServerEvent,
  type WireParameters,
} from './protocol';
import type { Transport, TransportSocket } from './Transport';
import type { SentenceInput } from './WordTimeline';

/**
 * Where a task is: `connecting` (opening its socket), `starting` (`run-task` sent), `streaming` (the
 * service accepted it), `finishing` (`finish-task` sent), then one of `completed`, `failed`, `cancelled`.
 */
export type SynthesisTaskState = 'connecting' | 'starting' | 'streaming' | 'finishing' | 'completed' | 'failed' | 'cancelled';

/** What a {@link SynthesisTask} reports. Each is optional; none may throw into the socket (a throw becomes a warning). */
export interface SynthesisTaskHandlers {
  /** The socket opened; `run-task` goes out next. */
  onOpen?(): void;
  /** A JSON event of this task arrived. */
  onEvent?(event: ServerEvent): void;
  /** An audio frame arrived, in the requested format. */
  onAudio?(audio: Uint8Array): void;
  /** A sentence ended: its text, words and where its audio starts in the task's audio. */
  onSentence?(sentence: SentenceInput): void;
  /** The task ended, exactly once: with no error after `task-finished`, else failed or cancelled. */
  onEnd?(error: SynthesisError | undefined): void;
  /** The socket closed. */
  onClose?(): void;
  /** Malformed frames, events of other tasks, handlers that threw. */
  onWarning?(message: string): void;
}

/** Options of {@link SynthesisTask}. */
export interface SynthesisTaskOptions {
  transport: Transport;
  model: string;
  /** `payload.parameters` of `run-task` (see `buildWireParameters`). */
  parameters: WireParameters;
  /** The requested format, to count the audio's duration. */
  format: AudioFormatSpec;
  /** How long opening the socket may take. @default 5000 */
  connectTimeoutMillis?: number;
  /** How long the service may take to answer `run-task`. @default 10000 */
  startTimeoutMillis?: number;
}

/**
 * One task of the DashScope protocol: opens its socket through the transport, sends `run-task`,
 * queues text until `task-started`, reports audio, sentences (with where each one's audio starts,
 * counted from the audio itself) and events, and ends in `completed`, `failed` or `cancelled` with
 * exactly one `onEnd` — a dropped socket, a `task-failed`, a timeout or a cancel always end it. Nothing
 * throws out of a socket handler. `SpeechSynthesizer` (the SDK) and the speech controllers run tasks.
 *
 * @example
 * const task = new SynthesisTask({ transport, model, parameters: buildWireParameters(params), format }, {
 *   onAudio: (bytes) => player.enqueue(bytes),
 *   onEnd: (error) => console.log(error ? error.code : 'done'),
 * });
 * task.send('Hello.');
 * task.finish();
 */
export class SynthesisTask {
  readonly id = createTaskId();
  readonly #options: SynthesisTaskOptions;
  readonly #handlers: SynthesisTaskHandlers;
  #state: SynthesisTaskState = 'connecting';
  #socket: TransportSocket | undefined;
  #connectAbort = new AbortController();
  #queue: ClientMessage[] = [];
  #finishRequested = false;
  #heldWhitespace = '';
  #counter: AudioDurationCounter;
  #sentenceStarts = new Map<number, number>();
  #sentenceCount = 0;
  #lastSentenceEndMs = 0;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  #startedAt = now();
  /** Milliseconds from the task's start (connecting included) to its first audio frame. */
  firstPackageDelayMs: number | undefined;
  /** Billed characters so far (`usage.characters` of the latest event that had it). */
  usageCharacters: number | undefined;
  /** The service's id for the request (`request_uuid` of `task-finished`). */
  requestUuid: string | undefined;
  /** The latest JSON event received. */
  lastEvent: ServerEvent | undefined;

  constructor(options: SynthesisTaskOptions, handlers: SynthesisTaskHandlers = {}) {
    for (const field of ['connectTimeoutMillis', 'startTimeoutMillis'] as const) {
      const value = options[field];
      if (value !== undefined && !(typeof value === 'number' && value > 0)) {
        throw new ValidationError(field, `${field} must be a positive number of milliseconds; received ${String(value)}`);
      }
    }
    this.#options = options;
    this.#handlers = handlers;
    this.#counter = new AudioDurationCounter(options.format);
    void this.#connect();
  }

  get state(): SynthesisTaskState {
    return this.#state;
  }

  /** `finish()` was called: no more text. */
  get finishRequested(): boolean {
    return this.#finishRequested;
  }

  /** The audio received so far, in ms (counted from the encoded stream). */
  get audioDurationMs(): number {
    return this.#counter.durationMs;
  }

  /**
   * Sends a text fragment (`continue-task`), after `task-started` (queued until then). Whitespace alone
   * (an LLM's token between words) waits for the next fragment, and is dropped if none comes.
   */
  send(text: string): void {
    if (!text.trim()) {
      this.#heldWhitespace += text;
      return;
    }
    this.#enqueue(buildContinueTask(this.id, this.#heldWhitespace + text));
    this.#heldWhitespace = '';
  }

  /** Asks the service to synthesize the text it holds now (`continue-task` with `flush: true`). */
  flush(): void {
    this.#enqueue(buildFlush(this.id));
  }

  /** No more text: sends `finish-task`; the task completes when `task-finished` arrives. */
  finish(): void {
    if (this.#finishRequested) return;
    this.#finishRequested = true;
    this.#enqueue(buildFinishTask(this.id));
    if (this.#state === 'streaming') this.#state = 'finishing';
  }

  /**
   * Ends the task now with `error` (default `Cancelled`): sends the cancel directive once the task has
   * started, drops any further audio and closes the socket. Does nothing once the task has ended.
   */
  cancel(error: SynthesisError = new SynthesisError('Cancelled', 'The synthesis was cancelled', { taskId: this.id })): void {
    if (this.#settled) return;
    if (this.#isStarted() && this.#socket) this.#socket.send(serializeClientMessage(buildCancelTask(this.id)));
    this.#settle(error);
  }

  get #settled(): boolean {
    return this.#state === 'completed' || this.#state === 'failed' || this.#state === 'cancelled';
  }

  #isStarted(): boolean {
    return this.#state === 'streaming' || this.#state === 'finishing';
  }

  #call<K extends keyof SynthesisTaskHandlers>(name: K, ...args: Parameters<NonNullable<SynthesisTaskHandlers[K]>>): void {
    const handler = this.#handlers[name] as ((...a: unknown[]) => void) | undefined;
    try {
      handler?.(...args);
    } catch (error) {
      if (name !== 'onWarning') this.#call('onWarning', `callback ${name} threw: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  async #connect(): Promise<void> {
    const connectTimeout = this.#options.connectTimeoutMillis ?? 5000;
    const timer = this.#timer(connectTimeout, () => {
      const error = new SynthesisError('Timeout', `websocket connection could not be established within ${connectTimeout / 1000} s`, { retryable: true, taskId: this.id });
      this.#connectAbort.abort(error);
      // Settle here too: a transport that ignores the abort signal must not leave the task hanging.
      this.#settle(error);
    });
    let socket: TransportSocket;
    try {
      socket = await this.#options.transport.connect(
        {
          onMessage: (data) => this.#onMessage(data),
          onClose: (code, reason) => this.#onClose(code, reason),
        },
        this.#connectAbort.signal,
      );
    } catch (error) {
      if (!this.#settled) this.#settle(toSynthesisError(error, 'ConnectionFailed', { retryable: true, taskId: this.id }));
      return;
    } finally {
      clearTimeout(timer);
      this.#timers.delete(timer);
    }
    if (this.#settled) {
      socket.close(1000, 'cancelled');
      return;
    }
    this.#socket = {
      // A transport whose send throws must not leave the task waiting for an answer that cannot come: the
      // task fails once the current step is done (a cancel that was sending settles as cancelled first).
      send: (text) => {
        try {
          socket.send(text);
        } catch (error) {
          queueMicrotask(() => this.#settle(toSynthesisError(error, 'ConnectionFailed', { retryable: true, taskId: this.id })));
        }
      },
      close: (code, reason) => socket.close(code, reason),
    };
    this.#call('onOpen');
    if (this.#settled) return; // settled from inside onOpen (a cancel)
    this.#state = 'starting';
    const startTimeout = this.#options.startTimeoutMillis ?? 10_000;
    this.#startTimer = this.#timer(startTimeout, () => {
      this.#settle(new SynthesisError('Timeout', `TimeoutError: waiting for task started more than ${startTimeout} ms`, { retryable: true, taskId: this.id }));
    });
    this.#socket.send(serializeClientMessage(buildRunTask(this.id, this.#options.model, this.#options.parameters)));
  }

  #enqueue(message: ClientMessage): void {
    if (this.#isStarted() && this.#socket) this.#socket.send(serializeClientMessage(message));
    else this.#queue.push(message);
  }

  #timer(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const handle = setTimeout(() => {
      this.#timers.delete(handle);
      fn();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  // Nothing here throws: the parser turns bad frames into `invalid`, handlers and warnings are caught.
  #onMessage(data: string | Uint8Array): void {
    if (this.#settled) return;
    const frame = parseServerFrame(data);
    if (frame.kind === 'invalid') {
      this.#call('onWarning', `ignored a malformed server frame: ${frame.error.message}`);
      return;
    }
    if (frame.kind === 'audio') {
      this.firstPackageDelayMs ??= Math.round(now() - this.#startedAt);
      this.#counter.push(frame.data);
      this.#call('onAudio', frame.data);
      return;
    }
    const event = frame.event;
    if (event.taskId && event.taskId !== this.id) {
      this.#call('onWarning', `ignored an event for another task (${event.taskId})`);
      return;
    }
    this.lastEvent = event;
    if (event.usage) this.usageCharacters = event.usage.characters;
    this.#call('onEvent', event);
    switch (event.event) {
      case 'task-started':
        if (this.#state !== 'starting') return;
        clearTimeout(this.#startTimer);
        this.#timers.delete(this.#startTimer!);
        this.#startTimer = undefined;
        this.#state = this.#finishRequested ? 'finishing' : 'streaming';
        for (const message of this.#queue.splice(0)) this.#socket?.send(serializeClientMessage(message));
        return;
      case 'result-generated': {
        const index = event.sentenceIndex ?? this.#sentenceCount;
        if (event.type === 'sentence-begin') {
          this.#sentenceStarts.set(index, this.#counter.durationMs);
          return;
        }
        if (event.type !== 'sentence-end' && !(event.type === undefined && event.words.length > 0)) return;
        // Without a sentence-begin, the sentence began where the previous one's audio ended.
        const audioOffsetMs = this.#sentenceStarts.get(index) ?? this.#lastSentenceEndMs;
        this.#lastSentenceEndMs = this.#counter.durationMs;
        this.#sentenceCount++;
        this.#call('onSentence', { text: event.originalText ?? event.words.map((w) => w.text).join(''), audioOffsetMs, words: event.words });
        return;
      }
      case 'task-finished':
        this.requestUuid = event.requestUuid;
        this.#settle(undefined);
        return;
      case 'task-failed':
        this.#settle(new TaskFailedError(event.errorCode, event.errorMessage, { taskId: this.id }));
        return;
      case 'unknown':
        return;
      default:
        event satisfies never;
    }
  }

  #onClose(code: number, reason: string): void {
    if (!this.#settled) {
      this.#settle(
        new ConnectionError('ConnectionClosed', `The connection closed before the task ended (code ${code}${reason ? `: ${reason}` : ''})`, {
          closeCode: code,
          closeReason: reason,
          taskId: this.id,
        }),
      );
    }
    this.#call('onClose');
  }

  #settle(error: SynthesisError | undefined): void {
    if (this.#settled) return;
    this.#state = error ? (error.code === 'Cancelled' ? 'cancelled' : 'failed') : 'completed';
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    if (!this.#socket) this.#connectAbort.abort(error ?? new SynthesisError('Cancelled', 'finished'));
    this.#call('onEnd', error);
    // The service keeps a connection for more tasks, but like the Python SDK we close after each task.
    this.#socket?.close(1000, error ? error.code : 'task finished');
  }
}
