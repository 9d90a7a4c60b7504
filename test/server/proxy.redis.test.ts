import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createLocalVoiceServer, createRedisStore, createSynthesisProxy, type LocalVoiceServer, type RedisStore, type SynthesisProxy, type SynthesisProxyOptions } from 'cosyvoice-react/server';
import { RawClient, concat, continueTask, finishTask, runTask, taskId, upgradeStatus } from './helpers';
import { RedisServer, redisUnavailableReason } from './redisServer';
import { UpstreamTap } from './upstreamTap';

const KEY = 'sk-REDIS-CANARY-71c4e2d9';
const root = path.resolve(import.meta.dirname, '../..');
const skip = redisUnavailableReason();

let redis: RedisServer;
let upstream: LocalVoiceServer;
let tap: UpstreamTap;
const logs: string[] = [];
const proxies: SynthesisProxy[] = [];
const stores: RedisStore[] = [];
const clients: RawClient[] = [];
let prefixCount = 0;

beforeAll(async () => {
  if (skip) return;
  redis = await RedisServer.start();
  upstream = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: [KEY] });
  await upstream.listen();
  tap = await UpstreamTap.start(upstream.url);
}, 60_000);
afterAll(async () => {
  if (skip) return;
  await tap.close();
  await upstream.close();
  // The key never reached Redis, under any prefix the tests used.
  for (const entry of await redis.dump()) {
    expect(entry.key).not.toContain(KEY);
    expect(entry.value).not.toContain(KEY);
  }
  await redis.stop();
  expect(logs.join('\n')).not.toContain(KEY);
}, 30_000);
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
  for (const store of stores.splice(0)) await store.close();
  tap.runTasks = 0;
});

/** `count` proxy instances sharing one Redis (a key prefix of this test's own), each with its own connection to it. */
async function instances(count: number, options: Partial<SynthesisProxyOptions> = {}, store: { leaseTtlMs?: number; whenUnavailable?: 'closed' | 'open'; commandTimeoutMs?: number } = {}): Promise<{ proxies: SynthesisProxy[]; prefix: string; stores: RedisStore[] }> {
  const prefix = `test${++prefixCount}:`;
  const made: SynthesisProxy[] = [];
  const madeStores: RedisStore[] = [];
  for (let i = 0; i < count; i++) {
    const shared = createRedisStore({ url: redis.url, keyPrefix: prefix, log: (line) => logs.push(`[${prefix}${i}] ${line}`), ...store });
    await shared.ready();
    stores.push(shared);
    madeStores.push(shared);
    const proxy = createSynthesisProxy({ apiKey: KEY, upstream: tap.url, port: 0, store: shared, log: (line) => logs.push(`[${prefix}${i}] ${line}`), ...options });
    proxies.push(proxy);
    made.push(proxy);
    await proxy.listen();
  }
  return { proxies: made, prefix, stores: madeStores };
}

async function connect(proxy: SynthesisProxy): Promise<RawClient> {
  const client = await RawClient.connect(proxy.url);
  clients.push(client);
  return client;
}

/** Sends run-task and resolves to its first answer: `task-started` or `task-failed`. */
async function start(client: RawClient, id: string): Promise<Record<string, any>> {
  client.send(runTask(id));
  return Promise.race([client.waitFor('task-started', id), client.waitFor('task-failed', id)]);
}

async function speak(client: RawClient, label: string, text: string): Promise<Record<string, any>> {
  const id = taskId(label);
  const first = await start(client, id);
  if (first.header.event === 'task-failed') return first;
  client.send(continueTask(id, text));
  client.send(finishTask(id));
  return Promise.race([client.waitFor('task-finished', id), client.waitFor('task-failed', id)]);
}

describe.skipIf(skip)('proxy instances sharing Redis', () => {
  it('a client spread over three instances gets exactly its global quota of task starts per minute', async () => {
    const { proxies: three } = await instances(3, { limits: { maxTasksPerMinute: 5, maxConcurrentTasks: 100, maxConnections: 100 } });
    const answers: string[] = [];
    for (let i = 0; i < 9; i++) {
      const client = await connect(three[i % 3]!);
      const answer = await speak(client, `quota-${i}`, 'Within the quota?');
      answers.push(answer.header.event === 'task-finished' ? 'ok' : answer.header.error_code);
    }
    expect(answers.filter((a) => a === 'ok')).toHaveLength(5);
    expect(answers.filter((a) => a === 'Throttling.RateQuota')).toHaveLength(4);
    expect(answers.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(tap.runTasks).toBe(5);
  });

  it('shares the concurrency and connection limits across instances, and gives a slot back when a task ends', async () => {
    const { proxies: three, prefix } = await instances(3, { limits: { maxConcurrentTasks: 2, maxTasksPerMinute: 100, maxConnections: 3 } });
    const a = await connect(three[0]!);
    const b = await connect(three[1]!);
    const c = await connect(three[2]!);
    // A fourth connection, on any instance, is one too many.
    expect(await upgradeStatus(three[1]!.url)).toBe(429);
    expect((await start(a, taskId('conc-a'))).header.event).toBe('task-started');
    expect((await start(b, taskId('conc-b'))).header.event).toBe('task-started');
    const refused = await start(c, taskId('conc-c'));
    expect(refused.header).toMatchObject({ event: 'task-failed', error_code: 'Throttling.RateQuota' });
    // The leases are in Redis, one per running task.
    const tasks = (await redis.dump(prefix)).find((entry) => entry.key.endsWith(':tasks'));
    expect(JSON.parse(tasks!.value)).toHaveLength(2);
    a.send(continueTask(taskId('conc-a'), 'Done.'));
    a.send(finishTask(taskId('conc-a')));
    await a.waitFor('task-finished', taskId('conc-a'));
    c.close();
    await vi.waitFor(async () => {
      // A refusal closes its connection: each try on a new one.
      const retry = await start(await connect(three[2]!), taskId(`conc-d${Date.now() % 1000}`));
      expect(retry.header.event).toBe('task-started');
    });
  });

  it('frees the slots of an instance that died mid-task after the lease TTL', async () => {
    const prefix = `test${++prefixCount}:`;
    const ttl = 3000;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/server/redisProxyInstance.ts'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redis.url, REDIS_PREFIX: prefix, LEASE_TTL_MS: String(ttl), PROXY_KEY: KEY, UPSTREAM_URL: tap.url, MAX_CONCURRENT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`instance exited ${code}: ${stderr}`)));
      });
      const doomed = await RawClient.connect(url);
      clients.push(doomed);
      expect((await start(doomed, taskId('dies'))).header.event).toBe('task-started');
      const store = createRedisStore({ url: redis.url, keyPrefix: prefix, leaseTtlMs: ttl, log: (line) => logs.push(line) });
      stores.push(store);
      await store.ready();
      const survivor = createSynthesisProxy({ apiKey: KEY, upstream: tap.url, port: 0, store, limits: { maxConcurrentTasks: 1, maxTasksPerMinute: 1000, maxConnections: 100 } });
      proxies.push(survivor);
      await survivor.listen();
      expect((await start(await connect(survivor), taskId('blocked'))).header.error_code).toBe('Throttling.RateQuota');
      child.kill('SIGKILL');
      await once(child, 'exit');
      // Nothing gave the slot back: it is still held in Redis, until its expiry by Redis's clock.
      const [seconds, micros] = (await redis.command(['TIME'])) as [string, string];
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const leases = JSON.parse((await redis.dump(prefix)).find((entry) => entry.key.endsWith(':tasks'))!.value) as Array<[string, number]>;
      expect(leases).toHaveLength(1);
      expect(leases[0]![1]).toBeGreaterThan(now);
      const killedAt = Date.now();
      let admittedAfter = 0;
      await vi.waitFor(
        async () => {
          const client = await connect(survivor);
          const answer = await start(client, taskId(`after${Date.now() % 100000}`));
          expect(answer.header.event).toBe('task-started');
          admittedAfter = Date.now() - killedAt;
        },
        { timeout: ttl + 15_000, interval: 200 },
      );
      expect(admittedAfter).toBeLessThan(ttl + 15_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('a cached article read by 100 clients over three instances costs one upstream task', async () => {
    // 100 readers at once on a busy machine: Redis answers can take over the default 1 s, and a lookup
    // past its deadline is a miss (the cache fails open). This test is about what is shared, not latency.
    const { proxies: three } = await instances(3, { cache: true, limits: { maxConnections: 200, maxConcurrentTasks: 200, maxTasksPerMinute: 1000 } }, { commandTimeoutMs: 15_000 });
    const article = 'An article everyone reads. It is spoken once and served from the cache after that. 一次合成，多次朗读。';
    const first = await connect(three[0]!);
    const original = await speak(first, 'reader-0', article);
    expect(original.payload.usage.characters).toBeGreaterThan(0);
    const originalAudio = concat(first.frames.flatMap((f) => (f.kind === 'audio' ? [f.data] : [])));
    const readers = await Promise.all(Array.from({ length: 99 }, (_, i) => connect(three[(i + 1) % 3]!)));
    const answers = await Promise.all(readers.map((client, i) => speak(client, `reader-${i + 1}`, article)));
    expect(answers.map((a) => `${a.header.event} ${a.header.error_code ?? ''} ${a.payload.usage?.characters ?? ''}`)).toEqual(answers.map(() => 'task-finished  0'));
    for (const client of readers) {
      const audio = concat(client.frames.flatMap((f) => (f.kind === 'audio' ? [f.data] : [])));
      expect(Buffer.from(audio).equals(Buffer.from(originalAudio))).toBe(true);
    }
    expect(tap.runTasks).toBe(1);
    // No frame of any reader carries the key or the first reader's ids.
    const everything = readers.map((c) => JSON.stringify(c.events().map((e) => e.json))).join('');
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(taskId('reader-0'));
    expect(everything).not.toContain(original.header.attributes.request_uuid);
  }, 60_000);

  it('drains one instance during a reading: the reading finishes, new tasks there are refused, its slots are given back', async () => {
    const { proxies: three, prefix } = await instances(3, { limits: { maxConcurrentTasks: 10, maxTasksPerMinute: 100, maxConnections: 10 } });
    const reader = await connect(three[0]!);
    const id = taskId('drain-r');
    expect((await start(reader, id)).header.event).toBe('task-started');
    reader.send(continueTask(id, 'A reading that is under way while the instance drains. '.repeat(6)));
    await reader.until((c) => c.frames.some((f) => f.kind === 'audio'));
    const drained = three[0]!.drain({ deadlineMs: 20_000 });
    const refused = await start(reader, taskId('drain-x'));
    expect(refused.header).toMatchObject({ error_code: 'ServiceUnavailable' });
    reader.send(finishTask(id));
    expect((await reader.waitFor('task-finished', id, 20_000)).header.event).toBe('task-finished');
    await drained;
    // The other instances go on; the drained one holds nothing in Redis: one connection lease is left, the other instance's.
    expect((await speak(await connect(three[1]!), 'drain-other', 'Still here.')).header.event).toBe('task-finished');
    await vi.waitFor(async () => {
      const entries = await redis.dump(prefix);
      const members = (suffix: string) => (JSON.parse(entries.find((entry) => entry.key.endsWith(suffix))?.value ?? '[]') as unknown[]).length;
      expect(members(':tasks')).toBe(0);
      expect(members(':connections')).toBe(1);
    });
  }, 60_000);

  it('Redis stopped mid-run: a running task finishes; new work is refused (closed, the default) or admitted uncounted (open); logged once; back when Redis is', async () => {
    const closed = await instances(2, { limits: { maxConcurrentTasks: 10, maxTasksPerMinute: 100, maxConnections: 10 } });
    const open = await instances(1, { limits: { maxConcurrentTasks: 10, maxTasksPerMinute: 100, maxConnections: 10 } }, { whenUnavailable: 'open' });
    const base = (proxy: SynthesisProxy) => proxy.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '');
    const running = await connect(closed.proxies[0]!);
    const id = taskId('outage-run');
    expect((await start(running, id)).header.event).toBe('task-started');
    const idle = await connect(closed.proxies[1]!);
    const openClient = await connect(open.proxies[0]!);
    const linesBefore = logs.length;
    await redis.stop();
    try {
      running.send(continueTask(id, 'Finishing through the outage.'));
      running.send(finishTask(id));
      expect((await running.waitFor('task-finished', id)).payload.usage.characters).toBe('Finishing through the outage.'.length);
      await vi.waitFor(async () => expect((await fetch(`${base(closed.proxies[1]!)}/readyz`)).status).toBe(503));
      expect(await (await fetch(`${base(closed.proxies[1]!)}/readyz`)).json()).toMatchObject({ status: 'store-unavailable', store: 'redis', storeAvailable: false });
      expect(closed.proxies[1]!.ready).toBe(false);
      const refused = await start(idle, taskId('outage-no'));
      expect(refused.header).toMatchObject({ error_code: 'ServiceUnavailable' });
      expect(refused.header.error_message).toMatch(/limits/);
      expect(await upgradeStatus(closed.proxies[0]!.url)).toBe(503);
      expect(await upgradeStatus(closed.proxies[1]!.url)).toBe(503);
      // Fail open: admitted, uncounted; the open instance stays ready.
      expect((await speak(openClient, 'outage-open', 'Open for business.')).header.event).toBe('task-finished');
      expect(open.proxies[0]!.ready).toBe(true);
      // One line per instance for the outage, however many refusals.
      const outage = logs.slice(linesBefore).filter((line) => line.includes('] Redis store at') && line.includes('is unreachable'));
      for (const instance of [`[${closed.prefix}0]`, `[${closed.prefix}1]`, `[${open.prefix}0]`]) expect(outage.filter((line) => line.startsWith(instance)), outage.join('\n')).toHaveLength(1);
    } finally {
      await redis.resume();
    }
    await vi.waitFor(async () => expect((await fetch(`${base(closed.proxies[1]!)}/readyz`)).status).toBe(200), { timeout: 15_000 });
    expect((await speak(await connect(closed.proxies[1]!), 'outage-back', 'Back again.')).header.event).toBe('task-finished');
    expect(logs.slice(linesBefore).some((line) => line.includes('reachable again'))).toBe(true);
  }, 60_000);
});
