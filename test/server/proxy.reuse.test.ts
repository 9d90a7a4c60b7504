import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, SpeechSynthesizer, proxyTransport } from 'cosyvoice-react/core';
import { createLocalVoiceServer, createSynthesisProxy, type LocalVoiceServer, type SynthesisProxy, type SynthesisProxyOptions } from 'cosyvoice-react/server';
import { RawClient, continueTask, finishTask, runTask, taskId } from './helpers';
import { TimerLedger } from './timerLedger';
import { UpstreamTap } from './upstreamTap';

const KEY = 'sk-REUSE-5d1e9a7c3b';

let upstream: LocalVoiceServer;
let tap: UpstreamTap;
const proxies: SynthesisProxy[] = [];
const clients: RawClient[] = [];
const logs: string[] = [];
const timers = new TimerLedger().start();

beforeAll(async () => {
  upstream = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: [KEY] });
  await upstream.listen();
});
afterAll(async () => {
  timers.stop();
  await upstream.close();
  expect(logs.join('\n')).not.toContain(KEY);
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
  // Nothing the proxy opened upstream outlives it, and none of its timers is left pending.
  await vi.waitFor(() => expect(tap.open.size).toBe(0));
  await tap.close();
  await vi.waitFor(() => expect(timers.pending()).toEqual([]));
});

async function start(options: Partial<SynthesisProxyOptions> = {}): Promise<SynthesisProxy> {
  tap = await UpstreamTap.start(upstream.url);
  const proxy = createSynthesisProxy({ apiKey: KEY, upstream: tap.url, port: 0, log: (line) => logs.push(line), ...options });
  proxies.push(proxy);
  await proxy.listen();
  return proxy;
}

async function connect(proxy: SynthesisProxy): Promise<RawClient> {
  const client = await RawClient.connect(proxy.url);
  clients.push(client);
  return client;
}

/** One whole task as `speak` sends it: run-task, then (after task-started) the text and finish-task at once. */
async function speak(client: RawClient, label: string, text: string, parameters: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const id = taskId(label);
  client.send(runTask(id, parameters));
  const started = await Promise.race([client.waitFor('task-started', id), client.waitFor('task-failed', id)]);
  if (started.header.event === 'task-failed') return started;
  client.send(continueTask(id, text));
  client.send(finishTask(id));
  return Promise.race([client.waitFor('task-finished', id), client.waitFor('task-failed', id)]);
}

describe('proxy upstream reuse', () => {
  it('runs a client’s tasks one after another on one upstream connection, each run-task as soon as the previous task ended', async () => {
    const proxy = await start();
    const client = await connect(proxy);
    for (const label of ['seq-1', 'seq-2', 'seq-3']) {
      const finished = await speak(client, label, `Task ${label} speaks.`);
      expect(finished.header.event).toBe('task-finished');
    }
    expect(tap.connections).toBe(1);
    expect(tap.runTasks).toBe(3);
    expect(client.closed).toBeUndefined();
    // Every task's frames carry its own id, in order: no frame of one task leaked into another.
    const order = client.events().map((e) => e.json.header.task_id as string);
    expect(order.indexOf(taskId('seq-2'))).toBeGreaterThan(order.lastIndexOf(taskId('seq-1')));
    expect(order.indexOf(taskId('seq-3'))).toBeGreaterThan(order.lastIndexOf(taskId('seq-2')));
  });

  it('relays the core SpeechSynthesizer’s calls unchanged', async () => {
    const proxy = await start();
    const synthesizer = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_16000HZ_MONO_16BIT, transport: proxyTransport({ url: proxy.url, WebSocket: WebSocket as never }) });
    const first = await synthesizer.call('One.');
    const second = await synthesizer.call('Two.');
    expect(first!.length).toBeGreaterThan(100);
    expect(second!.length).toBeGreaterThan(100);
    expect(tap.runTasks).toBe(2);
  });

  it('replaces an upstream the service closed while idle: the next task works on a new connection and the client never notices', async () => {
    const proxy = await start();
    const client = await connect(proxy);
    expect((await speak(client, 'idle-1', 'Before the cut.')).header.event).toBe('task-finished');
    tap.cutAll(1000, 'idle');
    await vi.waitFor(() => expect(tap.open.size).toBe(0));
    expect(client.closed).toBeUndefined();
    const after = await speak(client, 'idle-2', 'After the cut.');
    expect(after.header.event).toBe('task-finished');
    expect(after.payload.usage.characters).toBe('After the cut.'.length);
    expect(tap.connections).toBe(2);
    expect(client.events().some((e) => e.json.header.event === 'task-failed')).toBe(false);
  });

  it('sends a task again on a new connection when the kept one closes after its run-task went out but before task-started', async () => {
    const proxy = await start();
    const client = await connect(proxy);
    expect((await speak(client, 'race-1', 'First.')).header.event).toBe('task-finished');
    tap.closeNextReusedRunTask = true;
    const second = await speak(client, 'race-2', 'Second, after the race.');
    expect(second.header.event).toBe('task-finished');
    expect(second.payload.usage.characters).toBe('Second, after the race.'.length);
    expect(tap.connections).toBe(2);
    expect(tap.runTasks).toBe(2);
    expect(client.events().some((e) => e.json.header.event === 'task-failed')).toBe(false);
    expect(logs.some((line) => line.includes('goes out again on a new connection'))).toBe(true);
  });

  it('after the upstream fails a task (and closes, as the service does), the client connection stays usable and the next task gets a new upstream', async () => {
    const proxy = await start();
    const client = await connect(proxy);
    expect((await speak(client, 'fail-1', 'Fine.')).header.event).toBe('task-finished');
    const failed = await speak(client, 'fail-2', 'Wrong voice.', { voice: 'longxiaochun' });
    expect(failed.header).toMatchObject({ event: 'task-failed', error_code: 'InvalidParameter' });
    await vi.waitFor(() => expect(tap.open.size).toBe(0));
    const third = await speak(client, 'fail-3', 'Fine again.');
    expect(third.header.event).toBe('task-finished');
    expect(tap.connections).toBe(2);
  });

  it('closes an upstream with no task after upstreamKeepAliveMs; the client connection stays and its next task opens a new one', async () => {
    const proxy = await start({ upstreamKeepAliveMs: 150 });
    const client = await connect(proxy);
    expect((await speak(client, 'keep-1', 'Kept a moment.')).header.event).toBe('task-finished');
    await vi.waitFor(() => expect(tap.open.size).toBe(0), { timeout: 5000 });
    expect(client.closed).toBeUndefined();
    expect((await speak(client, 'keep-2', 'Then a new one.')).header.event).toBe('task-finished');
    expect(tap.connections).toBe(2);
  });

  it('closes the upstream with the client, and forgets the client', async () => {
    const proxy = await start();
    const client = await connect(proxy);
    expect((await speak(client, 'bye-1', 'Bye.')).header.event).toBe('task-finished');
    expect(tap.open.size).toBe(1);
    client.close();
    await vi.waitFor(() => expect(tap.open.size).toBe(0));
  });
});

describe('proxy upstream on connect', () => {
  it('opens a client’s upstream connection when the client connects; its first task goes out on it with no second handshake', async () => {
    const proxy = await start();
    const client = await connect(proxy);
    // Before any frame: the preconnected client has a warm upstream too.
    await vi.waitFor(() => expect(tap.open.size).toBe(1));
    expect(tap.runTasks).toBe(0);
    expect((await speak(client, 'ahead-1', 'Ahead.')).header.event).toBe('task-finished');
    expect(tap.connections).toBe(1);
    expect(tap.runTasks).toBe(1);
  });

  it('closes an upstream connection that no task used after upstreamKeepAliveMs; the client stays and its later task opens another', async () => {
    const proxy = await start({ upstreamKeepAliveMs: 300 });
    const client = await connect(proxy);
    await vi.waitFor(() => expect(tap.open.size).toBe(1));
    await vi.waitFor(() => expect(tap.open.size).toBe(0), { timeout: 10_000 });
    expect(client.closed).toBeUndefined();
    expect((await speak(client, 'ahead-2', 'Later.')).header.event).toBe('task-finished');
    expect(tap.connections).toBe(2);
  });

  it('with upstreamOnConnect: false, opens none before the first task', async () => {
    const proxy = await start({ upstreamOnConnect: false });
    const client = await connect(proxy);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tap.connections).toBe(0);
    expect((await speak(client, 'ahead-3', 'Now.')).header.event).toBe('task-finished');
    expect(tap.connections).toBe(1);
  });

  it('rejects an upstreamOnConnect that is not a boolean', () => {
    expect(() => createSynthesisProxy({ apiKey: KEY, upstreamOnConnect: 'yes' as never })).toThrow(/upstreamOnConnect must be true or false/);
  });
});

describe('proxy warm upstream pool', () => {
  it('is off by default: no upstream connection before a task', async () => {
    const proxy = await start({ upstreamOnConnect: false });
    const client = await connect(proxy);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tap.connections).toBe(0);
    client.close();
    expect(proxy.ready).toBe(true);
  });

  it('keeps `size` connections open ahead of need, hands one to a first task, refills, renews them, and closes them with the proxy', async () => {
    const proxy = await start({ upstreamPool: { size: 2, renewMs: 400 } });
    await vi.waitFor(() => expect(tap.open.size).toBe(2));
    expect(tap.connections).toBe(2);
    const client = await connect(proxy);
    expect((await speak(client, 'warm-1', 'Warm start.')).header.event).toBe('task-finished');
    // The task went out on a connection that was already open; the pool opened one in its place.
    await vi.waitFor(() => expect(tap.open.size).toBe(3));
    expect(tap.runTasks).toBe(1);
    // Renewed: each warm connection is replaced after ~renewMs (±20 %).
    await vi.waitFor(() => expect(tap.connections).toBeGreaterThanOrEqual(5), { timeout: 5000 });
    expect(tap.open.size).toBeLessThanOrEqual(4);
    // A warm connection the service closes is replaced.
    const before = tap.connections;
    tap.cutAll(1000, 'idle');
    await vi.waitFor(() => expect(tap.connections).toBeGreaterThanOrEqual(before + 2));
    expect((await speak(client, 'warm-2', 'Still fine.')).header.event).toBe('task-finished');
  });
});
