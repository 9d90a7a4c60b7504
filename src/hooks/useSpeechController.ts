import { useSyncExternalStore } from 'react';
import type { SpeechController, SpeechOptions, SpeechSnapshot, StreamingSpeechControllerOptions } from '../core/index';
import { IDLE_SPEECH_SNAPSHOT } from '../core/IDLE_SPEECH_SNAPSHOT';
import { useSpeechControllerInstance } from './internal/useSpeechControllerInstance';

const getServerSnapshot = (): SpeechSnapshot => IDLE_SPEECH_SNAPSHOT;

/**
 * One speech controller per component instance, wired to the provider and subscribed with
 * `useSyncExternalStore`. Creating it has no side effect (StrictMode may create two); the player and
 * sockets appear only when speaking starts, and unmounting releases them. The request parameters of
 * `options` are merged over the provider's defaults here, once; its `playbackRate` (or the provider's)
 * goes to the controller, never into a request.
 */
export function useSpeechController<C extends SpeechController>(
  hook: string,
  options: SpeechOptions,
  create: (options: StreamingSpeechControllerOptions) => C,
): { controller: C; snapshot: SpeechSnapshot } {
  const controller = useSpeechControllerInstance(hook, options, create);
  const snapshot = useSyncExternalStore(controller.subscribe, controller.getSnapshot, getServerSnapshot);
  return { controller, snapshot };
}
