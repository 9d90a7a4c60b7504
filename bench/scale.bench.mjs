// Scale bench: the proxy's synthesis cache and Redis-backed limits, on loopback.
//
// The local voice server (tone engine, this thread) is the upstream; the proxy under test runs on a
// worker thread (bench/support-scale-proxy.mjs) like a separate server; clients run on this thread; a
// real redis-server (Debian's) runs on a free loopback port without persistence.
//   cache: time to first audio frame at the client (run-task sent → first audio frame received), for a
//          miss (a text not seen before: synthesized upstream, then stored) and a hit (the same text
//          again: answered from the store), and the characters each was billed (task-finished usage);
//   limiter: the cost of one task start's admission — the limiter's own call (startTask + endTask, in
//          process), and end to end through the proxy (run-task → task-started, which the proxy sends
//          itself for a cacheable task right after admitting it) — memory store beside Redis;
//   throughput: cache hits served by one instance to 20 clients at once, each reading over and over.
// Run: node bench/scale.bench.mjs (needs redis-server for the Redis figures; they are skipped otherwise).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
import WebSocket from 'ws';

register();
const { createLocalVoiceServer, createMemoryStore, createRedisStore } = await import('../src/server/index.ts');

const root = path.join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const LOAD_AT_START = os.loadavg();
const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';
const ARTICLE = 'The proxy keeps what it has said. A second reading of the same article is served from the cache, at once and for free. ';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
};
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
};
const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const hex = () => [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');

// ---- redis-server ---------------------------------------------------------------------------------
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
let redis;
if (existsSync(REDIS_SERVER)) {
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  redis = { child, url: `redis://127.0.0.1:${port}` };
  const probe = createRedisStore({ url: redis.url, log: () => undefined, connectTimeoutMs: 500 });
  for (let i = 0; i < 100; i++) {
    try {
      await probe.ready();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await probe.close();
} else console.warn(`${REDIS_SERVER} not found: the Redis figures are skipped`);

// ---- upstream and proxies -----------------------------------------------------------------------
const upstream = createLocalVoiceServer({ engine: 'tone', port: 0 });
const upstreamUrl = await upstream.listen();

async function startProxy(options) {
  const worker = new Worker(path.join(import.meta.dirname, 'support-scale-proxy.mjs'), { workerData: { upstream: upstreamUrl, ...options } });
  const { url } = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url,
    close: async () => {
      worker.postMessage('close');
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

// ---- a minimal client ---------------------------------------------------------------------------
class Client {
  static async open(url) {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new Client(socket);
  }
  constructor(socket) {
    this.socket = socket;
    this.handler = undefined;
    socket.on('message', (data, binary) => this.handler?.(data, binary));
  }
  /** One task as `speak` sends it; resolves to its timings and billing. */
  speak(text) {
    const taskId = hex();
    const header = (action) => ({ action, task_id: taskId, streaming: 'duplex' });
    const sentAt = performance.now();
    let startedMs;
    let firstAudioMs;
    let bytes = 0;
    return new Promise((resolve, reject) => {
      this.handler = (data, binary) => {
        if (binary) {
          bytes += data.length;
          firstAudioMs ??= performance.now() - sentAt;
          return;
        }
        const event = JSON.parse(data.toString());
        const name = event.header.event;
        if (name === 'task-started') {
          startedMs = performance.now() - sentAt;
          this.socket.send(JSON.stringify({ header: header('continue-task'), payload: { input: { text } } }));
          this.socket.send(JSON.stringify({ header: header('finish-task'), payload: { input: {} } }));
        } else if (name === 'task-finished') {
          this.handler = undefined;
          resolve({ startedMs, firstAudioMs, bytes, characters: event.payload.usage.characters, cacheHit: event.header.attributes.cache_hit === true });
        } else if (name === 'task-failed') reject(new Error(`${event.header.error_code}: ${event.header.error_message}`));
      };
      this.socket.send(
        JSON.stringify({
          header: header('run-task'),
          payload: { task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', model: 'cosyvoice-v3-flash', parameters: { text_type: 'PlainText', voice: 'longanyang', format: 'pcm', sample_rate: 16000 }, input: {} },
        }),
      );
    });
  }
  close() {
    this.socket.terminate();
  }
}

// ---- 1. cache hit vs miss -----------------------------------------------------------------------
async function cacheFigures(store) {
  const proxy = await startProxy({ cache: true, ...(store === 'redis' ? { redisUrl: redis.url, keyPrefix: `bench${hex().slice(0, 6)}:` } : {}) });
  const miss = [];
  const hit = [];
  // Warm both paths once (JIT, first upstream connect of the engine) before measuring.
  const warm = await Client.open(proxy.url);
  await warm.speak(`Warm-up. ${ARTICLE}`);
  await warm.speak(`Warm-up. ${ARTICLE}`);
  warm.close();
  for (let i = 0; i < ROUNDS; i++) {
    // A page that reads an article: a new connection, one reading. First a text never seen, then that text again.
    const text = `Article ${i}. ${ARTICLE}`;
    const first = await Client.open(proxy.url);
    miss.push(await first.speak(text));
    first.close();
    const second = await Client.open(proxy.url);
    hit.push(await second.speak(text));
    second.close();
  }
  await proxy.close();
  if (!hit.every((h) => h.cacheHit) || miss.some((m) => m.cacheHit)) throw new Error('cache bench: a hit missed or a miss hit');
  const summary = (runs) => ({
    firstAudioMedianMs: round(median(runs.map((r) => r.firstAudioMs))),
    firstAudioP95Ms: round(percentile(runs.map((r) => r.firstAudioMs), 95)),
    charactersBilledMedian: median(runs.map((r) => r.characters)),
    audioBytes: runs[0].bytes,
  });
  return { miss: summary(miss), hit: summary(hit) };
}

// ---- 2. limiter cost per task start ---------------------------------------------------------------
async function limiterFigures(kind) {
  const store = kind === 'redis' ? createRedisStore({ url: redis.url, keyPrefix: `bench${hex().slice(0, 6)}:`, log: () => undefined }) : createMemoryStore();
  if (kind === 'redis') await store.ready();
  const limiter = store.createLimiter({ maxConnections: 1000, maxConcurrentTasks: 1000, maxTasksPerMinute: 1_000_000 });
  const samples = [];
  for (let i = 0; i < 2000; i++) {
    const started = performance.now();
    const decision = await limiter.startTask(`client-${i % 50}`);
    samples.push(performance.now() - started);
    if (decision !== 'ok') throw new Error(`limiter refused: ${decision}`);
    limiter.endTask(`client-${i % 50}`);
  }
  await limiter.close?.();
  await store.close();
  const direct = { medianUs: round(median(samples.slice(200)) * 1000, 1), p99Us: round(percentile(samples.slice(200), 99) * 1000, 1) };

  // End to end: run-task → task-started from the proxy itself (cacheable task: admitted, then started).
  const proxy = await startProxy({ cache: true, ...(kind === 'redis' ? { redisUrl: redis.url, keyPrefix: `bench${hex().slice(0, 6)}:` } : {}) });
  const client = await Client.open(proxy.url);
  const text = 'Short and cached.';
  await client.speak(text);
  const starts = [];
  for (let i = 0; i < 300; i++) starts.push((await client.speak(text)).startedMs);
  client.close();
  await proxy.close();
  return { ...direct, runTaskToStartedMedianMs: round(median(starts.slice(30)), 3), runTaskToStartedP99Ms: round(percentile(starts.slice(30), 99), 3) };
}

// ---- 3. cache hit throughput ----------------------------------------------------------------------
async function throughput(kind) {
  const proxy = await startProxy({ cache: true, ...(kind === 'redis' ? { redisUrl: redis.url, keyPrefix: `bench${hex().slice(0, 6)}:` } : {}) });
  const clients = await Promise.all(Array.from({ length: 20 }, () => Client.open(proxy.url)));
  await clients[0].speak(ARTICLE);
  let tasks = 0;
  let bytes = 0;
  const durationMs = 3000;
  const until = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < until) {
        const result = await client.speak(ARTICLE);
        if (!result.cacheHit) throw new Error('throughput bench: not a hit');
        tasks++;
        bytes += result.bytes;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const client of clients) client.close();
  await proxy.close();
  return { clients: 20, tasksPerSecond: round(tasks / seconds, 0), megabytesPerSecond: round(bytes / seconds / 1e6, 1), audioBytesPerTask: Math.round(bytes / tasks) };
}

const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim().split(' ').slice(0, 2).join(' '), node: process.version, platform: `${os.platform()} ${os.arch()}` },
  setup: {
    rounds: ROUNDS,
    article: { characters: ARTICLE.length + 'Article 0. '.length, format: 'pcm 16 kHz', engine: 'tone (local voice server, full speed)' },
    note: 'loopback; upstream (local voice server) and clients on the main thread, proxy on a worker thread; redis-server a separate process. First audio = run-task sent → first audio frame received at the client, on a new connection per reading (the miss includes opening the upstream connection). Limiter: startTask latency over 1 800 calls after 200 of warm-up, 50 client ids; end to end = run-task → task-started through the proxy for a cacheable task (the proxy starts it right after admission).',
    redisServer: redis ? REDIS_SERVER : 'not found: Redis figures skipped',
  },
  cache: { memory: await cacheFigures('memory'), ...(redis ? { redis: await cacheFigures('redis') } : {}) },
  limiter: { memory: await limiterFigures('memory'), ...(redis ? { redis: await limiterFigures('redis') } : {}) },
  hitThroughput: { memory: await throughput('memory'), ...(redis ? { redis: await throughput('redis') } : {}) },
};
results.setup.loadAverage1m = { atStart: round(LOAD_AT_START[0], 1), atEnd: round(os.loadavg()[0], 1) };

await upstream.close();
if (redis) {
  redis.child.kill('SIGKILL');
  await new Promise((resolve) => redis.child.once('exit', resolve));
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/scale.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
