import { DEFAULT_AUDIO_FORMAT, SUPPORTED_CONTAINERS, SUPPORTED_SAMPLE_RATES, type AudioFormatSpec } from './AudioFormat';
import { MAX_CHARACTERS_PER_MESSAGE, MAX_INSTRUCTION_CHARACTERS, countCharacters } from './countCharacters';
import { ValidationError } from './errors';
import { isRecord } from './isRecord';
import type { WireParameters } from './protocol';

export { mergeParameters } from './mergeParameters';

/** Language hint values the service documents (only the first element of the array is used). */
export const LANGUAGE_HINTS = /* @__PURE__ */ Object.freeze([
  'zh', 'en', 'fr', 'de', 'ja', 'ko', 'ru', 'pt', 'th', 'id', 'vi',
  // Listed by a client tested against the live service, not (yet) in the official table.
  'es', 'it', 'ms', 'fil', 'ar',
] as const);

/** One accepted `languageHints` value. */
export type LanguageHint = (typeof LANGUAGE_HINTS)[number];

/** `hot_fix`: per-request pronunciation and replacement rules. */
export interface HotFix {
  /** Pinyin for words, e.g. `[{ '天气': 'tian1 qi4' }]`. */
  pronunciation?: Array<Record<string, string>>;
  /** Text replacements before synthesis, e.g. `[{ '今天': '金天' }]`. */
  replace?: Array<Record<string, string>>;
}

/**
 * The request parameters of a synthesis, named like the Python SDK's constructor in camelCase.
 * Each maps to one wire field of `run-task` (see {@link buildWireParameters}).
 */
export interface SynthesisParameters {
  /** Model, e.g. `'cosyvoice-v3-flash'` (wire `payload.model`). */
  model: string;
  /** Voice id: a system voice of the model, or a cloned/designed voice id (wire `voice`). */
  voice: string;
  /** Output format. @default DEFAULT_AUDIO_FORMAT (the service sends mp3 at 22 050 Hz) */
  format?: AudioFormatSpec;
  /** Volume 0–100 (wire `volume`). @default 50 */
  volume?: number;
  /** Speech rate 0.5–2.0 (wire `rate`). @default 1.0 */
  speechRate?: number;
  /** Pitch 0.5–2.0 (wire `pitch`). @default 1.0 */
  pitchRate?: number;
  /** Opus bit rate in kbps, 6–510 (wire `bit_rate`, opus only). @default the format's bit rate */
  bitRate?: number;
  /** Ask for word timestamps in `sentence-end` (wire `word_timestamp_enabled`). @default false */
  wordTimestampEnabled?: boolean;
  /** Random seed 0–65535: same seed, same audio (wire `seed`). @default 0 */
  seed?: number;
  /** Language of the text; only the first element is used (wire `language_hints`). */
  languageHints?: LanguageHint[];
  /** Instruction for instruct-capable voices, ≤ 100 counted characters (wire `instruction`). */
  instruction?: string;
  /** Embed an invisible AIGC mark (wire `enable_aigc_tag`). @default false */
  enableAigcTag?: boolean;
  /** AIGC propagator, with `enableAigcTag` (wire `aigc_propagator`). */
  aigcPropagator?: string;
  /** AIGC propagation id, with `enableAigcTag` (wire `aigc_propagate_id`). */
  aigcPropagateId?: string;
  /** Pronunciation and replacement rules (wire `hot_fix`). */
  hotFix?: HotFix;
  /** Strip Markdown before synthesis (wire `enable_markdown_filter`). @default false */
  enableMarkdownFilter?: boolean;
  /** Extra wire parameters merged into `payload.parameters` as the Python SDK's `additional_params` are. */
  additionalParams?: Record<string, unknown>;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Throws the one message shape of every parameter error: "<field> <expectation>; received <value>". */
function fail(field: string, expectation: string, value: unknown, code?: 'TextTooLong', label = field): never {
  throw new ValidationError(field, `${label} ${expectation}; received ${describe(value)}`, code);
}

function checkNumber(field: string, value: unknown, min: number, max: number, integer: boolean): void {
  if (value === undefined) return;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) fail(field, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, value);
}

function checkBoolean(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') fail(field, 'must be true or false', value);
}

function checkString(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') fail(field, 'is required and must be a non-empty string', value);
}


function checkFormat(format: unknown): void {
  if (format === undefined) return;
  const f = format as Partial<AudioFormatSpec> | null;
  if (!isRecord(f) || typeof f!.format !== 'string' || typeof f!.sampleRate !== 'number') {
    fail('format', 'must be an AudioFormat member such as AudioFormat.PCM_24000HZ_MONO_16BIT', format);
  }
  if (!SUPPORTED_CONTAINERS.includes(f!.format as AudioFormatSpec['format'])) fail('format', `must be one of ${SUPPORTED_CONTAINERS.join(', ')}`, f!.format, undefined, 'format.format');
  const isDefault = f!.format === 'Default';
  if (isDefault ? f!.sampleRate !== 0 : !SUPPORTED_SAMPLE_RATES.includes(f!.sampleRate as 8000)) {
    fail('format', `must be one of ${isDefault ? '0' : SUPPORTED_SAMPLE_RATES.join(', ')}`, f!.sampleRate, undefined, `format.sampleRate for ${f!.format}`);
  }
}

function checkRuleList(field: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || !value.every((rule) => isRecord(rule) && Object.values(rule).every((v) => typeof v === 'string'))) {
    fail(field, 'must be an array of { text: replacement } objects with string values', value);
  }
}

// The numeric options and their ranges, in the order they are checked: [field, min, max, integer].
const RANGES = [
  ['volume', 0, 100, true],
  ['speechRate', 0.5, 2, false],
  ['pitchRate', 0.5, 2, false],
  ['bitRate', 6, 510, true],
  ['seed', 0, 65535, true],
] as const;

const FLAGS = ['wordTimestampEnabled', 'enableAigcTag', 'enableMarkdownFilter'] as const;

/**
 * Validates synthesis parameters before anything is sent. Throws a {@link ValidationError} naming the
 * field, what was received and what is allowed. (Combinations that are only doubtful — a voice of
 * another model, an option a model ignores — are development warnings, reported through `onWarning`.)
 *
 * @example
 * validateSynthesisParameters({ model: 'cosyvoice-v3-flash', voice: 'longanyang', volume: 80 });
 */
export function validateSynthesisParameters(params: SynthesisParameters): void {
  if (!isRecord(params)) fail('options', 'must be an object', params);
  checkString('model', params.model);
  checkString('voice', params.voice);
  checkFormat(params.format);
  for (const [field, min, max, integer] of RANGES) checkNumber(field, params[field], min, max, integer);
  for (const field of FLAGS) checkBoolean(field, params[field]);
  const format = params.format ?? DEFAULT_AUDIO_FORMAT;
  if (params.bitRate !== undefined && format.format !== 'opus') fail('bitRate', `applies only to opus formats (the format is ${format.format})`, params.bitRate);
  if (params.instruction !== undefined) {
    if (typeof params.instruction !== 'string' || params.instruction === '') fail('instruction', 'must be a non-empty string', params.instruction);
    // An instruction is never SSML: a leading `<speak` must not make its tags free.
    const counted = countCharacters(params.instruction, { ssml: false });
    if (counted > MAX_INSTRUCTION_CHARACTERS) fail('instruction', `may have at most ${MAX_INSTRUCTION_CHARACTERS} characters (CJK ideographs count 2)`, counted, 'TextTooLong');
  }
  if (params.languageHints !== undefined) {
    const hints = params.languageHints as unknown;
    if (!Array.isArray(hints) || hints.length === 0) fail('languageHints', "must be a non-empty array such as ['zh']", hints);
    for (const hint of hints as unknown[]) {
      if (!LANGUAGE_HINTS.includes(hint as LanguageHint)) fail('languageHints', `values must be among ${LANGUAGE_HINTS.join(', ')}`, hint);
    }
  }
  for (const field of ['aigcPropagator', 'aigcPropagateId'] as const) {
    if (params[field] === undefined) continue;
    checkString(field, params[field]);
    if (params.enableAigcTag !== true) fail(field, 'is only used with enableAigcTag: true', params.enableAigcTag);
  }
  if (params.hotFix !== undefined) {
    if (!isRecord(params.hotFix)) fail('hotFix', 'must be an object { pronunciation?, replace? }', params.hotFix);
    checkRuleList('hotFix.pronunciation', params.hotFix.pronunciation);
    checkRuleList('hotFix.replace', params.hotFix.replace);
  }
  if (params.additionalParams !== undefined && !isRecord(params.additionalParams)) fail('additionalParams', 'must be a plain object', params.additionalParams);

}

/**
 * Validates text for one message (`continue-task` or `call`): non-empty and at most 20 000 counted characters.
 * Returns the counted length.
 */
export function validateText(text: unknown, field = 'text'): number {
  if (typeof text !== 'string') throw new ValidationError(field, `${field} must be a string; received ${describe(text)}`);
  if (text.trim() === '') fail(field, 'must contain text, not only whitespace', text);
  const counted = countCharacters(text);
  if (counted > MAX_CHARACTERS_PER_MESSAGE) {
    throw new ValidationError(field, `${field} has ${counted} characters (CJK ideographs count 2); at most ${MAX_CHARACTERS_PER_MESSAGE} are allowed per message`, 'TextTooLong');
  }
  return counted;
}

// Typed options and their wire names, in the order the SDK adds them.
const WIRE_NAMES = [
  ['wordTimestampEnabled', 'word_timestamp_enabled'],
  ['enableAigcTag', 'enable_aigc_tag'],
  ['aigcPropagator', 'aigc_propagator'],
  ['aigcPropagateId', 'aigc_propagate_id'],
  ['enableMarkdownFilter', 'enable_markdown_filter'],
] as const;

/**
 * The `payload.parameters` of `run-task`, exactly as the Python SDK builds them for the same arguments:
 * base fields (`text_type`, `voice`, `format`, `sample_rate`, `volume`, `rate`, `pitch`, `seed`, `type`),
 * then `bit_rate` for opus, then the typed extras and `additionalParams` (merged like the SDK's
 * `additional_params`, `hot_fix` last), then `enable_ssml` for `call`, then `instruction` and `language_hints`.
 */
export function buildWireParameters(params: SynthesisParameters, mode: { enableSsml?: boolean } = {}): WireParameters {
  const format = params.format ?? DEFAULT_AUDIO_FORMAT;
  const wire: WireParameters = {
    text_type: 'PlainText',
    voice: params.voice,
    format: format.format,
    sample_rate: format.sampleRate,
    volume: params.volume ?? 50,
    rate: params.speechRate ?? 1.0,
    pitch: params.pitchRate ?? 1.0,
    seed: params.seed ?? 0,
    type: 0,
  };
  if (format.format === 'opus') wire.bit_rate = params.bitRate ?? format.bitRate;
  const typed: Record<string, unknown> = {};
  for (const [option, name] of WIRE_NAMES) if (params[option] !== undefined) typed[name] = params[option];
  Object.assign(wire, typed, params.additionalParams);
  if (params.hotFix !== undefined) wire.hot_fix = params.hotFix;
  if (mode.enableSsml) wire.enable_ssml = true;
  if (params.instruction !== undefined) wire.instruction = params.instruction;
  if (params.languageHints !== undefined) wire.language_hints = params.languageHints;
  return wire;
}
