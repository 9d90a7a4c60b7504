import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, sendJson } from './httpJson';
import type { ProxyAuthorizeContext } from './ProxyAuthorizeContext';
import { missingApiKeyMessage, readApiKey, type ApiKeySource } from './readApiKey';
import { upstreamUrls } from './upstreamUrls';

/** Options of {@link createTokenHandler}. */
export interface TokenHandlerOptions {
  /**
   * Your DashScope API key (server side only; never sent to the browser), or a function that reads it
   * per request. The key is needed only when a request comes: a module that creates the handler at
   * import time loads without it (a Next.js route during `next build`, a CI build with no secrets), and
   * a request then gets HTTP 500 naming the option, logged once. A literal empty string fails at once.
   */
  apiKey: ApiKeySource;
  /** Lifetime of each temporary key, 1–1800 s (a client may ask for less with `?expire_in_seconds=`). @default 60 */
  expiresInSeconds?: number;
  /** `'cn'`, `'intl'` or a DashScope-shaped base URL (e.g. the local voice server's). @default 'cn' */
  upstream?: string;
  /**
   * Decide whether this request may get a token (your session check). Return `false` for HTTP 401.
   * Called with `{ kind: 'tokens' }` as its context, the same shape `createSynthesisProxy`'s `authorize`
   * gets, so one hook can guard both.
   */
  authorize?(request: IncomingMessage | Request, context: ProxyAuthorizeContext): boolean | Promise<boolean>;
  /** `fetch` used to reach the upstream. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Where a missing key is reported (once; never the key itself). @default console.error */
  log?(message: string): void;
}

/** A token endpoint: a Node `(req, res)` handler with a fetch-style `fetch(Request)` beside it. */
export interface TokenHandler {
  (request: IncomingMessage, response: ServerResponse): void;
  /** For route handlers (Next.js, Remix, Hono, Bun, Deno): `export const POST = handler.fetch`. */
  fetch(request: Request): Promise<Response>;
}

interface Answer {
  status: number;
  body: unknown;
}

/**
 * `POST /api/v1/tokens` as the service answers it (`{ token, expires_at }`): asks the upstream for a
 * short-lived `st-` key with your API key and hands only the temporary key to the caller, for
 * `directTransport({ getToken })` in the browser. Guard it with `authorize` (your app's session).
 *
 * @example
 * // Node http / Express
 * app.post('/api/v1/tokens', createTokenHandler({ apiKey: process.env.DASHSCOPE_API_KEY!, authorize: (req) => isSignedIn(req) }));
 * // Next.js app/api/v1/tokens/route.ts (builds without the secret; a request without it gets HTTP 500)
 * export const POST = createTokenHandler({ apiKey: process.env.DASHSCOPE_API_KEY! }).fetch;
 */
export function createTokenHandler(options: TokenHandlerOptions): TokenHandler {
  const apiKey = readApiKey('createTokenHandler', options?.apiKey);
  const maxSeconds = options.expiresInSeconds ?? 60;
  if (!Number.isInteger(maxSeconds) || maxSeconds < 1 || maxSeconds > 1800) {
    throw new RangeError(`expiresInSeconds must be an integer from 1 to 1800; received ${String(maxSeconds)}`);
  }
  const base = upstreamUrls(options.upstream).http;
  let missingKeyLogged = false;

  const answer = async (method: string, url: string, request: IncomingMessage | Request): Promise<Answer> => {
    if (method !== 'POST') return { status: 405, body: errorBody('MethodNotAllowed', 'Use POST') };
    if (options.authorize && !(await options.authorize(request, { kind: 'tokens' }))) return { status: 401, body: errorBody('Unauthorized', 'Not allowed to get a synthesis token') };
    const key = apiKey();
    if (key === undefined) {
      const message = missingApiKeyMessage('createTokenHandler');
      if (!missingKeyLogged) {
        missingKeyLogged = true;
        (options.log ?? ((line: string) => console.error(line)))(message);
      }
      return { status: 500, body: errorBody('InternalError', message) };
    }
    const asked = Number(new URL(url, 'http://localhost').searchParams.get('expire_in_seconds'));
    const seconds = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, maxSeconds) : maxSeconds;
    const doFetch = options.fetch ?? globalThis.fetch;
    let response: Response;
    try {
      response = await doFetch(`${base}/tokens?expire_in_seconds=${seconds}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: '{}',
      });
    } catch {
      return { status: 502, body: errorBody('ServiceUnavailable', 'The token service could not be reached') };
    }
    // Never pass the key back, even if the upstream echoes it in an error.
    const text = (await response.text()).split(key).join('[redacted]');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { status: 502, body: errorBody('ServiceUnavailable', `The token service answered ${response.status} without JSON`) };
    }
    if (!response.ok) return { status: response.status, body };
    const { token, expires_at } = (body ?? {}) as { token?: unknown; expires_at?: unknown };
    if (typeof token !== 'string' || typeof expires_at !== 'number') return { status: 502, body: errorBody('ServiceUnavailable', 'The token service answered without { token, expires_at }') };
    return { status: 200, body: { token, expires_at } };
  };

  const handler = ((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    answer(request.method ?? 'GET', request.url ?? '/', request).then(
      (result) => sendJson(response, result.status, result.body, { 'cache-control': 'no-store' }),
      () => sendJson(response, 500, errorBody('InternalError', 'Token request failed')),
    );
  }) as TokenHandler;
  handler.fetch = async (request: Request): Promise<Response> => {
    const result = await answer(request.method, request.url, request).catch(() => ({ status: 500, body: errorBody('InternalError', 'Token request failed') }));
    return new Response(JSON.stringify(result.body), { status: result.status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
  };
  return handler;
}
