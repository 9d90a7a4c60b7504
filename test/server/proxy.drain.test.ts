import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalVoiceServer, createSynthesisProxy, DRAINING_ERROR, type LocalVoiceServer, type SynthesisProxy } from 'cosyvoice-react/server';
import { RawClient, continueTask, finishTask, runTask, taskId, upgradeStatus } from './helpers';
import { UpstreamTap } from './upstreamTap';

const KEY = 'sk-DRAIN-0a9b8c7d6e';
const LONG = 'A reading that takes the tone engine a while to speak, sentence after sentence. '.repeat(12);

let upstream: LocalVoiceServer;
let tap: UpstreamTap;

beforeAll(async () => {
  upstream = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: [KEY] });
  await upstream.listen();
  tap = await UpstreamTap.start(upstream.url);
});
afterAll(async () => {
  await tap.close();
  await upstream.close();
});

function httpBase(proxy: SynthesisProxy): string {
  return proxy.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '');
}

async function startProxy(): Promise<{ proxy: SynthesisProxy; logs: string[] }> {
  const logs: string[] = [];
  const proxy = createSynthesisProxy({ apiKey: KEY, upstream: tap.url, port: 0, log: (line) => logs.push(line) });
  await proxy.listen();
  return { proxy, logs };
}

describe('proxy drain', () => {
  it('lets a running reading finish, refuses new tasks and connections with a retryable failure, reports not ready, then closes', async () => {
    const { proxy } = await startProxy();
    const base = httpBase(proxy);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const reader = await RawClient.connect(proxy.url);
    const idle = await RawClient.connect(proxy.url);
    const id = taskId('drain-read');
    reader.send(runTask(id));
    await reader.waitFor('task-started', id);
    reader.send(continueTask(id, LONG));
    await reader.until((c) => c.frames.some((f) => f.kind === 'audio'));

    const drained = proxy.drain({ deadlineMs: 20_000 });
    expect(proxy.draining).toBe(true);
    expect(proxy.ready).toBe(false);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'draining' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // A connection with no task closes at once (1001); a new connection is refused with 503.
    expect(await idle.waitClosed()).toEqual({ code: 1001, reason: 'proxy draining' });
    expect(await upgradeStatus(proxy.url)).toBe(503);
    // A new task on the reading's connection gets the retryable failure; the reading goes on.
    const refused = taskId('drain-new');
    reader.send(runTask(refused));
    const failed = await reader.waitFor('task-failed', refused);
    expect(failed.header).toMatchObject({ task_id: refused, event: 'task-failed', error_code: 'ServiceUnavailable', error_message: DRAINING_ERROR.message });
    reader.send(finishTask(id));
    const finished = await reader.waitFor('task-finished', id, 20_000);
    expect(finished.payload.usage.characters).toBe(LONG.length);
    expect(reader.events().some((e) => e.json.header.event === 'task-failed' && e.json.header.task_id === id)).toBe(false);
    expect(await reader.waitClosed()).toEqual({ code: 1001, reason: 'proxy draining' });
    await drained;
    await vi.waitFor(() => expect(tap.open.size).toBe(0));
    // drain() closed the proxy: the port no longer answers.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('ends what still runs at the deadline with task-failed (ServiceUnavailable, the task’s own id), then closes', async () => {
    const { proxy, logs } = await startProxy();
    const client = await RawClient.connect(proxy.url);
    const id = taskId('drain-stuck');
    client.send(runTask(id));
    await client.waitFor('task-started', id);
    // The client never sends finish-task: the task cannot end by itself.
    client.send(continueTask(id, 'Half a sentence without an end'));
    const started = Date.now();
    await proxy.drain({ deadlineMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const failed = await client.waitFor('task-failed', id);
    expect(failed.header).toMatchObject({ task_id: id, error_code: 'ServiceUnavailable', error_message: DRAINING_ERROR.message });
    expect(await client.waitClosed()).toEqual({ code: 1001, reason: 'proxy draining' });
    expect(logs.some((line) => line.includes('drain deadline'))).toBe(true);
    await vi.waitFor(() => expect(tap.open.size).toBe(0));
  });

  it('drain() twice returns the same promise; a proxy with nothing open drains at once', async () => {
    const { proxy } = await startProxy();
    const first = proxy.drain({ deadlineMs: 10_000 });
    expect(proxy.drain()).toBe(first);
    await first;
  });
});
