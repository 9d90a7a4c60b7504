import { bindMethods } from './bindMethods';
import { concatBytes } from './concatBytes';
import { DEFAULT_AUDIO_FORMAT } from './AudioFormat';
import { MAX_CHARACTERS_PER_TASK, isSsml } from './countCharacters';
import { SynthesisError, ValidationError } from './errors';
import { buildWireParameters, validateSynthesisParameters, validateText, type SynthesisParameters } from './parameters';
import type { ServerEvent } from './protocol';
import { reportModelWarnings } from './reportModelWarnings';
import { SynthesisTask, type SynthesisTaskState } from './SynthesisTask';
import type { Transport } from './Transport';
import { WordTimeline, type TimelineSentence, type TimelineWord } from './WordTimeline';

/**
 * Where a synthesizer is in its current task. `completed`, `failed` and `cancelled` are terminal; from
 * `idle` or a terminal state a new `call` or `streamingCall` starts a new task.
 */
export type SynthesizerState = 'idle' | SynthesisTaskState;

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

/** The current task of a synthesizer, and what the SDK API keeps of it. */
interface Run {
  task: SynthesisTask;
  mode: 'call' | 'stream';
  timeline: WordTimeline;
  /** The audio, kept when there is no callback to stream it to. */
  chunks: Uint8Array[] | undefined;
  characters: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  done: Promise<Uint8Array | null>;
}

const DEFAULT_STREAMING_COMPLETE_TIMEOUT = 600_000;

function busy(method: string): SynthesisError {
  return new SynthesisError('InvalidState', `${method}() cannot be used while call() is running`);
}

/**
 * CosyVoice speech synthesis over the DashScope WebSocket protocol: the Python SDK's
 * `SpeechSynthesizer` in TypeScript, over one {@link SynthesisTask} at a time. After a task ends, the
 * next `call` or `streamingCall` starts a new task (with a new task id) on a new connection.
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
  #run: Run | undefined;
  #heldWhitespace = '';

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
    reportModelWarnings(options, (warning) => this.#warn(warning));
    // Bound so `const { call } = object` works (hooks hand these out as stable actions).
    bindMethods(this, ['call', 'streamingCall', 'streamingStart', 'streamingFlush', 'streamingComplete', 'streamingCancel']);
  }

  /** The current state. */
  get state(): SynthesizerState {
    return this.#run?.task.state ?? 'idle';
  }

  /**
   * Synthesizes a whole text (plain or SSML, ≤ 20 000 counted characters) in one task, sending
   * `enable_ssml: true` as the SDK does. Without a callback, resolves to the complete audio; with one,
   * streams to `onData` and resolves to `null` when the task ends.
   */
  async call(text: string, options: CompletionOptions = {}): Promise<Uint8Array | null> {
    const characters = validateText(text);
    this.#checkTimeout(options.timeoutMillis, 'timeoutMillis');
    if (this.#active()) {
      throw new SynthesisError('InvalidState', `call() cannot start while a task is ${this.state}; wait for it or cancel it first`);
    }
    const run = this.#startRun('call', true);
    run.task.send(text);
    run.characters = characters;
    run.task.finish();
    if (options.timeoutMillis) this.#armTimeout(run, options.timeoutMillis, 'call');
    return run.done;
  }

  /**
   * Sends a text fragment of a streaming task (≤ 20 000 counted characters; ≤ 200 000 per task; plain
   * text only). The first call opens the connection and starts the task; fragments are queued until
   * `task-started`. Throws at once, sending nothing, when the text or the state is invalid.
   */
  streamingCall(text: string): void {
    let run = this.#active();
    if (run) {
      if (run.mode === 'call') throw busy('streamingCall');
      if (run.task.finishRequested) throw new SynthesisError('InvalidState', 'streamingCall() after streamingComplete(): the task is finishing; start a new one after it ends');
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
    run.task.send(text);
  }

  /**
   * Opens the connection and starts a streaming task before any text is ready (saves the connection
   * time when the first fragment comes). Does nothing when a streaming task is already running.
   */
  streamingStart(): void {
    const run = this.#active();
    if (run) {
      if (run.mode === 'call') throw busy('streamingStart');
      return;
    }
    this.#startRun('stream', false);
  }

  /** Asks the service to synthesize the text it is holding now (a `continue-task` with `flush: true`). */
  streamingFlush(): void {
    this.#activeStream('streamingFlush').task.flush();
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
      if (run && run.mode === 'stream' && isTerminalState(run.task.state)) return run.done;
      const active = this.#activeStream('streamingComplete');
      if (!active.task.finishRequested) {
        active.task.finish();
        this.#armTimeout(active, options.timeoutMillis ?? DEFAULT_STREAMING_COMPLETE_TIMEOUT, 'streamingComplete');
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
    this.#run?.task.cancel();
  }

  /** The task id of the latest task (32 hex characters), as the SDK's `get_last_request_id`. */
  getLastRequestId(): string | undefined {
    return this.#run?.task.id;
  }

  /** The service's own id for the latest task (`request_uuid` of `task-finished`), once known. */
  getRequestUuid(): string | undefined {
    return this.#run?.task.requestUuid;
  }

  /** Milliseconds from the start of the latest task (connecting included) to its first audio frame. */
  getFirstPackageDelay(): number | undefined {
    return this.#run?.task.firstPackageDelayMs;
  }

  /** The latest JSON event received (the SDK's `get_response`). */
  getResponse(): ServerEvent | undefined {
    return this.#run?.task.lastEvent;
  }

  /** Billed characters of the latest task so far (`usage.characters` of the latest event that had it). */
  getUsageCharacters(): number | undefined {
    return this.#run?.task.usageCharacters;
  }

  /** The word timeline of the latest task (filled when `wordTimestampEnabled` is on). */
  getTimeline(): WordTimeline {
    return this.#run?.timeline ?? new WordTimeline();
  }

  /** How much audio the latest task has delivered so far, in ms (counted from the encoded stream). */
  getAudioDurationMs(): number {
    return this.#run?.task.audioDurationMs ?? 0;
  }

  /** The current run while its task has not ended. */
  #active(): Run | undefined {
    const run = this.#run;
    return run && !isTerminalState(run.task.state) ? run : undefined;
  }

  #checkTimeout(value: unknown, field: string): void {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
      throw new ValidationError(field, `${field} must be a non-negative number of milliseconds; received ${String(value)}`);
    }
  }

  #activeStream(method: string): Run {
    const run = this.#active();
    if (!run) throw new SynthesisError('InvalidState', `${method}(): speech synthesizer has not been started (call streamingCall first)`);
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
    const options = this.#options;
    const timeline = new WordTimeline();
    const chunks = options.callback ? undefined : ([] as Uint8Array[]);
    // The run is current before its task starts: the task reports its state through it from the start.
    const run = { mode, timeline, chunks, characters: 0, timer: undefined, done } as Run;
    this.#run = run;
    run.task = new SynthesisTask(
      {
        transport: options.transport,
        model: options.model,
        parameters: buildWireParameters(options, { enableSsml }),
        format: options.format!,
        connectTimeoutMillis: options.connectTimeoutMillis,
        startTimeoutMillis: options.startTimeoutMillis,
      },
      {
        onOpen: () => this.#notify('onOpen'),
        onEvent: (event) => this.#notify('onEvent', event),
        onAudio: (audio) => {
          run.chunks?.push(audio);
          this.#notify('onData', audio);
        },
        onSentence: (input) => {
          const words = timeline.addSentence(input);
          this.#notify('onSentence', timeline.sentences[timeline.sentences.length - 1]!, words);
        },
        onEnd: (error) => {
          this.#heldWhitespace = '';
          clearTimeout(run.timer);
          if (error) {
            this.#notify('onError', error);
            reject(error);
          } else {
            this.#notify('onComplete');
            resolve(run.chunks ? concatBytes(run.chunks) : null);
          }
          run.chunks = undefined;
        },
        onClose: () => this.#notify('onClose'),
        onWarning: (message) => this.#warn(message),
      },
    );
    return run;
  }

  #armTimeout(run: Run, ms: number, method: string): void {
    if (!ms) return;
    run.timer = setTimeout(() => {
      run.task.cancel(new SynthesisError('Timeout', `${method}() did not finish within ${ms} ms; the task was cancelled`, { retryable: true, taskId: run.task.id }));
    }, ms);
  }
}
