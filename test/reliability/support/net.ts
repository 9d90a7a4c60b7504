// Loopback helpers for the reliability suites: a recording upstream in front of a real local voice
// server, a raw client that keeps every frame byte for byte, and an upgrade probe that keeps the body.
import { once } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { createLocalVoiceServer, type LocalVoiceServer } from 'cosyvoice-react/server';

export interface RecordedConnection {
  headers: IncomingHttpHeaders;
  /** Text frames the proxy sent upstream on this connection. */
  messages: string[];
  socket: WebSocket;
}

/**
 * A recording upstream: a real local voice server (tone engine, accepting only `apiKey`) behind a
 * front server on 127.0.0.1 that records every WebSocket upgrade (headers), every text frame and
 * every HTTP request before relaying them unchanged. `mode: 'echo-key'` makes it a hostile upstream
 * that echoes the credential it was given back in its answers (WebSocket task-failed and HTTP bodies).
 * Tasks whose id starts with `taskId('sink-…')` are recorded and answered by the front itself
 * (`task-started`, then silence), for tests that need the upstream to accept a lot of text without
 * synthesizing it.
 */
export async function startRecordingUpstream(options: { apiKey: string; mode?: 'relay' | 'echo-key' }) {
  const mode = options.mode ?? 'relay';
  let voice: LocalVoiceServer | undefined;
  if (mode === 'relay') {
    voice = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0, apiKeys: [options.apiKey] });
    await voice.listen();
  }
  const connections: RecordedConnection[] = [];
  const httpRequests: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
  const front = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    httpRequests.push({ url: request.url ?? '', headers: request.headers, body });
    if (mode === 'echo-key') {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'InvalidApiKey', message: `Invalid API-key provided: ${request.headers.authorization}` }));
      return;
    }
    const upstream = await fetch(`${voice!.httpUrl}${(request.url ?? '').replace(/^\/api\/v1/, '')}`, {
      method: request.method,
      headers: { authorization: request.headers.authorization ?? '', 'content-type': 'application/json' },
      body: request.method === 'POST' ? body : undefined,
    });
    response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
  });
  const wss = new WebSocketServer({ server: front });
  wss.on('connection', (socket, request) => {
    const record: RecordedConnection = { headers: request.headers, messages: [], socket };
    connections.push(record);
    if (mode === 'echo-key') {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString());
        if (message.header.action === 'run-task') {
          socket.send(JSON.stringify({ header: { task_id: message.header.task_id, event: 'task-failed', error_code: 'InvalidApiKey', error_message: `Invalid API-key provided: ${request.headers.authorization}`, attributes: {} }, payload: {} }));
        }
      });
      return;
    }
    const pending: string[] = [];
    const inner = new WebSocket(voice!.url, { headers: { authorization: request.headers.authorization ?? '' } });
    inner.on('open', () => {
      for (const text of pending.splice(0)) inner.send(text);
    });
    inner.on('message', (data, isBinary) => socket.readyState === socket.OPEN && socket.send(data, { binary: isBinary }));
    inner.on('close', () => socket.readyState === socket.OPEN && socket.close());
    inner.on('error', () => socket.terminate());
    inner.on('unexpected-response', (_req, res) => {
      res.resume();
      socket.terminate();
    });
    socket.on('message', (data) => {
      const text = data.toString();
      record.messages.push(text);
      // `sink-` tasks are recorded and answered here (task-started only), never synthesized.
      if (text.includes(`"task_id":"${hexOf('sink-')}`)) {
        const message = JSON.parse(text);
        if (message.header.action === 'run-task') socket.send(JSON.stringify({ header: { task_id: message.header.task_id, event: 'task-started', attributes: {} }, payload: {} }));
        return;
      }
      if (inner.readyState === inner.OPEN) inner.send(text);
      else pending.push(text);
    });
    socket.on('close', () => (inner.readyState === inner.CONNECTING ? inner.terminate() : inner.close()));
    socket.on('error', () => inner.terminate());
  });
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  const port = (front.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections,
    httpRequests,
    /** Every text frame the upstream received, from every connection. */
    messages(): string[] {
      return connections.flatMap((c) => c.messages);
    },
    /** Upstream connections still open. */
    openConnections(): number {
      return connections.filter((c) => c.socket.readyState === WebSocket.OPEN).length;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await voice?.close();
    },
  };
}

/** A raw WebSocket client that keeps every frame exactly as received (text or bytes). */
export class FrameClient {
  readonly text: string[] = [];
  readonly binary: Buffer[] = [];
  closed: { code: number; reason: string } | undefined;
  #waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.binary.push(Buffer.from(data as Buffer));
      else this.text.push(data.toString());
      this.#wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<FrameClient> {
    const socket = new WebSocket(url, { headers });
    const client = new FrameClient(socket);
    await once(socket, 'open');
    return client;
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The parsed JSON text frames (frames that are not JSON are skipped). */
  events(): Array<Record<string, any>> {
    return this.text.flatMap((t) => {
      try {
        return [JSON.parse(t)];
      } catch {
        return [];
      }
    });
  }

  async until(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.text.slice(-5))}; closed ${JSON.stringify(this.closed)}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 50));
        this.#waiters.add(done);
      });
    }
  }

  async waitFor(event: string, taskId?: string, ms?: number): Promise<Record<string, any>> {
    const find = () => this.events().find((e) => e?.header?.event === event && (taskId === undefined || e.header.task_id === taskId));
    await this.until(() => find() !== undefined, ms, `${event}${taskId ? ` for ${taskId}` : ''}`);
    return find()!;
  }

  async waitClosed(ms = 5000): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== undefined, ms, 'close');
    return this.closed!;
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Tries an upgrade that should be refused: the HTTP status and the response body (rejects if it opens). */
export function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('error', () => undefined);
    socket.on('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
        socket.terminate();
      });
    });
    socket.on('open', () => {
      socket.terminate();
      reject(new Error(`upgrade to ${url} unexpectedly succeeded`));
    });
  });
}

/** `label`'s UTF-8 bytes in hex: a prefix of {@link taskId}`(label + more)`, for finding a task's frames upstream. */
export function hexOf(label: string): string {
  return Buffer.from(label, 'utf8').toString('hex');
}

/**
 * A task id of the protocol's shape (32 hex digits) that still reads as `label`: the label in hex,
 * padded with zeros (labels of up to 16 bytes).
 */
export function taskId(label: string): string {
  const hex = hexOf(label);
  if (hex.length > 32) throw new Error(`task label ${label} is over 16 bytes`);
  return hex.padEnd(32, '0');
}

export const MODEL = 'cosyvoice-v3-flash';
export const VOICE = 'longanyang';

export function runTask(taskId: string, parameters: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    header: { action: 'run-task', task_id: taskId, streaming: 'duplex' },
    payload: {
      task_group: 'audio',
      task: 'tts',
      function: 'SpeechSynthesizer',
      model: MODEL,
      parameters: { text_type: 'PlainText', voice: VOICE, format: 'pcm', sample_rate: 16000, ...parameters },
      input: {},
    },
  };
}

export function continueTask(taskId: string, text: string): Record<string, unknown> {
  return { header: { action: 'continue-task', task_id: taskId, streaming: 'duplex' }, payload: { input: { text } } };
}

export function finishTask(taskId: string): Record<string, unknown> {
  return { header: { action: 'finish-task', task_id: taskId, streaming: 'duplex' }, payload: { input: {} } };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
