import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { MAX_CHARACTERS_PER_MESSAGE, MAX_CHARACTERS_PER_TASK, countCharacters } from '../core/countCharacters';
import { createTokenHandler } from './createTokenHandler';
import { HTTP_CUSTOMIZATION_PATH, HTTP_TOKENS_PATH, INFERENCE_PATH, errorBody, readJsonBody, requestPath, sendJson } from './httpJson';
import { readTaskParameters } from './readTaskParameters';
import { SERVER_ERRORS, TaskFailure, missingParameter, taskFailedFrame } from './serverErrors';
import { upstreamUrls } from './upstreamUrls';

/** What `authorize` is asked about. */
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
  /** Largest frame a client may send, in bytes. @default 256 KiB */
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
  /** Browser origins allowed to connect (`Origin` header). Requests without `Origin` (servers, CLIs) pass. @default any */
  allowedOrigins?: readonly string[];
  /**
   * Your policy hook (session, user, plan). `false` refuses with HTTP 401 (403 for enrollment writes).
   * Without it, synthesis, tokens, `list_voice` and `query_voice` are allowed and enrollment writes are refused.
   */
  authorize?(request: IncomingMessage, context: ProxyAuthorizeContext): boolean | Promise<boolean>;
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
  /** Receives one line per notable event (never containing the key). @default no logging */
  log?(message: string): void;
}

/** A running synthesis proxy. */
export interface SynthesisProxy {
  /** Starts listening (standalone) and resolves to the WebSocket URL. */
  listen(): Promise<string>;
  readonly url: string;
  /** Node `(req, res)` handler for the HTTP paths (404 for others). */
  handler(request: IncomingMessage, response: ServerResponse): void;
  /** Connect-style middleware: HTTP paths handled, `next()` for the rest. */
  middleware(request: IncomingMessage, response: ServerResponse, next: () => void): void;
  /** Closes every socket on both sides (and the server, if it created it). */
  close(): Promise<void>;
}

const READ_ACTIONS = new Set(['list_voice', 'query_voice']);

interface ClientState {
  active: number;
  recent: number[];
  connections: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
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
    maxConcurrentTasks: options.limits?.maxConcurrentTasks ?? 4,
    maxConnections: options.limits?.maxConnections ?? 8,
    maxTasksPerMinute: options.limits?.maxTasksPerMinute ?? 60,
    maxFrameBytes: options.limits?.maxFrameBytes ?? 256 * 1024,
    maxBufferedBytes: options.limits?.maxBufferedBytes ?? 8 * 1024 * 1024,
  };
  const log = (message: string): void => {
    // Belt and braces: nothing we log should contain the key, but never let it through.
    options.log?.(message.split(apiKey).join('[redacted]'));
  };
  const clients = new Map<string, ClientState>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes });
  const ownServer = !options.server;
  const server = options.server ?? http.createServer();
  const upstreams = new Set<WebSocket>();
  const tokenHandler = createTokenHandler({ apiKey, upstream: options.upstream, expiresInSeconds: 1800 });

  const originAllowed = (request: IncomingMessage): boolean => {
    const origin = request.headers.origin;
    return !options.allowedOrigins || origin === undefined || options.allowedOrigins.includes(origin);
  };
  const authorize = async (request: IncomingMessage, context: ProxyAuthorizeContext): Promise<boolean> => {
    if (options.authorize) return Boolean(await options.authorize(request, context));
    return context.kind !== 'voices' || READ_ACTIONS.has(context.action ?? '');
  };
  const clientOf = (request: IncomingMessage): ClientState & { id: string } => {
    const id = options.clientId?.(request) ?? request.socket.remoteAddress ?? 'unknown';
    let state = clients.get(id);
    if (!state) clients.set(id, (state = { active: 0, recent: [], connections: 0 }));
    return Object.assign(state, { id });
  };

  const relay = (downstream: WebSocket, request: IncomingMessage): void => {
    const client = clientOf(request);
    client.connections++;
    const tasks = new Map<string, { characters: number; continues: number; ssml: boolean }>();
    const pending: string[] = [];
    let pendingBytes = 0;
    let closed = false;
    let upstreamFailure: TaskFailure | undefined;
    let paused = false;
    // Opened at the first task the client starts, not when it connects: an idle client holds nothing upstream.
    let upstream: WebSocket | undefined;

    const release = (taskId: string): void => {
      if (tasks.delete(taskId)) client.active = Math.max(0, client.active - 1);
    };
    const closeBoth = (code = 1000, reason = ''): void => {
      if (closed) return;
      closed = true;
      client.connections = Math.max(0, client.connections - 1);
      for (const taskId of [...tasks.keys()]) release(taskId);
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

    const check = (text: string): void => {
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
          client.recent = client.recent.filter((t) => now - t < 60_000);
          if (client.active >= limits.maxConcurrentTasks || client.recent.length >= limits.maxTasksPerMinute) {
            log(`client ${client.id} over its limits`);
            throw new TaskFailure(SERVER_ERRORS.rateLimited);
          }
          client.recent.push(now);
          client.active++;
          tasks.set(taskId, { characters: 0, continues: 0, ssml: params.enableSsml });
        } else if (header.action === 'continue-task') {
          const task = tasks.get(taskId);
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
          if (!tasks.has(taskId)) throw new TaskFailure(SERVER_ERRORS.taskNull);
          if (!isRecord(isRecord(payload) ? payload.input : undefined)) throw new TaskFailure(SERVER_ERRORS.taskNull);
        } else {
          throw new TaskFailure(typeof header.action === 'string' ? SERVER_ERRORS.invalidPayload : missingParameter('header.action'));
        }
      } catch (error) {
        throw Object.assign(error instanceof TaskFailure ? error : new TaskFailure(SERVER_ERRORS.invalidPayload), { taskId });
      }
    };

    downstream.on('message', (data, isBinary) => {
      if (closed) return;
      if (isBinary) {
        failDownstream('', new TaskFailure(SERVER_ERRORS.invalidPayload));
        return;
      }
      const text = data.toString();
      try {
        check(text);
        forward(text);
      } catch (error) {
        const failure = error as TaskFailure & { taskId?: string };
        failDownstream(failure.taskId ?? '', failure instanceof TaskFailure ? failure : new TaskFailure(SERVER_ERRORS.invalidPayload));
      }
    });
    downstream.on('close', () => closeBoth());
    downstream.on('error', () => closeBoth());

    const drain = (): void => {
      if (closed) return;
      if (downstream.bufferedAmount < limits.maxBufferedBytes / 2) {
        paused = false;
        upstream?.resume();
        return;
      }
      setTimeout(drain, 10);
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
        if (isBinary) downstream.send(data, { binary: true });
        else {
          const text = data.toString();
          try {
            const header = (JSON.parse(text) as { header?: { event?: string; task_id?: string } }).header;
            if ((header?.event === 'task-finished' || header?.event === 'task-failed') && header.task_id) release(header.task_id);
          } catch {
            // relayed as is; the client reports it
          }
          // An upstream that echoes the key (in an error message, say) must not hand it to the browser.
          downstream.send(text.includes(options.apiKey) ? text.split(options.apiKey).join('[redacted]') : text);
        }
        if (!paused && downstream.bufferedAmount > limits.maxBufferedBytes) {
          paused = true;
          socket.pause();
          setTimeout(drain, 10);
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
        if (clientOf(request).connections >= limits.maxConnections) {
          log(`client ${clientOf(request).id} over its connection limit`);
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
    if (!origin || (options.allowedOrigins && !options.allowedOrigins.includes(origin))) return {};
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
      if (!(await authorize(request, { kind: 'tokens' }))) {
        sendJson(response, 401, errorBody('Unauthorized', 'Not authorized'), headers);
        return true;
      }
      for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
      tokenHandler(request, response);
      return true;
    }
    let body: unknown;
    try {
      body = await readJsonBody(request);
    } catch {
      sendJson(response, 400, errorBody('InvalidParameter', 'Request body is not valid JSON'), headers);
      return true;
    }
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
      return `ws://${ownServer ? host : address.address}:${address.port}${INFERENCE_PATH}`;
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
