import {
  SynthesisError,
  type AudioFormatSpec,
  type EndedReason,
  type Player,
  type PlayerDiagnostics,
  type PlayerSnapshot,
  type PlayerState,
  type ResetOptions,
  type TimelineSource,
} from 'cosyvoice-react/core';
import { bindMethods } from '../core/bindMethods';
import { checkPlaybackRate } from '../core/checkPlaybackRate';
import { now } from '../core/now';
import { audioStartAllowed } from './audioStartAllowed';
import { DEFAULT_BROWSER_FORMAT } from './DEFAULT_BROWSER_FORMAT';
import { createStreamDecoder } from './createStreamDecoder';
import type { FrameScheduler } from './FrameScheduler';
import { loadPlayerWorklet } from './loadPlayerWorklet';
import { PlaybackClock } from './PlaybackClock';
import { PLAYER_METHODS } from './PLAYER_METHODS';
import { PlayerStore } from './PlayerStore';
import { PLAYER_PROCESSOR_NAME } from './playerWorkletSource';
import { Playthrough } from './Playthrough';
import type { StreamDecoder } from './StreamDecoder';

/** Options of {@link createAudioPlayer}. */
export interface AudioPlayerOptions {
  /** Format of the bytes `enqueue()` gets (changeable per utterance with `reset({ format })`). @default DEFAULT_BROWSER_FORMAT */
  format?: AudioFormatSpec;
  /** Use this context (shared with the app; `dispose()` does not close it). */
  context?: AudioContext;
  /** Creates the context when none is given (tests inject fakes here). @default () => new AudioContext({ latencyHint }) */
  createContext?: () => AudioContext;
  /** @default 'interactive' */
  latencyHint?: AudioContextLatencyCategory | number;
  /** Where the player's output goes. @default (output, context) => output.connect(context.destination) */
  connect?: (output: AudioNode, context: AudioContext) => void;
  /** URL of a self-hosted copy of `PLAYER_WORKLET_SOURCE` (strict CSP). @default a Blob URL, then a data: URL */
  workletUrl?: string;
  /** 0…1. @default 1 */
  volume?: number;
  /** Added output delay the browser does not report (e.g. Bluetooth), in ms; delays the highlight. @default 0 */
  syncOffsetMs?: number;
  /**
   * How long a context may stay suspended after `resume()` before `AudioBlocked`, when the browser does
   * not say it may start (no user gesture, autoplay disallowed). A context resumed inside a gesture is
   * starting, not blocked: it gets `deviceStartTimeoutMs`. @default 1500
   */
  unlockTimeoutMs?: number;
  /**
   * How long a context the browser allowed to start (resumed inside a user gesture) may take to run
   * before the snapshot says there seems to be no audio output device (`AudioFailed`, retryable). Opening
   * a real device takes seconds in some browsers (Firefox on PulseAudio: up to 2 s); Firefox never starts
   * a context without one. Either way the playthrough waits and plays once the output runs. @default 10000
   */
  deviceStartTimeoutMs?: number;
  /** Set `navigator.audioSession.type = 'playback'` where present (iOS: play with the silent switch on). @default true */
  audioSession?: boolean;
  /** Decode Opus/MP3 with the WASM packages even where WebCodecs exists. @default false */
  forceWasmDecoder?: boolean;
  /** Drives the word-highlight loop. @default requestAnimationFrame (16 ms timer without a document) */
  scheduler?: FrameScheduler;
}

interface PosMessage {
  type: 'pos';
  epoch: number;
  played: number;
  ctxTime: number;
  state: 'idle' | 'playing' | 'underrun' | 'paused' | 'ended';
  rate: number;
  wall: number;
}

/**
 * The browser {@link Player}: one `AudioContext`, one AudioWorklet fed Float32 samples by a per-format decoder,
 * and a clock of what the listener hears (frames the worklet really output, mapped to the audible time
 * with `getOutputTimestamp()`). Creating it touches no browser API; the context is made by `unlock()`
 * (call it in the user's click) or, failing that, by the first `enqueue()`.
 *
 * @example
 * const player = createAudioPlayer({ format: AudioFormat.PCM_24000HZ_MONO_16BIT });
 * playButton.onclick = () => {
 *   player.unlock().catch(showTapToPlay);   // synchronously inside the gesture
 *   player.reset();
 *   synthesizer.streamingCall(text);        // onData → player.enqueue(bytes)
 * };
 * player.subscribe(() => render(player.getSnapshot()));
 */
export function createAudioPlayer(options: AudioPlayerOptions = {}): Player {
  return new WebAudioPlayer(options);
}

/**
 * The audio output, apart from any playthrough:
 * - `none`: no context yet (`unlock()` or the first `enqueue()` makes one)
 * - `starting`: the context exists but does not run yet (a resume asked inside a gesture that is still
 *   starting, or a context waiting for a gesture)
 * - `running`
 * - `blocked`: still not running `unlockTimeoutMs` after it was asked to, and the browser did not allow
 *   it to start (no gesture): the snapshot shows `AudioBlocked`; a later start recovers the playthrough
 * - `absent`: allowed to start (resumed inside a gesture) but still not running `deviceStartTimeoutMs`
 *   later, most likely no audio device: the snapshot shows `AudioFailed` (retryable); a later start
 *   recovers the playthrough
 * - `interrupted`: the system suspended it while audio played (an iOS call); `resume()` from a tap
 * - `failed`: no context can be made, or the worklet cannot load into it: every playthrough fails
 * - `closed`: its owner closed it under the player
 */
type OutputPhase = 'none' | 'starting' | 'running' | 'blocked' | 'absent' | 'interrupted' | 'failed' | 'closed';

class WebAudioPlayer implements Player {
  readonly kind = 'web-audio';
  #options: AudioPlayerOptions;
  #context: AudioContext | undefined;
  #ownsContext = false;
  #gain: GainNode | undefined;
  #node: AudioWorkletNode | undefined;
  #outbox: [unknown, Transferable[]][] = [];
  #output: OutputPhase = 'none';
  // Why the output is `failed`: every playthrough fails with it.
  #outputError: SynthesisError | undefined;
  #running: Promise<void> | undefined;
  // The pending wait of #awaitRunning: its AudioBlocked timer and listener, cleared by dispose().
  #runningWait: { timer: ReturnType<typeof setTimeout>; reject: (error: SynthesisError) => void } | undefined;
  // The browser allowed the context to start when it was last resumed (a gesture): a slow start is not a block.
  #startAllowed = false;
  // What the snapshot shows while the output is `blocked` or `absent`, cleared once it runs.
  #startError: SynthesisError | undefined;
  // What the listener heard when the output was interrupted, to show again once it runs.
  #resumeState: PlayerState = 'playing';
  #format: AudioFormatSpec;
  #volume: number;
  #playbackRate = 1;

  // The playthrough's audio: its decoder (a new generation per playthrough drops late output), the
  // decoded samples kept for replay and seek, metrics.
  #generation = 0;
  #decoder: StreamDecoder | undefined;
  #decoded: Float32Array[] = [];
  #decodedFrames = 0;
  #srcRate = 24000;
  #firstEnqueueAt: number | undefined;
  #firstChunkToRenderMs: number | undefined;
  // Resolves when every decoder before the current one has delivered its samples (see nextStream).
  #gate: Promise<void> = Promise.resolve();

  // One worklet epoch: a playthrough, or a replay or seek of it.
  #epoch = 0;
  #postedRate = 0;
  #lastPositionMs = 0;
  #endTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #drainedListeners = new Set<(remainingMs: number) => void>();

  #clock: PlaybackClock;
  #store: PlayerStore;
  #playthrough: Playthrough;

  constructor(options: AudioPlayerOptions) {
    this.#options = options;
    this.#format = options.format ?? DEFAULT_BROWSER_FORMAT;
    this.#volume = clampVolume(options.volume ?? 1);
    this.#clock = new PlaybackClock(this.#srcRate);
    this.#store = new PlayerStore(() => this.getPositionMs(), options.scheduler);
    this.#playthrough = new Playthrough(this.#store);
    bindMethods(this, PLAYER_METHODS);
  }

  get volume(): number {
    return this.#volume;
  }

  get playbackRate(): number {
    return this.#playbackRate;
  }

  // ---- output --------------------------------------------------------------------------------

  /** The context, created on first use; `undefined` (and the snapshot in `error`) where none can be made. */
  #ensureContext(): AudioContext | undefined {
    if (this.#context) return this.#context;
    const options = this.#options;
    let context: AudioContext;
    try {
      if (options.context) context = options.context;
      else if (options.createContext) context = options.createContext();
      else if (typeof AudioContext === 'undefined') {
        this.#outputFailed(new SynthesisError('AudioFailed', 'Web Audio is not available here (no AudioContext), so the audio cannot be played.'));
        return undefined;
      } else context = new AudioContext({ latencyHint: options.latencyHint ?? 'interactive' });
    } catch (cause) {
      // Browsers throw here e.g. when too many contexts are open or audio output is disabled by policy.
      this.#outputFailed(new SynthesisError('AudioFailed', `Could not create an AudioContext: ${String(cause)}`, { cause, retryable: true }));
      return undefined;
    }
    this.#ownsContext = options.context === undefined;
    this.#context = context;
    this.#output = context.state === 'running' ? 'running' : 'starting';
    this.#setAudioSession();
    context.addEventListener('statechange', this.#onContextState);
    const gain = context.createGain();
    gain.gain.value = this.#volume;
    if (options.connect) options.connect(gain, context);
    else gain.connect(context.destination);
    this.#gain = gain;
    loadPlayerWorklet(context, options.workletUrl).then(
      () => {
        if (this.#context !== context) return;
        const node = new AudioWorkletNode(context, PLAYER_PROCESSOR_NAME, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
        node.port.onmessage = (event: MessageEvent) => this.#onWorkletMessage(event.data as PosMessage);
        node.connect(gain);
        this.#node = node;
        // A new node plays at 1: a rate set for an earlier context carries over.
        if (this.#playbackRate !== 1) node.port.postMessage({ type: 'speed', rate: this.#playbackRate });
        for (const [message, transfer] of this.#outbox) node.port.postMessage(message, transfer);
        this.#outbox = [];
      },
      (cause: unknown) => {
        if (this.#context !== context) return;
        this.#outputFailed(new SynthesisError('AudioFailed', `Could not load the audio worklet (a secure context is required; for a strict CSP pass workletUrl): ${String(cause)}`, { cause }));
      },
    );
    return context;
  }

  /** → `failed`: nothing can play on this output; the playthrough (if any) fails with `error`. */
  #outputFailed(error: SynthesisError): void {
    // Without a context, the next unlock() tries again (a later gesture may get one); a worklet that
    // could not load into this context never will.
    if (this.#context) {
      this.#output = 'failed';
      this.#outputError = error;
    }
    this.#fail(error);
  }

  /** → `blocked`: the browser kept the output suspended (autoplay policy). */
  #outputBlocked(context: AudioContext): SynthesisError {
    const error = new SynthesisError(
      'AudioBlocked',
      `The browser kept audio ${context.state} (autoplay policy): start speech from a user gesture (a click or key press). ` +
        'Using the player directly? Call player.unlock() synchronously inside that handler, before any await.',
      { retryable: true },
    );
    if (this.#context === context) this.#notStarted('blocked', error);
    return error;
  }

  /** → `absent`: allowed to start, yet not running after `deviceStartTimeoutMs`: no audio device, most likely. */
  #outputAbsent(context: AudioContext, waitedMs: number): SynthesisError {
    const error = new SynthesisError(
      'AudioFailed',
      `The audio output did not start within ${Math.round(waitedMs / 1000)} s although the browser allowed it (speech was started from a user gesture): ` +
        'is there an audio output device? (Firefox starts no audio without one.) Playback begins if the output starts.',
      { retryable: true },
    );
    if (this.#context === context) this.#notStarted('absent', error);
    return error;
  }

  /** The output has not started: the snapshot shows why; the playthrough waits for it (see #onContextState). */
  #notStarted(phase: 'blocked' | 'absent', error: SynthesisError): void {
    this.#output = phase;
    this.#startError = error;
    this.#store.update({ state: 'error', error });
  }

  /** Resumes the context, noting (synchronously, in the caller's handler) whether the browser lets it start now. */
  #resumeOutput(context: AudioContext): void {
    if (audioStartAllowed() === true) {
      this.#startAllowed = true;
      // Asked again inside a gesture: the output is starting; the playthrough waits for it.
      if (this.#output === 'blocked' || this.#output === 'absent') this.#output = 'starting';
      this.#clearStartError();
    }
    context.resume().catch(() => undefined);
  }

  /** The snapshot stops showing why the output had not started: the playthrough waits (or goes on). */
  #clearStartError(): void {
    const startError = this.#startError;
    this.#startError = undefined;
    const snapshot = this.#store.getSnapshot();
    if (startError === undefined || snapshot.state !== 'error' || snapshot.error !== startError) return;
    const playthrough = this.#playthrough;
    const waiting = playthrough.isLive && (this.#firstEnqueueAt !== undefined || playthrough.hasCompleteAudio);
    this.#store.update({ state: playthrough.paused ? 'paused' : waiting ? 'buffering' : 'idle', error: undefined });
  }

  #setAudioSession(): void {
    if (this.#options.audioSession === false || typeof navigator === 'undefined') return;
    const session = (navigator as Navigator & { audioSession?: { type: string } }).audioSession;
    if (session && session.type !== 'playback') {
      try {
        session.type = 'playback';
      } catch {
        // Read-only in some embedded web views; nothing else to do.
      }
    }
  }

  /**
   * Resolves once the context runs. Rejects with `AudioBlocked` if it stays suspended `unlockTimeoutMs`
   * without the browser allowing it to start, or with `AudioFailed` (no device) if it was allowed and still
   * does not run after `deviceStartTimeoutMs`; a late start recovers the playthrough all the same.
   */
  #awaitRunning(context: AudioContext): Promise<void> {
    if (context.state === 'running') return Promise.resolve();
    if (this.#running) return this.#running;
    const unlockTimeoutMs = this.#options.unlockTimeoutMs ?? 1500;
    const deviceStartTimeoutMs = Math.max(unlockTimeoutMs, this.#options.deviceStartTimeoutMs ?? 10_000);
    const running = new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(wait.timer);
        context.removeEventListener('statechange', done);
        if (this.#runningWait === wait) this.#runningWait = undefined;
      };
      const done = (): void => {
        if (context.state !== 'running') return;
        settle();
        resolve();
      };
      const wait = {
        reject: (error: SynthesisError) => {
          settle();
          reject(error);
        },
        timer: setTimeout(() => timedOut(false), unlockTimeoutMs),
      };
      const timedOut = (waitedForDevice: boolean): void => {
        if (context.state === 'running') {
          settle();
          return resolve();
        }
        if (this.#startAllowed && !waitedForDevice) {
          // Resumed inside a gesture: the device is still starting (not an autoplay block); keep waiting.
          wait.timer = setTimeout(() => timedOut(true), Math.max(0, deviceStartTimeoutMs - unlockTimeoutMs));
          return;
        }
        settle();
        reject(waitedForDevice ? this.#outputAbsent(context, deviceStartTimeoutMs) : this.#outputBlocked(context));
      };
      this.#runningWait = wait;
      context.addEventListener('statechange', done);
    });
    this.#running = running;
    running.then(
      () => {
        if (this.#running === running) this.#running = undefined;
      },
      () => {
        if (this.#running === running) this.#running = undefined;
      },
    );
    return running;
  }

  #onContextState = (): void => {
    const context = this.#context;
    if (!context) return;
    const state = context.state as string;
    const snapshot = this.#store.getSnapshot();
    if (state === 'running') {
      this.#output = 'running';
      this.#startAllowed = false;
      if (snapshot.state === 'interrupted') this.#store.update({ state: this.#resumeState });
      // The output started after all (a slow device, a later gesture): the playthrough goes on.
      else this.#clearStartError();
    } else if (state === 'interrupted' || state === 'suspended') {
      if (snapshot.state === 'playing' || snapshot.state === 'buffering') {
        this.#output = 'interrupted';
        this.#resumeState = snapshot.state;
        this.#store.update({ state: 'interrupted' });
      }
    } else if (state === 'closed') {
      this.#output = 'closed';
      if (this.#playthrough.isLive) this.#fail(new SynthesisError('AudioFailed', 'The AudioContext was closed while playing.'));
    }
  };

  unlock(): Promise<void> {
    const context = this.#ensureContext();
    if (!context) return Promise.reject(this.#store.getSnapshot().error ?? new SynthesisError('AudioFailed', 'No AudioContext.'));
    this.#setAudioSession();
    if (context.state !== 'running') {
      // Must happen synchronously inside the gesture; the promise is observed by #awaitRunning.
      this.#resumeOutput(context);
      try {
        // A one-sample buffer started in the gesture unlocks output on older iOS Safari.
        const source = context.createBufferSource();
        source.buffer = context.createBuffer(1, 1, context.sampleRate);
        source.connect(context.destination);
        source.start();
      } catch {
        // Fakes and exotic contexts may not support it; the resume above is what matters.
      }
    }
    return this.#awaitRunning(context);
  }

  // ---- playthrough ---------------------------------------------------------------------------

  #post(message: unknown, transfer: Transferable[] = []): void {
    if (this.#node) this.#node.port.postMessage(message, transfer);
    else this.#outbox.push([message, transfer]);
  }

  #newEpoch(startFrame: number): void {
    this.#epoch++;
    this.#postedRate = 0;
    this.#clearEndTimer();
    this.#post({ type: 'flush', epoch: this.#epoch, startFrame });
    this.#clock.reset(startFrame, this.#srcRate);
  }

  /** Drops the playthrough's audio: the decoder, its late output, the decoded samples. */
  #dropAudio(): void {
    this.#generation++;
    this.#decoder?.close();
    this.#decoder = undefined;
    this.#gate = Promise.resolve();
    this.#decoded = [];
    this.#decodedFrames = 0;
  }

  reset(options: ResetOptions = {}): void {
    this.stop();
    if (options.format) this.#format = options.format;
    this.#dropAudio();
    this.#firstEnqueueAt = undefined;
    this.#firstChunkToRenderMs = undefined;
    this.#lastPositionMs = 0;
    if (this.#playthrough.resume()) this.#post({ type: 'resume' });
    this.#newEpoch(0);
    this.#clock.setEnqueuedFrames(0);
    this.#playthrough.begin(options.speakStartedAt ?? now());
  }

  markSpeakStart(at?: number): void {
    this.#playthrough.speakStartedAt = at ?? now();
  }

  /**
   * A decoder for this playthrough. After `nextStream()`, its output is held until the previous
   * decoder has delivered everything (WebCodecs output is asynchronous), so samples stay in order.
   */
  #decoderFor(generation: number, previous?: Promise<void>): StreamDecoder {
    let open = previous === undefined;
    const held: [Float32Array, number][] = [];
    if (previous) {
      this.#gate = previous.then(() => {
        open = true;
        for (const [samples, rate] of held) if (generation === this.#generation) this.#onSamples(samples, rate);
        held.length = 0;
      });
    }
    return createStreamDecoder(
      this.#format,
      {
        samples: (samples, rate) => {
          if (generation !== this.#generation) return;
          if (open) this.#onSamples(samples, rate);
          else held.push([samples, rate]);
        },
        error: (error) => {
          if (generation === this.#generation) this.#fail(error);
        },
      },
      { forceWasm: this.#options.forceWasmDecoder },
    );
  }

  nextStream(): void {
    const previous = this.#decoder;
    if (!this.#playthrough.isReceiving || !previous) return;
    const drained = Promise.all([previous.flush(), this.#gate]).then(() => previous.close());
    this.#decoder = this.#decoderFor(this.#generation, drained);
  }

  enqueue(bytes: Uint8Array | ArrayBuffer): void {
    const playthrough = this.#playthrough;
    if (playthrough.phase === 'failed') return;
    if (!playthrough.isLive) this.reset();
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    if (data.byteLength === 0) return;
    const context = this.#ensureContext();
    if (!context) return;
    if (this.#outputError) {
      // Otherwise the playthrough would wait for a worklet that never comes, buffering forever.
      this.#fail(this.#outputError);
      return;
    }
    // Once shown, a start error stays until the output starts (statechange): no new wait per chunk.
    if (this.#startError === undefined || this.#store.getSnapshot().error !== this.#startError) this.#awaitRunning(context).catch(() => undefined);
    this.#firstEnqueueAt ??= now();
    if (this.#store.state === 'idle') this.#store.update({ state: 'buffering' });
    this.#decoder ??= this.#decoderFor(this.#generation);
    this.#decoder.push(data);
  }

  #onSamples(samples: Float32Array, rate: number): void {
    if (this.#decodedFrames === 0 && rate !== this.#srcRate) {
      this.#srcRate = rate;
      this.#clock.setSrcRate(rate);
    }
    this.#decoded.push(samples);
    this.#decodedFrames += samples.length;
    this.#postSamples(samples);
    this.#clock.setEnqueuedFrames(this.#decodedFrames);
  }

  #postSamples(samples: Float32Array): void {
    if (this.#postedRate !== this.#srcRate) {
      this.#post({ type: 'format', srcRate: this.#srcRate });
      this.#postedRate = this.#srcRate;
    }
    // The decoded copy is kept for replay and seek; the worklet gets its own buffer, transferred.
    const copy = samples.slice();
    this.#post({ type: 'pcm', epoch: this.#epoch, samples: copy }, [copy.buffer]);
  }

  endOfStream(): void {
    if (!this.#playthrough.requestEnd()) return;
    const generation = this.#generation;
    Promise.all([this.#decoder?.flush(), this.#gate]).then(() => {
      if (generation !== this.#generation || this.#playthrough.phase !== 'draining') return;
      this.#playthrough.complete();
      this.#post({ type: 'eos', epoch: this.#epoch });
      if (this.#decodedFrames === 0) this.#end('finished');
    });
  }

  setTimeline(timeline: TimelineSource): void {
    this.#store.setWords(timeline);
  }

  // ---- worklet reports -----------------------------------------------------------------------

  #onWorkletMessage(message: PosMessage): void {
    if (message.type !== 'pos' || message.epoch !== this.#epoch) return;
    this.#clock.addAnchor({ played: message.played, time: message.ctxTime, rate: message.rate });
    const snapshotState = this.#store.state;
    switch (message.state) {
      case 'playing':
        if (!this.#playthrough.heard) this.#measureFirstAudio(message.ctxTime, message.wall);
        if (!this.#playthrough.paused && snapshotState !== 'interrupted' && snapshotState !== 'error') this.#store.update({ state: 'playing' });
        break;
      case 'underrun':
        this.#playthrough.stalled(snapshotState === 'playing' ? 'buffering' : snapshotState);
        break;
      case 'ended': {
        // The worklet has output the last sample; the listener hears it about one output latency later.
        const context = this.#context;
        const delayMs = context ? Math.max(0, (message.ctxTime - this.#audibleContextTime(context)) * 1000) : 0;
        const epoch = this.#epoch;
        this.#clearEndTimer();
        this.#endTimer = setTimeout(() => {
          this.#endTimer = undefined;
          if (epoch === this.#epoch) this.#end('finished');
        }, delayMs);
        // Last: a listener may start the next playthrough (reset) right here.
        if (this.#playthrough.phase === 'complete') {
          for (const listener of [...this.#drainedListeners]) if (epoch === this.#epoch) listener(delayMs);
        }
        break;
      }
      default:
        break;
    }
  }

  #measureFirstAudio(ctxTime: number, wall: number): void {
    const context = this.#context;
    if (!context) return;
    // The worklet's wall clock is Date.now() (1 ms steps); without it, estimate from currentTime.
    // Never before the first chunk came: the worklet's Date.now() and the page's timeOrigin may disagree by
    // a few ms (they did in Firefox).
    const renderedAt = Math.max(wall > 0 ? wall - performance.timeOrigin : now() - Math.max(0, context.currentTime - ctxTime) * 1000, this.#firstEnqueueAt ?? 0);
    const stamp = PlaybackClock.plausibleOutputTimestamp(context, now());
    const audibleAt = stamp
      ? stamp.performanceTime + (ctxTime - stamp.contextTime) * 1000
      : renderedAt + (context.outputLatency || context.baseLatency || 0) * 1000;
    if (this.#firstEnqueueAt !== undefined) this.#firstChunkToRenderMs = Math.max(0, renderedAt - this.#firstEnqueueAt);
    this.#playthrough.firstAudio(Math.max(audibleAt, renderedAt));
  }

  #end(reason: 'finished' | 'stopped'): void {
    if (!this.#playthrough.isLive) return;
    this.#clearEndTimer();
    this.#playthrough.end(reason);
  }

  /**
   * A failure: the snapshot goes to `error`. During a playthrough it is its end (`'error'`, once):
   * queued audio is dropped and later bytes are ignored until `reset()`.
   */
  #fail(error: SynthesisError): void {
    if (this.#playthrough.isLive) {
      this.#newEpoch(0);
      this.#generation++;
      this.#decoder?.close();
      this.#decoder = undefined;
    }
    this.#playthrough.fail(error);
  }

  #clearEndTimer(): void {
    if (this.#endTimer !== undefined) clearTimeout(this.#endTimer);
    this.#endTimer = undefined;
  }

  // ---- controls ------------------------------------------------------------------------------

  pause(): void {
    if (!this.#playthrough.canPause) return;
    this.#post({ type: 'pause' });
    this.#playthrough.pause();
  }

  resume(): void {
    const context = this.#context;
    if (context && context.state !== 'running') {
      this.#resumeOutput(context);
      this.#awaitRunning(context).catch(() => undefined);
    }
    if (!this.#playthrough.resume()) return;
    this.#post({ type: 'resume' });
    if (this.#playthrough.isLive) this.#store.update({ state: context && context.state !== 'running' ? 'interrupted' : 'buffering' });
    this.#resumeState = 'playing';
  }

  stop(): void {
    const playthrough = this.#playthrough;
    if (playthrough.phase === 'empty') return;
    this.#newEpoch(0);
    if (playthrough.paused) this.#post({ type: 'resume' });
    // Audio still arriving is dropped; complete audio stays for replay and seek.
    if (!playthrough.hasCompleteAudio) this.#dropAudio();
    this.#lastPositionMs = 0;
    this.#clearEndTimer();
    playthrough.stop();
  }

  setVolume(volume: number): void {
    this.#volume = clampVolume(volume);
    const gain = this.#gain;
    if (gain && this.#context) gain.gain.setTargetAtTime(this.#volume, this.#context.currentTime, 0.01);
  }

  setPlaybackRate(rate: number): void {
    checkPlaybackRate(rate);
    if (rate === this.#playbackRate) return;
    this.#playbackRate = rate;
    // The worklet stretches from its next segment join and reports the new pace, so the clock follows.
    this.#post({ type: 'speed', rate });
    this.#store.update({ playbackRate: rate });
  }

  replay(): boolean {
    return this.seek(0);
  }

  seek(ms: number): boolean {
    const playthrough = this.#playthrough;
    if (!playthrough.hasCompleteAudio || this.#outputError) return false;
    if (!this.#ensureContext()) return false;
    const frame = Math.max(0, Math.min(this.#decodedFrames, Math.round((ms / 1000) * this.#srcRate)));
    this.#newEpoch(frame);
    let skip = frame;
    for (const chunk of this.#decoded) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      this.#postSamples(skip > 0 ? chunk.subarray(skip) : chunk);
      skip = 0;
    }
    this.#post({ type: 'eos', epoch: this.#epoch });
    this.#clock.setEnqueuedFrames(this.#decodedFrames);
    this.#lastPositionMs = (frame / this.#srcRate) * 1000;
    playthrough.reopen();
    if (frame >= this.#decodedFrames) {
      this.#end('finished');
      return true;
    }
    // An output that has not started keeps showing why; it plays from here once it starts.
    if (this.#startError === undefined) this.#store.update({ state: playthrough.paused ? 'paused' : 'buffering' });
    this.#store.tick();
    return true;
  }

  // ---- clock ---------------------------------------------------------------------------------

  /** Context time of the sample reaching the listener now. */
  #audibleContextTime(context: AudioContext): number {
    // getOutputTimestamp() is {0, 0} for the first ~40 ms after creation or resume, and off-clock in WebKitGTK.
    const nowMs = now();
    const stamp = PlaybackClock.plausibleOutputTimestamp(context, nowMs);
    if (stamp) {
      const t = stamp.contextTime + (nowMs - stamp.performanceTime) / 1000;
      return Math.min(t, context.currentTime);
    }
    return context.currentTime - (context.outputLatency || context.baseLatency || 0);
  }

  getPositionMs(): number {
    const context = this.#context;
    // A suspended or interrupted context renders nothing; extrapolating would run ahead.
    if (!context || context.state !== 'running') return this.#lastPositionMs;
    const time = this.#audibleContextTime(context) - (this.#options.syncOffsetMs ?? 0) / 1000;
    this.#lastPositionMs = this.#clock.positionMsAt(time);
    return this.#lastPositionMs;
  }

  getDurationMs(): number {
    return (this.#decodedFrames / this.#srcRate) * 1000;
  }

  // ---- store ---------------------------------------------------------------------------------

  subscribe(listener: () => void): () => void {
    return this.#store.subscribe(listener);
  }

  getSnapshot(): PlayerSnapshot {
    return this.#store.getSnapshot();
  }

  subscribeActiveWord(index: number, listener: (active: boolean) => void): () => void {
    return this.#store.subscribeActiveWord(index, listener);
  }

  onEnded(listener: (reason: EndedReason) => void): () => void {
    return this.#store.onEnded(listener);
  }

  onOutputDrained(listener: (remainingMs: number) => void): () => void {
    this.#drainedListeners.add(listener);
    return () => this.#drainedListeners.delete(listener);
  }

  getDiagnostics(): PlayerDiagnostics {
    const context = this.#context;
    return {
      kind: 'web-audio',
      contextSampleRate: context?.sampleRate ?? 0,
      sourceSampleRate: this.#srcRate,
      baseLatencyMs: (context?.baseLatency ?? 0) * 1000,
      outputLatencyMs: (context?.outputLatency ?? 0) * 1000,
      decoder: this.#decoder?.kind ?? 'none',
      firstChunkToRenderMs: this.#firstChunkToRenderMs,
      durationMs: this.getDurationMs(),
    };
  }

  dispose(): void {
    this.stop();
    // A pending unlock() must not write AudioBlocked into the released store later.
    this.#runningWait?.reject(new SynthesisError('Cancelled', 'The player was disposed before audio could start.'));
    this.#store.close();
    this.#drainedListeners.clear();
    this.#decoder?.close();
    this.#decoder = undefined;
    this.#clearEndTimer();
    const context = this.#context;
    if (this.#node) {
      this.#node.port.onmessage = null;
      this.#node.disconnect();
      this.#node = undefined;
    }
    this.#gain?.disconnect();
    if (context) {
      context.removeEventListener('statechange', this.#onContextState);
      if (this.#ownsContext && context.state !== 'closed') context.close().catch(() => undefined);
    }
    this.#context = undefined;
    this.#output = 'none';
  }
}

function clampVolume(volume: number): number {
  return Number.isFinite(volume) ? Math.min(1, Math.max(0, volume)) : 1;
}
