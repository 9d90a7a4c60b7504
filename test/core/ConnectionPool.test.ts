import { once } from 'node:events';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, ConnectionPool, SpeechSynthesizer, directTransport, proxyTransport, type SynthesisError } from 'cosyvoice-react/core';
import { createLocalVoiceServer } from 'cosyvoice-react/server';
import { event, happyPath, startScriptedServer, type ScriptedConnection, type ScriptedServerOptions } from '../utils/scriptedDashScopeServer';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function scripted(onMessage?: ScriptedServerOptions['onMessage']) {
  const server = await startScriptedServer({ onMessage });
  cleanup.push(() => server.close());
  return server;
}

function pooled(url: string, options: ConstructorParameters<typeof ConnectionPool>[1] = {}) {
  const pool = new ConnectionPool(proxyTransport({ url, WebSocket: WebSocket as never }), options);
  cleanup.push(() => pool.close());
  return pool;
}

function synthesizer(pool: ConnectionPool) {
  return new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: AudioFormat.PCM_24000HZ_MONO_16BIT,
    transport: pool,
    onWarning: () => undefined,
  });
}

const openSockets = (connections: ScriptedConnection[]) => connections.filter((c) => c.socket.readyState === c.socket.OPEN).length;

describe('ConnectionPool: one socket carries task after task', () => {
  it('runs five sequential calls on one connection, each with its own task id, the later ones marked reused', async () => {
    const server = await scripted();
    const pool = pooled(server.url);
    const synth = synthesizer(pool);
    const reused: Array<boolean | undefined> = [];
    for (let i = 0; i < 5; i++) {
      const audio = await synth.call(`Sentence number ${i}`);
      expect(audio!.byteLength).toBe(2 * 2400 * 2);
      reused.push(synth.isConnectionReused());
    }
    expect(server.connections).toHaveLength(1);
    const runTasks = server.connections[0]!.messages.filter((m) => m.header.action === 'run-task').map((m) => m.header.task_id);
    expect(new Set(runTasks).size).toBe(5);
    expect(reused).toEqual([false, true, true, true, true]);
    expect(pool.getStats()).toMatchObject({ opened: 1, open: 1, idle: 1, reusedTasks: 4 });
  });

  it('sends the next run-task on the socket only after the previous task-finished', async () => {
    const server = await scripted();
    const synth = synthesizer(pooled(server.url));
    await synth.call('One');
    await synth.call('Two');
    const actions = server.connections[0]!.messages.map((m) => m.header.action);
    expect(actions).toEqual(['run-task', 'continue-task', 'finish-task', 'run-task', 'continue-task', 'finish-task']);
  });

  it('serves several synthesizers from one pool, and concurrent tasks get sockets of their own', async () => {
    const server = await scripted();
    const pool = pooled(server.url);
    await Promise.all([synthesizer(pool).call('A one'), synthesizer(pool).call('B two')]);
    expect(server.connections).toHaveLength(2);
    await Promise.all([synthesizer(pool).call('C three'), synthesizer(pool).call('D four')]);
    expect(server.connections).toHaveLength(2);
  });

  it('closes an idle socket after idleTimeoutMs', async () => {
    const server = await scripted();
    const pool = pooled(server.url, { idleTimeoutMs: 80 });
    await synthesizer(pool).call('Hello');
    expect(openSockets(server.connections)).toBe(1);
    await waitFor(() => openSockets(server.connections) === 0);
    expect(pool.getStats().open).toBe(0);
  });

  it('replaces a socket the server closed while idle: the next task succeeds on a new one', async () => {
    const server = await scripted();
    const pool = pooled(server.url);
    const synth = synthesizer(pool);
    await synth.call('First');
    server.connections[0]!.socket.close(1001, 'going away');
    await waitFor(() => pool.getStats().open === 0);
    await expect(synth.call('Second')).resolves.toBeInstanceOf(Uint8Array);
    expect(server.connections).toHaveLength(2);
    expect(synth.isConnectionReused()).toBe(false);
  });

  it('moves a run-task that raced the server closing a reused socket to a new socket, once, and the task succeeds', async () => {
    const happy = happyPath();
    let dropped = 0;
    const server = await scripted((connection, message) => {
      // The first socket's second task: the server goes away as the run-task arrives, answering nothing.
      if (message.header.action === 'run-task' && connection === server.connections[0] && connection.messages.length > 3) {
        dropped++;
        connection.socket.terminate();
        return;
      }
      happy(connection, message);
    });
    const synth = synthesizer(pooled(server.url));
    await synth.call('First');
    const second = await synth.call('Second');
    expect(second!.byteLength).toBe(2 * 2400 * 2);
    expect(dropped).toBe(1);
    expect(server.connections).toHaveLength(2);
    // The replay carried the same task: run-task, continue-task, finish-task with one id.
    const replayed = server.connections[1]!.messages;
    expect(replayed.map((m) => m.header.action)).toEqual(['run-task', 'continue-task', 'finish-task']);
    expect(new Set(replayed.map((m) => m.header.task_id)).size).toBe(1);
  });

  it('does not replay a task whose socket closed after it was answered: the task fails as a closed connection', async () => {
    const happy = happyPath();
    const server = await scripted((connection, message) => {
      if (message.header.action === 'continue-task' && server.connections.length === 1 && connection.messages.length > 3) {
        connection.socket.terminate();
        return;
      }
      happy(connection, message);
    });
    const synth = synthesizer(pooled(server.url));
    await synth.call('First');
    const error = await synth.call('Second').catch((e: SynthesisError) => e);
    expect((error as SynthesisError).code).toBe('ConnectionClosed');
    expect(server.connections).toHaveLength(1);
  });

  it('replaces the socket after a task-failed, and the next task runs on a new one', async () => {
    const happy = happyPath();
    const server = await scripted((connection, message) => {
      if (message.header.action === 'run-task' && server.connections.length === 1) {
        connection.sendEvent({ header: { task_id: message.header.task_id, event: 'task-failed', error_code: 'InvalidParameter', error_message: 'bad voice', attributes: {} }, payload: {} });
        return;
      }
      happy(connection, message);
    });
    const pool = pooled(server.url);
    const synth = synthesizer(pool);
    await expect(synth.call('First')).rejects.toMatchObject({ code: 'TaskFailed' });
    await waitFor(() => server.connections[0]!.socket.readyState === WebSocket.CLOSED);
    await expect(synth.call('Second')).resolves.toBeInstanceOf(Uint8Array);
    expect(server.connections).toHaveLength(2);
  });

  it('reuses the socket after a cancel once the service confirmed it, dropping the cancelled task’s late audio', async () => {
    const server = await scripted();
    const pool = pooled(server.url);
    const synth = synthesizer(pool);
    const chunks: Uint8Array[] = [];
    synth.streamingCall('Streaming text');
    await waitFor(() => synth.state === 'streaming');
    synth.streamingCancel();
    await waitFor(() => pool.getStats().idle === 1);
    const other = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash',
      voice: 'longanyang',
      format: AudioFormat.PCM_24000HZ_MONO_16BIT,
      transport: pool,
      callback: { onData: (bytes) => chunks.push(bytes) },
    });
    await other.call('After the cancel');
    expect(server.connections).toHaveLength(1);
    expect(chunks).toHaveLength(2);
    const cancel = server.connections[0]!.messages.find((m) => (m.payload.input as { directive?: string })?.directive === 'cancel');
    expect(cancel).toBeDefined();
  });

  it('close() closes every socket, idle and busy; the busy task fails and the pool stays usable', async () => {
    const server = await scripted((connection, message) => {
      if (message.header.action === 'run-task') connection.sendEvent(event(String(message.header.task_id), 'task-started'));
    });
    const pool = pooled(server.url);
    const idle = synthesizer(pool);
    await pool.preconnect();
    const busy = synthesizer(pool);
    busy.streamingCall('Never answered');
    await pool.preconnect();
    await waitFor(() => pool.getStats().open === 2);
    const failed = busy.streamingComplete().catch((e: SynthesisError) => e);
    pool.close();
    expect(((await failed) as SynthesisError).code).toBe('ConnectionClosed');
    await waitFor(() => openSockets(server.connections) === 0);
    expect(pool.getStats()).toMatchObject({ open: 0, idle: 0 });
    void idle;
  });
});

describe('ConnectionPool.setTransport', () => {
  it('keeps the warm socket for a transport of the same endpoint, and closes idle ones for another endpoint', async () => {
    const a = await scripted();
    const b = await scripted();
    const pool = pooled(a.url);
    const synth = synthesizer(pool);
    await synth.call('One');
    pool.setTransport(proxyTransport({ url: a.url, WebSocket: WebSocket as never }));
    await synth.call('Two');
    expect(a.connections).toHaveLength(1);
    pool.setTransport(proxyTransport({ url: b.url, WebSocket: WebSocket as never }));
    await waitFor(() => openSockets(a.connections) === 0);
    await synth.call('Three');
    expect(b.connections).toHaveLength(1);
    expect(pool.description).toBe(`pooled proxy ${b.url}`);
  });
});

describe('ConnectionPool.preconnect', () => {
  it('opens the socket ahead of the task, which then starts on it without connecting', async () => {
    const server = await scripted();
    const pool = pooled(server.url);
    expect(await pool.preconnect()).toBe(true);
    expect(server.connections).toHaveLength(1);
    expect(await pool.preconnect()).toBe(true); // already warm: no second socket
    const synth = synthesizer(pool);
    await synth.call('Warm start');
    expect(server.connections).toHaveLength(1);
    expect(synth.isConnectionReused()).toBe(true);
    expect(synth.getConnectMs()).toBeLessThan(50);
  });

  it('a preconnected socket that is not used closes like any idle one', async () => {
    const server = await scripted();
    const pool = pooled(server.url, { idleTimeoutMs: 60 });
    await pool.preconnect();
    await waitFor(() => openSockets(server.connections) === 0);
    expect(pool.getStats().open).toBe(0);
  });

  it('resolves to false, without throwing, when the endpoint refuses', async () => {
    const server = await startScriptedServer({ verify: () => 401 });
    cleanup.push(() => server.close());
    const pool = pooled(server.url);
    expect(await pool.preconnect()).toBe(false);
    expect(pool.getStats().open).toBe(0);
  });

  it('fetches the token once; a token that expires while the socket is warm does not fail the task', async () => {
    const server = await scripted();
    let fetched = 0;
    const pool = new ConnectionPool(
      directTransport({
        url: server.url,
        WebSocket: WebSocket as never,
        getToken: () => {
          fetched++;
          return { token: `st-${fetched}`, expiresAt: Date.now() + 100 };
        },
      }),
    );
    cleanup.push(() => pool.close());
    await pool.preconnect();
    await new Promise((r) => setTimeout(r, 150)); // the token has expired now
    const synth = synthesizer(pool);
    await expect(synth.call('After expiry')).resolves.toBeInstanceOf(Uint8Array);
    await synth.call('And again');
    expect(fetched).toBe(1);
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]!.request.url).toContain('api_key=st-1');
  });
});

describe('ConnectionPool with the local voice server', () => {
  it('N sequential calls make one upgrade, and close() leaves no socket on the server', async () => {
    const http = createServer();
    let upgrades = 0;
    let serverSockets = 0;
    http.on('upgrade', () => upgrades++);
    http.on('connection', (socket) => {
      serverSockets++;
      socket.on('close', () => serverSockets--);
    });
    const local = createLocalVoiceServer({ engine: 'tone', server: http });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    cleanup.push(async () => {
      await local.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    });
    const pool = pooled(local.url);
    const synth = synthesizer(pool);
    for (let i = 0; i < 4; i++) await synth.call(`Hello number ${i}.`);
    expect(upgrades).toBe(1);
    pool.close();
    await waitFor(() => pool.getStats().open === 0);
    await waitFor(() => serverSockets === 0);
  });
});
