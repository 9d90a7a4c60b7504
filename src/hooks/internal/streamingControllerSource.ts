import type { StreamingSpeechController, StreamingSpeechControllerOptions } from '../../core/StreamingSpeechController';
import { speechEngineSource } from './LazySpeechController';

/**
 * The engine of `useStreamingSynthesis`. Only ever imported with `import()`, so the app's bundler puts it
 * in a chunk of its own, loaded on first intent.
 */
export const streamingControllerSource = /* @__PURE__ */ speechEngineSource(
  () => import('./speechEngine'),
  (module, options: StreamingSpeechControllerOptions): StreamingSpeechController => new module.StreamingSpeechController(options),
);
