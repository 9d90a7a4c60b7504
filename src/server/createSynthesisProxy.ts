import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { cacheScopeOfKey } from './CachedSynthesis';
import type { ClientLimiter, LimitDecision } from './ClientLimiter';
import { createMemoryStore } from './createMemoryStore';
import { createTokenHandler, type TokenHandler } from './createTokenHandler';
import { ANSWERED, DEFAULT_BODY_TIMEOUT_MS, HTTP_CUSTOMIZATION_PATH, HTTP_TOKENS_PATH, INFERENCE_PATH, errorBody, readJsonBodyOrAnswer, rejectUpgrade, requestPath, sendJson } from './httpJson';
import { isRecord } from './isRecord';
import type { ProxyAuthorizeContext } from './ProxyAuthorizeContext';
import { createPrometheusMetrics, NO_METRICS, type ProxyMetrics } from './ProxyMetrics';
import type { ProxyStore } from './ProxyStore';
import { quoteForLog } from './quoteForLog';
import { missingApiKeyMessage, readApiKey, type ApiKeySource } from './readApiKey';
import { RelayPolicy } from './RelayPolicy';
import { ServerHost } from './ServerHost';
import { SynthesisRelay, type RelayCache, type RelayContext } from './SynthesisRelay';
import { UpstreamPool } from './UpstreamPool';
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

/** The synthesis cache of {@link createSynthesisProxy}. */
export interface SynthesisCacheOptions {
  /** Bytes the cache may hold in memory (the memory store; Redis uses its own `maxmemory`). @default 64 MiB */
  maxBytes?: number;
  /** Largest entry stored, in bytes (events and audio of one task); larger tasks are not cached. @default 8 MiB */
  maxEntryBytes?: number;
  /** How long an entry is served, in seconds. @default 86400 (a day) */
  ttlSeconds?: number;
  /**
   * How long a task whose first text is in the cache waits for its `finish-task` before the proxy takes
   * it for streamed text and synthesizes it upstream, in ms. The library's `speak` sends `finish-task`
   * right after the text, so only a streaming client ever waits this long, and only when its first
   * fragment alone matches an entry. @default 200
   */
  wholeTextWaitMs?: number;
  /**
   * Whose entries these are. Entries are shared only between proxies with the same scope. @default a
   * hash of the API key, with the upstream URL and `workspace` (a rotated key starts a new scope)
   */
  scope?: string;
}

/** Warm upstream connections of {@link createSynthesisProxy}. */
export interface UpstreamPoolOptions {
  /** Connections kept open ahead of need. @default 0 (off) */
  size?: number;
  /** How long a warm connection lives before it is replaced, in ms (each ±20 %). @default 15000 */
  renewMs?: number;
}

/** Prometheus metrics of {@link createSynthesisProxy} (needs the optional peer `prom-client`). */
export interface ProxyMetricsOptions {
  /** The route. @default '/metrics' */
  path?: string;
  /** Prefix of every metric name. @default 'cosyvoice_proxy_' */
  prefix?: string;
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
  /**
   * Where limits and the cache live: {@link createMemoryStore} (this process) or {@link createRedisStore}
   * (shared by every instance using the same Redis). The proxy does not close it. @default createMemoryStore()
   */
  store?: ProxyStore;
  /**
   * The synthesis cache: a task whose whole text is known before synthesis (one `continue-task`, then
   * `finish-task`, as `speak` sends it) and was synthesized before with the same model, voice and
   * parameters is answered from the store, without the upstream and without billing. `true` for the
   * defaults. @default false (off)
   */
  cache?: boolean | SynthesisCacheOptions;
  /**
   * How long a client's upstream connection is kept with no task running, for the client's next task,
   * in ms. Below the service's idle cut-off (about 23 s without text, by its documentation), so a kept
   * connection is never one the service is closing. @default 20000
   */
  upstreamKeepAliveMs?: number;
  /**
   * Open a client's upstream connection when the client connects, beside its handshake, rather than at
   * its first task: a client that preconnects (`speech.preconnect()`, the components on pointer enter)
   * then finds both hops warm, and a cold first task overlaps the two handshakes. The connection closes
   * after `upstreamKeepAliveMs` if no task comes, and costs the service one connection per client
   * connection, as the first task would. `false` opens it at the first task (a cache hit then opens
   * none). @default true
   */
  upstreamOnConnect?: boolean;
  /**
   * Upstream connections opened ahead of need, handed to a client's first task. Off by default: each
   * warm connection is a connection held open at the service and renewed every `renewMs`. @default { size: 0 }
   */
  upstreamPool?: UpstreamPoolOptions;
  /** Your Model Studio workspace: sent upstream as `X-DashScope-WorkSpace`, and part of the cache scope. */
  workspace?: string;
  /**
   * Prometheus metrics on `path` (needs the optional peer `prom-client`), asked of `authorize` with
   * `{ kind: 'metrics' }`. `true` for the defaults. @default false
   */
  metrics?: boolean | ProxyMetricsOptions;
  /** `GET /healthz` (200 while the process serves) and `GET /readyz` (503 while draining or a required store is down). @default true */
  health?: boolean;
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
  /**
   * Graceful shutdown: `/readyz` answers 503 and new connections and tasks are refused at once (a task
   * gets `task-failed`, `ServiceUnavailable`, which clients retry on a new connection); running tasks
   * finish, each connection closing (1001) after its last; at `deadlineMs` what still runs gets that
   * same `task-failed`. Then the proxy closes. Resolves when it has; calling it again returns the same
   * promise.
   */
  drain(options?: { deadlineMs?: number }): Promise<void>;
  /** Whether `drain()` was called. */
  readonly draining: boolean;
  /** Whether the proxy takes new work: not while draining, nor while a required store is unreachable. */
  readonly ready: boolean;
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
  const upstreamKeepAliveMs = positive('upstreamKeepAliveMs', options.upstreamKeepAliveMs, 20_000, { max: MAX_TIMER_MS });
  const policy = new RelayPolicy({ models: options.allowedModels, parameters: options.allowedParameters });
  const store = options.store ?? createMemoryStore();
  if (typeof store?.createLimiter !== 'function' || typeof store.createCache !== 'function') {
    throw new TypeError('createSynthesisProxy: store must be a ProxyStore (createMemoryStore() or createRedisStore({ url }))');
  }
  const limiter: ClientLimiter = store.createLimiter(limits);
  const cacheOptions = options.cache === true ? {} : options.cache || undefined;
  if (cacheOptions !== undefined && typeof cacheOptions !== 'object') throw new TypeError('createSynthesisProxy: cache must be true, false or an options object');
  if (options.upstreamOnConnect !== undefined && typeof options.upstreamOnConnect !== 'boolean') throw new TypeError('createSynthesisProxy: upstreamOnConnect must be true or false');
  const cacheStore = cacheOptions
    ? store.createCache({
        maxBytes: positive('cache.maxBytes', cacheOptions.maxBytes, 64 * 1024 * 1024),
        maxEntryBytes: positive('cache.maxEntryBytes', cacheOptions.maxEntryBytes, 8 * 1024 * 1024),
        ttlSeconds: positive('cache.ttlSeconds', cacheOptions.ttlSeconds, 86_400),
      })
    : undefined;
  const wholeTextWaitMs = positive('cache.wholeTextWaitMs', cacheOptions?.wholeTextWaitMs, 200, { max: MAX_TIMER_MS });
  const metricsOptions = options.metrics === true ? {} : options.metrics || undefined;
  const metricsPath = metricsOptions ? requestPath(metricsOptions.path ?? '/metrics') : undefined;
  const metrics: ProxyMetrics = metricsOptions ? createPrometheusMetrics(metricsOptions.prefix ?? 'cosyvoice_proxy_') : NO_METRICS;
  const health = options.health !== false;
  const poolSize = positive('upstreamPool.size', options.upstreamPool?.size || undefined, 0, { integer: true, max: 64 });
  const poolRenewMs = positive('upstreamPool.renewMs', options.upstreamPool?.renewMs, 15_000, { max: MAX_TIMER_MS });
  if (options.workspace !== undefined && (typeof options.workspace !== 'string' || options.workspace === '')) {
    throw new TypeError('createSynthesisProxy: workspace must be a non-empty string');
  }

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

  const openUpstream = (): WebSocket | { code: string; message: string } => {
    const key = keyOrLog();
    if (key === undefined) return { code: 'ServiceUnavailable', message: 'The proxy has no API key configured' };
    const headers: Record<string, string> = { Authorization: `Bearer ${key}`, 'user-agent': 'cosyvoice-react-proxy' };
    if (options.workspace) headers['X-DashScope-WorkSpace'] = options.workspace;
    return new WebSocket(target.webSocket, { headers, handshakeTimeout: options.connectTimeoutMs ?? 10_000, maxPayload: 64 * 1024 * 1024 });
  };
  const pool = poolSize > 0 ? new UpstreamPool({ size: poolSize, renewMs: poolRenewMs, open: openUpstream, metrics, log }) : undefined;
  const takeUpstream: RelayContext['takeUpstream'] = () => {
    const warm = pool?.take();
    if (warm) return { socket: warm, warm: true };
    const opened = openUpstream();
    return opened instanceof WebSocket ? { socket: opened, warm: false } : opened;
  };
  let scopeOf: { key: string; scope: string } | undefined;
  const cache: RelayCache | undefined = cacheStore && {
    store: cacheStore,
    wholeTextWaitMs,
    get scope() {
      if (cacheOptions?.scope !== undefined) return `custom|${cacheOptions.scope}`;
      const key = currentKey() ?? '';
      if (scopeOf?.key !== key) scopeOf = { key, scope: cacheScopeOfKey(key, target.webSocket, options.workspace) };
      return scopeOf.scope;
    },
  };
  let draining = false;
  let drained: Promise<void> | undefined;
  let drainedRelay: (() => void) | undefined;
  const shared = {
    limiter,
    policy,
    takeUpstream,
    redact,
    log,
    metrics,
    cache,
    draining: () => draining,
    closed: (relay: SynthesisRelay) => {
      relays.delete(relay);
      drainedRelay?.();
    },
    maxFrameBytes: limits.maxFrameBytes,
    maxBufferedBytes: limits.maxBufferedBytes,
    taskStartTimeoutMs,
    upstreamIdleTimeoutMs,
    clientIdleTimeoutMs,
    upstreamKeepAliveMs,
    upstreamOnConnect: options.upstreamOnConnect ?? true,
  };
  const isReady = (): boolean => !draining && (!store.required || store.available);
  /** Gives the client sockets that were just closed (1001) up to `ms` to finish their close handshake. */
  const closingHandshakes = async (ms: number): Promise<void> => {
    const until = Date.now() + ms;
    while (wss.clients.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  wss.on('connection', (socket: WebSocket, request: IncomingMessage, clientId: string) => {
    const relay = new SynthesisRelay(socket, {
      ...shared,
      request,
      clientId,
      authorizeTask: options.authorize ? (task) => options.authorize!(request, { kind: 'task', task }) : undefined,
    });
    relays.add(relay);
  });

  /** Counts the connection against the client's limit, then upgrades (the relay gives the count back when it closes). */
  const admitConnection = (request: IncomingMessage, socket: Duplex, head: Buffer, id: string, decision: LimitDecision): void => {
    if (decision !== 'ok') {
      metrics.refused('connection', decision);
      if (decision === 'unavailable') {
        log(`client ${quoteForLog(id)} refused: the limit store is unreachable`);
        return rejectUpgrade(socket, 503, 'ServiceUnavailable', 'The proxy cannot check its limits right now; retry shortly');
      }
      log(`client ${quoteForLog(id)} over its connection limit`);
      return rejectUpgrade(socket, 429, 'Throttling.RateQuota', 'Too many connections from this client');
    }
    if (draining || socket.destroyed) {
      limiter.closeConnection(id);
      if (draining) rejectUpgrade(socket, 503, 'ServiceUnavailable', 'The proxy is shutting down; connect again');
      return;
    }
    let upgraded = false;
    // ws drops a socket that closed before the upgrade without calling back: the count is given back here.
    socket.once('close', () => upgraded || limiter.closeConnection(id));
    wss.handleUpgrade(request, socket, head, (ws) => {
      upgraded = true;
      wss.emit('connection', ws, request, id);
    });
  };

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
    if (draining) {
      metrics.refused('connection', 'draining');
      rejectUpgrade(socket, 503, 'ServiceUnavailable', 'The proxy is shutting down; connect again');
      return;
    }
    authorize(request, { kind: 'websocket' }).then(
      (allowed) => {
        if (!allowed) {
          metrics.refused('connection', 'authorize');
          return rejectUpgrade(socket, 401, 'Unauthorized', 'Not authorized');
        }
        const id = clientIdOf(request);
        const decision = limiter.openConnection(id);
        if (typeof decision === 'string') return admitConnection(request, socket, head, id, decision);
        decision.then(
          (answer) => admitConnection(request, socket, head, id, answer),
          () => admitConnection(request, socket, head, id, 'unavailable'),
        );
      },
      () => rejectUpgrade(socket, 500, 'InternalError', 'authorize failed'),
    );
  };

  /** `/healthz`, `/readyz` and the metrics route; false for other paths. */
  const handleOperations = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> => {
    if (health && (path === '/healthz' || path === '/readyz')) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        sendJson(response, 405, errorBody('MethodNotAllowed', 'Use GET'));
        return true;
      }
      if (path === '/healthz') {
        sendJson(response, 200, { status: 'ok' });
        return true;
      }
      const status = draining ? 'draining' : isReady() ? 'ready' : 'store-unavailable';
      sendJson(response, status === 'ready' ? 200 : 503, { status, store: store.kind, storeAvailable: store.available });
      return true;
    }
    if (metricsPath === undefined || path !== metricsPath) return false;
    if (request.method !== 'GET') {
      sendJson(response, 405, errorBody('MethodNotAllowed', 'Use GET'));
      return true;
    }
    if (!(await authorize(request, { kind: 'metrics' }))) {
      sendJson(response, 401, errorBody('Unauthorized', 'Not authorized'));
      return true;
    }
    const { contentType, body } = await metrics.render();
    response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    response.end(body);
    return true;
  };

  const cors = (request: IncomingMessage): Record<string, string> => {
    const origin = request.headers.origin;
    if (!origin || !allowedOrigin(origin, request)) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST, OPTIONS' };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = requestPath(request.url);
    if (path !== HTTP_TOKENS_PATH && path !== HTTP_CUSTOMIZATION_PATH) return handleOperations(request, response, path);
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

  const proxy: SynthesisProxy = {
    handler,
    middleware,
    get url() {
      return host.url('ws', INFERENCE_PATH);
    },
    get clientCount() {
      return limiter.size;
    },
    get draining() {
      return draining;
    },
    get ready() {
      return isReady();
    },
    async listen() {
      return (await host.listen()) ? proxy.url : '';
    },
    drain({ deadlineMs = 30_000 } = {}) {
      if (drained) return drained;
      const deadline = positive('drain deadlineMs', deadlineMs, 30_000, { max: MAX_TIMER_MS });
      draining = true;
      log(`draining: ${relays.size} connection(s) open; running tasks get ${deadline} ms to finish`);
      pool?.close();
      drained = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const relay of [...relays]) {
            if (relay.taskCount > 0) log(`drain deadline: ${relay.taskCount} task(s) ended with task-failed (ServiceUnavailable)`);
            relay.endForDrain();
          }
          done();
        }, deadline);
        const done = (): void => {
          clearTimeout(timer);
          drainedRelay = undefined;
          resolve();
        };
        drainedRelay = () => relays.size === 0 && done();
        for (const relay of [...relays]) relay.drain();
        drainedRelay();
      })
        .then(() => closingHandshakes(1000))
        .then(() => proxy.close());
      return drained;
    },
    async close() {
      pool?.close();
      for (const relay of [...relays]) relay.destroy();
      for (const socket of wss.clients) socket.terminate();
      wss.close();
      await limiter.close?.();
      await host.close();
    },
  };
  return proxy;
}
