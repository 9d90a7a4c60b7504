import { checkVoiceForModel } from './checkVoiceForModel';
import type { SynthesisParameters } from './parameters';

/**
 * Warnings for combinations the service may reject or ignore but that cannot be known for sure here
 * (custom voices and newer models exist): a system voice of another model, options a model ignores.
 * `SpeechSynthesizer` reports them through `onWarning`, loading this module lazily.
 *
 * @example
 * modelWarnings({ model: 'cosyvoice-v2', voice: 'longanyang' }) // ['voice "longanyang" belongs to cosyvoice-v3-flash, …']
 */
export function modelWarnings(params: SynthesisParameters): string[] {
  const warnings: string[] = [];
  const voiceWarning = checkVoiceForModel(params.model, params.voice);
  if (voiceWarning) warnings.push(voiceWarning);
  if (params.model === 'cosyvoice-v1') {
    if (params.format?.format === 'opus') warnings.push('cosyvoice-v1 does not support opus output');
    if (params.seed) warnings.push('cosyvoice-v1 ignores seed');
    if (params.languageHints) warnings.push('cosyvoice-v1 ignores languageHints');
  }
  if (params.hotFix && (params.model === 'cosyvoice-v1' || params.model === 'cosyvoice-v2')) warnings.push(`${params.model} does not support hotFix`);
  if (params.languageHints && params.languageHints.length > 1) warnings.push('only the first languageHints value is used');
  return warnings;
}
