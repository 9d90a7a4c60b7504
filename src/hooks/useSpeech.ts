import type { HeardText, SpeakOptions, SpeechController, SpeechControllerOptions, SpeechOptions, SpeechSnapshot, SpeechStatus } from '../core/index';
import { LazySpeechController } from './internal/LazySpeechController';
import { speechControllerSource } from './internal/speechControllerSource';
import { useSpeechController } from './useSpeechController';

/** A speech's snapshot and actions, without what `useSpeechSynthesis` derives for download and captions. */
export interface Speech extends SpeechSnapshot {
  /** `true` while an utterance is underway (connecting, buffering, speaking or paused). */
  isActive: boolean;
  /** The underlying controller (for granular hooks such as `useActiveWord`). */
  controller: SpeechController;
  speak(text: string, options?: SpeakOptions): void;
  stop(): HeardText | undefined;
  pause(): void;
  resume(): void;
  seek(ms: number): boolean;
  /** Opens a socket ahead of `speak` (on hover, focus, touch start), so the speak skips the handshake. */
  preconnect(): Promise<boolean>;
  /** Plays faster or slower with the pitch kept, 0.5–2, at once and for later utterances (see `SpeechController.setPlaybackRate`). */
  setPlaybackRate(rate: number): void;
}

/** Whether `status` is an utterance underway: connecting, buffering, speaking or paused. */
export function isActiveStatus(status: SpeechStatus): boolean {
  return status === 'connecting' || status === 'buffering' || status === 'speaking' || status === 'paused';
}

/**
 * The core of `useSpeechSynthesis`: one controller per component, its snapshot and its stable actions.
 * Components that need nothing more (`SpeakButton`'s own speech) use it directly, so they do not carry
 * the code of the audio file and the captions.
 */
export function useSpeech(options: SpeechOptions = {}): Speech {
  const { controller, snapshot } = useSpeechController('useSpeechSynthesis', options, createSpeechController);
  return {
    ...snapshot,
    isActive: isActiveStatus(snapshot.status),
    controller,
    speak: controller.speak,
    stop: controller.stop,
    pause: controller.pause,
    resume: controller.resume,
    seek: controller.seek,
    preconnect: controller.preconnect,
    setPlaybackRate: controller.setPlaybackRate,
  };
}

// The engine arrives on first intent (see LazySpeechController); the facade has the controller's public
// surface, so it stands in for one wherever a hook or component takes a `SpeechController`.
function createSpeechController(options: SpeechControllerOptions): SpeechController {
  return new LazySpeechController(options, speechControllerSource) as unknown as SpeechController;
}

