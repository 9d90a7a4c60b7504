import { isRecord } from './isRecord';
import { jsonNestsWithin } from './jsonNestsWithin';
import { readTaskParameters, type TaskParameters } from './readTaskParameters';
import { SERVER_ERRORS, TaskFailure, missingParameter } from './serverErrors';

/** An error as the service reports it in `task-failed` (`header.error_code`, `header.error_message`). */
export interface ServiceError {
  code: string;
  message: string;
}

/** `payload.parameters` of `run-task` the service documents (reference §3.1). */
export const DOCUMENTED_PARAMETERS: readonly string[] = Object.freeze([
  'text_type', 'voice', 'format', 'sample_rate', 'volume', 'rate', 'pitch', 'bit_rate', 'enable_ssml',
  'word_timestamp_enabled', 'seed', 'language_hints', 'instruction', 'enable_aigc_tag', 'aigc_propagator',
  'aigc_propagate_id', 'hot_fix', 'enable_markdown_filter',
]);

/** Parameters the official SDKs send although the service does not document them (reference §3.1). */
export const SDK_PARAMETERS: readonly string[] = Object.freeze(['type', 'phoneme_timestamp_enabled', 'pre_task_id', 'style']);

const KNOWN_PARAMETERS = new Set([...DOCUMENTED_PARAMETERS, ...SDK_PARAMETERS]);
/** How deep a client frame may nest: the protocol's own messages nest five levels at most. */
const MAX_FRAME_DEPTH = 32;

/** Type checks for the known parameters whose values the core's validation does not already check. */
const TYPE_CHECKS: Record<string, [(value: unknown) => boolean, string]> = {
  text_type: [(v) => typeof v === 'string', 'a string'],
  sample_rate: [(v) => typeof v === 'number', 'a number'],
  bit_rate: [(v) => typeof v === 'number', 'a number'],
  aigc_propagator: [(v) => typeof v === 'string', 'a string'],
  aigc_propagate_id: [(v) => typeof v === 'string', 'a string'],
  type: [(v) => Number.isInteger(v), 'an integer'],
  style: [(v) => Number.isInteger(v), 'an integer'],
  phoneme_timestamp_enabled: [(v) => typeof v === 'boolean', 'true or false'],
  pre_task_id: [(v) => typeof v === 'string', 'a string'],
};

/** A validated `run-task`: what to synthesize, and the parameters as data. */
export interface RunTaskRequest {
  model: string;
  /** The parameters resolved for synthesis (wire names mapped, defaults applied). */
  parameters: TaskParameters;
  /**
   * The documented and SDK parameters exactly as the client sent them, each validated, in the client's
   * order (`null` values left out, `hot_fix` reduced to its two rule lists). What a relay may send on.
   */
  wireParameters: Readonly<Record<string, unknown>>;
  /** Every other parameter (the SDKs' `additional_params`), as sent and not validated. */
  extraParameters: Readonly<Record<string, unknown>>;
}

/** A client frame that follows the protocol, as data. */
export type ClientFrame =
  | { action: 'run-task'; taskId: string; run: RunTaskRequest }
  | { action: 'continue-task'; taskId: string; text: string }
  /** A `continue-task` whose input is `{ flush: true }`: synthesize what is buffered now. */
  | { action: 'flush'; taskId: string }
  | { action: 'finish-task'; taskId: string; cancel: boolean };

/** What {@link readClientFrame} made of a text frame. */
export type ClientFrameResult =
  | { ok: true; frame: ClientFrame }
  /** `taskId` and `action` as far as they could be read (`''` / `undefined` otherwise), to attribute the refusal. */
  | { ok: false; taskId: string; action: string | undefined; error: ServiceError };

function refuse(taskId: string, action: string | undefined, error: ServiceError): ClientFrameResult {
  return { ok: false, taskId, action, error: { code: error.code, message: error.message } };
}

/** Keeps only the two rule lists of `hot_fix`, each rule's string values as own properties. */
function normalizeHotFix(value: Record<string, unknown>): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  for (const list of ['pronunciation', 'replace'] as const) {
    const rules = value[list];
    if (!Array.isArray(rules)) continue;
    entries.push([list, rules.map((rule: Record<string, string>) => Object.fromEntries(Object.entries(rule)))]);
  }
  return Object.fromEntries(entries);
}

/** A value named in an error message without serialising it (it may be nested a million levels deep). */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

function readRunTask(payload: Record<string, unknown>): RunTaskRequest | ServiceError {
  for (const [field, expected] of [['task_group', 'audio'], ['task', 'tts'], ['function', 'SpeechSynthesizer']] as const) {
    const value = payload[field];
    if (typeof value !== 'string' || value === '') return missingParameter(`payload.${field}`);
    if (value !== expected) {
      return { code: 'InvalidParameter', message: `payload.${field} must be "${expected}": this endpoint serves CosyVoice speech synthesis only` };
    }
  }
  const wire: Array<[string, unknown]> = [];
  const extra: Array<[string, unknown]> = [];
  if (isRecord(payload.parameters)) {
    for (const [name, value] of Object.entries(payload.parameters)) {
      if (!KNOWN_PARAMETERS.has(name)) {
        extra.push([name, value]);
        continue;
      }
      if (value === null || value === undefined) continue;
      const check = TYPE_CHECKS[name];
      if (check && !check[0](value)) return { code: 'InvalidParameter', message: `parameters.${name} must be ${check[1]}; received ${describeValue(value)}` };
      wire.push([name, value]);
    }
  }
  let parameters: TaskParameters;
  try {
    parameters = readTaskParameters(payload);
  } catch (error) {
    if (error instanceof TaskFailure) return error;
    throw error;
  }
  if ((payload.input as Record<string, unknown>).text !== undefined) {
    // The service takes text from continue-task only (run-task's input is documented as {}): text here
    // would go uncounted by a relay and unspoken by the service, so it is refused rather than dropped.
    return { code: 'InvalidParameter', message: 'payload.input.text is not read in run-task; send the text with continue-task' };
  }
  const wireParameters = Object.fromEntries(wire.map(([name, value]) => [name, name === 'hot_fix' ? normalizeHotFix(value as Record<string, unknown>) : value]));
  return { model: payload.model as string, parameters, wireParameters, extraParameters: Object.fromEntries(extra) };
}

/**
 * Reads one client text frame of the DashScope protocol, for the local server and the proxy alike:
 * the header (`action`, `task_id`), then the action's payload — `run-task` parameters through the core's
 * validation, `continue-task` text or flush, `finish-task` with or without `directive: "cancel"` — and
 * returns it as data, or the service's own error (`Invalid payload data`, `task can not be null`,
 * `Missing required parameter …`) with the task it belongs to. Never throws; linear in the frame.
 * Task state (is the task running, how much text has it had) is the caller's: see `TaskRegistry` and
 * `TaskTextBudget`.
 *
 * @example
 * const result = readClientFrame(text);
 * if (!result.ok) return fail(result.taskId, result.error);
 * if (result.frame.action === 'continue-task') budget.take(result.frame.text);
 */
export function readClientFrame(text: string): ClientFrameResult {
  try {
    return readFrame(text);
  } catch {
    // Nothing a client sends may throw out of here; any value the checks above missed is just invalid.
    return refuse('', undefined, SERVER_ERRORS.invalidPayload);
  }
}

function readFrame(text: string): ClientFrameResult {
  if (!jsonNestsWithin(text, MAX_FRAME_DEPTH)) return refuse('', undefined, SERVER_ERRORS.invalidPayload);
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return refuse('', undefined, SERVER_ERRORS.invalidPayload);
  }
  const header = isRecord(message) ? message.header : undefined;
  if (!isRecord(header)) return refuse('', undefined, missingParameter('header'));
  const taskId = typeof header.task_id === 'string' ? header.task_id : '';
  const action = typeof header.action === 'string' ? header.action : undefined;
  if (taskId === '') return refuse('', action, missingParameter('header.task_id'));
  const payload = (message as Record<string, unknown>).payload;
  const input = isRecord(payload) ? payload.input : undefined;
  switch (header.action) {
    case 'run-task': {
      if (!isRecord(payload)) return refuse(taskId, action, missingParameter('payload'));
      const run = readRunTask(payload);
      return 'model' in run ? { ok: true, frame: { action: 'run-task', taskId, run } } : refuse(taskId, action, run);
    }
    case 'continue-task': {
      if (!isRecord(input)) return refuse(taskId, action, SERVER_ERRORS.taskNull);
      if (input.text === undefined) {
        if (input.flush === true) return { ok: true, frame: { action: 'flush', taskId } };
        return refuse(taskId, action, Object.keys(input).length === 0 ? SERVER_ERRORS.taskNull : SERVER_ERRORS.invalidPayload);
      }
      if (typeof input.text !== 'string') return refuse(taskId, action, SERVER_ERRORS.invalidPayload);
      if (input.text === '') return refuse(taskId, action, SERVER_ERRORS.emptyText);
      return { ok: true, frame: { action: 'continue-task', taskId, text: input.text } };
    }
    case 'finish-task':
      if (!isRecord(input)) return refuse(taskId, action, SERVER_ERRORS.taskNull);
      return { ok: true, frame: { action: 'finish-task', taskId, cancel: input.directive === 'cancel' } };
    default:
      return refuse(taskId, action, action === undefined ? missingParameter('header.action') : SERVER_ERRORS.invalidPayload);
  }
}

/**
 * The frame as the protocol writes it, built from the validated data alone: one `header` (`action`,
 * `task_id`, `streaming: "duplex"`) and the action's documented payload, nothing else. A relay sends
 * this instead of the client's bytes, so what was checked is exactly what is sent (no duplicate keys,
 * no unknown fields). `extraParameters` are appended to a `run-task`'s parameters (the ones a policy
 * allowed).
 *
 * @example
 * upstream.send(writeClientFrame(result.frame));
 */
export function writeClientFrame(frame: ClientFrame, extraParameters: Readonly<Record<string, unknown>> = {}): string {
  const action = frame.action === 'flush' ? 'continue-task' : frame.action;
  const header = { action, task_id: frame.taskId, streaming: 'duplex' };
  switch (frame.action) {
    case 'run-task': {
      const parameters = Object.fromEntries([...Object.entries(frame.run.wireParameters), ...Object.entries(extraParameters)]);
      return JSON.stringify({ header, payload: { task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', model: frame.run.model, parameters, input: {} } });
    }
    case 'continue-task':
      return JSON.stringify({ header, payload: { input: { text: frame.text } } });
    case 'flush':
      return JSON.stringify({ header, payload: { input: { flush: true } } });
    case 'finish-task':
      return JSON.stringify({ header, payload: { input: frame.cancel ? { directive: 'cancel' } : {} } });
  }
}
