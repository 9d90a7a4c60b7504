import type { SpeechController, SpeechControllerOptions } from '../../core/SpeechController';
import { speechEngineSource } from './LazySpeechController';

/**
 * The engine of `useSpeechSynthesis` and of a reading region. Only ever imported with `import()`, so the
 * app's bundler puts it in a chunk of its own, loaded on first intent.
 */
export const speechControllerSource = /* @__PURE__ */ speechEngineSource(
  () => import('./speechEngine'),
  (module, options: SpeechControllerOptions): SpeechController => new module.SpeechController(options),
);
