import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { MAX_CHARACTERS_PER_MESSAGE, MAX_CHARACTERS_PER_TASK, countCharacters } from '../core/countCharacters';
import { createTokenHandler } from './createTokenHandler';
import { ANSWERED, HTTP_CUSTOMIZATION_PATH, HTTP_TOKENS_PATH, INFERENCE_PATH, errorBody, readJsonBodyOrAnswer, requestPath, sendJson } from './httpJson';
import { readTaskParameters } from './readTaskParameters';
import { RecentIds } from './RecentIds';
import { SERVER_ERRORS, TaskFailure, missingParameter, taskFailedFrame } from './serverErrors';
import { upstreamUrls } from './upstreamUrls';
import { urlHost } from './urlHost';

/**
 * What `authorize` is asked about. `createTokenHandler` passes `{ kind: 'tokens' }` too, so one hook can
 * guard both.
 */
export interface ProxyAuthorizeContext {
  /** `websocket` (a synthesis connection), `tokens` (`POST /api/v1/tokens`) or `voices` (customization). */
  kind: 'websocket' | 'tokens' | 'voices';
  /** For `voices`: the enrollment action (`list_voice`, `query_voice`, `create_voice`, …). */
  action?: string;
}

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
  /** Your DashScope API key. Sent upstream only, as `Authorization: Bearer`; never downstream, in errors or logs. */
  apiKey: string;
  /** `'cn'`, `'intl'` or any DashScope-shaped URL (e.g. a local voice server). @default 'cn' */
  upstream?: string;
  /**
   * Browser origins allowed to connect (`Origin` header): a list, or a check such as
   * {@link sameLoopbackOrigin}. Requests without `Origin` (servers, CLIs) pass. @default any
   */
  allowedOrigins?: readonly string[] | ((origin: string, request: IncomingMessage) => boolean);
  /**
   * Your policy hook (session, user, plan). `false` refuses with HTTP 401 (403 for enrollment writes).
   * Without it, synthesis, `list_voice` and `query_voice` are allowed, enrollment writes are refused, and
   * `POST /api/v1/tokens` answers HTTP 403 unless `allowAnonymousTokens` is set.
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
  /** Receives one line per notable event (never containing the key). @default no logging */
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
/** The window of `maxTasksPerMinute`. */
const RATE_WINDOW_MS = 60_000;
/** Task ids that ended on one connection, remembered so their late frames are dropped. */
const FINISHED_IDS_KEPT = 64;
/** Frames up to this many times `maxFrameBytes` are read and answered with `task-failed`; larger ones get close 1009. */
const HARD_FRAME_FACTOR = 4;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface ClientState {
  active: number;
  recent: number[];
  connections: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function byteLength(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, chunk) => sum + chunk.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** The `header.task_id` of a frame, if it has one (for attributing a refusal to its task). */
function taskIdOf(text: string): string {
  try {
    const message: unknown = JSON.parse(text);
    const header = isRecord(message) ? message.header : undefined;
    return isRecord(header) && typeof header.task_id === 'string' ? header.task_id : '';
  } catch {
    return '';
  }
}

function positive(name: string, value: unknown, fallback: number, { integer = false, max = Infinity } = {}): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new RangeError(`createSynthesisProxy: ${name} must be a positive ${integer ? 'integer' : 'number'}${max < Infinity ? ` up to ${max}` : ''}; received ${String(value)}`);
  }
  return value;
}

function rejectUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
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
 * A DashScope-shaped relay that holds your API key: browsers connect to it with `proxyTransport`, it
 * checks each request against your policy (origins, `authorize`, per-client concurrency and rate,
 * frame size, the three actions, parameters and text limits — with the core's validation) and forwards
 * what passes to the upstream with `Authorization: Bearer <apiKey>`. Rejections are DashScope-shaped
 * (`task-failed`, or an HTTP error at the upgrade) and never reach the upstream. Upstream faults become
 * `task-failed`; slow clients get bounded buffering; either side closing closes the other.
 *
 * @example
 * const proxy = createSynthesisProxy({ apiKey: process.env.DASHSCOPE_API_KEY!, upstream: 'intl', allowedOrigins: ['https://app.example'] });
 * await proxy.listen(); // browser: proxyTransport({ url: 'wss://app.example/api-ws/v1/inference' })
 */
export function createSynthesisProxy(options: SynthesisProxyOptions): SynthesisProxy {
  if (typeof options?.apiKey !== 'string' || options.apiKey === '') throw new TypeError('createSynthesisProxy needs apiKey');
  const apiKey = options.apiKey;
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
  const tokenExpiresInSeconds = positive('tokenExpiresInSeconds', options.tokenExpiresInSeconds, 60, { integer: true, max: 1800 });
  const log = (message: string): void => {
    // Belt and braces: nothing we log should contain the key, but never let it through.
    options.log?.(message.split(apiKey).join('[redacted]'));
  };
  const clients = new Map<string, ClientState>();
  // The frame cap itself is checked per message (a DashScope-shaped answer); this ceiling stops frames
  // too large to be worth reading at all.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes * HARD_FRAME_FACTOR });
  const ownServer = !options.server;
  const server = options.server ?? http.createServer();
  const upstreams = new Set<WebSocket>();
  /** Each live relay's `closeBoth`, so `close()` clears every timer even before the sockets report closing. */
  const relays = new Set<() => void>();
  const tokenHandler = createTokenHandler({ apiKey, upstream: options.upstream, expiresInSeconds: tokenExpiresInSeconds });

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
  /** Forgets a client with nothing to remember: no connection, no task, no task start in the rate window. */
  const prune = (id: string, state: ClientState): void => {
    const now = Date.now();
    state.recent = state.recent.filter((t) => now - t < RATE_WINDOW_MS);
    if (state.connections === 0 && state.active === 0 && state.recent.length === 0 && clients.get(id) === state) clients.delete(id);
  };
  // Clients that left with task starts still in the rate window are swept later, at most once a window.
  let lastSweep = Date.now();
  const sweep = (): void => {
    const now = Date.now();
    if (now - lastSweep < RATE_WINDOW_MS) return;
    lastSweep = now;
    for (const [id, state] of clients) prune(id, state);
  };
  const clientOf = (request: IncomingMessage): ClientState & { id: string } => {
    sweep();
    const id = clientIdOf(request);
    let state = clients.get(id);
    if (!state) clients.set(id, (state = { active: 0, recent: [], connections: 0 }));
    return Object.assign(state, { id });
  };

  const relay = (downstream: WebSocket, request: IncomingMessage): void => {
    const client = clientOf(request);
    client.connections++;
    const tasks = new Map<string, { characters: number; continues: number; ssml: boolean }>();
    // Tasks the upstream ended: their late continue-task / finish-task frames are dropped, as the service does.
    const finished = new RecentIds(FINISHED_IDS_KEPT);
    // Per task until its task-started; one for the connection while any task runs (reset by every upstream frame).
    const startTimers = new Map<string, ReturnType<typeof setTimeout>>();
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const pending: string[] = [];
    let pendingBytes = 0;
    let closed = false;
    let upstreamFailure: TaskFailure | undefined;
    let paused = false;
    // Opened at the first task the client starts, not when it connects: an idle client holds nothing upstream.
    let upstream: WebSocket | undefined;

    const clearStartTimer = (taskId: string): void => {
      const timer = startTimers.get(taskId);
      if (timer === undefined) return;
      clearTimeout(timer);
      startTimers.delete(taskId);
    };
    const clearIdleTimer = (): void => {
      if (idleTimer !== undefined) clearTimeout(idleTimer);
      idleTimer = undefined;
    };
    /** The upstream went silent: every task fails and the upstream socket is dropped. */
    const timedOut = (message: string): void => {
      if (closed) return;
      const socket = upstream;
      failUpstream(new TaskFailure({ code: 'ServiceUnavailable', message }));
      socket?.terminate();
    };
    const armStartTimer = (taskId: string): void => {
      clearStartTimer(taskId);
      const fire = (): void => {
        // A paused upstream (slow client) is not read, so its task-started may be waiting unread.
        if (paused) return void startTimers.set(taskId, setTimeout(fire, taskStartTimeoutMs).unref());
        startTimers.delete(taskId);
        timedOut(`The upstream did not start task ${taskId} within ${taskStartTimeoutMs} ms`);
      };
      startTimers.set(taskId, setTimeout(fire, taskStartTimeoutMs).unref());
    };
    // One timer per connection, re-armed only when it fires: frames just record when they came (no timer
    // churn per audio chunk on the relay's hot path).
    let lastUpstreamAt = Date.now();
    const armIdleTimer = (delay = upstreamIdleTimeoutMs): void => {
      clearIdleTimer();
      if (closed || tasks.size === 0) return;
      idleTimer = setTimeout(() => {
        idleTimer = undefined;
        const quietFor = Date.now() - lastUpstreamAt;
        // A paused upstream (a slow client) is not a silent one.
        if (paused) return armIdleTimer();
        if (quietFor < upstreamIdleTimeoutMs) return armIdleTimer(upstreamIdleTimeoutMs - quietFor);
        timedOut(`The upstream sent nothing for ${upstreamIdleTimeoutMs} ms while a task was running`);
      }, delay).unref();
    };
    const release = (taskId: string): void => {
      clearStartTimer(taskId);
      if (tasks.delete(taskId)) client.active = Math.max(0, client.active - 1);
      if (tasks.size === 0) clearIdleTimer();
    };
    const closeBoth = (code = 1000, reason = ''): void => {
      if (closed) return;
      closed = true;
      relays.delete(closeBoth);
      client.connections = Math.max(0, client.connections - 1);
      for (const taskId of [...tasks.keys()]) release(taskId);
      for (const taskId of [...startTimers.keys()]) clearStartTimer(taskId);
      clearIdleTimer();
      prune(client.id, client);
      setTimeout(() => {
        if (downstream.readyState === WebSocket.OPEN) downstream.close(code, reason);
        else downstream.terminate();
      }, 0);
      if (upstream) {
        if (upstream.readyState === WebSocket.OPEN) upstream.close(1000);
        else upstream.terminate();
        upstreams.delete(upstream);
      }
    };
    const failDownstream = (taskId: string, failure: TaskFailure): void => {
      if (closed) return;
      if (downstream.readyState === WebSocket.OPEN) downstream.send(taskFailedFrame(taskId, failure));
      closeBoth(1000, 'task failed');
    };
    const failUpstream = (failure: TaskFailure): void => {
      if (closed) return;
      upstreamFailure = failure;
      log(`upstream fault: ${failure.message}`);
      if (tasks.size === 0) return; // answered when the client starts a task
      for (const taskId of tasks.keys()) {
        if (downstream.readyState === WebSocket.OPEN) downstream.send(taskFailedFrame(taskId, failure));
      }
      closeBoth(1000, 'upstream failed');
    };

    const forward = (text: string): void => {
      const socket = upstream ?? connectUpstream();
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(text);
        return;
      }
      pendingBytes += text.length;
      if (pendingBytes > limits.maxBufferedBytes) throw new TaskFailure(SERVER_ERRORS.rateLimited);
      pending.push(text);
    };

    /**
     * Validates a client frame: whether to relay it (`false`: drop it silently, a late frame for a task the
     * upstream ended) and its action and task; throws a TaskFailure (with the task id) to refuse it.
     */
    const check = (text: string): { relay: boolean; action: string; taskId: string } => {
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        throw Object.assign(new TaskFailure(SERVER_ERRORS.invalidPayload), { taskId: '' });
      }
      const header = isRecord(message) ? message.header : undefined;
      if (!isRecord(header)) throw Object.assign(new TaskFailure(missingParameter('header')), { taskId: '' });
      const taskId = typeof header.task_id === 'string' ? header.task_id : '';
      const payload = (message as Record<string, unknown>).payload;
      try {
        if (taskId === '') throw new TaskFailure(missingParameter('header.task_id'));
        if (header.action === 'run-task') {
          if (tasks.has(taskId)) throw new TaskFailure({ code: 'InvalidParameter', message: `task_id ${taskId} is already running on this connection` });
          const params = readTaskParameters(payload);
          if (upstreamFailure) throw upstreamFailure;
          const now = Date.now();
          client.recent = client.recent.filter((t) => now - t < RATE_WINDOW_MS);
          if (client.active >= limits.maxConcurrentTasks || client.recent.length >= limits.maxTasksPerMinute) {
            log(`client ${client.id} over its limits`);
            throw new TaskFailure(SERVER_ERRORS.rateLimited);
          }
          client.recent.push(now);
          client.active++;
          tasks.set(taskId, { characters: 0, continues: 0, ssml: params.enableSsml });
        } else if (header.action === 'continue-task') {
          const task = tasks.get(taskId);
          if (!task && finished.has(taskId)) return { relay: false, action: header.action, taskId };
          if (!task) throw new TaskFailure(SERVER_ERRORS.taskNull);
          const input = isRecord(payload) ? payload.input : undefined;
          if (!isRecord(input)) throw new TaskFailure(SERVER_ERRORS.taskNull);
          if (input.text !== undefined || input.flush !== true) {
            if (input.text === undefined) throw new TaskFailure(Object.keys(input).length === 0 ? SERVER_ERRORS.taskNull : SERVER_ERRORS.invalidPayload);
            if (typeof input.text !== 'string') throw new TaskFailure(SERVER_ERRORS.invalidPayload);
            if (input.text === '') throw new TaskFailure(SERVER_ERRORS.emptyText);
            task.continues++;
            if (task.ssml && task.continues > 1) throw new TaskFailure(SERVER_ERRORS.ssmlMoreThanOnce);
            const counted = countCharacters(input.text);
            if (counted > MAX_CHARACTERS_PER_MESSAGE) throw new TaskFailure({ code: 'InvalidParameter', message: `Text request limit violated, at most ${MAX_CHARACTERS_PER_MESSAGE} characters per request (received ${counted}).` });
            task.characters += counted;
            if (task.characters > MAX_CHARACTERS_PER_TASK) throw new TaskFailure({ code: 'InvalidParameter', message: `Text request limit violated, at most ${MAX_CHARACTERS_PER_TASK} characters per task (received ${task.characters}).` });
          }
        } else if (header.action === 'finish-task') {
          if (!tasks.has(taskId) && finished.has(taskId)) return { relay: false, action: header.action, taskId };
          if (!tasks.has(taskId)) throw new TaskFailure(SERVER_ERRORS.taskNull);
          if (!isRecord(isRecord(payload) ? payload.input : undefined)) throw new TaskFailure(SERVER_ERRORS.taskNull);
        } else {
          throw new TaskFailure(typeof header.action === 'string' ? SERVER_ERRORS.invalidPayload : missingParameter('header.action'));
        }
      } catch (error) {
        throw Object.assign(error instanceof TaskFailure ? error : new TaskFailure(SERVER_ERRORS.invalidPayload), { taskId });
      }
      return { relay: true, action: header.action, taskId };
    };

    downstream.on('message', (data, isBinary) => {
      if (closed) return;
      const size = byteLength(data);
      if (size > limits.maxFrameBytes) {
        log(`client ${client.id} sent a ${size}-byte frame, over the ${limits.maxFrameBytes}-byte limit`);
        const message = `Frame too large: ${size} bytes, over the limit of ${limits.maxFrameBytes} bytes per frame`;
        failDownstream(isBinary ? '' : taskIdOf(data.toString()), new TaskFailure({ code: 'InvalidParameter', message }));
        return;
      }
      if (isBinary) {
        failDownstream('', new TaskFailure(SERVER_ERRORS.invalidPayload));
        return;
      }
      const text = data.toString();
      try {
        const frame = check(text);
        if (!frame.relay) return;
        forward(text);
        if (frame.action === 'run-task') {
          armStartTimer(frame.taskId);
          lastUpstreamAt = Date.now();
          if (idleTimer === undefined) armIdleTimer();
        }
      } catch (error) {
        const failure = error as TaskFailure & { taskId?: string };
        failDownstream(failure.taskId ?? '', failure instanceof TaskFailure ? failure : new TaskFailure(SERVER_ERRORS.invalidPayload));
      }
    });
    downstream.on('close', () => closeBoth());
    downstream.on('error', () => closeBoth());
    relays.add(closeBoth);

    const drain = (): void => {
      if (closed) return;
      if (downstream.bufferedAmount < limits.maxBufferedBytes / 2) {
        paused = false;
        upstream?.resume();
        return;
      }
      setTimeout(drain, 10).unref();
    };
    function connectUpstream(): WebSocket {
      const socket = new WebSocket(target.webSocket, {
        headers: { Authorization: `Bearer ${apiKey}`, 'user-agent': 'cosyvoice-react-proxy' },
        handshakeTimeout: options.connectTimeoutMs ?? 10_000,
        maxPayload: 64 * 1024 * 1024,
      });
      upstream = socket;
      upstreams.add(socket);
      socket.on('open', () => {
        if (closed) return;
        for (const text of pending.splice(0)) socket.send(text);
        pendingBytes = 0;
      });
      socket.on('message', (data, isBinary) => {
        if (closed || downstream.readyState !== WebSocket.OPEN) return;
        lastUpstreamAt = Date.now();
        if (isBinary) downstream.send(data, { binary: true });
        else {
          const text = data.toString();
          try {
            const header = (JSON.parse(text) as { header?: { event?: string; task_id?: string } }).header;
            if (header?.event === 'task-started' && header.task_id) clearStartTimer(header.task_id);
            if ((header?.event === 'task-finished' || header?.event === 'task-failed') && header.task_id) {
              finished.add(header.task_id);
              release(header.task_id);
            }
          } catch {
            // relayed as is; the client reports it
          }
          // An upstream that echoes the key (in an error message, say) must not hand it to the browser.
          downstream.send(text.includes(options.apiKey) ? text.split(options.apiKey).join('[redacted]') : text);
        }
        if (!paused && downstream.bufferedAmount > limits.maxBufferedBytes) {
          paused = true;
          socket.pause();
          setTimeout(drain, 10).unref();
        }
      });
      socket.on('unexpected-response', (_request, response) => {
        response.resume();
        failUpstream(new TaskFailure({ code: 'ServiceUnavailable', message: `The upstream refused the connection (HTTP ${response.statusCode})` }));
        socket.terminate();
      });
      socket.on('error', (error) => {
        failUpstream(new TaskFailure({ code: 'ServiceUnavailable', message: `The upstream could not be reached (${(error as NodeJS.ErrnoException).code ?? 'error'})` }));
      });
      socket.on('close', (code) => {
        upstreams.delete(socket);
        if (closed) return;
        if (tasks.size > 0) failUpstream(new TaskFailure({ code: 'InternalError', message: `The upstream connection closed before the task ended (code ${code})` }));
        // A client that connected but has not started a task yet gets a moment to, so its run-task is
        // answered with the reason (task-failed) rather than a bare close.
        else if (upstreamFailure) setTimeout(() => closeBoth(1000, 'upstream failed'), 2000).unref();
        else closeBoth(1000, 'upstream closed');
      });
      return socket;
    }
  };

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => relay(socket, request));

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (requestPath(request.url) !== INFERENCE_PATH) {
      if (ownServer) rejectUpgrade(socket, 404, 'NotFound', `No WebSocket endpoint at ${requestPath(request.url)}`);
      return;
    }
    socket.on('error', () => socket.destroy());
    if (!originAllowed(request)) {
      log(`refused origin ${request.headers.origin}`);
      rejectUpgrade(socket, 403, 'Forbidden', 'Origin not allowed');
      return;
    }
    authorize(request, { kind: 'websocket' }).then(
      (allowed) => {
        if (!allowed) return rejectUpgrade(socket, 401, 'Unauthorized', 'Not authorized');
        // A lookup, not clientOf: a refused or failed upgrade must not leave an entry behind.
        const id = clientIdOf(request);
        if ((clients.get(id)?.connections ?? 0) >= limits.maxConnections) {
          log(`client ${id} over its connection limit`);
          return rejectUpgrade(socket, 429, 'Throttling.RateQuota', 'Too many connections from this client');
        }
        wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
      },
      () => rejectUpgrade(socket, 500, 'InternalError', 'authorize failed'),
    );
  };
  server.on('upgrade', onUpgrade);

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
      tokenHandler(request, response);
      return true;
    }
    const body = await readJsonBodyOrAnswer(request, response, headers);
    if (body === ANSWERED) return true;
    const action = isRecord(body) && isRecord(body.input) && typeof body.input.action === 'string' ? body.input.action : '';
    if (!(await authorize(request, { kind: 'voices', action }))) {
      sendJson(response, READ_ACTIONS.has(action) ? 401 : 403, errorBody('Forbidden', `Not allowed: ${action || 'unknown action'}`), headers);
      return true;
    }
    try {
      const upstreamResponse = await fetch(`${target.http}/services/audio/tts/customization`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      const text = await upstreamResponse.text();
      response.writeHead(upstreamResponse.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(text.split(apiKey).join('[redacted]'));
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
  if (ownServer) server.on('request', handler);
  const host = options.host ?? '127.0.0.1';

  return {
    handler,
    middleware,
    get url() {
      const address = server.address() as AddressInfo | null;
      if (!address || typeof address === 'string') throw new Error('The proxy is not listening yet; await listen() first');
      return `ws://${urlHost(ownServer ? host : address.address)}:${address.port}${INFERENCE_PATH}`;
    },
    get clientCount() {
      return clients.size;
    },
    async listen() {
      if (ownServer && !server.listening) {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(options.port ?? 8765, host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      }
      return server.listening ? this.url : '';
    },
    async close() {
      server.off('upgrade', onUpgrade);
      for (const closeRelay of [...relays]) closeRelay();
      for (const socket of wss.clients) socket.terminate();
      for (const socket of upstreams) socket.terminate();
      upstreams.clear();
      wss.close();
      if (ownServer && server.listening) {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
