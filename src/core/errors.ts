/**
 * What went wrong, as a stable string a program can switch on.
 * - `InvalidOptions`: a parameter is out of range or of the wrong type (nothing was sent).
 * - `TextTooLong`: text over the per-message or per-task limit (nothing was sent).
 * - `InvalidState`: a method called when the synthesizer cannot take it (e.g. `streamingCall` while `call` runs).
 * - `ConnectionFailed`: the socket could not be opened (network, refused, DNS).
 * - `Unauthorized`: the endpoint refused the key or token.
 * - `TokenFailed`: the token provider threw or returned nothing usable.
 * - `ConnectionClosed`: the socket closed before the task ended.
 * - `Timeout`: connect, task-started or the caller's timeout elapsed.
 * - `TaskFailed`: the service sent `task-failed` (see `serverCode` / `serverMessage`).
 * - `ProtocolError`: a server frame could not be understood.
 * - `Cancelled`: the caller cancelled the task.
 * - `AudioBlocked`, `AudioFailed`: playback could not start or broke (browser side).
 */
export type SynthesisErrorCode =
  | 'InvalidOptions'
  | 'TextTooLong'
  | 'InvalidState'
  | 'ConnectionFailed'
  | 'Unauthorized'
  | 'TokenFailed'
  | 'ConnectionClosed'
  | 'Timeout'
  | 'TaskFailed'
  | 'ProtocolError'
  | 'Cancelled'
  | 'AudioBlocked'
  | 'AudioFailed';

const BRAND = Symbol.for('cosyvoice-react.SynthesisError');

/** Options shared by every {@link SynthesisError}. */
export interface SynthesisErrorOptions {
  /** Whether trying again (same request, maybe later) can succeed. */
  retryable?: boolean;
  /** The task id the error belongs to, when there was one. */
  taskId?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The one error type of the library: every failure carries a {@link SynthesisErrorCode}, whether a retry
 * can help (`retryable`) and, where known, the task id. Subclasses narrow the code.
 *
 * Use {@link isSynthesisError} rather than `instanceof` across bundles.
 */
export class SynthesisError extends Error {
  readonly code: SynthesisErrorCode;
  readonly retryable: boolean;
  readonly taskId: string | undefined;

  constructor(code: SynthesisErrorCode, message: string, options: SynthesisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SynthesisError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.taskId = options.taskId;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** A parameter or text was rejected before anything was sent. */
export class ValidationError extends SynthesisError {
  /** The option that was rejected (`'volume'`, `'text'`, …). */
  readonly field: string;
  constructor(field: string, message: string, code: 'InvalidOptions' | 'TextTooLong' = 'InvalidOptions') {
    super(code, message);
    this.name = 'ValidationError';
    this.field = field;
  }
}

/** A server frame that is not valid JSON, lacks its header, or has fields of the wrong type. */
export class ProtocolError extends SynthesisError {
  /** A short excerpt of the offending frame (at most 200 characters). */
  readonly frame: string;
  constructor(message: string, frame: string, options: SynthesisErrorOptions = {}) {
    super('ProtocolError', message, options);
    this.name = 'ProtocolError';
    this.frame = frame.length > 200 ? `${frame.slice(0, 200)}…` : frame;
  }
}

/** The socket could not open, was refused, or closed before the task ended. */
export class ConnectionError extends SynthesisError {
  /** WebSocket close code, when the socket closed. */
  readonly closeCode: number | undefined;
  /** WebSocket close reason, when the socket closed. */
  readonly closeReason: string | undefined;
  constructor(
    code: 'ConnectionFailed' | 'ConnectionClosed' | 'Unauthorized' | 'TokenFailed',
    message: string,
    options: SynthesisErrorOptions & { closeCode?: number; closeReason?: string } = {},
  ) {
    super(code, message, { retryable: code !== 'Unauthorized', ...options });
    this.name = 'ConnectionError';
    this.closeCode = options.closeCode;
    this.closeReason = options.closeReason;
  }
}

/** The service answered `task-failed`. */
export class TaskFailedError extends SynthesisError {
  /** `header.error_code`, e.g. `InvalidParameter`. */
  readonly serverCode: string;
  /** `header.error_message`, e.g. `[tts:]Engine return error code: 418`. */
  readonly serverMessage: string;
  constructor(serverCode: string, serverMessage: string, options: SynthesisErrorOptions = {}) {
    super('TaskFailed', `TaskFailed: ${serverCode ? `${serverCode}: ` : ''}${serverMessage}`, {
      retryable: options.retryable ?? isRetryableServerError(serverCode, serverMessage),
      ...options,
    });
    this.name = 'TaskFailedError';
    this.serverCode = serverCode;
    this.serverMessage = serverMessage;
  }
}

function isRetryableServerError(code: string, message: string): boolean {
  if (code === 'InvalidParameter' || code === 'InvalidApiKey') return false;
  return /Throttling|timeout|InternalError|ServiceUnavailable/i.test(`${code} ${message}`);
}

/** Whether a value is a {@link SynthesisError}, also across separately bundled copies of the library. */
export function isSynthesisError(value: unknown): value is SynthesisError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Turns anything thrown into a {@link SynthesisError} with the given code (keeping an existing one). */
export function toSynthesisError(value: unknown, code: SynthesisErrorCode, options: SynthesisErrorOptions = {}): SynthesisError {
  if (isSynthesisError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new SynthesisError(code, message, { ...options, cause: value });
}

/** Removes credentials (`api_key`, `token`) from a URL before it goes into a message or a log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:api_key|token|access_token)=)[^&#]*/gi, '$1[redacted]');
}
