import type { ReadAloudController, ReadAloudControllerOptions } from '../../core/ReadAloudController';
import { speechEngineSource } from './LazySpeechController';

/**
 * The engine of `useReadAloud`, in the speech engine's module. Only ever imported with `import()`, so a
 * page loads it on first intent, not with the components. (In a module of its own, the text segmentation
 * it shares with the reading region made a bare cross-chunk import that app bundlers warn about.)
 */
export const readAloudControllerSource = /* @__PURE__ */ speechEngineSource(
  () => import('./speechEngine'),
  (module, options: ReadAloudControllerOptions): ReadAloudController => new module.ReadAloudController(options),
);
