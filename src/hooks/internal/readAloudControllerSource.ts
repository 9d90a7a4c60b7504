import type { ReadAloudController, ReadAloudControllerOptions } from '../../core/ReadAloudController';
import { speechEngineSource } from './LazySpeechController';

/**
 * The engine of `useReadAloud`. Only ever imported with `import()` (a chunk of its own beside the speech
 * engine's), so a page loads it on first intent, not with the components.
 */
export const readAloudControllerSource = /* @__PURE__ */ speechEngineSource(
  () => import('./readAloudEngine'),
  (module, options: ReadAloudControllerOptions): ReadAloudController => new module.ReadAloudController(options),
);
