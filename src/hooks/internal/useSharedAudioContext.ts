import { useCallback, useEffect, useState } from 'react';

/**
 * One `AudioContext` for every player below a provider (browsers limit how many a page may open, iOS
 * to a handful): created on first use, which is inside the user's gesture, and closed when the provider
 * unmounts. Returns `undefined` where Web Audio is missing or refused; the player then reports that.
 */
export function useSharedAudioContext(): () => AudioContext | undefined {
  const [shared] = useState<{ context?: AudioContext }>(() => ({}));
  useEffect(
    () => () => {
      const context = shared.context;
      shared.context = undefined;
      if (context && context.state !== 'closed') context.close().catch(() => undefined);
    },
    [shared],
  );
  return useCallback(() => {
    if (!shared.context || shared.context.state === 'closed') {
      try {
        shared.context = typeof AudioContext === 'undefined' ? undefined : new AudioContext({ latencyHint: 'interactive' });
      } catch {
        shared.context = undefined;
      }
    }
    return shared.context;
  }, [shared]);
}
