import { useSyncExternalStore } from 'react';
import type { TimelineWord } from '../core/index';
import { controllerOf, type SpeechSource } from './SpeechSource';

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
