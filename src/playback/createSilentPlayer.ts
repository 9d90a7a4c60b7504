import { AudioDurationCounter, SynthesisError, concatBytes, resolveAudioFormat, type AudioFormatSpec } from 'cosyvoice-react/core';
import type { AudioPlayer, EndedReason, PlayerDiagnostics, PlayerSnapshot, ResetOptions, TimelineSource } from './AudioPlayer';
import { DEFAULT_BROWSER_FORMAT } from './DEFAULT_BROWSER_FORMAT';
import type { FrameScheduler } from './FrameScheduler';
import { PlaybackClock } from './PlaybackClock';
import { PlayerStore } from './PlayerStore';
import { readPlayableWavHeader } from './WavDecoder';

/** Options of {@link createSilentPlayer}. */
export interface SilentPlayerOptions {
  /** Format of the enqueued bytes (their duration is counted, never decoded). @default DEFAULT_BROWSER_FORMAT */
  format?: AudioFormatSpec;
  /** `true`: "plays" in real time with timers; `false`: everything is heard at once at `endOfStream()`. @default true */
  realtime?: boolean;
  /** Clock in ms (inject for tests with fake timers). @default () => performance.now() */
  now?: () => number;
  /** Drives the word-highlight loop. @default requestAnimationFrame, or a 16 ms timer */
  scheduler?: FrameScheduler;
}

// The clock counts milliseconds as frames.
const MS_RATE = 1000;

/**
 * A player with the same interface and the same clock/word logic as {@link createAudioPlayer} that makes
 * no sound and needs no browser: durations come from the core's `AudioDurationCounter`, time from
 * timers. For SSR, Node, jsdom tests and stories. Stalls (no bytes when the enqueued audio runs out)
 * count as underruns, as in the real player. Audio the real player cannot play (WAV that is not 16-bit
 * mono) fails the same way: state `error` (`AudioFailed`), ended with `'error'`.
 *
 * @example
 * const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT });
 * player.reset();
 * player.enqueue(pcmBytes);  // "plays" for as long as the bytes last
 * player.endOfStream();
 * player.onEnded((reason) => console.log(reason)); // 'finished'
 */
export function createSilentPlayer(options: SilentPlayerOptions = {}): AudioPlayer {
  return new SilentPlayer(options);
}

class SilentPlayer implements AudioPlayer {
  readonly kind = 'silent' as const;
  #realtime: boolean;
  #now: () => number;
  #format: AudioFormatSpec;
  #counter: AudioDurationCounter;
  // Audio of the streams before the current one (see nextStream).
  #baseMs = 0;
  #clock = new PlaybackClock(MS_RATE);
  #store: PlayerStore;
  #volume = 1;
  #active = false;
  #endedFired = true;
  #started = false;
  #eos = false;
  #paused = false;
  #speakStart = 0;
  #underruns = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastPosition = 0;
  // The playthrough ended with an error: enqueue() is ignored until reset().
  #failed = false;
  // WAV: the current stream's first bytes until its header is complete and checked; otherwise undefined.
  #wavHead: Uint8Array | undefined;

  constructor(options: SilentPlayerOptions) {
    this.#realtime = options.realtime ?? true;
    this.#now = options.now ?? (() => performance.now());
    this.#format = options.format ?? DEFAULT_BROWSER_FORMAT;
    this.#counter = new AudioDurationCounter(this.#format);
    this.#store = new PlayerStore(() => this.getPositionMs(), options.scheduler);
    for (const name of ['unlock', 'reset', 'markSpeakStart', 'enqueue', 'nextStream', 'endOfStream', 'setTimeline', 'pause', 'resume', 'stop', 'setVolume', 'replay', 'seek', 'getPositionMs', 'getDurationMs', 'subscribe', 'getSnapshot', 'subscribeActiveWord', 'onEnded', 'getDiagnostics', 'dispose'] as const) {
      (this as Record<string, unknown>)[name] = (this[name] as (...args: unknown[]) => unknown).bind(this);
    }
  }

  get volume(): number {
    return this.#volume;
  }

  #t(): number {
    return this.#now() / 1000;
  }

  unlock(): Promise<void> {
    return Promise.resolve();
  }

  reset(options: ResetOptions = {}): void {
    this.stop();
    if (options.format) this.#format = options.format;
    this.#counter = new AudioDurationCounter(this.#format);
    this.#baseMs = 0;
    this.#clock.reset(0, MS_RATE);
    this.#clock.setEnqueuedFrames(0);
    this.#active = true;
    this.#endedFired = false;
    this.#failed = false;
    this.#wavHead = this.#expectWavHeader();
    this.#started = false;
    this.#eos = false;
    this.#paused = false;
    this.#underruns = 0;
    this.#lastPosition = 0;
    this.#speakStart = options.speakStartedAt ?? this.#now();
    this.#store.setWords([]);
    this.#store.update({ state: 'idle', activeWordIndex: -1, underruns: 0, timeToFirstAudioMs: null, endedReason: null, error: null, canSeek: false });
  }

  markSpeakStart(at?: number): void {
    this.#speakStart = at ?? this.#now();
  }

  enqueue(bytes: Uint8Array | ArrayBuffer): void {
    if (this.#failed) return;
    if (!this.#active || this.#endedFired) this.reset();
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    if (data.byteLength === 0) return;
    if (this.#wavHead !== undefined && !this.#checkWavHeader(data)) return;
    const position = this.getPositionMs();
    this.#counter.push(data);
    this.#clock.setEnqueuedFrames(this.#totalMs());
    if (!this.#realtime) {
      if (this.#store.state === 'idle') this.#store.update({ state: 'buffering' });
      return;
    }
    if (this.#paused) return;
    if (!this.#started || this.#store.state === 'buffering') this.#play(position);
    else this.#schedule();
  }

  #play(fromMs: number): void {
    if (this.#totalMs() <= fromMs) {
      if (this.#store.state === 'idle') this.#store.update({ state: 'buffering' });
      return;
    }
    const t = this.#t();
    this.#clock.addAnchor({ played: fromMs, time: t, rate: MS_RATE });
    if (!this.#started) {
      this.#started = true;
      this.#store.update({ timeToFirstAudioMs: Math.max(0, this.#now() - this.#speakStart) });
    }
    this.#store.update({ state: 'playing' });
    this.#schedule();
  }

  /** Sets the timer for the moment the enqueued audio runs out. */
  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const remaining = this.#totalMs() - this.getPositionMs();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onDrained();
    }, Math.max(0, remaining));
  }

  #onDrained(): void {
    const position = this.getPositionMs();
    const total = this.#totalMs();
    if (position < total - 0.5) {
      this.#schedule();
      return;
    }
    if (this.#eos) {
      this.#finish('finished');
      return;
    }
    this.#clock.addAnchor({ played: total, time: this.#t(), rate: 0 });
    this.#underruns++;
    this.#store.update({ state: 'buffering', underruns: this.#underruns });
  }

  nextStream(): void {
    if (!this.#active || this.#endedFired) return;
    this.#baseMs += this.#counter.durationMs;
    this.#counter = new AudioDurationCounter(this.#format);
    this.#wavHead = this.#expectWavHeader();
  }

  #expectWavHeader(): Uint8Array | undefined {
    return resolveAudioFormat(this.#format).format === 'wav' ? new Uint8Array(0) : undefined;
  }

  /** The same check as the real player's WAV decoder; `false` once it failed the playthrough. */
  #checkWavHeader(data: Uint8Array): boolean {
    const head = concatBytes([this.#wavHead!, data]);
    const header = readPlayableWavHeader(head);
    if (header === 'need-more') {
      this.#wavHead = head;
      return true;
    }
    this.#wavHead = undefined;
    if (header instanceof SynthesisError) {
      this.#fail(header);
      return false;
    }
    return true;
  }

  #totalMs(): number {
    return this.#baseMs + this.#counter.durationMs;
  }

  endOfStream(): void {
    if (!this.#active || this.#eos || this.#failed) return;
    this.#eos = true;
    this.#store.update({ canSeek: true });
    const total = this.#totalMs();
    if (!this.#realtime) {
      this.#clock.addAnchor({ played: total, time: this.#t(), rate: 0 });
      if (!this.#started && total > 0) {
        this.#started = true;
        this.#store.update({ timeToFirstAudioMs: Math.max(0, this.#now() - this.#speakStart) });
      }
      this.#finish('finished');
      return;
    }
    if (this.#paused) return;
    if (total === 0 || (this.#started && this.#store.state === 'buffering')) this.#finish('finished');
  }

  setTimeline(timeline: TimelineSource): void {
    this.#store.setWords(timeline);
  }

  pause(): void {
    if (!this.#active || this.#endedFired || this.#paused) return;
    const position = this.getPositionMs();
    this.#paused = true;
    this.#clearTimer();
    this.#clock.addAnchor({ played: position, time: this.#t(), rate: 0 });
    this.#store.update({ state: 'paused' });
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#endedFired) return;
    const position = this.getPositionMs();
    if (position < this.#totalMs()) this.#play(position);
    else if (this.#eos) this.#finish('finished');
    else this.#store.update({ state: this.#started ? 'buffering' : 'idle' });
  }

  stop(): void {
    if (!this.#active) return;
    this.#clearTimer();
    this.#paused = false;
    this.#lastPosition = 0;
    this.#clock.reset(0, MS_RATE);
    this.#clock.setEnqueuedFrames(this.#totalMs());
    this.#finish('stopped');
    if (!this.#eos) this.#active = false;
  }

  setVolume(volume: number): void {
    this.#volume = Number.isFinite(volume) ? Math.min(1, Math.max(0, volume)) : 1;
  }

  replay(): boolean {
    return this.seek(0);
  }

  seek(ms: number): boolean {
    if (!this.#eos || !this.#active || this.#failed) return false;
    const total = this.#totalMs();
    const target = Math.max(0, Math.min(total, ms));
    this.#clearTimer();
    this.#clock.reset(target, MS_RATE);
    this.#clock.setEnqueuedFrames(total);
    this.#lastPosition = target;
    if (this.#endedFired) {
      this.#endedFired = false;
      this.#store.update({ endedReason: null });
    }
    if (target >= total) {
      this.#finish('finished');
      return true;
    }
    if (this.#paused || !this.#realtime) {
      this.#clock.addAnchor({ played: target, time: this.#t(), rate: 0 });
      this.#store.update({ state: 'paused' });
      this.#paused = true;
      this.#store.tick();
      return true;
    }
    this.#play(target);
    return true;
  }

  #finish(reason: EndedReason): void {
    if (this.#endedFired) return;
    this.#endedFired = true;
    this.#clearTimer();
    this.#store.end(reason);
  }

  /** As in the real player: state `error`, and during a playthrough its end (`'error'`, once). */
  #fail(error: SynthesisError): void {
    if (!this.#active || this.#endedFired) {
      this.#store.update({ state: 'error', error });
      return;
    }
    this.#failed = true;
    this.#endedFired = true;
    this.#clearTimer();
    this.#paused = false;
    this.#lastPosition = 0;
    this.#clock.reset(0, MS_RATE);
    this.#store.end('error', error);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  getPositionMs(): number {
    if (!this.#active) return this.#lastPosition;
    this.#lastPosition = this.#clock.positionMsAt(this.#t());
    return this.#lastPosition;
  }

  getDurationMs(): number {
    return this.#totalMs();
  }

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

  getDiagnostics(): PlayerDiagnostics {
    return {
      kind: 'silent',
      contextSampleRate: 0,
      sourceSampleRate: this.#format.sampleRate,
      baseLatencyMs: 0,
      outputLatencyMs: 0,
      decoder: 'none',
      firstChunkToRenderMs: null,
      durationMs: this.#totalMs(),
    };
  }

  dispose(): void {
    this.stop();
    this.#store.close();
  }
}
