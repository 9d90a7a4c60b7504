import { ConnectionError, ValidationError, toSynthesisError } from './errors';
import { createHttpJson, type FetchLike } from './httpJson';
import type { SynthesisToken, TokenProvider, Transport } from './Transport';
import { openWebSocket, resolveWebSocket, type WebSocketConstructor } from './webSocketConnection';

/** DashScope regions with public endpoints. */
export type DashScopeRegion = 'cn' | 'intl';

/** WebSocket inference endpoints per region. */
export const DASHSCOPE_WEBSOCKET_URLS: Readonly<Record<DashScopeRegion, string>> = /* @__PURE__ */ Object.freeze({
  cn: 'wss://dashscope.aliyuncs.com/api-ws/v1/inference',
  intl: 'wss://dashscope-intl.aliyuncs.com/api-ws/v1/inference',
});

/** HTTP API bases per region (tokens, voice customization). */
export const DASHSCOPE_HTTP_URLS: Readonly<Record<DashScopeRegion, string>> = /* @__PURE__ */ Object.freeze({
  cn: 'https://dashscope.aliyuncs.com/api/v1',
  intl: 'https://dashscope-intl.aliyuncs.com/api/v1',
});

/** Options of {@link directTransport}. */
export interface DirectTransportOptions {
  /** Full WebSocket URL; overrides `region`. */
  url?: string;
  /** Region of the public endpoint. @default 'cn' */
  region?: DashScopeRegion;
  /** HTTP API base for tokens and voice listing. @default the region's `/api/v1` base */
  httpUrl?: string;
  /** Model Studio workspace id, sent as `X-DashScope-WorkSpace` where headers can be set (Node). */
  workspace?: string;
  /**
   * A long-lived API key, sent as `Authorization: Bearer` — **Node only**. Refused in browsers: use
   * `getToken` there so the key never reaches the page.
   */
  apiKey?: string;
  /** Returns a temporary key (`st-…`) for each connection; it goes in `?api_key=`. */
  getToken?: TokenProvider;
  /** WebSocket constructor, e.g. the `ws` package on Node 20. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** fetch implementation for the HTTP side. @default globalThis.fetch */
  fetch?: FetchLike;
}

function isBrowserLike(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

async function readToken(getToken: TokenProvider): Promise<string> {
  let value: string | SynthesisToken;
  try {
    value = await getToken();
  } catch (error) {
    const cause = toSynthesisError(error, 'TokenFailed');
    throw new ConnectionError('TokenFailed', `The token provider failed: ${cause.message}`, { cause: error });
  }
  const token = typeof value === 'string' ? value : value?.token;
  if (typeof token !== 'string' || token === '') {
    throw new ConnectionError('TokenFailed', 'The token provider returned no token (expected a string or { token, expiresAt })');
  }
  if (typeof value === 'object' && typeof value.expiresAt === 'number' && value.expiresAt <= Date.now()) {
    throw new ConnectionError('TokenFailed', `The token provider returned a token that expired at ${new Date(value.expiresAt).toISOString()}`);
  }
  return token;
}

/**
 * Connects straight to DashScope (or any DashScope-shaped URL). In browsers pass `getToken`, which
 * fetches a temporary key from your backend for every connection; in Node you may pass `apiKey`.
 *
 * @example
 * const transport = directTransport({ region: 'intl', getToken: () => fetch('/api/tts-token').then((r) => r.json()) });
 */
export function directTransport(options: DirectTransportOptions): Transport {
  const { apiKey, getToken, workspace } = options;
  if ((apiKey === undefined) === (getToken === undefined)) {
    throw new ValidationError('auth', 'directTransport needs exactly one of `apiKey` (Node) or `getToken`');
  }
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey === '')) {
    throw new ValidationError('apiKey', 'apiKey must be a non-empty string');
  }
  if (apiKey !== undefined && isBrowserLike()) {
    throw new ValidationError('apiKey', 'A long-lived API key must never be used in a browser. Use `getToken` with a token endpoint, or `proxyTransport`.');
  }
  const region = options.region ?? 'cn';
  const url = options.url ?? DASHSCOPE_WEBSOCKET_URLS[region];
  if (!/^wss?:\/\//.test(url)) throw new ValidationError('url', `url must start with wss:// or ws://; received ${JSON.stringify(url.replace(/\?.*$/, ''))}`);
  const httpBase = options.httpUrl ?? (options.url ? url.replace(/^ws/, 'http').replace(/\/api-ws\/v1\/inference\/?(\?.*)?$/, '/api/v1') : DASHSCOPE_HTTP_URLS[region]);

  const authHeaders = async (): Promise<Record<string, string>> => {
    const credential = apiKey ?? (await readToken(getToken!));
    return { Authorization: `Bearer ${credential}`, ...(workspace ? { 'X-DashScope-WorkSpace': workspace } : {}) };
  };

  return {
    description: `direct ${url.replace(/\?.*$/, '')}`,
    async connect(handlers, signal) {
      const WebSocketImpl = resolveWebSocket(options.WebSocket);
      if (apiKey !== undefined) {
        return openWebSocket(WebSocketImpl, url, handlers, signal, await authHeaders());
      }
      const token = await readToken(getToken!);
      if (signal.aborted) throw signal.reason;
      const target = new URL(url);
      target.searchParams.set('api_key', token);
      return openWebSocket(WebSocketImpl, target.toString(), handlers, signal);
    },
    http: createHttpJson(httpBase, authHeaders, options.fetch),
  };
}
