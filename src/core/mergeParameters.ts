import type { SynthesisParameters } from './parameters';

/**
 * Request parameters with `overrides` over `defaults`, the one way they are merged (provider defaults
 * under a hook's options, a hook's defaults under `speak`'s overrides). An override that is
 * `undefined` keeps the default: `{ voice: undefined }` means "not set", not "no voice".
 *
 * @example
 * mergeParameters({ model: 'cosyvoice-v3-flash', voice: 'longanyang' }, { voice: undefined, speechRate: 1.2 });
 * // { model: 'cosyvoice-v3-flash', voice: 'longanyang', speechRate: 1.2 }
 */
export function mergeParameters(defaults: Partial<SynthesisParameters>, overrides: Partial<SynthesisParameters>): Partial<SynthesisParameters> {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  return merged as Partial<SynthesisParameters>;
}
