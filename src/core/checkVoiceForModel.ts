import { SYSTEM_VOICE_IDS } from './voiceIds';

function modelsOf(voice: string): string[] {
  return Object.keys(SYSTEM_VOICE_IDS).filter((model) => SYSTEM_VOICE_IDS[model]!.split(',').includes(voice));
}

/**
 * A warning when `voice` is not a system voice of `model` and does not look like a custom voice id;
 * `undefined` when the pair looks fine. Only a warning: custom voices and new models exist.
 *
 * @example
 * checkVoiceForModel('cosyvoice-v2', 'longanyang') // 'voice "longanyang" belongs to cosyvoice-v3-flash, …'
 */
export function checkVoiceForModel(model: string, voice: string): string | undefined {
  const ids = SYSTEM_VOICE_IDS[model];
  if (ids === undefined) return undefined;
  if (ids.split(',').includes(voice)) return undefined;
  if (/^cosyvoice-|-vd-|^voice-/.test(voice)) return undefined;
  const elsewhere = modelsOf(voice);
  return elsewhere.length > 0
    ? `voice ${JSON.stringify(voice)} belongs to ${elsewhere.join(', ')}, not ${model}; the service will answer "Engine return error code: 418"`
    : `voice ${JSON.stringify(voice)} is not a system voice of ${model} (fine if it is a custom voice)`;
}
