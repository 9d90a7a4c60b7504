import { useEffect, useState } from 'react';
import type { SpeechCallbacks, SpeechController, SpeechOptions, StreamingSpeechControllerOptions } from '../../core/index';
import { mergeParameters } from '../../core/mergeParameters';
import { useSpeechContext } from '../SpeechContext';
import { useIsomorphicLayoutEffect } from './useIsomorphicLayoutEffect';
import { useLatestRef } from './useLatestRef';
import { useStableValue } from './useStableValue';

/**
 * One speech controller per component instance, wired to the provider (transport, defaults merged with
 * `options`, latest callbacks) and released on unmount, without subscribing to its snapshot: callers
 * subscribe to just what they show (`useSpeechController` to all of it, a reading region to its
 * status), so a word change re-renders nothing that does not show the word. Creating it has no side
 * effect (StrictMode may create two); the player and sockets appear only when speaking starts.
 */
export function useSpeechControllerInstance<C extends SpeechController>(
  hook: string,
  options: SpeechOptions,
  create: (options: StreamingSpeechControllerOptions) => C,
): C {
  const context = useSpeechContext(hook);
  const { onStart, onWord, onEnd, onError, onInterrupt, playbackRate, ...overrides } = options;
  const callbacks = useLatestRef<SpeechCallbacks>({ onStart, onWord, onEnd, onError, onInterrupt });
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
  // Not a request parameter: the player applies it. Set on mount and whenever the option changes.
  const rate = playbackRate ?? context.playbackRate;
  useIsomorphicLayoutEffect(() => {
    if (rate !== undefined) controller.setPlaybackRate(rate);
  }, [controller, rate]);
  useEffect(() => () => controller.release(), [controller]);
  return controller;
}
