import { createHash } from 'node:crypto';
import { synthesisKeyMaterial } from '../core/SynthesisRecording';

export { readCachedSynthesis, SynthesisRecording, type CachedSynthesis, type ReplayFrame } from '../core/SynthesisRecording';

/**
 * The cache key of a task: a SHA-256 over the scope (whose key and workspace), the model, every
 * parameter that is relayed (the documented ones as the client sent them, the SDKs' extras and the
 * allowed `additional_params`, keys sorted) except `pre_task_id`, and the exact text. Anything that can
 * change the audio is in it; two requests differing only in a default they spelled out get two entries.
 *
 * @example
 * const key = synthesisCacheKey(scope, 'cosyvoice-v3-flash', parameters, 'Hello.');
 */
export function synthesisCacheKey(scope: string, model: string, parameters: Readonly<Record<string, unknown>>, text: string): string {
  return createHash('sha256').update(synthesisKeyMaterial(scope, model, parameters, text)).digest('hex');
}

/**
 * The cache scope of an API key: a hash that tells keys apart without being the key, so entries of one
 * account (or workspace, or upstream) are never served to another.
 */
export function cacheScopeOfKey(apiKey: string, upstream: string, workspace: string | undefined): string {
  const key = createHash('sha256').update(`cosyvoice-react cache scope\n${apiKey}`).digest('hex').slice(0, 32);
  return `${key}|${upstream}|${workspace ?? ''}`;
}
