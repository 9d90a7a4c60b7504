import type { AudioFormatSpec } from './AudioFormat';
import type { SynthesisError } from './errors';
import type { TimelineWord } from './WordTimeline';

/**
 * What the listener hears.
 * - `idle`: nothing enqueued for this playthrough yet, or it was stopped (`endedReason: 'stopped'`)
 * - `buffering`: audio enqueued but not audible yet, or a stall (underrun) waiting for more
 * - `playing`, `paused`
 * - `interrupted`: the system took the audio output (iOS call, Siri, another app); offer "tap to
 *   resume", and call `resume()` from that tap
 * - `ended`: played to the end (`endedReason: 'finished'`)
 * - `error`: see `error`. While `endedReason` is not `'error'`, the audio output has not started and the
 *   playthrough waits for it: `AudioBlocked` (the browser keeps it suspended: autoplay policy, no
 *   gesture) or a retryable `AudioFailed` (allowed to start but never did: no audio device). Once audio
 *   runs (a later gesture, a slow device), the playthrough continues. Any other error ends the
 *   playthrough (`endedReason: 'error'`); the next `reset()` starts over.
 */
export type PlayerState = 'idle' | 'buffering' | 'playing' | 'paused' | 'interrupted' | 'ended' | 'error';

/**
 * Why a playthrough ended; `onEnded` gets exactly one per playthrough.
 * - `finished`: the last sample was heard
 * - `stopped`: `stop()`, `reset()` or `dispose()` cut it short
 * - `error`: it failed (the snapshot's `state` is `'error'` and `error` says why)
 */
export type EndedReason = 'finished' | 'stopped' | 'error';

/**
 * What a player reports: a new object only when one of these fields changes (the heard word a few
 * times a second, never per animation frame), so `useSyncExternalStore(player.subscribe,
 * player.getSnapshot)` re-renders only then.
 *
 * The playback position is deliberately not part of it: it changes every frame. Read it with
 * `getPositionMs()` when you need it, and use `activeWordIndex` or `subscribeActiveWord()` to highlight.
 */
export interface PlayerSnapshot {
  readonly state: PlayerState;
  /** Index into the timeline's words of the word being heard, or -1. */
  readonly activeWordIndex: number;
  /** Stalls after playback began (the network did not keep up). */
  readonly underruns: number;
  /** First sample audible minus the playthrough's start (`reset({ speakStartedAt })`), in ms, once heard. */
  readonly timeToFirstAudioMs: number | undefined;
  /** Why the last playthrough ended (see {@link EndedReason}), while it is over. */
  readonly endedReason: EndedReason | undefined;
  /** Why `state` is `error`. */
  readonly error: SynthesisError | undefined;
  /** The complete audio is here: `seek()` and `replay()` work. */
  readonly canSeek: boolean;
  /**
   * The playback rate (see {@link Player.setPlaybackRate}): 1 is normal speed. Kept across playthroughs
   * like the volume, so it is here from the first snapshot.
   */
  readonly playbackRate: number;
}

/** Timing details for a debug overlay and the bench. */
export interface PlayerDiagnostics {
  /** The player's {@link Player.kind}. */
  readonly kind: string;
  /** The audio output's sample rate, or 0 without one. */
  readonly contextSampleRate: number;
  /** Sample rate of the source audio being played. */
  readonly sourceSampleRate: number;
  readonly baseLatencyMs: number;
  readonly outputLatencyMs: number;
  /** Which decoder is in front of the output: `'pcm'`, `'webcodecs'`, `'wasm'`, or `'none'`. */
  readonly decoder: string;
  /** Library overhead: first `enqueue()` of the playthrough → its first sample rendered; once known. */
  readonly firstChunkToRenderMs: number | undefined;
  /** Decoded (or counted) audio held so far, in ms. */
  readonly durationMs: number;
}

/** What `reset()` takes: the next playthrough. */
export interface ResetOptions {
  /** Format of the bytes that will be enqueued. @default the player's current format */
  format?: AudioFormatSpec;
  /** When speaking was asked for (`performance.now()` units), the zero of `timeToFirstAudioMs`. @default now */
  speakStartedAt?: number;
}

/** Words of the playthrough, as `WordTimeline.words`, or anything holding them. */
export type TimelineSource = readonly TimelineWord[] | { readonly words: readonly TimelineWord[] };

/**
 * The one player interface. The speech controllers drive it; `cosyvoice-react/playback` implements it
 * with Web Audio (`createAudioPlayer`) and without sound for tests and SSR (`createSilentPlayer`), and a
 * custom player implements it too. The core knows only this interface, so it stays DOM-free.
 *
 * Feed it what a synthesis delivers: `reset()` when speaking begins, `enqueue(bytes)` per audio frame,
 * `setTimeline(words)` as sentences end, `nextStream()` when a new task continues the same playthrough,
 * `endOfStream()` when no more audio will come. Word times are positions in the source audio (ms from
 * the start of the playthrough, as the core's timeline counts them); the clock reports the same
 * quantity, so the two agree.
 *
 * @example
 * const player = createAudioPlayer();
 * button.onclick = () => {
 *   player.unlock();                       // synchronously inside the gesture
 *   player.reset({ format: AudioFormat.PCM_24000HZ_MONO_16BIT });
 *   synthesizer.streamingCall(text);       // onData: player.enqueue, onSentence: player.setTimeline
 * };
 * player.subscribe(() => highlight(player.getSnapshot().activeWordIndex));
 */
export interface Player {
  /** What implements it: `'web-audio'`, `'silent'`, or a custom player's name. */
  readonly kind: string;
  /**
   * Creates or resumes the audio output. Call it synchronously from a click or key handler (before any
   * `await`). Resolves once audio can play; rejects with `SynthesisError('AudioBlocked')` (the snapshot
   * shows it) if the browser keeps the output suspended, or `SynthesisError('AudioFailed')` where there
   * is none (no Web Audio, or no device: a context allowed to start that never does). A context resumed
   * inside a gesture that is slow to start is waited for, not reported. Never throws synchronously.
   */
  unlock(): Promise<void>;
  /** Starts a new playthrough: stops the current one (ended: `'stopped'`) and clears the timeline. */
  reset(options?: ResetOptions): void;
  /** Records when speaking was asked for (default now), the zero of `timeToFirstAudioMs`. */
  markSpeakStart(at?: number): void;
  /**
   * Adds encoded bytes as they arrive; playback starts with the first decodable audio. After the
   * playthrough ended (`'finished'` or `'stopped'`) it starts a new one; after an error it is ignored
   * until `reset()`.
   */
  enqueue(bytes: Uint8Array | ArrayBuffer): void;
  /**
   * The bytes that follow start a new encoded stream (a new task: new WAV header, Ogg stream or MP3
   * stream) that continues the same playthrough and clock, without a gap.
   */
  nextStream(): void;
  /** No more bytes for this playthrough: play the tail, then end. */
  endOfStream(): void;
  /** Replaces the word timeline (call again as sentences arrive). */
  setTimeline(timeline: TimelineSource): void;
  pause(): void;
  /** Resumes after `pause()`, or after `interrupted` (call it from a tap then). */
  resume(): void;
  /**
   * Drops everything queued at once; the state becomes `idle` (`endedReason: 'stopped'`). The complete
   * audio, if it was all here, stays for `replay()` and `seek()`.
   */
  stop(): void;
  /** Output volume, 0…1. */
  setVolume(volume: number): void;
  readonly volume: number;
  /**
   * Plays faster or slower with the pitch kept, from 0.5 (half speed) to 2 (double speed); 1 is the
   * audio as it came, untouched. Applies at once while playing (the Web Audio player at its next segment
   * join, within 15 ms), before the first chunk, while paused or stalled, and stays for later
   * playthroughs until changed, like the volume. The clock and the active word stay on the heard audio;
   * positions, word times, `seek()` and durations stay in ms of source audio. The service's own
   * `speechRate` is another thing: it needs a new request. Throws a `ValidationError` (field
   * `playbackRate`, nothing changed) outside 0.5–2.
   */
  setPlaybackRate(rate: number): void;
  /** The playback rate set by {@link setPlaybackRate} (also in the snapshot). */
  readonly playbackRate: number;
  /** Plays the complete audio again from the start; `false` before it is all here (or after an error). */
  replay(): boolean;
  /** Jumps to `ms` of the complete audio; `false` before it is all here (or after an error). */
  seek(ms: number): boolean;
  /**
   * The heard position in ms of source audio, for callers that poll (a progress bar, a seek). At a
   * playback rate other than 1 it moves that much faster or slower than real time; divide what remains
   * by the rate to get real time left.
   */
  getPositionMs(): number;
  /** Audio held so far, in ms. */
  getDurationMs(): number;
  subscribe(listener: () => void): () => void;
  getSnapshot(): PlayerSnapshot;
  /** Calls `listener(isActive)` only when word `index` becomes active or stops being active. */
  subscribeActiveWord(index: number, listener: (active: boolean) => void): () => void;
  /** Fires exactly once per playthrough (a playthrough, or a replay or seek after it ended) with why it ended. */
  onEnded(listener: (reason: EndedReason) => void): () => void;
  /**
   * Optional: calls `listener(remainingMs)` when the playthrough's last sample has gone to the audio
   * output, `remainingMs` before it is heard (the output's latency; `onEnded` follows then). The
   * speech controller starts the next queued utterance's audio at this moment, so it follows the last
   * sample instead of waiting for it to be heard first, which would add that latency as silence. A
   * player whose output has no latency (the silent one) leaves it out.
   */
  onOutputDrained?(listener: (remainingMs: number) => void): () => void;
  getDiagnostics(): PlayerDiagnostics;
  /** Releases the audio output for good (the decoder, the worklet node, the context if it made it). */
  dispose(): void;
}
