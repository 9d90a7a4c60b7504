import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { jsonNestsWithin } from './jsonNestsWithin';

/** How long a client may take to send a request body, unless a server is given another deadline. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
/** The largest request body the JSON endpoints read. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How deep a request body may nest (the service's bodies nest three or four levels). */
const MAX_BODY_DEPTH = 32;

/** Why {@link readJsonBody} gave up: the body was over the limit, too slow, cut off, or not JSON. */
export class BodyError extends Error {
  readonly reason: 'too-large' | 'timeout' | 'aborted' | 'not-json';
  constructor(reason: BodyError['reason'], message: string) {
    super(message);
    this.name = 'BodyError';
    this.reason = reason;
  }
}

/** Limits of {@link readJsonBody}. */
export interface BodyLimits {
  /** Largest body, in bytes. @default MAX_BODY_BYTES */
  limit?: number;
  /** Deadline for the whole body, from the first read. @default DEFAULT_BODY_TIMEOUT_MS */
  timeoutMs?: number;
}

/**
 * Reads a request body as JSON: `undefined` for an empty body; rejects with a {@link BodyError} when it is
 * over `limit` bytes, not complete within `timeoutMs` (a client dribbling bytes holds nothing for long),
 * cut off, or not JSON.
 */
export function readJsonBody(request: IncomingMessage, { limit = MAX_BODY_BYTES, timeoutMs = DEFAULT_BODY_TIMEOUT_MS }: BodyLimits = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: BodyError | undefined): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onAbort);
      request.off('close', onAbort);
      if (error) {
        // Stop reading: the rest of the body is not wanted (the connection is closed after the answer).
        request.pause();
        reject(error);
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve(undefined);
      if (!jsonNestsWithin(text, MAX_BODY_DEPTH)) return reject(new BodyError('not-json', `Request body nests deeper than ${MAX_BODY_DEPTH} levels`));
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new BodyError('not-json', 'Request body is not valid JSON'));
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(new BodyError('too-large', `Request body is over ${limit} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined);
    const onAbort = (): void => finish(new BodyError('aborted', 'Request body was cut off'));
    const timer = setTimeout(() => finish(new BodyError('timeout', `Request body not received within ${timeoutMs} ms`)), timeoutMs);
    timer.unref?.();
    // Already read by someone else (a body parser in the host app): nothing more will come.
    if (request.readableEnded) return finish(undefined);
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onAbort);
    request.on('close', onAbort);
  });
}

/** What {@link readJsonBodyOrAnswer} returns when it has already answered the request. */
export const ANSWERED = Symbol('answered');

const BODY_ANSWERS: Record<BodyError['reason'], [number, string]> = {
  'not-json': [400, 'InvalidParameter'],
  'too-large': [413, 'RequestEntityTooLarge'],
  timeout: [408, 'RequestTimeout'],
  aborted: [400, 'InvalidParameter'],
};

/**
 * The request's JSON body, or {@link ANSWERED} after answering in the service's error shape: 400
 * `InvalidParameter` for a body that is not JSON, 413 for one over the limit, 408 for one not received
 * within the deadline (then the connection is closed, so a dribbling client holds nothing).
 */
export async function readJsonBodyOrAnswer(request: IncomingMessage, response: ServerResponse, headers: Record<string, string> = {}, limits: BodyLimits = {}): Promise<unknown> {
  try {
    return await readJsonBody(request, limits);
  } catch (error) {
    const reason = error instanceof BodyError ? error.reason : 'not-json';
    const [status, code] = BODY_ANSWERS[reason];
    const close = reason !== 'not-json';
    sendJson(response, status, errorBody(code, (error as Error).message), close ? { ...headers, connection: 'close' } : headers);
    if (close) response.once('finish', () => request.socket?.destroy());
    return ANSWERED;
  }
}

/** Sends a JSON answer. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** The service's error body: `{ code, message, request_id }`. */
export function errorBody(code: string, message: string): { code: string; message: string; request_id: string } {
  return { code, message, request_id: randomUUID() };
}

/**
 * Refuses a WebSocket upgrade with an HTTP status and the service's error body, then closes the socket.
 *
 * @example
 * rejectUpgrade(socket, 401, 'InvalidApiKey', 'Invalid API-key provided.');
 */
export function rejectUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** `text` without the slashes it ends with (a loop, where /\/+$/ is quadratic in a run of slashes). */
export function trimTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** The path of a request URL without its query, trailing slashes removed. Linear in the URL's length. */
export function requestPath(url: string | undefined): string {
  let pathname: string;
  try {
    pathname = new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return '/';
  }
  return trimTrailingSlashes(pathname) || '/';
}

/** The WebSocket inference path, with or without trailing slash. */
export const INFERENCE_PATH = '/api-ws/v1/inference';
/** `POST /api/v1/tokens`. */
export const HTTP_TOKENS_PATH = '/api/v1/tokens';
/** `POST /api/v1/services/audio/tts/customization`. */
export const HTTP_CUSTOMIZATION_PATH = '/api/v1/services/audio/tts/customization';
