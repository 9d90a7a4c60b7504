import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/** One client connection to the scripted server, with everything it sent. */
export interface ScriptedConnection {
  socket: WebSocket;
  request: IncomingMessage;
  /** Parsed JSON messages the client sent, in order. */
  messages: Array<{ header: Record<string, unknown>; payload: Record<string, unknown> }>;
  /** Sends a JSON event. */
  sendEvent(event: unknown): void;
  /** Sends a binary frame. */
  sendAudio(bytes: Uint8Array): void;
}

/** What the test wants the server to do. */
export interface ScriptedServerOptions {
  /** Called for each parsed client message. Default: {@link happyPath}. */
  onMessage?(connection: ScriptedConnection, message: { header: Record<string, unknown>; payload: Record<string, unknown> }): void;
  /** Return an HTTP status to refuse the upgrade. */
  verify?(request: IncomingMessage): number | undefined;
}

/**
 * A real WebSocket peer on 127.0.0.1 (port 0) speaking the server side of the DashScope protocol as the
 * test scripts it. The full local voice server is tested separately; this one lets tests produce exact
 * frames, faults and orderings.
 */
export async function startScriptedServer(options: ScriptedServerOptions = {}) {
  const connections: ScriptedConnection[] = [];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: options.verify
      ? (info, done) => {
          const status = options.verify!(info.req);
          if (status) done(false, status);
          else done(true);
        }
      : undefined,
  });
  await once(wss, 'listening');
  const onMessage = options.onMessage ?? happyPath();
  wss.on('connection', (socket, request) => {
    const connection: ScriptedConnection = {
      socket,
      request,
      messages: [],
      sendEvent: (event) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(event)),
      sendAudio: (bytes) => socket.readyState === socket.OPEN && socket.send(bytes, { binary: true }),
    };
    connections.push(connection);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      connection.messages.push(message);
      onMessage(connection, message);
    });
  });
  const address = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${address.port}/api-ws/v1/inference`,
    connections,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Builds a server event frame. */
export function event(taskId: string, name: string, payload: Record<string, unknown> = {}, attributes: Record<string, unknown> = {}) {
  return { header: { task_id: taskId, event: name, attributes }, payload };
}

/** `n` bytes of 16-bit PCM (a ramp), distinct per call so ordering can be checked. */
export function pcmBytes(samples: number, seed = 1): Uint8Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = ((i * seed) % 2000) - 1000;
  return new Uint8Array(out.buffer);
}

/**
 * A well-behaved server: task-started on run-task; for each continue-task one sentence with
 * `chunks` PCM chunks (24 kHz, 100 ms each) and one word per space-separated token (100 ms each,
 * sentence-relative); task-finished on finish-task.
 */
export function happyPath(options: { chunks?: number; sampleRate?: number } = {}) {
  const chunks = options.chunks ?? 2;
  const sampleRate = options.sampleRate ?? 24000;
  const state = new WeakMap<ScriptedConnection, { index: number; characters: number }>();
  return (connection: ScriptedConnection, message: { header: Record<string, unknown>; payload: Record<string, unknown> }) => {
    const taskId = String(message.header.task_id);
    const action = message.header.action;
    if (action === 'run-task') {
      state.set(connection, { index: 0, characters: 0 });
      connection.sendEvent(event(taskId, 'task-started'));
      return;
    }
    const s = state.get(connection) ?? { index: 0, characters: 0 };
    const input = (message.payload.input ?? {}) as Record<string, unknown>;
    if (action === 'continue-task' && typeof input.text === 'string') {
      const text = input.text;
      const index = s.index++;
      s.characters += text.length;
      connection.sendEvent(event(taskId, 'result-generated', { output: { sentence: { index, words: [] }, type: 'sentence-begin', original_text: text } }));
      for (let c = 0; c < chunks; c++) {
        connection.sendEvent(event(taskId, 'result-generated', { output: { sentence: { index, words: [] }, type: 'sentence-synthesis' } }));
        connection.sendAudio(pcmBytes(sampleRate / 10, index * 10 + c + 1));
      }
      let cursor = 0;
      const words = text.split(' ').filter(Boolean).map((w, i) => {
        const begin = text.indexOf(w, cursor);
        cursor = begin + w.length;
        return { text: w, begin_index: begin, end_index: begin + w.length, begin_time: i * 100, end_time: i * 100 + 90 };
      });
      connection.sendEvent(event(taskId, 'result-generated', { output: { sentence: { index, words }, type: 'sentence-end', original_text: text }, usage: { characters: s.characters } }));
      return;
    }
    if (action === 'finish-task') {
      connection.sendEvent(event(taskId, 'task-finished', { output: null, usage: { characters: s.characters } }, { request_uuid: 'req-uuid-1' }));
    }
  };
}
