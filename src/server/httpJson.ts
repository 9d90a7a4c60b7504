import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads a request body as JSON (at most `limit` bytes); `undefined` for an empty body, throws on bad JSON. */
export async function readJsonBody(request: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RangeError(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text === '' ? undefined : JSON.parse(text);
}

/** What {@link readJsonBodyOrAnswer} returns when it has already answered the request with HTTP 400. */
export const ANSWERED = Symbol('answered');

/** The request's JSON body, or {@link ANSWERED} after answering 400 `InvalidParameter` for a body that is not JSON. */
export async function readJsonBodyOrAnswer(request: IncomingMessage, response: ServerResponse, headers: Record<string, string> = {}): Promise<unknown> {
  try {
    return await readJsonBody(request);
  } catch {
    sendJson(response, 400, errorBody('InvalidParameter', 'Request body is not valid JSON'), headers);
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

/** The path of a request URL without its query, trailing slashes removed. */
export function requestPath(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  } catch {
    return '/';
  }
}

/** The WebSocket inference path, with or without trailing slash. */
export const INFERENCE_PATH = '/api-ws/v1/inference';
/** `POST /api/v1/tokens`. */
export const HTTP_TOKENS_PATH = '/api/v1/tokens';
/** `POST /api/v1/services/audio/tts/customization`. */
export const HTTP_CUSTOMIZATION_PATH = '/api/v1/services/audio/tts/customization';
