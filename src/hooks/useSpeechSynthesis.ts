import type { HeardText, SpeakOptions, SpeechOptions } from '../core/index';
import { useSpeech } from './useSpeech';
import { useSpeechState, type SpeechState } from './useSpeechState';

/** Options of {@link useSpeechSynthesis}: the one {@link SpeechOptions} shape (request parameters over the provider's defaults, and callbacks). */
export type UseSpeechSynthesisOptions = SpeechOptions;

/** What {@link useSpeechSynthesis} returns. Actions keep their identity across renders. */
export interface UseSpeechSynthesisResult extends SpeechState {
  /**
   * Speaks text or SSML (call it from a click: it unlocks audio). Replaces any current utterance, or with
   * `{ queue: 'append' }` speaks after it (the queue shows in `queued`).
   */
  speak(text: string, options?: SpeakOptions): void;
  /** Stops at once and clears the queue; status becomes `idle`. Returns what was heard and what not (also in `heard`). */
  stop(): HeardText | undefined;
  pause(): void;
  /** Continues after `pause` (or an iOS interruption); after the end, plays again. */
  resume(): void;
  /** Jumps to `ms` once the audio is complete; returns whether it could. */
  seek(ms: number): boolean;
  /**
   * Opens a socket (and fetches a token, with `getToken`) ahead of `speak`, as links prefetch on hover:
   * the speak then starts on a warm socket. An unused socket closes after the provider's idle time.
   */
  preconnect(): Promise<boolean>;
  /**
   * Plays faster or slower with the pitch kept, 0.5–2: at once while speaking, with nothing requested
   * again, and for the next utterances of this hook (`playbackRate` in the state shows it). Throws a
   * `ValidationError` outside 0.5–2.
   */
  setPlaybackRate(rate: number): void;
}

/**
 * Speaks one text at a time — the SDK's non-streaming and unidirectional modes — with playback,
 * the heard-word timeline and metrics.
 *
 * Re-renders whenever the snapshot changes: status, the active word, new words, metrics. Components
 * that need only the active word or the position should use `useActiveWord` / `usePlaybackPosition`.
 *
 * @example
 * const speech = useSpeechSynthesis({ voice: 'longanhuan', onEnd: () => console.log('done') });
 * <button onClick={() => speech.speak('你好')} data-state={speech.status}>Read</button>
 */
export function useSpeechSynthesis(options: UseSpeechSynthesisOptions = {}): UseSpeechSynthesisResult {
  const speech = useSpeech(options);
  return { ...speech, ...useSpeechState(speech.controller, speech) };
}
