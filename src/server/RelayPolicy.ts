import { isProtocolTaskId } from './isProtocolTaskId';
import type { RunTaskRequest, ServiceError } from './readClientFrame';

/**
 * The models `createSynthesisProxy` relays by default: the CosyVoice models this library speaks with
 * (those with system voices, and the v3.5 models, which take cloned or designed voices).
 */
export const DEFAULT_PROXY_MODELS: readonly string[] = Object.freeze([
  'cosyvoice-v3.5-plus',
  'cosyvoice-v3.5-flash',
  'cosyvoice-v3-plus',
  'cosyvoice-v3-flash',
  'cosyvoice-v2',
  'cosyvoice-v1',
]);

/** How deep an allowed extra parameter's value may nest (objects and arrays). */
const MAX_EXTRA_DEPTH = 8;

/** Options of {@link RelayPolicy}. */
export interface RelayPolicyOptions {
  /** Models relayed: a list, or a check. @default DEFAULT_PROXY_MODELS */
  models?: readonly string[] | ((model: string) => boolean);
  /** Parameters relayed besides the documented ones and those the SDKs send (e.g. your `additional_params`). @default [] */
  parameters?: readonly string[];
}

/** Whether a JSON value nests at most `max` levels (iteratively: the value may be a million levels deep). */
function nestsAtMost(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= max) return false;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return true;
}

/**
 * What the proxy spends the key on, beyond what the protocol requires (which `readClientFrame` checks):
 * only the allowed models, and only the documented parameters, the ones the official SDKs send, and
 * those the operator lists. A parameter outside them is refused by name rather than dropped, so a
 * client whose `additional_params` did not pass learns why instead of hearing a silently different voice.
 *
 * @example
 * const policy = new RelayPolicy({ parameters: ['my_flag'] });
 * const checked = policy.checkRunTask(frame.run);
 * if (!checked.ok) fail(frame.taskId, checked.error);
 */
export class RelayPolicy {
  readonly #models: (model: string) => boolean;
  readonly #parameters: ReadonlySet<string>;

  constructor(options: RelayPolicyOptions = {}) {
    const models = options.models ?? DEFAULT_PROXY_MODELS;
    if (typeof models === 'function') this.#models = models;
    else if (Array.isArray(models) && models.every((m) => typeof m === 'string')) {
      const set = new Set(models);
      this.#models = (model) => set.has(model);
    } else throw new TypeError('createSynthesisProxy: allowedModels must be a list of model names or a function');
    const parameters = options.parameters ?? [];
    if (!Array.isArray(parameters) || !parameters.every((p) => typeof p === 'string')) {
      throw new TypeError('createSynthesisProxy: allowedParameters must be a list of parameter names');
    }
    this.#parameters = new Set(parameters);
  }

  /** The extra parameters to relay with a `run-task`, or the error that refuses it. */
  checkRunTask(run: RunTaskRequest): { ok: true; extraParameters: Record<string, unknown> } | { ok: false; error: ServiceError } {
    if (!this.#models(run.model)) {
      return { ok: false, error: { code: 'InvalidParameter', message: `Model ${JSON.stringify(run.model.slice(0, 64))} is not available through this proxy` } };
    }
    const preTaskId = run.wireParameters.pre_task_id;
    if (preTaskId !== undefined && !isProtocolTaskId(preTaskId as string)) {
      return { ok: false, error: { code: 'InvalidParameter', message: 'parameters.pre_task_id must be 32 hex digits or a UUID' } };
    }
    const extra: Array<[string, unknown]> = [];
    for (const [name, value] of Object.entries(run.extraParameters)) {
      if (!this.#parameters.has(name)) {
        return { ok: false, error: { code: 'InvalidParameter', message: `Parameter ${JSON.stringify(name.slice(0, 64))} is not allowed by this proxy` } };
      }
      if (!nestsAtMost(value, MAX_EXTRA_DEPTH)) {
        return { ok: false, error: { code: 'InvalidParameter', message: `Parameter ${JSON.stringify(name)} nests deeper than ${MAX_EXTRA_DEPTH} levels` } };
      }
      extra.push([name, value]);
    }
    return { ok: true, extraParameters: Object.fromEntries(extra) };
  }
}
