import { bindMethods } from './bindMethods';
import { DEFAULT_AUDIO_FORMAT, type AudioFormatSpec } from './AudioFormat';
import { MAX_CHARACTERS_PER_MESSAGE, MAX_CHARACTERS_PER_TASK, countCharacters, isSsml } from './countCharacters';
import { SynthesisError, ValidationError, toSynthesisError } from './errors';
import type { SynthesisParameters } from './parameters';
import type { PlaybackEngine, PlaybackSnapshot } from './PlaybackEngine';
import { SpeechSynthesizer } from './SpeechSynthesizer';
import type { Transport } from './Transport';
import type { TimelineSentence, TimelineWord } from './WordTimeline';

/** What a speech hook shows: one string, rendered as `data-state` by the components. */
export type SpeechStatus = 'idle' | 'connecting' | 'buffering' | 'speaking' | 'paused' | 'ended' | 'error';

/** Measurements of the current (or last) utterance. */
export interface SpeechMetrics {
  /** From `speak` (connecting included) to the first audio frame from the service. */
  firstPackageDelayMs: number | undefined;
  /** From `speak` to the first sample actually played. */
  timeToFirstAudioMs: number | undefined;
  /** The task id of the latest task (what the SDK calls the request id). */
  requestId: string | undefined;
  /** Billed characters so far (CJK ideographs count 2), over all tasks of the utterance. */
  characters: number | undefined;
  /** How often playback ran dry waiting for the network. */
  underruns: number;
}

/** The state of a {@link SpeechController}; a new object only when something in it changes. */
export interface SpeechSnapshot {
  status: SpeechStatus;
  /** Why `status` is `error`: typed, with `code` and `retryable`. */
  error: SynthesisError | undefined;
  /** The word timeline so far, in absolute time (grows as sentences end). */
  words: readonly TimelineWord[];
  /** The sentences so far (over every task of the utterance), for captions. */
  sentences: readonly TimelineSentence[];
  /** The word being heard, or -1. */
  activeWordIndex: number;
  /** The text spoken so far (what `speak` got, or the fragments written). */
  text: string;
  metrics: SpeechMetrics;
  /** The audio output was taken by the system (iOS): a tap on resume continues. */
  interrupted: boolean;
  /** All audio has arrived, so `seek` and download work. */
  isComplete: boolean;
  /** Increases with every new utterance. */
  utterance: number;
}

/** Event callbacks; read through `getCallbacks` every time, so the latest ones are used. */
export interface SpeechCallbacks {
  /** The first audio of an utterance is playing. */
  onStart?(): void;
  /** A new word is being heard. */
  onWord?(word: TimelineWord, index: number): void;
  /** The utterance was spoken to the end. */
  onEnd?(): void;
  /** The utterance failed (never for `stop`/`cancel`). */
  onError?(error: SynthesisError): void;
}

/** Options of {@link SpeechController}. */
export interface SpeechControllerOptions {
  /** Where to connect. */
  transport: Transport;
  /** Request parameters for every utterance (`model` and `voice` are needed by `speak` time). */
  defaults?: Partial<SynthesisParameters>;
  /** Creates the player on first use (inside the user's gesture). */
  createPlayer: () => PlaybackEngine;
  /** Latest callbacks (a hook passes a ref reader). */
  getCallbacks?: () => SpeechCallbacks | undefined;
  /**
   * Streaming only: finish the task after this long without new text, and continue in a new task when
   * text comes again — the service fails a task after 23 s without text. @default 20000
   */
  idleFinishMs?: number;
  /** Passed to every synthesizer. */
  connectTimeoutMillis?: number;
  startTimeoutMillis?: number;
  onWarning?(message: string): void;
}

const EMPTY_WORDS: readonly TimelineWord[] = /* @__PURE__ */ Object.freeze([]);
const EMPTY_SENTENCES: readonly TimelineSentence[] = /* @__PURE__ */ Object.freeze([]);
const EMPTY_METRICS: SpeechMetrics = /* @__PURE__ */ Object.freeze({ firstPackageDelayMs: undefined, timeToFirstAudioMs: undefined, requestId: undefined, characters: undefined, underruns: 0 });

/** The snapshot of a controller that has never spoken (also what servers render). */
export const IDLE_SPEECH_SNAPSHOT: SpeechSnapshot = /* @__PURE__ */ Object.freeze({
  status: 'idle',
  error: undefined,
  words: EMPTY_WORDS,
  sentences: EMPTY_SENTENCES,
  activeWordIndex: -1,
  text: '',
  metrics: EMPTY_METRICS,
  interrupted: false,
  isComplete: false,
  utterance: 0,
});

/** One synthesizer task of an utterance (internal; shared with the streaming controller). */
export interface Task {
  synthesizer: SpeechSynthesizer;
  /** Where this task's audio starts on the utterance's timeline. */
  audioOffsetMs: number;
  /** Where this task's text starts in the utterance's text. */
  textOffset: number;
  characters: number;
  finishing: boolean;
  /** The task has ended (`task-finished`); more text needs a new task. */
  done: boolean;
}

/** One utterance (internal; shared with the streaming controller). */
export interface Utterance {
  id: number;
  mode: 'speak' | 'stream';
  format: AudioFormatSpec;
  params: SynthesisParameters;
  startedAt: number;
  chunks: Uint8Array[];
  words: readonly TimelineWord[];
  sentences: readonly TimelineSentence[];
  text: string;
  task: Task | undefined;
  /** Text written while a task was finishing, for the next task. */
  pending: string[];
  completing: boolean;
  synthesisDone: boolean;
  firstPackageDelayMs: number | undefined;
  charactersBefore: number;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  started: boolean;
  ended: boolean;
  lastWord: number;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * The framework-agnostic engine behind `useSpeechSynthesis` and `useStreamingSynthesis`: it runs
 * synthesizers over a transport, feeds their audio and word timeline to a player, and keeps one
 * cached snapshot (`subscribe` / `getSnapshot`, for `useSyncExternalStore`).
 *
 * One utterance at a time: `speak` or `start` while speaking replaces the current utterance (its
 * audio stops and its late events are dropped). Errors become `status: 'error'`; no method throws.
 *
 * @example
 * const controller = new SpeechController({ transport, defaults: { model, voice }, createPlayer: () => createAudioPlayer() });
 * button.onclick = () => controller.speak('Hello');
 */
export class SpeechController {
  protected readonly options: SpeechControllerOptions;
  #snapshot: SpeechSnapshot = IDLE_SPEECH_SNAPSHOT;
  #listeners = new Set<() => void>();
  #wordListeners = new Map<number, Set<() => void>>();
  #player: PlaybackEngine | undefined;
  #unsubscribePlayer: (() => void) | undefined;
  protected utterance: Utterance | undefined;
  #nextId = 1;
  #endWaiters: Array<(status: SpeechStatus) => void> = [];
  #defaults: Partial<SynthesisParameters>;
  #transport: Transport;

  constructor(options: SpeechControllerOptions) {
    this.options = options;
    this.#defaults = options.defaults ?? {};
    this.#transport = options.transport;
    // Bound so `const { subscribe } = object` works (hooks hand these out as stable actions).
    bindMethods(this, ['subscribe', 'getSnapshot', 'subscribeWord', 'speak', 'stop', 'pause', 'resume', 'seek']);
  }

  /** Replaces the default request parameters for later utterances. */
  setDefaults(defaults: Partial<SynthesisParameters>): void {
    this.#defaults = defaults;
  }

  /** Uses another transport for later utterances. */
  setTransport(transport: Transport): void {
    this.#transport = transport;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  getSnapshot(): SpeechSnapshot {
    return this.#snapshot;
  }

  /**
   * Calls `listener` only when word `index` changes between pending, active and spoken — so a text of
   * 10 000 words notifies two words per word change, not all of them.
   */
  subscribeWord(index: number, listener: () => void): () => void {
    let set = this.#wordListeners.get(index);
    if (!set) this.#wordListeners.set(index, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#wordListeners.delete(index);
    };
  }

  /** Whether word `index` is `spoken` (heard already), `active` (being heard) or `pending`. */
  getWordState(index: number): 'pending' | 'active' | 'spoken' {
    if (this.#snapshot.status === 'ended') return index < this.#snapshot.words.length ? 'spoken' : 'pending';
    const active = this.#snapshot.activeWordIndex;
    return index === active ? 'active' : index < active ? 'spoken' : 'pending';
  }

  /** The player, once created (for granular position reads). */
  get player(): PlaybackEngine | undefined {
    return this.#player;
  }

  /** The complete audio of the last utterance, as received (chunks), with its format. */
  getAudio(): { chunks: readonly Uint8Array[]; format: AudioFormatSpec } | undefined {
    const utterance = this.utterance;
    if (!utterance || !utterance.synthesisDone) return undefined;
    return { chunks: utterance.chunks, format: utterance.format };
  }

  /** The heard position in ms (0 before playback). */
  getPositionMs(): number {
    return this.#player?.getPositionMs() ?? 0;
  }

  /**
   * Speaks a whole text (plain or SSML). Call it from the user's gesture (the audio output is unlocked
   * synchronously here). Plain text longer than one message is sent in pieces; up to 200 000 counted
   * characters.
   */
  speak(text: string, overrides: Partial<SynthesisParameters> = {}): void {
    const utterance = this.beginUtterance('speak', overrides, text);
    if (!utterance) return;
    try {
      if (typeof text !== 'string' || text.trim() === '') throw new ValidationError('text', 'speak() needs non-empty text');
      const counted = countCharacters(text);
      if (isSsml(text)) {
        if (counted > MAX_CHARACTERS_PER_MESSAGE) throw new ValidationError('text', `SSML text has ${counted} characters; at most ${MAX_CHARACTERS_PER_MESSAGE} are allowed (SSML cannot be split)`, 'TextTooLong');
        const task = this.startTask(utterance);
        task.synthesizer.call(text).then(
          () => this.onTaskDone(utterance, task),
          (error: unknown) => this.fail(utterance, error),
        );
        return;
      }
      if (counted > MAX_CHARACTERS_PER_TASK) throw new ValidationError('text', `text has ${counted} characters (CJK ideographs count 2); at most ${MAX_CHARACTERS_PER_TASK} can be spoken at once`, 'TextTooLong');
      const task = this.startTask(utterance);
      const send = (pieces: string[]): void => {
        for (const piece of pieces) task.synthesizer.streamingCall(piece);
        task.finishing = true;
        task.synthesizer.streamingComplete({ timeoutMillis: 0 }).then(
          () => this.onTaskDone(utterance, task),
          (error: unknown) => this.fail(utterance, error),
        );
      };
      if (counted <= MAX_CHARACTERS_PER_MESSAGE) send([text]);
      // Longer texts are rare: the splitter is loaded only for them.
      else import('./splitText').then(({ splitText }) => this.utterance === utterance && send(splitText(text)), (error: unknown) => this.fail(utterance, error));
    } catch (error) {
      this.fail(utterance, error);
    }
  }

  /** Stops at once: cancels synthesis, drops queued audio; the status becomes `idle`. */
  stop(): void {
    const utterance = this.utterance;
    if (!utterance) return;
    this.#teardown(utterance);
    this.utterance = undefined;
    this.#player?.stop();
    this.#setSnapshot({ ...IDLE_SPEECH_SNAPSHOT, utterance: utterance.id, metrics: this.#snapshot.metrics, words: this.#snapshot.words, sentences: this.#snapshot.sentences, text: this.#snapshot.text });
    this.#resolveWaiters('idle');
  }

  pause(): void {
    if (this.utterance && !this.isFinal(this.utterance)) this.#player?.pause();
  }

  /** Resumes after `pause` or an interruption; after the end, plays again from the start. */
  resume(): void {
    const utterance = this.utterance;
    if (!utterance || !this.#player) return;
    this.#player.unlock();
    if (this.#snapshot.status === 'ended') {
      this.#player.seek(0);
      return;
    }
    this.#player.resume();
  }

  /** Jumps to `ms` once all audio has arrived; returns whether it could. */
  seek(ms: number): boolean {
    const utterance = this.utterance;
    if (!utterance || !this.#player || !this.#player.getSnapshot().canSeek) return false;
    this.#player.unlock();
    this.#player.seek(Math.max(0, ms));
    return true;
  }

  /**
   * Stops everything and releases the player (its audio output). The controller stays usable: the
   * next `speak` creates a new player — which is what a component that unmounts and mounts again
   * (React StrictMode) needs.
   */
  release(): void {
    this.stop();
    this.#unsubscribePlayer?.();
    this.#unsubscribePlayer = undefined;
    this.#player?.dispose();
    this.#player = undefined;
  }

  protected beginUtterance(mode: 'speak' | 'stream', overrides: Partial<SynthesisParameters>, text: string): Utterance | undefined {
    const previous = this.utterance;
    if (previous) this.#teardown(previous);
    this.#resolveWaiters('idle');
    const params = { ...this.#defaults, ...overrides } as SynthesisParameters;
    const format = params.format ?? DEFAULT_AUDIO_FORMAT;
    const utterance: Utterance = {
      id: this.#nextId++,
      mode,
      format,
      params,
      startedAt: now(),
      chunks: [],
      words: EMPTY_WORDS,
      sentences: EMPTY_SENTENCES,
      text,
      task: undefined,
      pending: [],
      completing: false,
      synthesisDone: false,
      firstPackageDelayMs: undefined,
      charactersBefore: 0,
      idleTimer: undefined,
      started: false,
      ended: false,
      lastWord: -1,
    };
    // Current before the player is touched, so whatever it reports (the previous playthrough stopping, a
    // context that cannot be made or unlocked) belongs to this utterance and never republishes the last one.
    this.utterance = utterance;
    this.#setSnapshot({ ...IDLE_SPEECH_SNAPSHOT, status: 'connecting', text, utterance: utterance.id });
    try {
      const player = (this.#player ??= this.options.createPlayer());
      this.#unsubscribePlayer ??= player.subscribe(() => this.#onPlayer());
      player.stop();
      player.begin(format, utterance.startedAt);
      player.unlock();
    } catch (error) {
      this.fail(utterance, error);
    }
    // An audio output that failed here fails the utterance before anything is sent.
    return this.#snapshot.status === 'error' ? undefined : utterance;
  }

  protected startTask(utterance: Utterance): Task {
    const previous = utterance.task;
    const synthesizer = new SpeechSynthesizer({
      ...utterance.params,
      transport: this.#transport,
      connectTimeoutMillis: this.options.connectTimeoutMillis,
      startTimeoutMillis: this.options.startTimeoutMillis,
      onWarning: this.options.onWarning ?? (() => undefined),
      callback: {
        onData: (chunk) => this.#onData(utterance, task, chunk),
        onSentence: (sentence, words) => this.#onSentence(utterance, task, sentence, words),
        // Streaming tasks can fail between calls (the service's idle limit, a dropped socket).
        onError: (error) => {
          if (this.utterance === utterance && utterance.task === task) this.fail(utterance, error);
        },
        onEvent: (event) => {
          if (event.event === 'task-started' && this.utterance === utterance && this.#snapshot.status === 'connecting') this.publish({ status: 'buffering' });
        },
      },
    });
    const task: Task = {
      synthesizer,
      audioOffsetMs: previous ? previous.audioOffsetMs + previous.synthesizer.getAudioDurationMs() : 0,
      textOffset: previous ? previous.textOffset + previous.synthesizer.getTimeline().text.length : 0,
      characters: 0,
      finishing: false,
      done: false,
    };
    if (previous) {
      utterance.charactersBefore += previous.synthesizer.getUsageCharacters() ?? 0;
      this.#player?.nextStream();
    }
    utterance.task = task;
    return task;
  }

  protected onTaskDone(utterance: Utterance, task: Task): void {
    if (this.utterance !== utterance || utterance.task !== task) return;
    task.done = true;
    this.#publishMetrics(utterance);
    if (utterance.mode === 'speak') this.onAllSynthesized(utterance);
    else this.onStreamTaskDone(utterance, task);
  }

  /** Streaming controllers continue with the text written meanwhile; a one-shot utterance never gets here. */
  protected onStreamTaskDone(_utterance: Utterance, _task: Task): void {}

  protected onAllSynthesized(utterance: Utterance): void {
    utterance.synthesisDone = true;
    this.clearIdle(utterance);
    this.#player?.end();
    this.publish({ isComplete: true });
    this.#onPlayer();
  }

  protected clearIdle(utterance: Utterance): void {
    if (utterance.idleTimer !== undefined) clearTimeout(utterance.idleTimer);
    utterance.idleTimer = undefined;
  }

  #onData(utterance: Utterance, task: Task, chunk: Uint8Array): void {
    if (this.utterance !== utterance || utterance.task !== task) return;
    utterance.chunks.push(chunk);
    if (utterance.firstPackageDelayMs === undefined) {
      utterance.firstPackageDelayMs = Math.round(now() - utterance.startedAt);
      this.#publishMetrics(utterance);
    }
    this.#player?.enqueue(chunk);
  }

  #onSentence(utterance: Utterance, task: Task, sentence: TimelineSentence, words: readonly TimelineWord[]): void {
    if (this.utterance !== utterance || utterance.task !== task) return;
    // The task's times and indexes start at its own beginning; the utterance's span all its tasks.
    const index = utterance.sentences.length;
    const shifted = words.map((word) => ({
      ...word,
      beginMs: word.beginMs + task.audioOffsetMs,
      endMs: word.endMs + task.audioOffsetMs,
      beginIndex: word.beginIndex + task.textOffset,
      endIndex: word.endIndex + task.textOffset,
      sentenceIndex: index,
    }));
    utterance.sentences = Object.freeze([
      ...utterance.sentences,
      {
        ...sentence,
        index,
        textOffset: sentence.textOffset + task.textOffset,
        beginMs: sentence.beginMs + task.audioOffsetMs,
        endMs: sentence.endMs + task.audioOffsetMs,
        firstWord: utterance.words.length,
      },
    ]);
    if (shifted.length > 0) {
      utterance.words = Object.freeze([...utterance.words, ...shifted]);
      this.#player?.setWords(utterance.words);
    }
    this.publish({ words: utterance.words, sentences: utterance.sentences });
    this.#publishMetrics(utterance);
  }

  #publishMetrics(utterance: Utterance): void {
    const task = utterance.task;
    const playback = this.#player?.getSnapshot();
    const taskCharacters = task?.synthesizer.getUsageCharacters();
    const metrics: SpeechMetrics = {
      firstPackageDelayMs: utterance.firstPackageDelayMs,
      timeToFirstAudioMs: playback?.timeToFirstAudioMs,
      requestId: task?.synthesizer.getLastRequestId(),
      characters: taskCharacters === undefined && utterance.charactersBefore === 0 ? undefined : utterance.charactersBefore + (taskCharacters ?? 0),
      underruns: playback?.underruns ?? 0,
    };
    const current = this.#snapshot.metrics;
    if ((Object.keys(metrics) as Array<keyof SpeechMetrics>).every((key) => current[key] === metrics[key])) return;
    this.publish({ metrics });
  }

  #onPlayer(): void {
    const utterance = this.utterance;
    const player = this.#player;
    if (!utterance || !player) return;
    const playback = player.getSnapshot();
    if (this.#snapshot.status === 'error') return;
    if (playback.state === 'error') {
      this.fail(utterance, playback.error ?? new SynthesisError('AudioFailed', 'Audio playback failed'));
      return;
    }
    const status = this.#statusFrom(utterance, playback);
    const activeWordIndex = playback.activeWordIndex;
    this.publish({ status, activeWordIndex, interrupted: playback.state === 'interrupted' });
    this.#publishMetrics(utterance);
    const callbacks = this.options.getCallbacks?.();
    if (!utterance.started && playback.state === 'playing') {
      utterance.started = true;
      safely(() => callbacks?.onStart?.());
    }
    if (activeWordIndex !== utterance.lastWord && activeWordIndex >= 0) {
      utterance.lastWord = activeWordIndex;
      const word = utterance.words[activeWordIndex];
      if (word) safely(() => callbacks?.onWord?.(word, activeWordIndex));
    }
    if (status === 'ended' && !utterance.ended) {
      utterance.ended = true;
      this.clearIdle(utterance);
      safely(() => callbacks?.onEnd?.());
      this.#resolveWaiters('ended');
    }
  }

  #statusFrom(utterance: Utterance, playback: PlaybackSnapshot): SpeechStatus {
    switch (playback.state) {
      case 'playing':
        return 'speaking';
      case 'paused':
      case 'interrupted':
        return 'paused';
      case 'ended':
        return utterance.synthesisDone ? 'ended' : 'buffering';
      default: {
        const current = this.#snapshot.status;
        return current === 'connecting' ? 'connecting' : 'buffering';
      }
    }
  }

  protected isFinal(utterance: Utterance): boolean {
    return this.utterance !== utterance || this.#snapshot.status === 'ended' || this.#snapshot.status === 'error';
  }

  protected fail(utterance: Utterance, error: unknown): void {
    if (this.utterance !== utterance || this.#snapshot.status === 'error') return;
    const failure = toSynthesisError(error, 'AudioFailed');
    if (failure.code === 'Cancelled') return;
    this.#teardown(utterance);
    this.#player?.stop();
    this.#setSnapshot({ ...this.#snapshot, status: 'error', error: failure, interrupted: false });
    safely(() => this.options.getCallbacks?.()?.onError?.(failure));
    this.#resolveWaiters('error');
  }

  #teardown(utterance: Utterance): void {
    this.clearIdle(utterance);
    const task = utterance.task;
    // Detach first so the cancel's own error is recognised as stale and dropped.
    utterance.task = undefined;
    utterance.pending = [];
    task?.synthesizer.streamingCancel();
  }

  protected whenFinal(utterance: Utterance): Promise<SpeechStatus> {
    return new Promise((resolve) => {
      if (this.utterance !== utterance) resolve('idle');
      else this.#endWaiters.push(resolve);
    });
  }

  #resolveWaiters(status: SpeechStatus): void {
    for (const resolve of this.#endWaiters.splice(0)) resolve(status);
  }

  protected publish(patch: Partial<SpeechSnapshot>): void {
    if ((Object.keys(patch) as Array<keyof SpeechSnapshot>).some((key) => !Object.is(this.#snapshot[key], patch[key]))) {
      this.#setSnapshot({ ...this.#snapshot, ...patch });
    }
  }

  #setSnapshot(snapshot: SpeechSnapshot): void {
    const previous = this.#snapshot;
    this.#snapshot = Object.freeze(snapshot);
    if ((previous.status === 'ended') !== (snapshot.status === 'ended')) {
      // Every word's state depends on "ended" (all spoken); this happens once per playthrough.
      this.#notifyWords(-1, Math.max(previous.words.length, snapshot.words.length));
    } else if (snapshot.activeWordIndex !== previous.activeWordIndex) {
      this.#notifyWords(previous.activeWordIndex, snapshot.activeWordIndex);
    }
    for (const listener of [...this.#listeners]) safely(listener);
  }

  #notifyWords(from: number, to: number): void {
    const low = Math.min(from, to);
    const high = Math.max(from, to);
    const notify = (index: number): void => {
      const set = this.#wordListeners.get(index);
      if (set) for (const listener of [...set]) safely(listener);
    };
    // Every word between the two changes state (spoken ↔ pending); visit whichever set is smaller.
    if (high - low <= this.#wordListeners.size) {
      for (let index = Math.max(0, low); index <= high; index++) notify(index);
    } else {
      for (const index of [...this.#wordListeners.keys()]) if (index >= low && index <= high) notify(index);
    }
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    // A consumer's callback must not break the utterance; surface it without throwing here.
    queueMicrotask(() => {
      throw error;
    });
  }
}

