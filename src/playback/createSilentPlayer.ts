import {
  SynthesisError,
  resolveAudioFormat,
  type AudioFormatSpec,
  type EndedReason,
  type Player,
  type PlayerDiagnostics,
  type PlayerSnapshot,
  type ResetOptions,
  type TimelineSource,
} from 'cosyvoice-react/core';
import { AudioDurationCounter } from '../core/AudioDurationCounter';
import { bindMethods } from '../core/bindMethods';
import { checkPlaybackRate } from '../core/checkPlaybackRate';
import { concatBytes } from '../core/concatBytes';
import { now } from '../core/now';
import { DEFAULT_BROWSER_FORMAT } from './DEFAULT_BROWSER_FORMAT';
import type { FrameScheduler } from './FrameScheduler';
import { PlaybackClock } from './PlaybackClock';
import { PLAYER_METHODS } from './PLAYER_METHODS';
import { PlayerStore } from './PlayerStore';
import { Playthrough } from './Playthrough';
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
 * A {@link Player} with the same lifecycle and the same clock/word logic as {@link createAudioPlayer} that makes
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
export function createSilentPlayer(options: SilentPlayerOptions = {}): Player {
  return new SilentPlayer(options);
}

class SilentPlayer implements Player {
  readonly kind = 'silent';
  #realtime: boolean;
  #now: () => number;
  #format: AudioFormatSpec;
  #counter: AudioDurationCounter;
  // Audio of the streams before the current one (see nextStream).
  #baseMs = 0;
  #clock = new PlaybackClock(MS_RATE);
  #store: PlayerStore;
  #playthrough: Playthrough;
  #volume = 1;
  #playbackRate = 1;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastPosition = 0;
  // WAV: the current stream's first bytes until its header is complete and checked; otherwise undefined.
  #wavHead: Uint8Array | undefined;

  constructor(options: SilentPlayerOptions) {
    this.#realtime = options.realtime ?? true;
    this.#now = options.now ?? now;
    this.#format = options.format ?? DEFAULT_BROWSER_FORMAT;
    this.#counter = new AudioDurationCounter(this.#format);
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
    this.#wavHead = this.#expectWavHeader();
    this.#lastPosition = 0;
    this.#playthrough.begin(options.speakStartedAt ?? this.#now());
  }

  markSpeakStart(at?: number): void {
    this.#playthrough.speakStartedAt = at ?? this.#now();
  }

  enqueue(bytes: Uint8Array | ArrayBuffer): void {
    const playthrough = this.#playthrough;
    if (playthrough.phase === 'failed') return;
    if (!playthrough.isLive) this.reset();
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
    if (playthrough.paused) return;
    if (!playthrough.heard || this.#store.state === 'buffering') this.#play(position);
    else this.#schedule();
  }

  #play(fromMs: number): void {
    if (this.#totalMs() <= fromMs) {
      if (this.#store.state === 'idle') this.#store.update({ state: 'buffering' });
      return;
    }
    this.#clock.addAnchor({ played: fromMs, time: this.#t(), rate: MS_RATE * this.#playbackRate });
    if (!this.#playthrough.heard) this.#playthrough.firstAudio(this.#now());
    this.#store.update({ state: 'playing' });
    this.#schedule();
  }

  /** Sets the timer for the moment the enqueued audio runs out. */
  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const remaining = (this.#totalMs() - this.getPositionMs()) / this.#playbackRate;
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
    if (this.#playthrough.phase === 'complete') {
      this.#end('finished');
      return;
    }
    this.#clock.addAnchor({ played: total, time: this.#t(), rate: 0 });
    this.#playthrough.stalled();
  }

  nextStream(): void {
    if (!this.#playthrough.isReceiving) return;
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
    const playthrough = this.#playthrough;
    // Counting needs no draining: the stream is complete at once.
    if (!playthrough.requestEnd()) return;
    playthrough.complete();
    const total = this.#totalMs();
    if (!this.#realtime) {
      this.#clock.addAnchor({ played: total, time: this.#t(), rate: 0 });
      if (!playthrough.heard && total > 0) playthrough.firstAudio(this.#now());
      this.#end('finished');
      return;
    }
    if (playthrough.paused) return;
    if (total === 0 || (playthrough.heard && this.#store.state === 'buffering')) this.#end('finished');
  }

  setTimeline(timeline: TimelineSource): void {
    this.#store.setWords(timeline);
  }

  pause(): void {
    if (!this.#playthrough.canPause) return;
    const position = this.getPositionMs();
    this.#clearTimer();
    this.#clock.addAnchor({ played: position, time: this.#t(), rate: 0 });
    this.#playthrough.pause();
  }

  resume(): void {
    const playthrough = this.#playthrough;
    if (!playthrough.resume() || !playthrough.isLive) return;
    const position = this.getPositionMs();
    if (position < this.#totalMs()) this.#play(position);
    else if (playthrough.phase === 'complete') this.#end('finished');
    else this.#store.update({ state: playthrough.heard ? 'buffering' : 'idle' });
  }

  stop(): void {
    if (this.#playthrough.phase === 'empty') return;
    this.#clearTimer();
    this.#lastPosition = 0;
    this.#clock.reset(0, MS_RATE);
    this.#clock.setEnqueuedFrames(this.#totalMs());
    this.#playthrough.stop();
  }

  setVolume(volume: number): void {
    this.#volume = Number.isFinite(volume) ? Math.min(1, Math.max(0, volume)) : 1;
  }

  setPlaybackRate(rate: number): void {
    checkPlaybackRate(rate);
    if (rate === this.#playbackRate) return;
    // While the clock moves, it turns at the current position; paused or stalled, the next #play uses the rate.
    const moving = this.#playthrough.isLive && (this.#clock.lastAnchor?.rate ?? 0) > 0;
    const position = moving ? this.getPositionMs() : 0;
    this.#playbackRate = rate;
    if (moving) {
      this.#clock.addAnchor({ played: position, time: this.#t(), rate: MS_RATE * rate });
      this.#schedule();
    }
    this.#store.update({ playbackRate: rate });
  }

  replay(): boolean {
    return this.seek(0);
  }

  seek(ms: number): boolean {
    const playthrough = this.#playthrough;
    if (!playthrough.hasCompleteAudio) return false;
    const total = this.#totalMs();
    const target = Math.max(0, Math.min(total, ms));
    this.#clearTimer();
    this.#clock.reset(target, MS_RATE);
    this.#clock.setEnqueuedFrames(total);
    this.#lastPosition = target;
    playthrough.reopen();
    if (target >= total) {
      this.#end('finished');
      return true;
    }
    if (playthrough.paused || !this.#realtime) {
      this.#clock.addAnchor({ played: target, time: this.#t(), rate: 0 });
      playthrough.pause();
      this.#store.tick();
      return true;
    }
    this.#play(target);
    return true;
  }

  #end(reason: 'finished' | 'stopped'): void {
    if (!this.#playthrough.isLive) return;
    this.#clearTimer();
    this.#playthrough.end(reason);
  }

  /** As in the real player: state `error`, and during a playthrough its end (`'error'`, once). */
  #fail(error: SynthesisError): void {
    if (this.#playthrough.isLive) {
      this.#clearTimer();
      this.#lastPosition = 0;
      this.#clock.reset(0, MS_RATE);
    }
    this.#playthrough.fail(error);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  getPositionMs(): number {
    const phase = this.#playthrough.phase;
    if (phase === 'empty' || phase === 'failed') return this.#lastPosition;
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
      firstChunkToRenderMs: undefined,
      durationMs: this.#totalMs(),
    };
  }

  dispose(): void {
    this.stop();
    this.#store.close();
  }
}
