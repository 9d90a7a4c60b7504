import type { AudioFormatSpec, SynthesisError, TimelineWord } from 'cosyvoice-react/core';

/**
 * What the player is doing.
 * - `idle`: nothing enqueued for this utterance yet
 * - `buffering`: audio enqueued but not audible yet, or a stall (underrun) waiting for more
 * - `playing`, `paused`
 * - `interrupted`: the OS took the audio away (iOS call, Siri, another app); offer "tap to resume",
 *   and call `resume()` from that tap
 * - `ended`: played to the end (`endedReason: 'finished'`); after `stop()` the state is `idle` with
 *   `endedReason: 'stopped'`
 * - `error`: see `error`. `AudioBlocked` (the browser keeps the context suspended) is recoverable: once
 *   audio runs (a later gesture), the playthrough continues. Any other error ends the playthrough
 *   (`endedReason: 'error'`, `onEnded` gets `'error'`); the next `reset()` starts over.
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
 * The store value. A new object only when one of these fields changes — the active word a few times a
 * second, never per animation frame — so `useSyncExternalStore(player.subscribe, player.getSnapshot)`
 * re-renders only then.
 *
 * The playback position is deliberately not part of the snapshot: it changes every frame, and having it
 * here would make every subscriber re-render every frame. Read it with `getPositionMs()` when you need
 * it (a progress bar polling in its own animation frame, a seek), and use `activeWordIndex` or
 * `subscribeActiveWord()` for highlighting.
 */
export interface PlayerSnapshot {
  readonly state: PlayerState;
  /** Index into the timeline's words of the word being heard, or -1. */
  readonly activeWordIndex: number;
  /** Stalls after playback began (the network did not keep up). */
  readonly underruns: number;
  /** First sample audible minus `markSpeakStart()` (or `reset()`), in ms; `null` until then. */
  readonly timeToFirstAudioMs: number | null;
  /** Why the last playthrough ended (see {@link EndedReason}); `null` while one runs. */
  readonly endedReason: EndedReason | null;
  readonly error: SynthesisError | null;
  /** The complete audio is here: `seek()` and `replay()` work. */
  readonly canSeek: boolean;
}

/** Timing details for a debug overlay and the bench. */
export interface PlayerDiagnostics {
  /** `'web-audio'` or `'silent'`. */
  readonly kind: 'web-audio' | 'silent';
  /** The AudioContext rate (output), or 0. */
  readonly contextSampleRate: number;
  /** Rate of the source audio being played. */
  readonly sourceSampleRate: number;
  readonly baseLatencyMs: number;
  readonly outputLatencyMs: number;
  /** Which decoder is in front of the worklet. */
  readonly decoder: 'pcm' | 'webcodecs' | 'wasm' | 'none';
  /** Library overhead: first `enqueue()` of the utterance → its first sample rendered by the worklet. */
  readonly firstChunkToRenderMs: number | null;
  /** Decoded audio held so far, in ms. */
  readonly durationMs: number;
}

/** What `reset()` takes: the next utterance. */
export interface ResetOptions {
  /** Format of the bytes that will be enqueued; default: the player's current format. */
  format?: AudioFormatSpec;
  /** When `speak` began (`performance.now()` units); default: now. Used for `timeToFirstAudioMs`. */
  speakStartedAt?: number;
}

/** Words of the utterance, as `WordTimeline.words`, or anything holding them. */
export type TimelineSource = readonly TimelineWord[] | { readonly words: readonly TimelineWord[] };

/**
 * The player both {@link createAudioPlayer} (Web Audio) and {@link createSilentPlayer} (timers, for
 * tests and SSR) return. Feed it what the synthesizer delivers: `reset()` when `speak` begins,
 * `enqueue(bytes)` per `onData`, `setTimeline(timeline)` per `onSentence`, `endOfStream()` at
 * `onComplete`. Word times are positions in the source audio (ms from the start of the utterance, as
 * the core's `AudioDurationCounter` counts them); the clock reports the same quantity — decoded frames
 * heard ÷ source rate — so the two agree without per-sentence anchors.
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
export interface AudioPlayer {
  readonly kind: 'web-audio' | 'silent';
  /**
   * Creates or resumes the audio output. Call it synchronously from a click/tap handler (before any
   * `await`). Resolves once audio can play; rejects with `SynthesisError('AudioBlocked')` (and the
   * snapshot goes to `error`) if the browser keeps it suspended, or with `SynthesisError('AudioFailed')`
   * (snapshot `error` too) where no `AudioContext` can be created. Never throws synchronously.
   */
  unlock(): Promise<void>;
  /** Starts a new utterance: stops the current one (ended: `'stopped'`), clears the timeline. */
  reset(options?: ResetOptions): void;
  /** Records when `speak` began (default now), the zero of `timeToFirstAudioMs`. */
  markSpeakStart(at?: number): void;
  /**
   * Adds encoded bytes as they arrive; playback starts with the first decodable audio. After the
   * playthrough ended (`'finished'` or `'stopped'`) it starts a new one; after an error it is ignored
   * until `reset()`.
   */
  enqueue(bytes: Uint8Array | ArrayBuffer): void;
  /**
   * The bytes that follow start a new encoded stream (a new task: new WAV header, Ogg stream or MP3
   * stream) that continues the same utterance and clock. Samples stay in order across the switch.
   */
  nextStream(): void;
  /** No more bytes for this utterance: play the tail, then end. */
  endOfStream(): void;
  /** Replaces the word timeline (call again as sentences arrive). */
  setTimeline(timeline: TimelineSource): void;
  pause(): void;
  /** Resumes after `pause()`, or after `interrupted` (call it from a tap then). */
  resume(): void;
  /**
   * Drops everything queued at once; the state becomes `idle` (`endedReason: 'stopped'`) and `onEnded`
   * listeners get `'stopped'` if the playthrough had not ended. The complete audio, if it was all
   * here, stays for `replay()`/`seek()`.
   */
  stop(): void;
  /** Output volume, 0…1. */
  setVolume(volume: number): void;
  readonly volume: number;
  /** Plays the complete audio again from the start; `false` before the complete audio is here (or after an error). */
  replay(): boolean;
  /** Jumps to `ms` in the complete audio; `false` before the complete audio is here (or after an error). */
  seek(ms: number): boolean;
  /**
   * The heard position in ms of source audio, for callers that poll (e.g. a progress bar). Not in the
   * snapshot on purpose: see {@link PlayerSnapshot}.
   */
  getPositionMs(): number;
  /** Audio held so far (decoded, or counted for the silent player), in ms. */
  getDurationMs(): number;
  subscribe(listener: () => void): () => void;
  getSnapshot(): PlayerSnapshot;
  /** Calls `listener(isActive)` only when word `index` becomes active or stops being active. */
  subscribeActiveWord(index: number, listener: (active: boolean) => void): () => void;
  /**
   * Fires exactly once per playthrough (an utterance, or a replay/seek after it ended) with the
   * {@link EndedReason}: `'finished'`, `'stopped'` or `'error'`.
   */
  onEnded(listener: (reason: EndedReason) => void): () => void;
  getDiagnostics(): PlayerDiagnostics;
  /** Releases the decoder, the worklet node and the context if the player created it. */
  dispose(): void;
}
