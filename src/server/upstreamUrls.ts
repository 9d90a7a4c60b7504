import { DASHSCOPE_HTTP_URLS, DASHSCOPE_WEBSOCKET_URLS, type DashScopeRegion } from '../core/directTransport';
import { INFERENCE_PATH } from './httpJson';

/**
 * The WebSocket inference URL and the HTTP `/api/v1` base of an upstream given as a region (`'cn'`,
 * `'intl'`) or a URL (`wss://…/api-ws/v1/inference`, `ws://127.0.0.1:8765`, `https://host`).
 *
 * @example
 * upstreamUrls('ws://127.0.0.1:8765') // { webSocket: 'ws://127.0.0.1:8765/api-ws/v1/inference', http: 'http://127.0.0.1:8765/api/v1' }
 */
export function upstreamUrls(upstream: string | undefined): { webSocket: string; http: string } {
  const value = upstream ?? 'cn';
  if (value === 'cn' || value === 'intl') {
    return { webSocket: DASHSCOPE_WEBSOCKET_URLS[value as DashScopeRegion], http: DASHSCOPE_HTTP_URLS[value as DashScopeRegion] };
  }
  const url = new URL(value);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`upstream must be 'cn', 'intl' or a ws(s)/http(s) URL; received ${url.protocol}`);
  url.search = '';
  const root = url.pathname.replace(/\/api-ws\/v1\/inference\/?$/, '').replace(/\/+$/, '');
  const webSocket = `${url.protocol}//${url.host}${root}${INFERENCE_PATH}`;
  const http = `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}${root}/api/v1`;
  return { webSocket, http };
}
