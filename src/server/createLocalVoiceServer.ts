import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { MemoryPeer, MemoryPeerListener } from '../core/memoryTransport';
import { findVoice } from '../core/voiceCatalog';
import { createEspeakEngine, isEspeakAvailable } from './createEspeakEngine';
import { createToneEngine } from './createToneEngine';
import { CustomVoiceStore, type LocalCustomVoice } from './CustomVoiceStore';
import { ANSWERED, DEFAULT_BODY_TIMEOUT_MS, HTTP_CUSTOMIZATION_PATH, HTTP_TOKENS_PATH, INFERENCE_PATH, errorBody, readJsonBodyOrAnswer, rejectUpgrade, requestPath, sendJson } from './httpJson';
import { quoteForLog } from './quoteForLog';
import { readCredential } from './readCredential';
import type { SynthesisEngine } from './SynthesisEngine';
import { SynthesisSession, type SessionOptions } from './SynthesisSession';
import { ServerHost } from './ServerHost';
import { TokenStore } from './TokenStore';

/** Options of {@link createLocalVoiceServer}. */
export interface LocalVoiceServerOptions {
  /**
   * `'espeak'` (real robotic speech, needs the optional peer `@echogarden/espeak-ng-emscripten`; throws
   * when missing), `'tone'` (built-in, deterministic), `'auto'` (espeak when installed, else tone), or
   * your own {@link SynthesisEngine}. @default 'auto'
   */
  engine?: 'espeak' | 'tone' | 'auto' | SynthesisEngine;
  /** Port for `listen()`; `0` picks a free one. @default 8765 */
  port?: number;
  /** Host for `listen()`. @default '127.0.0.1' */
  host?: string;
  /** Attach to this existing server instead of creating one (its WebSocket upgrades on the inference path are handled; mount `handler` for the HTTP paths). */
  server?: Server;
  /** Accepted API keys. Without it, any key (or none) is accepted; with it, anything else gets HTTP 401 at the upgrade. */
  apiKeys?: readonly string[];
  /** The service's idle rule: a task with no client input (and no audio pending) this long fails. @default 23000 */
  idleTimeoutMs?: number;
  /** Word `begin_time` relative to the `'sentence'` (as the service is observed to send) or the `'task'`. @default 'sentence' */
  wordTimeBase?: 'sentence' | 'task';
  /** Custom (cloned/designed) voices accepted in `run-task` and listed by `list_voice`. */
  customVoices?: ReadonlyArray<LocalCustomVoice | string>;
  /** Largest client frame accepted, in bytes. @default 1 MiB */
  maxFrameBytes?: number;
  /** How long a client may take to send an HTTP request body (tokens, voices). Past it: HTTP 408. @default 10000 */
  bodyTimeoutMs?: number;
}

/** A running local voice server. */
export interface LocalVoiceServer {
  /** Starts listening (standalone) and resolves to the WebSocket URL. With `server`, resolves at once. */
  listen(): Promise<string>;
  /** `ws://host:port/api-ws/v1/inference` (after `listen()`); IPv6 hosts bracketed, `0.0.0.0` / `::` given as loopback. */
  readonly url: string;
  /** `http://host:port/api/v1`, the base for tokens and voice listing (after `listen()`). */
  readonly httpUrl: string;
  /** The engine in use. */
  readonly engine: SynthesisEngine;
  /** Closes every socket, the server (if it created it) and the engine. */
  close(): Promise<void>;
  /** An in-process connection with no network: pass it to `memoryTransport(server.handleMemoryConnection)`. */
  handleMemoryConnection(peer: MemoryPeer, request: { url: string }): MemoryPeerListener;
  /** Node `(req, res)` handler for the HTTP paths; answers 404 for others. */
  handler(request: IncomingMessage, response: ServerResponse): void;
  /** Connect-style middleware (Express, Vite): handles the HTTP paths, calls `next()` for the rest. */
  middleware(request: IncomingMessage, response: ServerResponse, next: () => void): void;
  /** The custom voices (add some at run time). */
  readonly customVoices: CustomVoiceStore;
}

function resolveEngine(option: LocalVoiceServerOptions['engine']): SynthesisEngine {
  if (option === undefined || option === 'auto') return isEspeakAvailable() ? createEspeakEngine() : createToneEngine();
  if (option === 'tone') return createToneEngine();
  if (option === 'espeak') return createEspeakEngine();
  if (typeof option === 'object' && option !== null && typeof option.synthesize === 'function') return option;
  throw new TypeError(`engine must be 'espeak', 'tone', 'auto' or an engine object; received ${JSON.stringify(option)}`);
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, x-dashscope-workspace',
  'access-control-allow-methods': 'POST, OPTIONS',
};

/**
 * A DashScope-compatible CosyVoice server that speaks offline: the exact WebSocket protocol at
 * `/api-ws/v1/inference` (with or without trailing slash), every format and sample rate, word
 * timestamps, the service's limits and error messages, plus `POST /api/v1/tokens` and the
 * customization (`list_voice` / `query_voice`) endpoint. The official SDKs can point their
 * WebSocket base URL at it unchanged. For development, demos, Storybook and tests.
 *
 * @example
 * const server = createLocalVoiceServer({ engine: 'auto', port: 8765 });
 * console.log(await server.listen()); // ws://127.0.0.1:8765/api-ws/v1/inference
 * // browser: proxyTransport({ url: 'ws://127.0.0.1:8765/api-ws/v1/inference' })
 * // in-process: memoryTransport(server.handleMemoryConnection)
 */
export function createLocalVoiceServer(options: LocalVoiceServerOptions = {}): LocalVoiceServer {
  const engine = resolveEngine(options.engine);
  (engine as { warmUp?: () => Promise<void> }).warmUp?.().catch(() => undefined);
  const apiKeys = options.apiKeys ? new Set(options.apiKeys) : undefined;
  const tokens = new TokenStore();
  const customVoices = new CustomVoiceStore(options.customVoices);
  const sessionOptions: SessionOptions = {
    engine: async () => engine,
    voiceAllowed: (voice, model) => findVoice(voice, model) !== undefined || customVoices.isUsable(voice, model),
    ssmlSupported: (voice, model) => findVoice(voice, model)?.supportsSsml ?? (model !== 'cosyvoice-v1'),
    idleTimeoutMs: options.idleTimeoutMs ?? 23_000,
    wordTimeBase: options.wordTimeBase ?? 'sentence',
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes ?? 1024 * 1024 });
  const memoryPeers = new Set<MemoryPeer>();

  const authorized = (request: IncomingMessage): boolean => {
    const credential = readCredential(request);
    if (credential && tokens.check(credential) === 'expired') return false;
    if (!apiKeys) return true;
    if (!credential) return false;
    return apiKeys.has(credential) || tokens.check(credential) === 'valid';
  };

  wss.on('connection', (socket: WebSocket) => {
    const session = new SynthesisSession(
      {
        send: (data) => socket.readyState === socket.OPEN && socket.send(data, { binary: typeof data !== 'string' }),
        close: (code, reason) => socket.close(code, reason),
        get bufferedAmount() {
          return socket.bufferedAmount;
        },
      },
      sessionOptions,
    );
    socket.on('message', (data, isBinary) => {
      if (isBinary) session.handleBinary();
      else session.handleText(data.toString());
    });
    socket.on('close', () => session.handleClose());
    socket.on('error', () => session.handleClose());
  });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!authorized(request)) {
      rejectUpgrade(socket, 401, 'InvalidApiKey', 'Invalid API-key provided.');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = requestPath(request.url);
    if (path !== HTTP_TOKENS_PATH && path !== HTTP_CUSTOMIZATION_PATH) return false;
    if (request.method === 'OPTIONS') {
      response.writeHead(204, CORS).end();
      return true;
    }
    if (request.method !== 'POST') {
      sendJson(response, 405, errorBody('MethodNotAllowed', `${request.method} is not allowed; use POST`), CORS);
      return true;
    }
    if (!authorized(request) || (apiKeys && !readCredential(request))) {
      sendJson(response, 401, errorBody('InvalidApiKey', 'Invalid API-key provided.'), CORS);
      return true;
    }
    const body = await readJsonBodyOrAnswer(request, response, CORS, { timeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS });
    if (body === ANSWERED) return true;
    if (path === HTTP_TOKENS_PATH) {
      const raw = new URL(request.url ?? '/', 'http://localhost').searchParams.get('expire_in_seconds');
      const seconds = raw === null ? 60 : Number(raw);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 1800) {
        sendJson(response, 400, errorBody('InvalidParameter', `expire_in_seconds must be an integer from 1 to 1800; received ${raw}`), CORS);
        return true;
      }
      sendJson(response, 200, tokens.issue(seconds), CORS);
      return true;
    }
    const [status, answer] = customVoices.handle(body, randomUUID());
    sendJson(response, status, answer, CORS);
    return true;
  };

  const fail = (response: ServerResponse, error: unknown): void => {
    sendJson(response, 500, errorBody('InternalError', (error as Error)?.message ?? 'internal error'), CORS);
  };
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).then(
      (handled) => {
        if (!handled) sendJson(response, 404, errorBody('NotFound', `No endpoint at ${quoteForLog(requestPath(request.url))}`));
      },
      (error) => fail(response, error),
    );
  };
  const middleware = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    handle(request, response).then((handled) => handled || next(), (error) => fail(response, error));
  };
  const host = new ServerHost({ server: options.server, port: options.port ?? 8765, host: options.host ?? '127.0.0.1', name: 'The local voice server', onUpgrade, onRequest: handler });

  return {
    engine,
    customVoices,
    handler,
    middleware,
    get url() {
      return host.url('ws', INFERENCE_PATH);
    },
    get httpUrl() {
      return host.url('http', '/api/v1');
    },
    async listen() {
      return (await host.listen()) ? this.url : '';
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const peer of memoryPeers) peer.close(1001, 'server closing');
      memoryPeers.clear();
      wss.close();
      await host.close();
      await engine.close?.();
    },
    handleMemoryConnection(peer: MemoryPeer): MemoryPeerListener {
      memoryPeers.add(peer);
      const session = new SynthesisSession({ send: (data) => peer.send(data), close: (code, reason) => peer.close(code, reason) }, sessionOptions);
      return {
        onMessage: (text) => session.handleText(text),
        onClose: () => {
          memoryPeers.delete(peer);
          session.handleClose();
        },
      };
    },
  };
}
