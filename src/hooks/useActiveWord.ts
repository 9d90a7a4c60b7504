import { useCallback, useSyncExternalStore } from 'react';
import type { SpeechController, TimelineWord } from '../core/index';

/** Anything that carries a speech controller: a `useSpeechSynthesis` / `useStreamingSynthesis` result, or the controller. */
export type SpeechSource = { controller: SpeechController } | SpeechController;

/** The controller behind a {@link SpeechSource}. */
export function controllerOf(source: SpeechSource): SpeechController {
  return 'controller' in source ? source.controller : source;
}

/**
 * The word being heard.
 *
 * Re-render cost: once per word change (a few times per second while speaking); nothing else in the
 * snapshot re-renders it.
 *
 * @example
 * const { word } = useActiveWord(speech);
 * <p aria-hidden>{word?.text}</p>
 */
export function useActiveWord(source: SpeechSource): { index: number; word: TimelineWord | undefined } {
  const controller = controllerOf(source);
  const index = useSyncExternalStore(
    controller.subscribe,
    () => controller.getSnapshot().activeWordIndex,
    () => -1,
  );
  const word = index >= 0 ? controller.getSnapshot().words[index] : undefined;
  return { index, word };
}

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
