import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { ClientLimiter } from './ClientLimiter';
import { createTokenHandler, type TokenHandler } from './createTokenHandler';
import { ANSWERED, DEFAULT_BODY_TIMEOUT_MS, HTTP_CUSTOMIZATION_PATH, HTTP_TOKENS_PATH, INFERENCE_PATH, errorBody, readJsonBodyOrAnswer, rejectUpgrade, requestPath, sendJson } from './httpJson';
import { isRecord } from './isRecord';
import { MemoryClientLimiter } from './MemoryClientLimiter';
import type { ProxyAuthorizeContext } from './ProxyAuthorizeContext';
import { quoteForLog } from './quoteForLog';
import { missingApiKeyMessage, readApiKey, type ApiKeySource } from './readApiKey';
import { RelayPolicy } from './RelayPolicy';
import { ServerHost } from './ServerHost';
import { SynthesisRelay, type RelayContext } from './SynthesisRelay';
import { upstreamUrls } from './upstreamUrls';

/** Per-client limits of {@link createSynthesisProxy}. */
export interface ProxyLimits {
  /** Tasks one client may run at once. @default 4 */
  maxConcurrentTasks?: number;
  /** Tasks one client may start per minute. @default 60 */
  maxTasksPerMinute?: number;
  /**
   * WebSocket connections one client may hold at once (each one holds an upstream connection).
   * More get HTTP 429 at the upgrade, before anything is opened upstream. @default 8
   */
  maxConnections?: number;
  /**
   * Largest frame a client may send, in bytes. A larger one is not relayed: the client gets a
   * DashScope-shaped `task-failed` (`InvalidParameter`, naming the size and the limit) and the
   * connection closes. Frames over four times this are cut off by the WebSocket layer (close 1009)
   * without being read. @default 256 KiB
   */
  maxFrameBytes?: number;
  /** Audio buffered for a slow client before the upstream is paused, in bytes. @default 8 MiB */
  maxBufferedBytes?: number;
}

/** Options of {@link createSynthesisProxy}. */
export interface SynthesisProxyOptions {
  /**
   * Your DashScope API key, or a function that reads it (called for each new upstream connection, so a
   * rotated key is picked up). Sent upstream only, as `Authorization: Bearer`; never downstream, in
   * errors or logs. When it is missing at run time (an unset environment variable), connections get
   * HTTP 500 naming the option, logged once; a literal empty string fails at once.
   */
  apiKey: ApiKeySource;
  /** `'cn'`, `'intl'` or any DashScope-shaped URL (e.g. a local voice server). @default 'cn' */
  upstream?: string;
  /**
   * Browser origins allowed to connect (`Origin` header): a list, or a check such as
   * {@link sameLoopbackOrigin}. Requests without `Origin` (servers, CLIs) pass. @default any
   */
  allowedOrigins?: readonly string[] | ((origin: string, request: IncomingMessage) => boolean);
  /**
   * Your policy hook (session, user, plan), asked at the WebSocket upgrade (`{ kind: 'websocket' }`),
   * before every task starts (`{ kind: 'task', task }`: a session revoked after connecting starts no more
   * tasks), for tokens (`{ kind: 'tokens' }`) and for the customization endpoint (`{ kind: 'voices',
   * action }`). `false` refuses: HTTP 401 at the upgrade (403 for enrollment writes), `task-failed`
   * (`AccessDenied`) for a task. Without it, synthesis, `list_voice` and `query_voice` are allowed,
   * enrollment writes are refused, and `POST /api/v1/tokens` answers HTTP 403 unless
   * `allowAnonymousTokens` is set.
   */
  authorize?(request: IncomingMessage, context: ProxyAuthorizeContext): boolean | Promise<boolean>;
  /**
   * Let `POST /api/v1/tokens` mint temporary keys for any caller when there is no `authorize` hook. A
   * token is your key's power for its lifetime, with none of the proxy's limits, so leave this off
   * except for development tools on your own machine; with `authorize`, tokens go to whom it allows.
   * @default false
   */
  allowAnonymousTokens?: boolean;
  /**
   * Lifetime of the temporary keys `POST /api/v1/tokens` hands out, 1–1800 s (the service's range). A
   * client may ask for less with `?expire_in_seconds=`, never more. @default 60 (the service's default)
   */
  tokenExpiresInSeconds?: number;
  /**
   * Models the proxy spends the key on: a list or a check. Other models get `task-failed` and never
   * reach the upstream (the key also opens text generation, speech recognition and more).
   * Widen it with `[...DEFAULT_PROXY_MODELS, 'cosyvoice-v4-flash']`. @default DEFAULT_PROXY_MODELS
   */
  allowedModels?: readonly string[] | ((model: string) => boolean);
  /**
   * `run-task` parameters relayed besides the documented ones and those the official SDKs send
   * (`type`, `style`, `phoneme_timestamp_enabled`, `pre_task_id`): the names of your clients'
   * `additional_params`. Any other parameter is refused by name (`task-failed`). @default []
   */
  allowedParameters?: readonly string[];
  /** Who a request belongs to, for the per-client limits. @default the remote address */
  clientId?(request: IncomingMessage): string;
  limits?: ProxyLimits;
  /** Attach to this server (its upgrades on the inference path are handled; mount `middleware` for HTTP). */
  server?: Server;
  /** Port for standalone `listen()`. @default 8765 */
  port?: number;
  /** Host for standalone `listen()`. @default '127.0.0.1' */
  host?: string;
  /** How long the upstream may take to accept a connection. @default 10000 */
  connectTimeoutMs?: number;
  /**
   * How long the upstream may take to answer a `run-task` with `task-started` (connecting included).
   * Past it the client gets `task-failed` (`ServiceUnavailable`) and the upstream connection is closed.
   * @default 10000
   */
  taskStartTimeoutMs?: number;
  /**
   * How long the upstream may send nothing at all while a task runs. Past it the client gets
   * `task-failed` (`ServiceUnavailable`) and the upstream connection is closed. Keep it above the
   * service's own 23 s idle rule, so a client that stops sending text hears the service's reason.
   * @default 30000
   */
  upstreamIdleTimeoutMs?: number;
  /**
   * How long a client connection may stay open with no task running (after connecting, or after its
   * last task). Past it both sides are closed (code 1000, reason `idle`), so idle sockets hold nothing.
   * @default 60000 (the service closes an idle connection after about as long)
   */
  clientIdleTimeoutMs?: number;
  /** How long a client may take to send an HTTP request body (voice endpoint). Past it: HTTP 408. @default 10000 */
  bodyTimeoutMs?: number;
  /**
   * Receives one line per notable event. Never contains the key; every client-supplied string in it
   * (task ids, client ids, origins) is quoted with control characters escaped. @default no logging
   */
  log?(message: string): void;
}

/** A running synthesis proxy. */
export interface SynthesisProxy {
  /** Starts listening (standalone) and resolves to the WebSocket URL. */
  listen(): Promise<string>;
  /** `ws://host:port/api-ws/v1/inference`; IPv6 hosts bracketed, `0.0.0.0` / `::` given as loopback. */
  readonly url: string;
  /**
   * Clients currently tracked for the per-client limits (connected, running a task, or with a task
   * started within the last minute). A diagnostic; entries are dropped once none of these holds.
   */
  readonly clientCount: number;
  /** Node `(req, res)` handler for the HTTP paths (404 for others). */
  handler(request: IncomingMessage, response: ServerResponse): void;
  /** Connect-style middleware: HTTP paths handled, `next()` for the rest. */
  middleware(request: IncomingMessage, response: ServerResponse, next: () => void): void;
  /** Closes every socket on both sides (and the server, if it created it). */
  close(): Promise<void>;
}

const READ_ACTIONS = new Set(['list_voice', 'query_voice']);
/** Frames up to this many times `maxFrameBytes` are read and answered with `task-failed`; larger ones get close 1009. */
const HARD_FRAME_FACTOR = 4;
const MAX_TIMER_MS = 2 ** 31 - 1;

function positive(name: string, value: unknown, fallback: number, { integer = false, max = Infinity } = {}): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new RangeError(`createSynthesisProxy: ${name} must be a positive ${integer ? 'integer' : 'number'}${max < Infinity ? ` up to ${max}` : ''}; received ${String(value)}`);
  }
  return value;
}

/**
 * An `allowedOrigins` check for development servers: only pages served by this same server on a loopback
 * host (`localhost`, `127.0.0.1`, `[::1]`) may connect, so other sites open in the developer's browser
 * cannot use the key, and a rebound DNS name is refused too.
 *
 * @example
 * createSynthesisProxy({ apiKey, server, allowedOrigins: sameLoopbackOrigin });
 */
export function sameLoopbackOrigin(origin: string, request: IncomingMessage): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) && url.host === request.headers.host;
}

/**
 * A DashScope-shaped relay that holds your API key and spends it only on CosyVoice speech: browsers
 * connect with `proxyTransport`; each connection is checked against your policy (origins, `authorize`,
 * per-client connections), and each frame against the protocol (the local server's validator), the
 * relay policy (speech synthesis only, the allowed models and parameters), the text limits,
 * `authorize` again per task and the per-client concurrency and rate. What passes is re-serialised from
 * the validated data and sent upstream with `Authorization: Bearer <apiKey>`. Rejections are
 * DashScope-shaped (`task-failed`, or an HTTP error at the upgrade) and never reach the upstream.
 * Upstream faults become `task-failed`; slow clients get bounded buffering; either side closing closes
 * the other.
 *
 * @example
 * const proxy = createSynthesisProxy({ apiKey: () => process.env.DASHSCOPE_API_KEY, upstream: 'intl', allowedOrigins: ['https://app.example'] });
 * await proxy.listen(); // browser: proxyTransport({ url: 'wss://app.example/api-ws/v1/inference' })
 */
export function createSynthesisProxy(options: SynthesisProxyOptions): SynthesisProxy {
  const apiKey = readApiKey('createSynthesisProxy', options?.apiKey);
  const target = upstreamUrls(options.upstream);
  const limits = {
    maxConcurrentTasks: positive('limits.maxConcurrentTasks', options.limits?.maxConcurrentTasks, 4),
    maxConnections: positive('limits.maxConnections', options.limits?.maxConnections, 8),
    maxTasksPerMinute: positive('limits.maxTasksPerMinute', options.limits?.maxTasksPerMinute, 60),
    maxFrameBytes: positive('limits.maxFrameBytes', options.limits?.maxFrameBytes, 256 * 1024, { integer: true, max: 2 ** 30 }),
    maxBufferedBytes: positive('limits.maxBufferedBytes', options.limits?.maxBufferedBytes, 8 * 1024 * 1024),
  };
  const taskStartTimeoutMs = positive('taskStartTimeoutMs', options.taskStartTimeoutMs, 10_000, { max: MAX_TIMER_MS });
  const upstreamIdleTimeoutMs = positive('upstreamIdleTimeoutMs', options.upstreamIdleTimeoutMs, 30_000, { max: MAX_TIMER_MS });
  const clientIdleTimeoutMs = positive('clientIdleTimeoutMs', options.clientIdleTimeoutMs, 60_000, { max: MAX_TIMER_MS });
  const bodyTimeoutMs = positive('bodyTimeoutMs', options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS, { max: MAX_TIMER_MS });
  const tokenExpiresInSeconds = positive('tokenExpiresInSeconds', options.tokenExpiresInSeconds, 60, { integer: true, max: 1800 });
  const policy = new RelayPolicy({ models: options.allowedModels, parameters: options.allowedParameters });
  const limiter: ClientLimiter = new MemoryClientLimiter(limits);

  // Every key this proxy has used, so none of them reaches a log line or a client (a rotated key included).
  const usedKeys = new Set<string>();
  const currentKey = (): string | undefined => {
    const key = apiKey();
    if (key !== undefined && !usedKeys.has(key)) {
      if (usedKeys.size >= 16) usedKeys.delete(usedKeys.values().next().value as string);
      usedKeys.add(key);
    }
    return key;
  };
  const redact = (text: string): string => {
    let out = text;
    for (const key of usedKeys) if (out.includes(key)) out = out.split(key).join('[redacted]');
    return out;
  };
  const log = (message: string): void => {
    if (options.log) options.log(redact(message));
  };
  let missingKeyLogged = false;
  /** The key, or `undefined` after logging (once) that it is missing. */
  const keyOrLog = (): string | undefined => {
    const key = currentKey();
    if (key === undefined && !missingKeyLogged) {
      missingKeyLogged = true;
      (options.log ?? ((line: string) => console.error(line)))(missingApiKeyMessage('createSynthesisProxy'));
    }
    return key;
  };

  // The frame cap itself is checked per message (a DashScope-shaped answer); this ceiling stops frames
  // too large to be worth reading at all.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes * HARD_FRAME_FACTOR });
  const relays = new Set<SynthesisRelay>();
  let tokenHandler: TokenHandler | undefined;

  const allowedOrigin = (origin: string, request: IncomingMessage): boolean => {
    const allowed = options.allowedOrigins;
    return !allowed || (typeof allowed === 'function' ? allowed(origin, request) : allowed.includes(origin));
  };
  const originAllowed = (request: IncomingMessage): boolean => {
    const origin = request.headers.origin;
    return origin === undefined || allowedOrigin(origin, request);
  };
  const authorize = async (request: IncomingMessage, context: ProxyAuthorizeContext): Promise<boolean> => {
    if (options.authorize) return Boolean(await options.authorize(request, context));
    return context.kind !== 'voices' || READ_ACTIONS.has(context.action ?? '');
  };
  const clientIdOf = (request: IncomingMessage): string => options.clientId?.(request) ?? request.socket.remoteAddress ?? 'unknown';

  const openUpstream: RelayContext['openUpstream'] = () => {
    const key = keyOrLog();
    if (key === undefined) return { code: 'ServiceUnavailable', message: 'The proxy has no API key configured' };
    return new WebSocket(target.webSocket, {
      headers: { Authorization: `Bearer ${key}`, 'user-agent': 'cosyvoice-react-proxy' },
      handshakeTimeout: options.connectTimeoutMs ?? 10_000,
      maxPayload: 64 * 1024 * 1024,
    });
  };
  const shared = {
    limiter,
    policy,
    openUpstream,
    redact,
    log,
    closed: (relay: SynthesisRelay) => relays.delete(relay),
    maxFrameBytes: limits.maxFrameBytes,
    maxBufferedBytes: limits.maxBufferedBytes,
    taskStartTimeoutMs,
    upstreamIdleTimeoutMs,
    clientIdleTimeoutMs,
  };

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const relay = new SynthesisRelay(socket, {
      ...shared,
      request,
      clientId: clientIdOf(request),
      authorizeTask: options.authorize ? (task) => options.authorize!(request, { kind: 'task', task }) : undefined,
    });
    relays.add(relay);
  });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!originAllowed(request)) {
      log(`refused origin ${quoteForLog(request.headers.origin)}`);
      rejectUpgrade(socket, 403, 'Forbidden', 'Origin not allowed');
      return;
    }
    if (keyOrLog() === undefined) {
      rejectUpgrade(socket, 500, 'InternalError', missingApiKeyMessage('The proxy'));
      return;
    }
    authorize(request, { kind: 'websocket' }).then(
      (allowed) => {
        if (!allowed) return rejectUpgrade(socket, 401, 'Unauthorized', 'Not authorized');
        const id = clientIdOf(request);
        if (!limiter.canConnect(id)) {
          log(`client ${quoteForLog(id)} over its connection limit`);
          return rejectUpgrade(socket, 429, 'Throttling.RateQuota', 'Too many connections from this client');
        }
        wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
      },
      () => rejectUpgrade(socket, 500, 'InternalError', 'authorize failed'),
    );
  };

  const cors = (request: IncomingMessage): Record<string, string> => {
    const origin = request.headers.origin;
    if (!origin || !allowedOrigin(origin, request)) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST, OPTIONS' };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = requestPath(request.url);
    if (path !== HTTP_TOKENS_PATH && path !== HTTP_CUSTOMIZATION_PATH) return false;
    const headers = cors(request);
    if (!originAllowed(request)) {
      sendJson(response, 403, errorBody('Forbidden', 'Origin not allowed'));
      return true;
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, headers).end();
      return true;
    }
    if (request.method !== 'POST') {
      sendJson(response, 405, errorBody('MethodNotAllowed', 'Use POST'), headers);
      return true;
    }
    if (path === HTTP_TOKENS_PATH) {
      if (!options.authorize && !options.allowAnonymousTokens) {
        log('refused a token request: no authorize hook and allowAnonymousTokens is off');
        const message =
          'Token minting is off: a temporary key carries the API key’s power, so createSynthesisProxy hands them out only ' +
          "through an authorize hook (asked with { kind: 'tokens' }) or, for a development tool, allowAnonymousTokens: true";
        sendJson(response, 403, errorBody('Forbidden', message), headers);
        return true;
      }
      if (!(await authorize(request, { kind: 'tokens' }))) {
        sendJson(response, 401, errorBody('Unauthorized', 'Not authorized'), headers);
        return true;
      }
      for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
      tokenHandler ??= createTokenHandler({ apiKey: currentKey, upstream: options.upstream, expiresInSeconds: tokenExpiresInSeconds, log });
      tokenHandler(request, response);
      return true;
    }
    const body = await readJsonBodyOrAnswer(request, response, headers, { timeoutMs: bodyTimeoutMs });
    if (body === ANSWERED) return true;
    const action = isRecord(body) && isRecord(body.input) && typeof body.input.action === 'string' ? body.input.action : '';
    if (!(await authorize(request, { kind: 'voices', action }))) {
      sendJson(response, READ_ACTIONS.has(action) ? 401 : 403, errorBody('Forbidden', `Not allowed: ${action ? quoteForLog(action, 40) : 'unknown action'}`), headers);
      return true;
    }
    const key = keyOrLog();
    if (key === undefined) {
      sendJson(response, 500, errorBody('InternalError', missingApiKeyMessage('The proxy')), headers);
      return true;
    }
    try {
      const upstreamResponse = await fetch(`${target.http}/services/audio/tts/customization`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      const text = await upstreamResponse.text();
      response.writeHead(upstreamResponse.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(redact(text));
    } catch {
      sendJson(response, 502, errorBody('ServiceUnavailable', 'The voice service could not be reached'), headers);
    }
    return true;
  };
  const fail = (response: ServerResponse): void => sendJson(response, 500, errorBody('InternalError', 'proxy error'));
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).then((handled) => handled || sendJson(response, 404, errorBody('NotFound', 'Not found')), () => fail(response));
  };
  const middleware = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    handle(request, response).then((handled) => handled || next(), () => fail(response));
  };
  const host = new ServerHost({ server: options.server, port: options.port ?? 8765, host: options.host ?? '127.0.0.1', name: 'The proxy', onUpgrade, onRequest: handler });

  return {
    handler,
    middleware,
    get url() {
      return host.url('ws', INFERENCE_PATH);
    },
    get clientCount() {
      return limiter.size;
    },
    async listen() {
      return (await host.listen()) ? this.url : '';
    },
    async close() {
      for (const relay of [...relays]) relay.destroy();
      for (const socket of wss.clients) socket.terminate();
      wss.close();
      await host.close();
    },
  };
}
