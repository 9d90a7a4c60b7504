import { ValidationError } from './errors';
import { createHttpJson, type FetchLike } from './httpJson';
import type { Transport } from './Transport';
import { openWebSocket, resolveWebSocket, type WebSocketConstructor } from './webSocketConnection';

/** Options of {@link proxyTransport}. */
export interface ProxyTransportOptions {
  /**
   * The app's DashScope-shaped WebSocket endpoint, e.g. `'/api-ws/v1/inference'` or
   * `'wss://app.example/api-ws/v1/inference'`. Relative URLs resolve against the page; `http(s)` becomes `ws(s)`.
   */
  url: string;
  /** Extra query parameters for the app's own auth or routing (never an API key). */
  params?: Record<string, string>;
  /** HTTP base (`…/api/v1`) for tokens and voice listing. @default derived from `url` */
  httpUrl?: string;
  /** Headers for the HTTP side (e.g. the app's CSRF token). */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** WebSocket constructor, e.g. the `ws` package on Node 20. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** fetch implementation for the HTTP side. @default globalThis.fetch */
  fetch?: FetchLike;
}

function pageUrl(): string | undefined {
  return (globalThis as { location?: { href?: string } }).location?.href;
}

function toWebSocketUrl(url: string): URL {
  let resolved: URL;
  try {
    resolved = new URL(url, pageUrl());
  } catch {
    throw new ValidationError('url', `proxyTransport url ${JSON.stringify(url)} is relative but there is no page to resolve it against; pass an absolute ws:// or wss:// URL`);
  }
  if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
  if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
  if (resolved.protocol !== 'ws:' && resolved.protocol !== 'wss:') {
    throw new ValidationError('url', `proxyTransport url must be ws(s):// or http(s)://; received ${resolved.protocol}`);
  }
  return resolved;
}

/**
 * Connects to the app's own DashScope-shaped endpoint (the library's proxy or local voice server), which
 * holds the API key server-side. The browser sends no credential of its own.
 *
 * @example
 * <SpeechProvider transport={proxyTransport({ url: '/api-ws/v1/inference' })}>…</SpeechProvider>
 */
export function proxyTransport(options: ProxyTransportOptions): Transport {
  if (!options || typeof options.url !== 'string' || options.url === '') {
    throw new ValidationError('url', 'proxyTransport needs `url`, the endpoint of your proxy');
  }
  const target = (): string => {
    const url = toWebSocketUrl(options.url);
    for (const [key, value] of Object.entries(options.params ?? {})) url.searchParams.set(key, value);
    return url.toString();
  };
  const httpBase = (): string => {
    if (options.httpUrl) return new URL(options.httpUrl, pageUrl()).toString();
    const url = toWebSocketUrl(options.url);
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
    url.search = '';
    url.pathname = url.pathname.replace(/\/api-ws\/v1\/inference\/?$/, '/api/v1');
    return url.toString();
  };
  let http: ReturnType<typeof createHttpJson> | undefined;
  return {
    description: `proxy ${options.url}`,
    connect(handlers, signal) {
      const url = target();
      return openWebSocket(resolveWebSocket(options.WebSocket), url, handlers, signal);
    },
    http: {
      post(path, body, postOptions) {
        http ??= createHttpJson(httpBase(), async () => ({ ...(await options.headers?.()) }), options.fetch);
        return http.post(path, body, postOptions);
      },
    },
  };
}
