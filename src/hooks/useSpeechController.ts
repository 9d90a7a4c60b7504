import { useEffect, useState, useSyncExternalStore } from 'react';
import { IDLE_SPEECH_SNAPSHOT, type SpeechCallbacks, type SpeechController, type SpeechControllerOptions, type SpeechSnapshot, type SynthesisParameters } from '../core/index';
import { useIsomorphicLayoutEffect } from './internal/useIsomorphicLayoutEffect';
import { useLatestRef } from './internal/useLatestRef';
import { useSpeechContext } from './SpeechProvider';

/** Options shared by {@link useSpeechSynthesis} and {@link useStreamingSynthesis}. */
export interface SpeechHookOptions extends Partial<SynthesisParameters>, SpeechCallbacks {}

const getServerSnapshot = (): SpeechSnapshot => IDLE_SPEECH_SNAPSHOT;

/**
 * One {@link SpeechController} per component instance, wired to the provider and subscribed with
 * `useSyncExternalStore`. Creating it has no side effect (StrictMode may create two); the player and
 * sockets appear only when speaking starts, and unmounting releases them.
 */
export function useSpeechController<C extends SpeechController>(
  hook: string,
  options: SpeechHookOptions,
  create: (options: SpeechControllerOptions) => C,
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
  const defaultsKey = JSON.stringify(overrides);
  useIsomorphicLayoutEffect(() => {
    controller.setDefaults({ ...context.defaults, ...overrides });
    controller.setTransport(context.transport);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [controller, context.defaults, context.transport, defaultsKey]);
  useEffect(() => () => controller.release(), [controller]);
  const snapshot = useSyncExternalStore(controller.subscribe, controller.getSnapshot, getServerSnapshot);
  return { controller, snapshot };
}
