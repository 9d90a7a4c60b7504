import { findAudioFormat, type AudioFormatSpec } from '../core/AudioFormat';
import { isSynthesisError } from '../core/errors';
import { validateSynthesisParameters, type HotFix, type LanguageHint, type SynthesisParameters } from '../core/parameters';
import { isRecord } from './isRecord';
import { SERVER_ERRORS, TaskFailure, missingParameter } from './serverErrors';

/** The parameters of one task as the local server uses them (wire names resolved, defaults applied). */
export interface TaskParameters {
  model: string;
  voice: string;
  /** Resolved container: `Default` becomes `mp3`. */
  format: 'pcm' | 'wav' | 'mp3' | 'opus';
  /** Resolved rate: `0` (or absent) becomes 22 050. */
  sampleRate: number;
  /** kbps for mp3/opus. */
  bitRate: number;
  volume: number;
  speechRate: number;
  pitchRate: number;
  seed: number;
  wordTimestampEnabled: boolean;
  enableSsml: boolean;
  languageHints: string[] | undefined;
  hotFix: HotFix | undefined;
}

/** Resolves wire `format` / `sample_rate` as the service does: `Default`, `0` or absent mean mp3 at 22 050 Hz. */
export function resolveWireFormat(format: unknown, sampleRate: unknown): { format: string; sampleRate: number } {
  // No String()/Number() on what a client sent: an array nested a million deep would overflow the stack.
  const name = typeof format === 'string' ? format.toLowerCase() : format === undefined || format === null ? 'mp3' : `(${typeof format})`;
  const resolved = name === 'default' ? 'mp3' : name;
  const rate = sampleRate === undefined || sampleRate === 0 || sampleRate === null ? 22050 : typeof sampleRate === 'number' ? sampleRate : Number.NaN;
  return { format: resolved, sampleRate: rate };
}

/**
 * Maps wire `payload.parameters` (snake_case) to the core's camelCase {@link SynthesisParameters}, so the
 * core's `validateSynthesisParameters` checks them. Tolerates what SDKs really send: `format: "Default"`,
 * `sample_rate: 0`, extra keys, `bit_rate` on non-opus formats (ignored there, as the service does).
 *
 * @example
 * validateSynthesisParameters(wireToSynthesisParameters('cosyvoice-v3-flash', { voice: 'longanyang', format: 'pcm', sample_rate: 24000 }));
 */
export function wireToSynthesisParameters(model: string, wire: Record<string, unknown>): SynthesisParameters {
  const { format, sampleRate } = resolveWireFormat(wire.format, wire.sample_rate);
  const spec: AudioFormatSpec | Record<string, unknown> = findAudioFormat(format, sampleRate) ?? { format, sampleRate, channels: 'mono', bitRate: 0 };
  const params: SynthesisParameters = {
    model,
    voice: wire.voice as string,
    format: spec as AudioFormatSpec,
  };
  const copy = <K extends keyof SynthesisParameters>(key: K, wireKey: string): void => {
    if (wire[wireKey] !== undefined && wire[wireKey] !== null) params[key] = wire[wireKey] as SynthesisParameters[K];
  };
  copy('volume', 'volume');
  copy('speechRate', 'rate');
  copy('pitchRate', 'pitch');
  if (format === 'opus') copy('bitRate', 'bit_rate');
  copy('wordTimestampEnabled', 'word_timestamp_enabled');
  copy('seed', 'seed');
  copy('languageHints', 'language_hints');
  copy('instruction', 'instruction');
  copy('enableAigcTag', 'enable_aigc_tag');
  copy('enableMarkdownFilter', 'enable_markdown_filter');
  copy('hotFix', 'hot_fix');
  if (params.enableAigcTag === true) {
    copy('aigcPropagator', 'aigc_propagator');
    copy('aigcPropagateId', 'aigc_propagate_id');
  }
  return params;
}

/**
 * Reads and validates a `run-task` payload like the service: required fields in the service's own
 * words (`Missing required parameter 'payload.model'! …`, `Invalid payload data`, `Request voice is
 * invalid!`), ranges through the core's validation. Throws {@link TaskFailure}.
 *
 * @example
 * const params = readTaskParameters(message.payload);
 */
export function readTaskParameters(payload: unknown): TaskParameters {
  if (!isRecord(payload)) throw new TaskFailure(missingParameter('payload'));
  for (const field of ['task_group', 'task', 'function'] as const) {
    if (typeof payload[field] !== 'string' || payload[field] === '') throw new TaskFailure(missingParameter(`payload.${field}`));
  }
  if (typeof payload.model !== 'string' || payload.model === '') throw new TaskFailure(SERVER_ERRORS.missingModel);
  if (!isRecord(payload.input)) throw new TaskFailure(SERVER_ERRORS.invalidPayload);
  if (!isRecord(payload.parameters)) throw new TaskFailure(missingParameter('payload.parameters'));
  const wire = payload.parameters;
  if (typeof wire.voice !== 'string' || wire.voice.trim() === '') throw new TaskFailure(SERVER_ERRORS.voiceMissing);
  const { format, sampleRate } = resolveWireFormat(wire.format, wire.sample_rate);
  const params = wireToSynthesisParameters(payload.model, wire);
  try {
    validateSynthesisParameters(params);
  } catch (error) {
    if (isSynthesisError(error)) throw new TaskFailure({ code: 'InvalidParameter', message: error.message });
    throw error;
  }
  if (wire.enable_ssml !== undefined && typeof wire.enable_ssml !== 'boolean') {
    throw new TaskFailure({ code: 'InvalidParameter', message: `enable_ssml must be true or false; received ${JSON.stringify(wire.enable_ssml)}` });
  }
  const spec = findAudioFormat(format, sampleRate);
  return {
    model: payload.model,
    voice: wire.voice,
    format: format as TaskParameters['format'],
    sampleRate,
    bitRate: format === 'opus' ? (params.bitRate ?? 32) : (spec?.bitRate ?? 128),
    volume: params.volume ?? 50,
    speechRate: params.speechRate ?? 1,
    pitchRate: params.pitchRate ?? 1,
    seed: params.seed ?? 0,
    wordTimestampEnabled: params.wordTimestampEnabled ?? false,
    enableSsml: wire.enable_ssml === true,
    languageHints: params.languageHints as LanguageHint[] | undefined,
    hotFix: params.hotFix,
  };
}
