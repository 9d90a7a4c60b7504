import type { HeardText, ReadableStreamLike, SpeechOptions, SpeechStatus, StreamingSpeechController, StreamingSpeechControllerOptions, SynthesisParameters } from '../core/index';
import { LazyStreamingSpeechController } from './internal/LazyStreamingSpeechController';
import { streamingControllerSource } from './internal/streamingControllerSource';
import { useSpeechController } from './useSpeechController';
import { useSpeechState, type SpeechState } from './useSpeechState';

/** Options of {@link useStreamingSynthesis}: the one {@link SpeechOptions} shape (request parameters over the provider's defaults, and callbacks). */
export type UseStreamingSynthesisOptions = SpeechOptions;

/** What {@link useStreamingSynthesis} returns. Actions keep their identity across renders. */
export interface UseStreamingSynthesisResult extends SpeechState {
  /** Opens the connection and unlocks audio (call it from a click). `write` also starts when needed. */
  start(overrides?: Partial<SynthesisParameters>): void;
  /** Adds a fragment of text; complete sentences are spoken as they arrive. */
  write(fragment: string): void;
  /** No more text; the utterance ends when everything has been heard. */
  complete(): void;
  /** Stops at once; status becomes `idle`. Returns what was heard of the answer and what not (also in `heard`). */
  cancel(): HeardText | undefined;
  /** Speaks a token stream (an LLM's output) and resolves with the final status when done. */
  pipe(source: AsyncIterable<string> | ReadableStreamLike<string>, overrides?: Partial<SynthesisParameters>): Promise<SpeechStatus>;
  pause(): void;
  resume(): void;
  /** Jumps to `ms` once the audio is complete; returns whether it could. */
  seek(ms: number): boolean;
  /** Opens a socket ahead of `start`/`pipe` (e.g. while the LLM thinks), so the first words come sooner. */
  preconnect(): Promise<boolean>;
  /**
   * Plays faster or slower with the pitch kept, 0.5–2: at once while speaking, with nothing requested
   * again, and for the next utterances of this hook (`playbackRate` in the state shows it). Throws a
   * `ValidationError` outside 0.5–2.
   */
  setPlaybackRate(rate: number): void;
}

/**
 * The SDK's bidirectional mode: text that arrives in pieces (e.g. from an LLM) is spoken as
 * sentences complete, and the timeline grows as they end. A slow source never loses speech: after
 * `idleFinishMs` without text (the service fails a task after 23 s) the task is finished and the next
 * text continues in a new task on the same timeline and playback queue.
 *
 * Re-renders whenever the snapshot changes (status, active word, new words, text, metrics).
 *
 * @example
 * const speech = useStreamingSynthesis();
 * <button onClick={() => speech.pipe(llm.textStream)}>Answer aloud</button>
 */
export function useStreamingSynthesis(options: UseStreamingSynthesisOptions = {}): UseStreamingSynthesisResult {
  const { controller, snapshot } = useSpeechController('useStreamingSynthesis', options, createStreamingController);
  const state = useSpeechState(controller, snapshot);
  return {
    ...state,
    start: controller.start,
    write: controller.write,
    complete: controller.complete,
    cancel: controller.cancel,
    pipe: controller.pipe,
    pause: controller.pause,
    resume: controller.resume,
    seek: controller.seek,
    preconnect: controller.preconnect,
    setPlaybackRate: controller.setPlaybackRate,
  };
}

// The engine arrives on first intent (see LazyStreamingSpeechController), standing in for the controller.
function createStreamingController(options: StreamingSpeechControllerOptions): StreamingSpeechController {
  return new LazyStreamingSpeechController(options, streamingControllerSource) as unknown as StreamingSpeechController;
}

