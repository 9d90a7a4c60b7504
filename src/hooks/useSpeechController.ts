import { useEffect, useState, useSyncExternalStore } from 'react';
import { IDLE_SPEECH_SNAPSHOT, type SpeechCallbacks, type SpeechController, type SpeechOptions, type SpeechSnapshot, type StreamingSpeechControllerOptions } from '../core/index';
import { mergeParameters } from '../core/parameters';
import { useIsomorphicLayoutEffect } from './internal/useIsomorphicLayoutEffect';
import { useLatestRef } from './internal/useLatestRef';
import { useStableValue } from './internal/useStableValue';
import { useSpeechContext } from './SpeechProvider';

const getServerSnapshot = (): SpeechSnapshot => IDLE_SPEECH_SNAPSHOT;

/**
 * One speech controller per component instance, wired to the provider and subscribed with
 * `useSyncExternalStore`. Creating it has no side effect (StrictMode may create two); the player and
 * sockets appear only when speaking starts, and unmounting releases them. The request parameters of
 * `options` are merged over the provider's defaults here, once.
 */
export function useSpeechController<C extends SpeechController>(
  hook: string,
  options: SpeechOptions,
  create: (options: StreamingSpeechControllerOptions) => C,
): { controller: C; snapshot: SpeechSnapshot } {
  const context = useSpeechContext(hook);
  const { onStart, onWord, onEnd, onError, ...overrides } = options;
  const callbacks = useLatestRef<SpeechCallbacks>({ onStart, onWord, onEnd, onError });
  const [controller] = useState(() =>
    create({
      transport: context.transport,
      createPlayer: () => context.createPlayer(),
      getCallbacks: () => callbacks.current,
      idleFinishMs: context.idleFinishMs,
      connectTimeoutMillis: context.connectTimeoutMillis,
      startTimeoutMillis: context.startTimeoutMillis,
    }),
  );
  const stableOverrides = useStableValue(overrides);
  useIsomorphicLayoutEffect(() => {
    controller.setDefaults(mergeParameters(context.defaults, stableOverrides));
    controller.setTransport(context.transport);
  }, [controller, context.defaults, context.transport, stableOverrides]);
  useEffect(() => () => controller.release(), [controller]);
  const snapshot = useSyncExternalStore(controller.subscribe, controller.getSnapshot, getServerSnapshot);
  return { controller, snapshot };
}
