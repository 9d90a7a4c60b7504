import { useCallback, useSyncExternalStore } from 'react';
import { controllerOf, type SpeechSource } from './SpeechSource';

/**
 * Whether word `index` is `pending`, `active` (being heard) or `spoken`.
 *
 * Re-render cost: only when this word's state changes — a word change re-renders the two words
 * involved, whatever the length of the text (per-word subscriptions, no scan of all words).
 *
 * @example
 * const state = useWordState(speech, i);
 * <span data-active={state === 'active' || undefined}>{text}</span>
 */
export function useWordState(source: SpeechSource, index: number): 'pending' | 'active' | 'spoken' {
  const controller = controllerOf(source);
  const subscribe = useCallback((listener: () => void) => controller.subscribeWord(index, listener), [controller, index]);
  return useSyncExternalStore(subscribe, () => controller.getWordState(index), () => 'pending');
}
