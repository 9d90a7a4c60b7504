import { ConnectionError, redactUrl, SynthesisError } from './errors';
import type { TransportHttp } from './Transport';

/** The part of `fetch` this library uses (the global one unless injected). */
export type FetchLike = (input: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

/**
 * A {@link TransportHttp} over `fetch` for a DashScope-shaped `/api/v1` base URL.
 * `headers` is called per request (tokens may change). Errors carry the service's `code`/`message`
 * but never the request's credentials.
 */
export function createHttpJson(baseUrl: string, headers: () => Promise<Record<string, string>>, fetchImpl?: FetchLike): TransportHttp {
  return {
    async post(path, body, options = {}) {
      const doFetch = fetchImpl ?? (globalThis as { fetch?: FetchLike }).fetch;
      if (!doFetch) throw new ConnectionError('ConnectionFailed', 'No fetch implementation in this runtime; pass `fetch` to the transport', { retryable: false });
      const url = new URL(baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
      for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
      let response;
      try {
        response = await doFetch(url.toString(), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json; charset=utf-8', ...(await headers()) },
          body: JSON.stringify(body ?? {}),
          signal: options.signal,
        });
      } catch (error) {
        if (error instanceof SynthesisError) throw error;
        throw new ConnectionError('ConnectionFailed', `Request to ${redactUrl(url.toString())} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
      const text = await response.text();
      let json: unknown = undefined;
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        json = undefined;
      }
      if (!response.ok) {
        const info = (json ?? {}) as { code?: unknown; message?: unknown };
        const detail = typeof info.message === 'string' ? `${typeof info.code === 'string' ? `${info.code}: ` : ''}${info.message}` : `HTTP ${response.status}`;
        const code = response.status === 401 || response.status === 403 ? 'Unauthorized' : 'ConnectionFailed';
        throw new ConnectionError(code, `${redactUrl(url.pathname)} answered ${response.status}: ${detail}`, { retryable: response.status >= 500 || response.status === 429 });
      }
      if (json === undefined) throw new ConnectionError('ConnectionFailed', `${redactUrl(url.pathname)} answered with a body that is not JSON`);
      return json;
    },
  };
}
