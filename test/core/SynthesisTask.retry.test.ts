import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, ConnectionPool, SpeechSynthesizer, proxyTransport, type SynthesisError, type Transport } from 'cosyvoice-react/core';
import { happyPath, pcmBytes, startScriptedServer, type ScriptedConnection } from '../utils/scriptedDashScopeServer';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

type Message = { header: Record<string, unknown>; payload: Record<string, unknown> };

function failed(taskId: unknown, code: string, message: string) {
  return { header: { task_id: taskId, event: 'task-failed', error_code: code, error_message: message, attributes: {} }, payload: {} };
}

/** A server whose first `failures` tasks fail as `fail` says; later ones follow the happy path. */
async function serverFailing(failures: number, fail: (connection: ScriptedConnection, message: Message) => void) {
  const happy = happyPath();
  let runTasks = 0;
  const failing = new Set<unknown>();
  const server = await startScriptedServer({
    onMessage(connection, message) {
      if (message.header.action === 'run-task' && ++runTasks <= failures) failing.add(message.header.task_id);
      if (failing.has(message.header.task_id)) fail(connection, message);
      else happy(connection, message);
    },
  });
  cleanup.push(() => server.close());
  return server;
}

function synthesizer(transport: Transport, warnings: string[] = []) {
  return new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: AudioFormat.PCM_24000HZ_MONO_16BIT,
    transport,
    onWarning: (message) => warnings.push(message),
  });
}

const runTaskIds = (connections: ScriptedConnection[]) => connections.flatMap((c) => c.messages.filter((m) => m.header.action === 'run-task').map((m) => m.header.task_id));

describe('SynthesisTask retries a retryable failure before any audio, once', () => {
  it('a task-failed ServiceUnavailable after task-started: the call succeeds on a new connection under a new task id', async () => {
    const server = await serverFailing(1, (connection, message) => {
      if (message.header.action === 'run-task') connection.sendEvent({ header: { task_id: message.header.task_id, event: 'task-started', attributes: {} }, payload: {} });
      if (message.header.action === 'finish-task') connection.sendEvent(failed(message.header.task_id, 'ServiceUnavailable', 'the proxy is draining'));
    });
    const warnings: string[] = [];
    const synth = synthesizer(proxyTransport({ url: server.url, WebSocket: WebSocket as never }), warnings);
    const audio = await synth.call('Hello there');
    expect(audio!.byteLength).toBe(2 * 2400 * 2);
    const ids = runTaskIds(server.connections);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    expect(synth.getLastRequestId()).toBe(ids[1]);
    expect(server.connections).toHaveLength(2);
    // The second task got the same text and its finish.
    expect(server.connections[1]!.messages.map((m) => m.header.action)).toEqual(['run-task', 'continue-task', 'finish-task']);
    expect((server.connections[1]!.messages[1]!.payload.input as { text: string }).text).toBe('Hello there');
    expect(warnings.some((w) => w.includes('retrying once'))).toBe(true);
  });

  it('through a ConnectionPool, the failed socket is replaced and the retry runs on the new one', async () => {
    const server = await serverFailing(1, (connection, message) => {
      if (message.header.action === 'run-task') connection.sendEvent(failed(message.header.task_id, 'Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.'));
    });
    const pool = new ConnectionPool(proxyTransport({ url: server.url, WebSocket: WebSocket as never }));
    cleanup.push(() => pool.close());
    const synth = synthesizer(pool);
    await expect(synth.call('Hello')).resolves.toBeInstanceOf(Uint8Array);
    await expect(synth.call('Again')).resolves.toBeInstanceOf(Uint8Array);
    expect(server.connections).toHaveLength(2);
    expect(runTaskIds(server.connections)).toHaveLength(3);
  });

  it('retries only once: a second retryable failure fails the call', async () => {
    const server = await serverFailing(2, (connection, message) => {
      if (message.header.action === 'run-task') connection.sendEvent(failed(message.header.task_id, 'ServiceUnavailable', 'draining'));
    });
    const synth = synthesizer(proxyTransport({ url: server.url, WebSocket: WebSocket as never }));
    const error = (await synth.call('Hello').catch((e: SynthesisError) => e)) as SynthesisError;
    expect(error).toMatchObject({ code: 'TaskFailed', retryable: true });
    expect(runTaskIds(server.connections)).toHaveLength(2);
  });

  it('does not retry a failure that is not retryable (InvalidParameter)', async () => {
    const server = await serverFailing(1, (connection, message) => {
      if (message.header.action === 'run-task') connection.sendEvent(failed(message.header.task_id, 'InvalidParameter', '[tts:]Engine return error code: 418'));
    });
    const synth = synthesizer(proxyTransport({ url: server.url, WebSocket: WebSocket as never }));
    await expect(synth.call('Hello')).rejects.toMatchObject({ code: 'TaskFailed', retryable: false });
    expect(runTaskIds(server.connections)).toHaveLength(1);
  });

  it('does not retry once audio has arrived: the failure reaches the caller', async () => {
    const server = await serverFailing(1, (connection, message) => {
      const taskId = message.header.task_id;
      if (message.header.action === 'run-task') connection.sendEvent({ header: { task_id: taskId, event: 'task-started', attributes: {} }, payload: {} });
      if (message.header.action === 'continue-task') {
        connection.sendAudio(pcmBytes(2400));
        setTimeout(() => connection.sendEvent(failed(taskId, 'InternalError', 'engine crashed')), 20);
      }
    });
    const synth = synthesizer(proxyTransport({ url: server.url, WebSocket: WebSocket as never }));
    await expect(synth.call('Hello')).rejects.toMatchObject({ code: 'TaskFailed', retryable: true });
    expect(runTaskIds(server.connections)).toHaveLength(1);
  });

  it('does not retry a socket the server closed mid-task (the text may be billed): the call fails as a closed connection', async () => {
    const server = await serverFailing(1, (connection, message) => {
      if (message.header.action === 'run-task') connection.sendEvent({ header: { task_id: message.header.task_id, event: 'task-started', attributes: {} }, payload: {} });
      if (message.header.action === 'finish-task') connection.socket.close(1012, 'service restart');
    });
    const synth = synthesizer(proxyTransport({ url: server.url, WebSocket: WebSocket as never }));
    await expect(synth.call('Hello')).rejects.toMatchObject({ code: 'ConnectionClosed' });
    expect(server.connections).toHaveLength(1);
  });
});
