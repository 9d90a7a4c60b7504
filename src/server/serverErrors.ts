/**
 * The service's `task-failed` codes and messages (reference §6), in one place so the local server and the
 * proxy answer with exactly the same text the real service uses.
 *
 * @example
 * throw new TaskFailure(SERVER_ERRORS.voiceNotInModel);
 */
export const SERVER_ERRORS = Object.freeze({
  voiceNotInModel: { code: 'InvalidParameter', message: '[tts:]Engine return error code: 418' },
  voiceMissing: { code: 'InvalidParameter', message: 'Request voice is invalid!' },
  ssmlMoreThanOnce: { code: 'InvalidParameter', message: 'Text request limit violated, expected 1.' },
  ssmlNotSupported: { code: 'InvalidParameter', message: 'SSML text is not supported at the moment!' },
  emptyText: { code: 'InvalidParameter', message: 'Please ensure input text is valid.' },
  missingModel: { code: 'InvalidParameter', message: "Missing required parameter 'payload.model'! Please follow the protocol!" },
  invalidPayload: { code: 'InvalidParameter', message: 'Invalid payload data' },
  taskNull: { code: 'InvalidParameter', message: 'task can not be null' },
  idleTimeout: { code: 'CLIENT_ERROR', message: 'request timeout after 23 seconds.' },
  rateLimited: { code: 'Throttling.RateQuota', message: 'Requests rate limit exceeded, please try again later.' },
} as const);

/** A `task-failed` the server sends: `header.error_code` and `header.error_message`. */
export class TaskFailure extends Error {
  /** `header.error_code`. */
  readonly code: string;
  constructor(error: { code: string; message: string }) {
    super(error.message);
    this.name = 'TaskFailure';
    this.code = error.code;
  }
}

/** `Missing required parameter '<path>'! Please follow the protocol!` for any required field. */
export function missingParameter(path: string): { code: string; message: string } {
  return { code: 'InvalidParameter', message: `Missing required parameter '${path}'! Please follow the protocol!` };
}

/** The `task-failed` frame for a task id (`''` when the client gave none). */
export function taskFailedFrame(taskId: string, error: { code: string; message: string }): string {
  return JSON.stringify({
    header: { task_id: taskId, event: 'task-failed', error_code: error.code, error_message: error.message, attributes: {} },
    payload: {},
  });
}
