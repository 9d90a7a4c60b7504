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

const WORKSPACE_REGIONS: Readonly<Record<DashScopeRegion, string>> = /* @__PURE__ */ Object.freeze({ cn: 'cn-beijing', intl: 'ap-southeast-1' });

/**
 * The endpoints of a Model Studio workspace's own domain (`{workspace}.cn-beijing.maas.aliyuncs.com`,
 * `{workspace}.ap-southeast-1.maas.aliyuncs.com`), which newer DashScope docs recommend over the shared hosts.
 *
 * @example
 * workspaceUrls('llm-abc123', 'intl').webSocket // 'wss://llm-abc123.ap-southeast-1.maas.aliyuncs.com/api-ws/v1/inference'
 */
export function workspaceUrls(workspace: string, region: DashScopeRegion = 'cn'): { webSocket: string; http: string } {
  if (typeof workspace !== 'string' || !/^[a-z0-9][a-z0-9-]*$/i.test(workspace)) {
    throw new ValidationError('workspace', `workspace must be a workspace id (letters, digits and hyphens); received ${JSON.stringify(workspace)}`);
  }
  if (!(region in WORKSPACE_REGIONS)) throw new ValidationError('region', `region must be 'cn' or 'intl'; received ${JSON.stringify(region)}`);
  const host = `${workspace}.${WORKSPACE_REGIONS[region]}.maas.aliyuncs.com`;
  return { webSocket: `wss://${host}/api-ws/v1/inference`, http: `https://${host}/api/v1` };
}

/** Options of {@link directTransport}. */
export interface DirectTransportOptions {
  /** Full WebSocket URL; overrides `region`. */
  url?: string;
  /** Region of the public endpoint. @default 'cn' */
  region?: DashScopeRegion;
  /** HTTP API base for tokens and voice listing. @default the region's `/api/v1` base */
  httpUrl?: string;
  /**
   * Model Studio workspace id. Sent as `X-DashScope-WorkSpace` where headers can be set (Node, `apiKey`);
   * with `getToken` (browsers cannot set headers) the workspace's own domain carries it instead.
   */
  workspace?: string;
  /**
   * Connect to the workspace's own domain (see {@link workspaceUrls}) rather than the region's shared host.
   * @default true with `workspace` and `getToken`, false otherwise
   */
  workspaceDomain?: boolean;
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
  const ownDomain = workspace !== undefined && (options.workspaceDomain ?? getToken !== undefined) ? workspaceUrls(workspace, region) : undefined;
  const url = options.url ?? ownDomain?.webSocket ?? DASHSCOPE_WEBSOCKET_URLS[region];
  if (!/^wss?:\/\//.test(url)) throw new ValidationError('url', `url must start with wss:// or ws://; received ${JSON.stringify(url.replace(/\?.*$/, ''))}`);
  const httpBase = options.httpUrl ?? (options.url ? url.replace(/^ws/, 'http').replace(/\/api-ws\/v1\/inference\/?(\?.*)?$/, '/api/v1') : (ownDomain?.http ?? DASHSCOPE_HTTP_URLS[region]));

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
