import type { SynthesisParameters } from './parameters';

/**
 * Reports doubtful parameter combinations (a voice of another model, an option the model ignores) to
 * `warn`, in development only, like React's warnings: production builds drop the check and the voice
 * index it loads. The try covers browsers without a bundler, where `process` does not exist.
 *
 * @example
 * reportModelWarnings({ model: 'cosyvoice-v2', voice: 'longanyang' }, console.warn);
 */
export function reportModelWarnings(params: SynthesisParameters, warn: (message: string) => void): void {
  try {
    if (process.env.NODE_ENV !== 'production') {
      import('./modelWarnings').then(({ modelWarnings }) => modelWarnings(params).forEach(warn), () => undefined);
    }
  } catch {
    // no process: no development warnings
  }
}
