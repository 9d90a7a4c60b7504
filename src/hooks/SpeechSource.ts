import type { SpeechController } from '../core/index';

/** Anything that carries a speech controller: a `useSpeechSynthesis` / `useStreamingSynthesis` result, or the controller. */
export type SpeechSource = { controller: SpeechController } | SpeechController;

/**
 * The controller behind a {@link SpeechSource}.
 *
 * @example
 * const controller = controllerOf(speech); // speech = useSpeechSynthesis()
 */
export function controllerOf(source: SpeechSource): SpeechController {
  return 'controller' in source ? source.controller : source;
}
