import type { SpeechController, SpeechControllerOptions } from '../../core/SpeechController';

/**
 * Loads the engine of `useSpeechSynthesis` and of a reading region, and makes one with `options`. Only
 * ever imported with `import()`, so the app's bundler puts the engine in a chunk of its own.
 */
export function loadSpeechController(options: SpeechControllerOptions): Promise<SpeechController> {
  return import('../../core/SpeechController').then(({ SpeechController }) => new SpeechController(options));
}
