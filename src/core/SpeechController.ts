import { bindMethods } from './bindMethods';
import { checkPlaybackRate } from './checkPlaybackRate';
import { DEFAULT_AUDIO_FORMAT, type AudioFormatSpec } from './AudioFormat';
import { MAX_CHARACTERS_PER_MESSAGE, MAX_CHARACTERS_PER_TASK, countCharacters, isSsml } from './countCharacters';
import { SynthesisError, ValidationError, toSynthesisError } from './errors';
import { IDLE_SPEECH_SNAPSHOT } from './IDLE_SPEECH_SNAPSHOT';
import { IndexedListeners } from './IndexedListeners';
import { now } from './now';
import { mergeParameters } from './mergeParameters';
import { buildWireParameters, validateSynthesisParameters, type SynthesisParameters } from './parameters';
import type { Player } from './Player';
import { reportModelWarnings } from './reportModelWarnings';
import { SynthesisTask } from './SynthesisTask';
import type { Transport } from './Transport';
import { Utterance, type TaskPlacement } from './Utterance';
import { nextUtterancePhase, speechStatusOf, type UtteranceEvent } from './UtterancePhase';
import type { SentenceInput, TimelineSentence, TimelineWord } from './WordTimeline';

export { IDLE_SPEECH_SNAPSHOT };
import { splitHeardText, type HeardText } from './splitHeardText';
import { splitText } from './splitText';

/** What a speech hook shows: one string, rendered as `data-state` by the components. */
export type SpeechStatus = 'idle' | 'connecting' | 'buffering' | 'speaking' | 'paused' | 'ended' | 'error';

/** Measurements of the current (or last) utterance. */
export interface SpeechMetrics {
  /**
   * From `speak` (connecting included) to the first audio frame from the service. For a queued utterance
   * synthesized while the previous one played: from the start of that synthesis.
   */
  firstPackageDelayMs: number | undefined;
  /**
   * From `speak` to the first sample actually played. For a queued utterance: from the end of the
   * previous one's audio, so the silence added between the two.
   */
  timeToFirstAudioMs: number | undefined;
  /** The task id of the latest task (what the SDK calls the request id). */
  requestId: string | undefined;
  /** Billed characters so far (CJK ideographs count 2), over all tasks of the utterance. */
  characters: number | undefined;
  /** How often playback ran dry waiting for the network. */
  underruns: number;
  /** Whether the utterance's task ran on a socket that was already open (reused by the provider's pool, or preconnected). */
  connectionReused: boolean | undefined;
  /** How long the task waited for its socket, in ms (0 for a warm one; the token fetch and the handshake otherwise). */
  connectMs: number | undefined;
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
  /** The playback rate (see `setPlaybackRate`): 1 is normal speed; kept across utterances. */
  playbackRate: number;
  /**
   * Texts waiting to be spoken after this one (`speak(text, { queue: 'append' })`), in order. The first is
   * synthesized while the current one plays; it leaves this list when its audio starts.
   */
  queued: readonly string[];
  /** What the listener heard of the last utterance that was stopped, replaced or heard to the end. */
  heard: HeardText | undefined;
}

/** Options of `speak`: request parameters over the defaults, and where the utterance goes. */
export interface SpeakOptions extends Partial<SynthesisParameters> {
  /**
   * `'replace'` stops what is speaking (and clears the queue); `'append'` speaks after the current
   * utterance and those already queued, each with its own id, words and events. The next queued
   * utterance is synthesized while the current one plays (once the current one's synthesis has
   * finished, on the same pooled socket) and starts the moment the current one's audio ends: no silence
   * is added beyond the audio's own. Its characters are billed when that synthesis runs, even if
   * `stop()` or a replacing `speak` then drops it. @default 'replace'
   */
  queue?: 'replace' | 'append';
}

/** Event callbacks; read through `getCallbacks` every time, so the latest ones are used. */
export interface SpeechCallbacks {
  /** The first audio of an utterance is playing. */
  onStart?(): void;
  /** A new word is being heard. */
  onWord?(word: TimelineWord, index: number): void;
  /** The utterance was spoken to the end. */
  onEnd?(): void;
  /**
   * The utterance failed (never for `stop`/`cancel`), or its audio output has not started
   * (`AudioBlocked`; `AudioFailed` with no audio device): then the utterance goes on and plays if the
   * output starts later (a tap on resume, a slow device), and the status follows.
   */
  onError?(error: SynthesisError): void;
  /** The utterance was stopped or replaced before its end (barge-in): what was heard, and what was not. */
  onInterrupt?(heard: HeardText): void;
}

/**
 * The one shape of speech options, everywhere: request parameters over the provider's defaults
 * (`voice`, `model`, `speechRate`, `format`… every `SpeechSynthesizer` option) and the event callbacks.
 * `useSpeechSynthesis(options)`, `useStreamingSynthesis(options)`, `<SpeakButton speechOptions>` and
 * `<ReadAloud speechOptions>` take it; `speak(text, overrides)` takes its request parameters.
 */
export interface SpeechOptions extends Partial<SynthesisParameters>, SpeechCallbacks {
  /**
   * Playback speed with the pitch kept, 0.5–2 (applied by the player: nothing is requested again).
   * Set when the hook mounts and again whenever this value changes; `setPlaybackRate` changes it in
   * between. Not the service's `speechRate`, which is part of the request.
   */
  playbackRate?: number;
}

/** Options of {@link SpeechController}. */
export interface SpeechControllerOptions {
  /** Where to connect. */
  transport: Transport;
  /** Request parameters for every utterance (`model` and `voice` are needed by `speak` time). */
  defaults?: Partial<SynthesisParameters>;
  /** Creates the player on first use (inside the user's gesture). */
  createPlayer: () => Player;
  /** Latest callbacks (a hook passes a ref reader). */
  getCallbacks?: () => SpeechCallbacks | undefined;
  /** Passed to every synthesizer. */
  connectTimeoutMillis?: number;
  startTimeoutMillis?: number;
  onWarning?(message: string): void;
}

/**
 * The next queued utterance, synthesized ahead while the current one plays: what its task delivers is held
 * (as steps run in order) until it becomes current, and never touches the player before then.
 */
interface Presynthesis {
  readonly entry: QueuedSpeech;
  readonly utterance: Utterance;
  readonly held: Array<() => void>;
}

/** A `speak(text, { queue: 'append' })` waiting for its turn. */
interface QueuedSpeech {
  readonly text: string;
  readonly overrides: Partial<SynthesisParameters>;
}

/**
 * The framework-agnostic engine behind `useSpeechSynthesis` and `useStreamingSynthesis`: it runs
 * synthesizers over a transport, feeds their audio and word timeline to a {@link Player}, and keeps one
 * cached snapshot (`subscribe` / `getSnapshot`, for `useSyncExternalStore`).
 *
 * One utterance at a time, each moving through the phases of `UtterancePhase` (connecting,
 * synthesizing, synthesized, ended; failed or stopped) by named events in one table; its status is that
 * phase combined with what the player hears. `speak` or `start` while speaking replaces the current
 * utterance (its audio stops and its late events are dropped); `speak(text, { queue: 'append' })` waits
 * its turn, the next queued one synthesized while the current one plays and handed to the player the
 * moment the current audio ends. Errors become `status: 'error'`; no
 * method throws (but `setPlaybackRate` on a rate outside 0.5–2). The player outlives utterances; tasks ask the transport for their sockets.
 *
 * @example
 * const controller = new SpeechController({ transport, defaults: { model, voice }, createPlayer: () => createAudioPlayer() });
 * button.onclick = () => controller.speak('Hello');
 */
export class SpeechController {
  protected readonly options: SpeechControllerOptions;
  #snapshot: SpeechSnapshot = IDLE_SPEECH_SNAPSHOT;
  #listeners = new Set<() => void>();
  #words = new IndexedListeners();
  #player: Player | undefined;
  #unsubscribePlayer: (() => void) | undefined;
  #unsubscribeDrained: (() => void) | undefined;
  #utterance: Utterance | undefined;
  #nextId = 1;
  #settleWaiters: Array<(status: SpeechStatus) => void> = [];
  #defaults: Partial<SynthesisParameters>;
  #transport: Transport;
  #queue: QueuedSpeech[] = [];
  #presynthesis: Presynthesis | undefined;
  /** A replaced utterance whose running task goes on to its end, recorded but not played (see `beginUtterance`). */
  #background: Utterance | undefined;
  #playbackRate = 1;

  constructor(options: SpeechControllerOptions) {
    this.options = options;
    this.#defaults = options.defaults ?? {};
    this.#transport = options.transport;
    bindMethods(this, ['subscribe', 'getSnapshot', 'subscribeWord', 'speak', 'stop', 'pause', 'resume', 'seek', 'preconnect', 'setPlaybackRate']);
  }

  /** Replaces the default request parameters for later utterances. */
  setDefaults(defaults: Partial<SynthesisParameters>): void {
    this.#defaults = defaults;
  }

  /** Uses another transport for later utterances. */
  setTransport(transport: Transport): void {
    this.#transport = transport;
  }

  /**
   * Opens a socket ahead of a `speak` (on hover, focus, touch), when the transport keeps sockets warm (a
   * `ConnectionPool`, which `SpeechProvider` makes). Resolves to whether one is ready; never rejects.
   */
  preconnect(): Promise<boolean> {
    return this.#transport.preconnect?.() ?? Promise.resolve(false);
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
    return this.#words.subscribe(index, listener);
  }

  /** Whether word `index` is `spoken` (heard already), `active` (being heard) or `pending`. */
  getWordState(index: number): 'pending' | 'active' | 'spoken' {
    if (this.#snapshot.status === 'ended') return index < this.#snapshot.words.length ? 'spoken' : 'pending';
    const active = this.#snapshot.activeWordIndex;
    return index === active ? 'active' : index < active ? 'spoken' : 'pending';
  }

  /** The player, once created (for granular position reads). */
  get player(): Player | undefined {
    return this.#player;
  }

  /** The complete audio of the current utterance, as received (chunks), with its format. */
  getAudio(): { chunks: readonly Uint8Array[]; format: AudioFormatSpec } | undefined {
    const utterance = this.#utterance;
    if (!utterance || !this.#snapshot.isComplete) return undefined;
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
  speak(text: string, options: SpeakOptions = {}): void {
    const { queue = 'replace', ...overrides } = options ?? {};
    const current = this.#utterance;
    if (queue === 'append' && current && this.isLive(current)) {
      this.#queue.push({ text, overrides });
      this.publish({ queued: this.#queue.map((entry) => entry.text) });
      this.#presynthesizeNext();
      return;
    }
    this.#clearQueue();
    const utterance = this.beginUtterance(overrides, text);
    if (utterance) this.#synthesize(utterance, text);
  }

  /** Validates `text` and runs its task for `utterance` (current, or synthesized ahead: then its failures are held too). */
  #synthesize(utterance: Utterance, text: string): void {
    try {
      if (typeof text !== 'string' || text.trim() === '') throw new ValidationError('text', 'speak() needs non-empty text');
      const counted = countCharacters(text);
      const ssml = isSsml(text);
      if (ssml && counted > MAX_CHARACTERS_PER_MESSAGE) throw new ValidationError('text', `SSML text has ${counted} characters; at most ${MAX_CHARACTERS_PER_MESSAGE} are allowed (SSML cannot be split)`, 'TextTooLong');
      if (counted > MAX_CHARACTERS_PER_TASK) throw new ValidationError('text', `text has ${counted} characters (CJK ideographs count 2); at most ${MAX_CHARACTERS_PER_TASK} can be spoken at once`, 'TextTooLong');
      const task = this.startTask(utterance, () => this.synthesized(utterance), { ssml });
      const send = (pieces: string[]): void => {
        for (const piece of pieces) task.send(piece);
        task.finish();
      };
      // The splitter comes with the engine (the React hooks load both on first intent, and streaming needs it).
      send(counted <= MAX_CHARACTERS_PER_MESSAGE ? [text] : splitText(text));
    } catch (error) {
      this.#deliver(utterance, () => this.fail(utterance, error));
    }
  }

  /**
   * Starts the next queued utterance's synthesis while the current one plays, once the current one's has
   * finished: one task at a time, so a pooled socket carries both (the service runs one task per socket).
   */
  #presynthesizeNext(): void {
    const current = this.#utterance;
    const entry = this.#queue[0];
    if (!entry || this.#presynthesis || !current || current.phase !== 'synthesized' || !this.isLive(current)) return;
    const utterance = this.#createUtterance(entry.overrides, entry.text);
    this.#presynthesis = { entry, utterance, held: [] };
    this.#synthesize(utterance, entry.text);
  }

  /**
   * The current utterance was heard to the end (or will be at `heardEndAt`, when handed over as its last
   * sample went to the output): the next queued one starts, with its held audio if it was synthesized ahead.
   */
  #speakNextQueued(heardEndAt = now()): void {
    const next = this.#queue.shift();
    const presynthesis = this.#presynthesis;
    if (!next) return;
    if (presynthesis?.entry !== next) {
      this.#dropPresynthesis();
      const utterance = this.beginUtterance(next.overrides, next.text);
      if (utterance) this.#synthesize(utterance, next.text);
      return;
    }
    this.#presynthesis = undefined;
    const utterance = presynthesis.utterance;
    // Its playthrough starts where the previous one is heard to end: timeToFirstAudioMs measures the silence between.
    if (!this.#makeCurrent(utterance, heardEndAt)) {
      utterance.endSynthesis();
      return;
    }
    // What the task delivered so far, in order; the task reports to the utterance directly from here on.
    for (const step of presynthesis.held) step();
  }

  /** Runs `step` now, or holds it while `utterance` is being synthesized ahead of its turn. */
  #deliver(utterance: Utterance, step: () => void): void {
    const presynthesis = this.#presynthesis;
    if (presynthesis?.utterance === utterance) presynthesis.held.push(step);
    else step();
  }

  /** Whether `utterance`'s synthesis should go on: it is current and live, or synthesized ahead of its turn. */
  #isWanted(utterance: Utterance): boolean {
    return this.isLive(utterance) || this.#presynthesis?.utterance === utterance;
  }

  #clearQueue(): void {
    this.#queue.length = 0;
    this.#dropPresynthesis();
  }

  /** Cancels the synthesis ahead (its task, its socket lease, its timers); what it held is dropped. */
  #dropPresynthesis(): void {
    const presynthesis = this.#presynthesis;
    this.#presynthesis = undefined;
    presynthesis?.utterance.endSynthesis();
  }

  /**
   * Stops at once: cancels synthesis, drops queued audio and queued utterances; the status becomes `idle`.
   * Returns what the listener heard of the utterance (whole words up to the heard position) and what not,
   * also in the snapshot's `heard` and `onInterrupt` (for an assistant that trims its context on barge-in).
   */
  stop(): HeardText | undefined {
    this.#clearQueue();
    this.endBackgroundSynthesis();
    const utterance = this.#utterance;
    const heard = utterance && this.isLive(utterance) ? this.#heardNow() : undefined;
    if (!utterance || !this.#dispatch(utterance, 'stopped')) {
      if (this.#snapshot.queued.length > 0) this.publish({ queued: IDLE_SPEECH_SNAPSHOT.queued });
      return undefined;
    }
    this.#utterance = undefined;
    this.#player?.stop();
    const { metrics, words, sentences, text } = this.#snapshot;
    this.#setSnapshot({ ...IDLE_SPEECH_SNAPSHOT, utterance: utterance.id, metrics, words, sentences, text, heard: heard ?? this.#snapshot.heard, playbackRate: this.#playbackRate });
    if (heard) safely(() => this.options.getCallbacks?.()?.onInterrupt?.(heard));
    this.#settle('idle');
    return heard;
  }

  pause(): void {
    // Also while an ended utterance is replayed; not once it failed or was heard to the end.
    if (this.#utterance && this.#utterance.phase !== 'failed' && this.#snapshot.status !== 'ended') this.#player?.pause();
  }

  /** Resumes after `pause` or an interruption; after the end, plays again from the start. */
  resume(): void {
    const player = this.#player;
    if (!this.#utterance || !player) return;
    this.#unlock(player);
    if (this.#snapshot.status === 'ended') player.seek(0);
    else player.resume();
  }

  /** Jumps to `ms` once all audio has arrived; returns whether it could. */
  seek(ms: number): boolean {
    const player = this.#player;
    if (!this.#utterance || !player) return false;
    // Called from a click: that gesture also starts an output the browser had kept blocked.
    this.#unlock(player);
    if (!player.getSnapshot().canSeek) return false;
    player.seek(Math.max(0, ms));
    return true;
  }

  /**
   * Plays faster or slower with the pitch kept, from 0.5 to 2 (1 is normal speed): at once while
   * speaking (the player time-stretches what it already has; nothing is requested again), and for
   * every later utterance. Word times, `seek` and positions stay in ms of the audio as synthesized.
   * The one method that throws: a `ValidationError` (field `playbackRate`) outside 0.5–2, changing
   * nothing — a bad rate is the caller's mistake, not a reason to end the utterance.
   */
  setPlaybackRate(rate: number): void {
    checkPlaybackRate(rate);
    this.#playbackRate = rate;
    this.#player?.setPlaybackRate(rate);
    this.publish({ playbackRate: rate });
  }

  /** The playback rate set by {@link setPlaybackRate} (1 until then). */
  get playbackRate(): number {
    return this.#playbackRate;
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
    this.#unsubscribeDrained?.();
    this.#unsubscribeDrained = undefined;
    this.#player?.dispose();
    this.#player = undefined;
  }

  // ---- the utterance's lifecycle: what text sources (speak, a stream) build on -----------------

  /**
   * Begins a new utterance (replacing the current one) in phase `connecting`: creates the player on
   * first use, starts a playthrough and unlocks audio. Returns `undefined` when the audio output
   * already failed, which fails the utterance before anything is sent.
   *
   * With `finishPreviousInBackground`, a replaced utterance whose task the service has accepted is not
   * cancelled: that task runs to its end, its audio and words going into the utterance (never to the
   * player), and its `onFinished` runs when it has finished, so a reader who later goes there needs no
   * second request (its text is sent already, and not every region of the service honours a cancel).
   * One at a time: a second one cancels the first; `stop` and `release` cancel it.
   */
  protected beginUtterance(overrides: Partial<SynthesisParameters>, text: string, options: { finishPreviousInBackground?: boolean } = {}): Utterance | undefined {
    const utterance = this.#createUtterance(overrides, text);
    return this.#makeCurrent(utterance, utterance.startedAt, options.finishPreviousInBackground ?? false);
  }

  /** Cancels the task a replaced utterance was finishing in the background (see `beginUtterance`). */
  protected endBackgroundSynthesis(): void {
    const background = this.#background;
    this.#background = undefined;
    background?.endSynthesis();
  }

  #createUtterance(overrides: Partial<SynthesisParameters>, text: string): Utterance {
    const params = mergeParameters(this.#defaults, overrides) as SynthesisParameters;
    return new Utterance(this.#nextId++, params, params.format ?? DEFAULT_AUDIO_FORMAT, now(), text);
  }

  /** Makes `utterance` current (see `beginUtterance`), its playthrough's zero at `speakStartedAt`. */
  #makeCurrent(utterance: Utterance, speakStartedAt: number, finishPreviousInBackground = false): Utterance | undefined {
    const previous = this.#utterance;
    const interrupted = previous && this.isLive(previous) ? this.#heardNow() : undefined;
    // Replaced, not stopped: no idle snapshot in between, and the player's stop belongs to the new one.
    if (previous && finishPreviousInBackground && previous.phase === 'synthesizing' && isRunning(previous.current?.task)) this.#moveToBackground(previous);
    else if (previous) this.#dispatch(previous, 'stopped');
    if (interrupted) safely(() => this.options.getCallbacks?.()?.onInterrupt?.(interrupted));
    this.#settle('idle');
    // Current before the player is touched, so whatever it reports (the previous playthrough stopping, a
    // context that cannot be made or unlocked) belongs to this utterance and never republishes the last one.
    this.#utterance = utterance;
    this.#setSnapshot({ ...IDLE_SPEECH_SNAPSHOT, status: 'connecting', text: utterance.text, utterance: utterance.id, queued: this.#queue.length ? this.#queue.map((entry) => entry.text) : IDLE_SPEECH_SNAPSHOT.queued, heard: interrupted ?? this.#snapshot.heard, playbackRate: this.#playbackRate });
    try {
      const player = (this.#player ??= this.options.createPlayer());
      this.#unsubscribePlayer ??= player.subscribe(() => this.#onPlayer());
      this.#unsubscribeDrained ??= player.onOutputDrained?.((remainingMs) => this.#onOutputDrained(remainingMs));
      // A new player (the first, or one after release) starts at 1.
      if (player.playbackRate !== this.#playbackRate) player.setPlaybackRate(this.#playbackRate);
      player.reset({ format: utterance.format, speakStartedAt });
      this.#unlock(player);
    } catch (error) {
      this.fail(utterance, error);
    }
    return utterance.phase === 'failed' ? undefined : utterance;
  }

  /** `previous` is replaced but its running task goes on (see `beginUtterance`): stopped, its synthesis not ended. */
  #moveToBackground(previous: Utterance): void {
    this.endBackgroundSynthesis();
    if (this.#dispatch(previous, 'stopped', { endSynthesis: false })) this.#background = previous;
  }

  /**
   * Starts a task of `utterance` at `placement` (by default right after the previous task: its audio
   * continues the same playthrough as a new encoded stream, its text the utterance's text). Its audio,
   * words and failures feed the utterance; when it has finished, `onFinished` decides what comes next.
   * Throws (sending nothing) when the request parameters are invalid.
   */
  protected startTask(utterance: Utterance, onFinished: () => void, options: { placement?: TaskPlacement; ssml?: boolean } = {}): SynthesisTask {
    const params = utterance.params;
    validateSynthesisParameters(params);
    const task: SynthesisTask = new SynthesisTask(
      {
        transport: this.#transport,
        model: params.model,
        parameters: buildWireParameters(params, { enableSsml: options.ssml }),
        format: utterance.format,
        connectTimeoutMillis: this.options.connectTimeoutMillis,
        startTimeoutMillis: this.options.startTimeoutMillis,
      },
      {
        onAudio: (chunk) => {
          const receivedAt = now();
          if (this.#isBackgroundTask(utterance, task)) utterance.chunks.push(chunk);
          else this.#deliver(utterance, () => this.#isCurrentTask(utterance, task) && this.#onAudio(utterance, chunk, receivedAt));
        },
        onSentence: (sentence) => {
          if (this.#isBackgroundTask(utterance, task)) utterance.addSentence(sentence);
          else this.#deliver(utterance, () => this.#isCurrentTask(utterance, task) && this.#onSentence(utterance, sentence));
        },
        onEvent: (event) =>
          this.#deliver(utterance, () => {
            if (event.event === 'task-started' && this.#dispatch(utterance, 'taskStarted')) this.#publishStatus(utterance);
            // The task's final count of billed characters.
            else if (event.event === 'task-finished' && this.#isCurrentTask(utterance, task)) this.#publishMetrics(utterance);
          }),
        // Streaming tasks can fail between calls (the service's idle limit, a dropped socket).
        onEnd: (error) => {
          if (this.#isBackgroundTask(utterance, task)) {
            this.#background = undefined;
            utterance.endSynthesis();
            // A failure in the background is nobody's error: what arrived is kept, the rest is asked for when needed.
            if (!error) onFinished();
            return;
          }
          this.#deliver(utterance, () => {
            if (!this.#isCurrentTask(utterance, task)) return;
            if (error) this.fail(utterance, error);
            else onFinished();
          });
        },
        onWarning: this.options.onWarning,
      },
    );
    if (!utterance.current) reportModelWarnings(params, (warning) => this.options.onWarning?.(warning));
    else this.#player?.nextStream();
    utterance.beginTask(task, options.placement ?? utterance.nextPlacement());
    return task;
  }

  /** Every task of `utterance` has ended: → `synthesized`; the player plays the rest and ends. */
  protected synthesized(utterance: Utterance): void {
    if (!this.#dispatch(utterance, 'synthesized')) return;
    this.#publishMetrics(utterance);
    this.#player?.endOfStream();
    this.publish({ isComplete: true });
    this.#onPlayer();
    // After the task's socket went back to the pool (its lease closes right after `onEnd`), so the next one reuses it.
    queueMicrotask(() => this.#presynthesizeNext());
  }

  /** Fails `utterance` (a cancel is not a failure): → `failed`, status `error`, `onError`. */
  protected fail(utterance: Utterance, error: unknown): void {
    const failure = toSynthesisError(error, 'AudioFailed');
    if (failure.code === 'Cancelled' || utterance !== this.#utterance || !this.#dispatch(utterance, 'failed')) return;
    this.#player?.stop();
    this.#clearQueue();
    this.#setSnapshot({ ...this.#snapshot, status: 'error', error: failure, interrupted: false, queued: IDLE_SPEECH_SNAPSHOT.queued });
    safely(() => this.options.getCallbacks?.()?.onError?.(failure));
    this.#settle('error');
  }

  /** Whether `utterance` is current and still synthesizing or playing (not over, failed or replaced). */
  protected isLive(utterance: Utterance): boolean {
    return utterance === this.#utterance && utterance.phase !== 'failed' && utterance.phase !== 'stopped' && utterance.phase !== 'ended';
  }

  /** Resolves with the status `utterance` settles in: `ended`, `error`, or `idle` (stopped or replaced). */
  protected whenSettled(utterance: Utterance): Promise<SpeechStatus> {
    return new Promise((resolve) => {
      if (!this.isLive(utterance)) resolve(utterance.phase === 'ended' ? 'ended' : utterance.phase === 'failed' ? 'error' : 'idle');
      else this.#settleWaiters.push(resolve);
    });
  }

  protected publish(patch: Partial<SpeechSnapshot>): void {
    if ((Object.keys(patch) as Array<keyof SpeechSnapshot>).some((key) => !Object.is(this.#snapshot[key], patch[key]))) {
      this.#setSnapshot({ ...this.#snapshot, ...patch });
    }
  }

  /**
   * Moves `utterance` on by `event` (the table in `UtterancePhase`); returns whether it moved. A
   * replaced utterance, or an event that does not apply in its phase, changes nothing. Leaving
   * synthesis (failed, stopped) cancels the running task and the text source's timers, unless
   * `endSynthesis` is false (a task going on in the background).
   */
  #dispatch(utterance: Utterance, event: UtteranceEvent, { endSynthesis = true } = {}): boolean {
    const next = nextUtterancePhase(utterance.phase, event);
    if (!next || utterance !== this.#utterance) return false;
    utterance.phase = next;
    if (endSynthesis && next !== 'synthesizing' && next !== 'ended') utterance.endSynthesis();
    return true;
  }

  #unlock(player: Player): void {
    // A blocked or missing output shows in the player's snapshot (and fails the utterance from there).
    player.unlock().catch(() => undefined);
  }

  #isCurrentTask(utterance: Utterance, task: SynthesisTask): boolean {
    return utterance.current?.task === task && this.isLive(utterance);
  }

  #isBackgroundTask(utterance: Utterance, task: SynthesisTask): boolean {
    return utterance === this.#background && utterance.current?.task === task;
  }

  #onAudio(utterance: Utterance, chunk: Uint8Array, receivedAt: number): void {
    utterance.chunks.push(chunk);
    if (utterance.firstPackageDelayMs === undefined) {
      utterance.firstPackageDelayMs = Math.round(receivedAt - utterance.startedAt);
      this.#publishMetrics(utterance);
    }
    this.#player?.enqueue(chunk);
  }

  #onSentence(utterance: Utterance, sentence: SentenceInput): void {
    const words = utterance.words;
    utterance.addSentence(sentence);
    if (utterance.words.length !== words.length) this.#player?.setTimeline(utterance.words);
    this.publish({ words: utterance.words, sentences: utterance.sentences });
    this.#publishMetrics(utterance);
  }

  #publishStatus(utterance: Utterance): void {
    this.publish({ status: speechStatusOf(utterance.phase, this.#player?.getSnapshot().state ?? 'idle') });
  }

  #publishMetrics(utterance: Utterance): void {
    const playback = this.#player?.getSnapshot();
    const metrics: SpeechMetrics = {
      firstPackageDelayMs: utterance.firstPackageDelayMs,
      timeToFirstAudioMs: playback?.timeToFirstAudioMs,
      requestId: utterance.current?.task.id,
      characters: utterance.characters,
      underruns: playback?.underruns ?? 0,
      connectionReused: utterance.current?.task.connectionReused,
      connectMs: utterance.current?.task.connectMs,
    };
    const current = this.#snapshot.metrics;
    if ((Object.keys(metrics) as Array<keyof SpeechMetrics>).every((key) => current[key] === metrics[key])) return;
    this.publish({ metrics });
  }

  #onPlayer(): void {
    const utterance = this.#utterance;
    const player = this.#player;
    if (!utterance || !player || utterance.phase === 'failed') return;
    const playback = player.getSnapshot();
    if (playback.state === 'error') {
      const error = playback.error ?? new SynthesisError('AudioFailed', 'Audio playback failed');
      // The playthrough did not end: the output has not started (see PlayerState). The utterance waits.
      if (playback.endedReason !== 'error') this.#awaitOutput(utterance, error);
      else this.fail(utterance, error);
      return;
    }
    const heard = playback.state === 'ended' && this.#dispatch(utterance, 'heard');
    const activeWordIndex = playback.activeWordIndex;
    // `error: undefined`: an output that had not started runs now, and the status follows what is heard.
    this.publish({ status: speechStatusOf(utterance.phase, playback.state), error: undefined, activeWordIndex, interrupted: playback.state === 'interrupted' });
    this.#publishMetrics(utterance);
    const callbacks = this.options.getCallbacks?.();
    if (!utterance.reportedStart && playback.state === 'playing') {
      utterance.reportedStart = true;
      safely(() => callbacks?.onStart?.());
    }
    if (activeWordIndex !== utterance.reportedWord && activeWordIndex >= 0) {
      utterance.reportedWord = activeWordIndex;
      const word = utterance.words[activeWordIndex];
      if (word) safely(() => callbacks?.onWord?.(word, activeWordIndex));
    }
    if (heard) this.#heardToTheEnd(utterance, player.getPositionMs());
  }

  /** `utterance` was heard (or is about to be, `heardEndAt`) to its last word: it ends, and the queue moves on. */
  #heardToTheEnd(utterance: Utterance, positionMs: number, heardEndAt?: number): void {
    this.publish({ heard: { heardText: utterance.text, unheardText: '', heardWords: utterance.words.length, positionMs } });
    safely(() => this.options.getCallbacks?.()?.onEnd?.());
    this.#settle('ended');
    if (this.#utterance === utterance) this.#speakNextQueued(heardEndAt);
  }

  /**
   * The player's last sample went to the output, `remainingMs` before it is heard. With an utterance
   * queued, the current one ends now and the next one's audio follows that sample: waiting until it is
   * heard would put the output's latency between the two as silence. Without a queue, it ends when heard.
   */
  #onOutputDrained(remainingMs: number): void {
    const utterance = this.#utterance;
    const player = this.#player;
    if (!utterance || !player || this.#queue.length === 0 || !this.#dispatch(utterance, 'heard')) return;
    const positionMs = player.getDurationMs();
    this.publish({ status: 'ended', activeWordIndex: player.getSnapshot().activeWordIndex, interrupted: false });
    this.#heardToTheEnd(utterance, positionMs, now() + remainingMs);
  }

  /** What has been heard of the current utterance at the player's position. */
  #heardNow(): HeardText {
    return splitHeardText(this.#snapshot.text, this.#snapshot.words, this.#player?.getPositionMs() ?? 0);
  }

  /**
   * The audio output has not started (an autoplay block, no device): the status shows why and `onError`
   * hears it once, but synthesis goes on and the utterance plays if the output starts (#onPlayer).
   */
  #awaitOutput(utterance: Utterance, error: SynthesisError): void {
    const first = this.#snapshot.status !== 'error';
    this.publish({ status: 'error', error, activeWordIndex: -1, interrupted: false });
    if (first && utterance === this.#utterance) safely(() => this.options.getCallbacks?.()?.onError?.(error));
  }

  #settle(status: SpeechStatus): void {
    for (const resolve of this.#settleWaiters.splice(0)) resolve(status);
  }

  #setSnapshot(snapshot: SpeechSnapshot): void {
    const previous = this.#snapshot;
    this.#snapshot = Object.freeze(snapshot);
    if ((previous.status === 'ended') !== (snapshot.status === 'ended')) {
      // Every word's state depends on "ended" (all spoken); this happens once per playthrough.
      this.#words.notifyBetween(-1, Math.max(previous.words.length, snapshot.words.length));
    } else if (snapshot.activeWordIndex !== previous.activeWordIndex) {
      this.#words.notifyBetween(previous.activeWordIndex, snapshot.activeWordIndex);
    }
    for (const listener of [...this.#listeners]) safely(listener);
  }
}

/** Whether `task` was accepted by the service and has not ended: its text is sent and its audio is arriving. */
function isRunning(task: SynthesisTask | undefined): boolean {
  return task?.state === 'streaming' || task?.state === 'finishing';
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
