import type { AudioFormatSpec } from './AudioFormat';
import type { SynthesisError } from './errors';
import type { TimelineWord } from './WordTimeline';

/** Where a player is. `interrupted` means the system took the audio (iOS call, Siri): offer "tap to resume". */
export type PlaybackState = 'idle' | 'buffering' | 'playing' | 'paused' | 'interrupted' | 'ended' | 'error';

/** What a player reports; a new object only when one of these fields changes. */
export interface PlaybackSnapshot {
  state: PlaybackState;
  /** The word being heard (index into the words given to `setWords`), or -1. */
  activeWordIndex: number;
  /** First sample played minus the start given to `begin`, once known. */
  timeToFirstAudioMs: number | undefined;
  /** How often playback ran dry while the stream was still coming. */
  underruns: number;
  /** Whether the whole utterance is buffered, so `seek` works. */
  canSeek: boolean;
  /** Why the state is `error`. */
  error: SynthesisError | undefined;
}

/**
 * The player the speech controllers drive. `cosyvoice-react/playback` implements it with Web Audio
 * (`createAudioPlayer`) and for tests/SSR without sound (`createSilentPlayer`); the core only knows this
 * interface, so it stays DOM-free.
 */
export interface PlaybackEngine {
  /** Creates or resumes the audio output. Call synchronously inside the user's gesture. */
  unlock(): void;
  /** Starts a new utterance in `format`; `startedAt` (`performance.now()`) is when speaking was asked for. */
  begin(format: AudioFormatSpec, startedAt: number): void;
  /** Adds encoded audio as received from the service; playback starts with the first chunk. */
  enqueue(chunk: Uint8Array): void;
  /**
   * The chunks that follow start a new encoded stream (a new task: new WAV header, Ogg stream or MP3
   * stream) that continues the same utterance and clock.
   */
  nextStream(): void;
  /** The utterance's words in absolute time (the list only grows while streaming). */
  setWords(words: readonly TimelineWord[]): void;
  /** No more audio will come for this utterance. */
  end(): void;
  pause(): void;
  resume(): void;
  /** Stops at once and drops queued audio; the state becomes `idle`. */
  stop(): void;
  /** Jumps to `ms` of the utterance (once `canSeek`). */
  seek(ms: number): void;
  /** Output volume 0–1. */
  setVolume(volume: number): void;
  /** The heard position in ms of the utterance's audio (poll it; it is not part of the snapshot). */
  getPositionMs(): number;
  subscribe(listener: () => void): () => void;
  getSnapshot(): PlaybackSnapshot;
  /** Releases the audio output for good. */
  dispose(): void;
}
