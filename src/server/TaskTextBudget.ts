import { MAX_CHARACTERS_PER_MESSAGE, MAX_CHARACTERS_PER_TASK, countCharacters, isSsml } from '../core/countCharacters';
import type { ServiceError } from './readClientFrame';
import { SERVER_ERRORS } from './serverErrors';

/**
 * The service's rules for the text of one task, kept in one place for the local server and the proxy:
 * at most 20 000 counted characters per `continue-task` and 200 000 per task, and with `enable_ssml`
 * exactly one `continue-task`. SSML tags go uncounted only when the task enabled SSML (and the text
 * is SSML); in a task without it a `<speak>` prefix is text like any other.
 *
 * @example
 * const budget = new TaskTextBudget(run.parameters.enableSsml);
 * const taken = budget.take(frame.text);
 * if (!taken.ok) return fail(frame.taskId, taken.error);
 */
export class TaskTextBudget {
  readonly #ssml: boolean;
  #messages = 0;
  #characters = 0;

  /** A budget for a task with (`ssml: true`) or without SSML. */
  constructor(ssml: boolean) {
    this.#ssml = ssml;
  }

  /** Counted characters taken so far. */
  get characters(): number {
    return this.#characters;
  }

  /** Takes one `continue-task` text: its counted length, or the service's error when it breaks a rule. */
  take(text: string): { ok: true; counted: number } | { ok: false; error: ServiceError } {
    this.#messages++;
    if (this.#ssml && this.#messages > 1) return { ok: false, error: SERVER_ERRORS.ssmlMoreThanOnce };
    const counted = countCharacters(text, { ssml: this.#ssml && isSsml(text) });
    if (counted > MAX_CHARACTERS_PER_MESSAGE) {
      return { ok: false, error: { code: 'InvalidParameter', message: `Text request limit violated, at most ${MAX_CHARACTERS_PER_MESSAGE} characters per request (received ${counted}).` } };
    }
    if (this.#characters + counted > MAX_CHARACTERS_PER_TASK) {
      return { ok: false, error: { code: 'InvalidParameter', message: `Text request limit violated, at most ${MAX_CHARACTERS_PER_TASK} characters per task (received ${this.#characters + counted}).` } };
    }
    this.#characters += counted;
    return { ok: true, counted };
  }
}
