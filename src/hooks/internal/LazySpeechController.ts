import { bindMethods } from '../../core/bindMethods';
import { checkPlaybackRate } from '../../core/checkPlaybackRate';
import { SynthesisError } from '../../core/errors';
import { IDLE_SPEECH_SNAPSHOT } from '../../core/IDLE_SPEECH_SNAPSHOT';
import type { SynthesisParameters } from '../../core/parameters';
import type { Player } from '../../core/Player';
import type { SpeakOptions, SpeechController, SpeechControllerOptions, SpeechSnapshot, SpeechStatus } from '../../core/SpeechController';
import type { HeardText } from '../../core/splitHeardText';
import type { Transport } from '../../core/Transport';

/** Where a {@link LazySpeechController} gets its engine: made at once once its module is there, else loaded. */
export interface SpeechEngineSource<E extends SpeechController, O extends SpeechControllerOptions> {
  /** Makes the engine now if its module has arrived already (another component loaded it), else `undefined`. */
  createNow(options: O): E | undefined;
  /** Loads the engine's module with `import()` (a chunk of its own in the app's bundle), then makes the engine. */
  load(options: O): Promise<E>;
  /** Loads the module only (tests that exercise the engine rather than its loading). */
  preload(): Promise<void>;
}

/**
 * A {@link SpeechEngineSource} over a module loaded with `import()`: once it has arrived, every later
 * facade makes its engine synchronously, so only the page's first speak waits for the chunk.
 *
 * @example
 * const source = speechEngineSource(() => import('../../core/SpeechController'), (module, options) => new module.SpeechController(options));
 */
export function speechEngineSource<M, E extends SpeechController, O extends SpeechControllerOptions>(importModule: () => Promise<M>, make: (module: M, options: O) => E): SpeechEngineSource<E, O> {
  let loaded: M | undefined;
  const preload = (): Promise<M> =>
    importModule().then((module) => {
      loaded = module;
      return module;
    });
  return {
    createNow: (options) => (loaded ? make(loaded, options) : undefined),
    load: (options) => preload().then((module) => make(module, options)),
    preload: () => preload().then(() => undefined),
  };
}

interface DeferredListener {
  index: number;
  listener: () => void;
  detach?: () => void;
}

/** Something asked for before the engine arrived: run on it then, or dropped (a stop, a replacing speak, a failed load). */
interface PendingCall<E> {
  run(engine: E): void;
  drop?(status: SpeechStatus): void;
}

/**
 * A {@link SpeechController} whose engine (synthesis tasks, the protocol, validation, the word timeline)
 * is loaded on first intent, so a page that shows a `SpeakButton` does not download the engine before
 * someone is about to use it. `preconnect()` (hover, focus, touch on the button) and `speak()` load
 * it; until it has arrived the facade shows the snapshot, keeps subscriptions, and queues what was asked
 * (speak, append, pause, resume; stop and release drop the queue), then hands all of it to the engine.
 *
 * Once one facade has loaded the engine's module, later ones make their engine synchronously (see
 * {@link speechEngineSource}): only the page's first use waits for the chunk.
 *
 * `speak()` still starts from the user's gesture: it creates the player and unlocks the audio output
 * synchronously, inside the click, even when the engine is not there yet; the engine then gets that player.
 */
export class LazySpeechController<E extends SpeechController = SpeechController, O extends SpeechControllerOptions = SpeechControllerOptions> implements Pick<SpeechController, keyof SpeechController> {
  readonly #options: O;
  readonly #source: SpeechEngineSource<E, O>;
  #engine: E | undefined;
  #loading: Promise<void> | undefined;
  #snapshot: SpeechSnapshot = IDLE_SPEECH_SNAPSHOT;
  #listeners = new Set<DeferredListener>();
  #wordListeners = new Set<DeferredListener>();
  /** What to do once the engine has arrived, in order; `#texts` are the texts of its speaks. */
  #pending: Array<PendingCall<E>> = [];
  #texts: string[] = [];
  /** The player made inside the gesture, until the engine takes it. */
  #player: Player | undefined;
  #defaults: Partial<SynthesisParameters>;
  #transport: Transport;
  #playbackRate = 1;

  constructor(options: O, source: SpeechEngineSource<E, O>) {
    this.#options = options;
    this.#source = source;
    this.#defaults = options.defaults ?? {};
    this.#transport = options.transport;
    bindMethods(this, ['subscribe', 'getSnapshot', 'subscribeWord', 'speak', 'stop', 'pause', 'resume', 'seek', 'preconnect', 'setPlaybackRate']);
    // Another component loaded the engine already: this one is then a plain pass-through from the start.
    this.#ready();
  }

  /** Whether the engine has arrived (everything is then passed straight to it). */
  get isLoaded(): boolean {
    return this.#engine !== undefined;
  }

  /** Loads the engine (once; again after a failed load). Resolves when it is in use; never rejects. */
  load(): Promise<void> {
    if (this.#ready()) return Promise.resolve();
    return (this.#loading ??= this.#source.load(this.#engineOptions()).then(
      (engine) => this.#attach(engine),
      (error: unknown) => this.#loadFailed(error),
    ));
  }

  setDefaults(defaults: Partial<SynthesisParameters>): void {
    this.#defaults = defaults;
    this.#engine?.setDefaults(defaults);
  }

  setTransport(transport: Transport): void {
    this.#transport = transport;
    this.#engine?.setTransport(transport);
  }

  preconnect(): Promise<boolean> {
    void this.load();
    return this.#engine ? this.#engine.preconnect() : (this.#transport.preconnect?.() ?? Promise.resolve(false));
  }

  subscribe(listener: () => void): () => void {
    return this.#engine ? this.#engine.subscribe(listener) : this.#defer(this.#listeners, { index: -1, listener });
  }

  getSnapshot(): SpeechSnapshot {
    return this.#engine ? this.#engine.getSnapshot() : this.#snapshot;
  }

  subscribeWord(index: number, listener: () => void): () => void {
    return this.#engine ? this.#engine.subscribeWord(index, listener) : this.#defer(this.#wordListeners, { index, listener });
  }

  getWordState(index: number): 'pending' | 'active' | 'spoken' {
    // Nothing has been heard before the engine is there.
    return this.#engine ? this.#engine.getWordState(index) : 'pending';
  }

  get player(): Player | undefined {
    return this.#engine ? this.#engine.player : this.#player;
  }

  getAudio(): ReturnType<SpeechController['getAudio']> {
    return this.#engine?.getAudio();
  }

  getPositionMs(): number {
    return this.#engine ? this.#engine.getPositionMs() : 0;
  }

  speak(text: string, options: SpeakOptions = {}): void {
    const engine = this.#ready();
    if (engine) return engine.speak(text, options);
    this.begin(text, { run: (engine) => engine.speak(text, options) }, options?.queue === 'append');
  }

  stop(): HeardText | undefined {
    const engine = this.#ready();
    if (engine) return engine.stop();
    const text = this.#texts[0];
    this.#dropPending('idle');
    if (text === undefined) return undefined;
    const heard: HeardText = { heardText: '', unheardText: text, heardWords: 0, positionMs: 0 };
    this.#setSnapshot({ ...IDLE_SPEECH_SNAPSHOT, utterance: 1, text, heard, playbackRate: this.#playbackRate });
    this.#callback((callbacks) => callbacks.onInterrupt?.(heard));
    return heard;
  }

  pause(): void {
    const engine = this.#ready();
    if (engine) engine.pause();
    else this.later({ run: (engine) => engine.pause() });
  }

  resume(): void {
    const engine = this.#ready();
    if (engine) engine.resume();
    else this.later({ run: (engine) => engine.resume() });
  }

  seek(ms: number): boolean {
    // Before the engine there is no complete audio to seek in.
    return this.#engine ? this.#engine.seek(ms) : false;
  }

  setPlaybackRate(rate: number): void {
    const engine = this.#ready();
    if (engine) return engine.setPlaybackRate(rate);
    this.#playbackRate = checkPlaybackRate(rate);
    if (this.#snapshot.playbackRate !== rate) this.#setSnapshot({ ...this.#snapshot, playbackRate: rate });
  }

  get playbackRate(): number {
    return this.#engine ? this.#engine.playbackRate : this.#playbackRate;
  }

  release(): void {
    if (this.#engine) this.#engine.release();
    else this.stop();
    this.#player?.dispose();
    this.#player = undefined;
  }

  /**
   * The engine has arrived: a subclass hands it what it kept meanwhile, before the queued calls run on
   * it. May be called from this class's constructor (when the engine's module was there already), before
   * a subclass's own fields exist.
   */
  protected attached(_engine: E): void {}

  /** The engine, once it has arrived (made now if its module came meanwhile). */
  protected get engine(): E | undefined {
    return this.#ready();
  }

  /**
   * Begins an utterance before the engine has arrived: does the gesture's part now (creates the player
   * and unlocks audio: a browser allows it only inside the click, see `SpeechController.beginUtterance`),
   * shows `connecting`, queues `call` (after what is queued with `append`, else instead of it) and loads
   * the engine.
   */
  protected begin(text: string, call: PendingCall<E>, append = false): void {
    try {
      const player = (this.#player ??= this.#options.createPlayer());
      player.unlock().catch(() => undefined);
    } catch {
      // The engine makes the player again and reports why it cannot.
    }
    if (!append || this.#texts.length === 0) this.#dropPending('idle');
    this.#pending.push(call);
    this.#texts.push(text);
    this.#setSnapshot({ ...IDLE_SPEECH_SNAPSHOT, status: 'connecting', text: this.#texts[0]!, utterance: 1, queued: this.#texts.slice(1), playbackRate: this.#playbackRate });
    void this.load();
  }

  /** Queues `call` behind the utterance begun before the engine arrived; returns false (dropping it) when there is none. */
  protected later(call: PendingCall<E>): boolean {
    if (this.#texts.length === 0) {
      call.drop?.(this.#snapshot.status);
      return false;
    }
    this.#pending.push(call);
    return true;
  }

  /** Shows more text of the utterance begun before the engine arrived (streaming writes). */
  protected showText(text: string): void {
    if (this.#texts.length === 0) return;
    this.#texts[0] = text;
    this.#setSnapshot({ ...this.#snapshot, text });
  }

  #dropPending(status: SpeechStatus): void {
    const dropped = this.#pending;
    this.#pending = [];
    this.#texts = [];
    for (const call of dropped) call.drop?.(status);
  }

  /** The engine: the one in use, or one made now when its module has arrived meanwhile. */
  #ready(): E | undefined {
    if (this.#engine) return this.#engine;
    const engine = this.#source.createNow(this.#engineOptions());
    if (engine) this.#attach(engine);
    return engine;
  }

  #engineOptions(): O {
    return { ...this.#options, transport: this.#transport, defaults: this.#defaults, createPlayer: () => this.#takePlayer() };
  }

  #takePlayer(): Player {
    const player = this.#player ?? this.#options.createPlayer();
    this.#player = undefined;
    return player;
  }

  #attach(engine: E): void {
    if (this.#engine) return;
    if (this.#playbackRate !== 1) engine.setPlaybackRate(this.#playbackRate);
    this.#engine = engine;
    for (const entry of this.#listeners) entry.detach = engine.subscribe(entry.listener);
    for (const entry of this.#wordListeners) entry.detach = engine.subscribeWord(entry.index, entry.listener);
    this.attached(engine);
    const pending = this.#pending;
    this.#pending = [];
    this.#texts = [];
    for (const call of pending) call.run(engine);
    // The snapshot now comes from the engine: subscribers read it again if it is another object.
    if (engine.getSnapshot() !== this.#snapshot) this.#notify();
  }

  #loadFailed(error: unknown): void {
    this.#loading = undefined;
    const text = this.#texts[0];
    this.#dropPending('error');
    if (text === undefined) return;
    const reason = error instanceof Error ? error.message : String(error);
    const failure = new SynthesisError('ConnectionFailed', `Could not load the speech engine: ${reason}`, { cause: error, retryable: true });
    this.#setSnapshot({ ...IDLE_SPEECH_SNAPSHOT, status: 'error', error: failure, utterance: 1, text, playbackRate: this.#playbackRate });
    this.#callback((callbacks) => callbacks.onError?.(failure));
  }

  #defer(listeners: Set<DeferredListener>, entry: DeferredListener): () => void {
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
      entry.detach?.();
    };
  }

  #setSnapshot(snapshot: SpeechSnapshot): void {
    this.#snapshot = Object.freeze(snapshot);
    this.#notify();
  }

  #notify(): void {
    for (const { listener } of [...this.#listeners]) listener();
  }

  #callback(call: (callbacks: NonNullable<ReturnType<NonNullable<SpeechControllerOptions['getCallbacks']>>>) => void): void {
    const callbacks = this.#options.getCallbacks?.();
    if (!callbacks) return;
    try {
      call(callbacks);
    } catch (error) {
      // As the engine does: a consumer's callback must not break the controller.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
