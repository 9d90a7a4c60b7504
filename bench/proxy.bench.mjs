// Proxy bench: per-frame latency added by createSynthesisProxy and its throughput, 200 concurrent
// streams on loopback, against a bare `ws` relay measured in the same run.
//
// A synthetic upstream (this thread) answers the DashScope protocol and streams binary frames that carry
// their send time; 200 clients (this thread) receive them through the relay under test, which runs on a
// worker thread (bench/support-relay.mjs) like a separate server. Per-frame latency = receive time −
// send time, so it measures the relay hop, not synthesis. Rounds alternate bare/proxy to spread noise.
//   paced phase: each stream gets one 4 800-byte frame (100 ms of 24 kHz PCM) every 20 ms, 50 frames
//   burst phase: each stream gets its 50 frames at once (throughput)
// Budget (DESIGN.md): proxy p99 ≤ 1.2 × bare relay p99. Run: node bench/proxy.bench.mjs
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import WebSocket, { WebSocketServer } from 'ws';

const root = path.join(import.meta.dirname, '..');
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 50);
const FRAME_BYTES = 4800;
const PACE_MS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// Other processes on a shared machine move every latency figure: the load is recorded with them.
const LOAD_AT_START = os.loadavg();

// ---- synthetic upstream -------------------------------------------------------------------------
const upstream = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/api-ws/v1/inference' });
await new Promise((resolve) => upstream.once('listening', resolve));
const upstreamUrl = `ws://127.0.0.1:${upstream.address().port}`;
let phase = 'paced';
// Streams wait at a barrier until every stream of the phase has started its task, so the connection
// storm (200 upgrades, 200 upstream connects) is not mixed into the per-frame latency.
let waiting = [];
let expected = Infinity;
const barrier = (start) => {
  waiting.push(start);
  if (waiting.length >= expected) {
    const go = waiting;
    waiting = [];
    for (const fn of go) fn();
  }
};
const event = (taskId, name, payload = {}) => JSON.stringify({ header: { task_id: taskId, event: name, attributes: {} }, payload });

upstream.on('connection', (socket) => {
  let sent = 0;
  let finishAsked = false;
  let taskId = '';
  const frame = (index) => {
    const bytes = Buffer.allocUnsafe(FRAME_BYTES);
    bytes.fill(index & 0xff, 12);
    bytes.writeDoubleLE(performance.now(), 0);
    bytes.writeUInt32LE(index, 8);
    return bytes;
  };
  const maybeFinish = () => {
    if (!finishAsked || sent < FRAMES) return;
    socket.send(event(taskId, 'result-generated', { output: { type: 'sentence-end', sentence: { index: 0, words: [] } } }));
    socket.send(event(taskId, 'task-finished', { output: null, usage: { characters: 10 } }));
  };
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    const action = message.header.action;
    if (action === 'run-task') {
      taskId = message.header.task_id;
      socket.send(event(taskId, 'task-started'));
    } else if (action === 'continue-task') {
      socket.send(event(taskId, 'result-generated', { output: { type: 'sentence-begin', sentence: { index: 0, words: [] } } }));
      if (phase === 'burst') {
        barrier(() => {
          for (; sent < FRAMES; sent++) socket.send(frame(sent), { binary: true });
          maybeFinish();
        });
      } else {
        const tick = () => {
          if (socket.readyState !== WebSocket.OPEN) return;
          socket.send(frame(sent++), { binary: true });
          if (sent < FRAMES) setTimeout(tick, PACE_MS);
          else maybeFinish();
        };
        barrier(() => setTimeout(tick, Math.random() * PACE_MS)); // streams staggered over the pace interval
      }
    } else if (action === 'finish-task') {
      finishAsked = true;
      maybeFinish();
    }
  });
});

// ---- clients -----------------------------------------------------------------------------------
const runTask = (taskId) =>
  JSON.stringify({
    header: { action: 'run-task', task_id: taskId, streaming: 'duplex' },
    payload: {
      task_group: 'audio',
      task: 'tts',
      function: 'SpeechSynthesizer',
      model: 'cosyvoice-v3-flash',
      parameters: { text_type: 'PlainText', voice: 'longanyang', format: 'pcm', sample_rate: 24000 },
      input: {},
    },
  });
const continueTask = (taskId) => JSON.stringify({ header: { action: 'continue-task', task_id: taskId, streaming: 'duplex' }, payload: { input: { text: 'Bench sentence.' } } });
const finishTask = (taskId) => JSON.stringify({ header: { action: 'finish-task', task_id: taskId, streaming: 'duplex' }, payload: { input: {} } });

function stream(url, index, latencies) {
  return new Promise((resolve, reject) => {
    // The SDKs' task id shape (the proxy relays no other).
    const taskId = randomUUID();
    const socket = new WebSocket(url);
    let frames = 0;
    let bytes = 0;
    const timer = setTimeout(() => reject(new Error(`stream ${index} timed out after ${frames} frames`)), 60_000);
    socket.on('open', () => socket.send(runTask(taskId)));
    socket.on('message', (data, binary) => {
      if (binary) {
        latencies.push(performance.now() - data.readDoubleLE(0));
        frames++;
        bytes += data.length;
        return;
      }
      const header = JSON.parse(data.toString()).header;
      if (header.event === 'task-started') {
        socket.send(continueTask(taskId));
        socket.send(finishTask(taskId));
      } else if (header.event === 'task-finished') {
        clearTimeout(timer);
        socket.close();
        if (frames !== FRAMES) reject(new Error(`stream ${index}: ${frames}/${FRAMES} frames`));
        else resolve(bytes);
      } else if (header.event === 'task-failed') {
        clearTimeout(timer);
        socket.close();
        reject(new Error(`stream ${index}: task-failed ${header.error_code} ${header.error_message}`));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function startRelay(mode) {
  const worker = new Worker(new URL('./support-relay.mjs', import.meta.url), { workerData: { mode, upstream: upstreamUrl } });
  const ask = (message, key) =>
    new Promise((resolve, reject) => {
      const onMessage = (reply) => {
        if (key in reply) {
          worker.off('message', onMessage);
          resolve(reply[key]);
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      if (message) worker.postMessage(message);
    });
  const url = await ask(undefined, 'url');
  return {
    url,
    elu: () => ask('elu', 'elu'),
    async close() {
      await ask('close', 'closed');
      await worker.terminate();
    },
  };
}

async function measure(mode) {
  const relay = await startRelay(mode);
  try {
    // Warm-up (JIT, connection paths), not recorded.
    phase = 'burst';
    expected = 20;
    await Promise.all(Array.from({ length: 20 }, (_, i) => stream(relay.url, i, [])));

    phase = 'paced';
    expected = STREAMS;
    const paced = [];
    await relay.elu();
    let started = performance.now();
    await Promise.all(Array.from({ length: STREAMS }, (_, i) => stream(relay.url, i, paced)));
    const pacedMs = performance.now() - started;
    const pacedElu = await relay.elu();

    phase = 'burst';
    const burst = [];
    started = performance.now();
    const bytes = (await Promise.all(Array.from({ length: STREAMS }, (_, i) => stream(relay.url, i, burst)))).reduce((a, b) => a + b, 0);
    const burstMs = performance.now() - started;
    const burstElu = await relay.elu();

    paced.sort((a, b) => a - b);
    burst.sort((a, b) => a - b);
    return {
      mode,
      frames: paced.length,
      p50: percentile(paced, 50),
      p90: percentile(paced, 90),
      p99: percentile(paced, 99),
      max: paced.at(-1),
      pacedMs,
      relayEventLoopUtilization: pacedElu.utilization,
      // The relay thread's busy time per audio frame: its CPU cost, far less sensitive than latency to
      // other processes on the machine (which delay frames but do not add work to the relay).
      relayActiveUsPerFrame: (pacedElu.activeMs * 1000) / paced.length,
      burst: {
        frames: burst.length,
        ms: burstMs,
        framesPerSecond: (burst.length / burstMs) * 1000,
        megabytesPerSecond: bytes / 1e6 / (burstMs / 1000),
        p50: percentile(burst, 50),
        p99: percentile(burst, 99),
        relayEventLoopUtilization: burstElu.utilization,
        relayActiveUsPerFrame: (burstElu.activeMs * 1000) / burst.length,
      },
    };
  } finally {
    await relay.close();
  }
}

const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of round % 2 === 0 ? ['bare', 'proxy'] : ['proxy', 'bare']) {
    const result = await measure(mode);
    rounds.push({ round, ...result });
    console.log(`round ${round} ${mode.padEnd(5)} p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  burst ${Math.round(result.burst.framesPerSecond)} frames/s`);
  }
}
upstream.close();

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
const summary = (mode) => {
  const rs = rounds.filter((r) => r.mode === mode);
  return {
    p50Ms: median(rs.map((r) => r.p50)),
    p99Ms: median(rs.map((r) => r.p99)),
    maxMs: Math.max(...rs.map((r) => r.max)),
    relayEventLoopUtilization: median(rs.map((r) => r.relayEventLoopUtilization)),
    relayActiveUsPerFrame: median(rs.map((r) => r.relayActiveUsPerFrame)),
    burstRelayActiveUsPerFrame: median(rs.map((r) => r.burst.relayActiveUsPerFrame)),
    burstFramesPerSecond: median(rs.map((r) => r.burst.framesPerSecond)),
    burstMegabytesPerSecond: median(rs.map((r) => r.burst.megabytesPerSecond)),
    burstP99Ms: median(rs.map((r) => r.burst.p99)),
  };
};
const bare = summary('bare');
const proxy = summary('proxy');
const round2 = (v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v);
const roundAll = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v && typeof v === 'object' ? roundAll(v) : round2(v)]));
// The p99 of a shared 2-core machine is noisy: also the ratio within each round (bare and proxy back to back).
const roundRatios = Array.from({ length: ROUNDS }, (_, r) => rounds.find((x) => x.round === r && x.mode === 'proxy').p99 / rounds.find((x) => x.round === r && x.mode === 'bare').p99);
const ratio = proxy.p99Ms / bare.p99Ms;
const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${process.platform} ${process.arch}` },
  setup: {
    streams: STREAMS,
    framesPerStream: FRAMES,
    frameBytes: FRAME_BYTES,
    paceMs: PACE_MS,
    rounds: ROUNDS,
    note: 'upstream + clients on the main thread, relay on a worker thread; all streams connected and started before frames flow; latency = client receive − upstream send; relay active µs per frame = the relay thread’s busy time over the phase / audio frames; figures are medians over rounds',
    loadAverage1m: { atStart: Math.round(LOAD_AT_START[0] * 10) / 10, atEnd: Math.round(os.loadavg()[0] * 10) / 10 },
  },
  bare: roundAll(bare),
  proxy: roundAll(proxy),
  figures: {
    proxyP99OverBareP99: { value: round2(ratio), budget: '<= 1.2', withinBudget: ratio <= 1.2, perRound: roundRatios.map(round2), medianOfRoundRatios: round2(median(roundRatios)) },
    proxyAddedP50Ms: { value: round2(proxy.p50Ms - bare.p50Ms), budget: 'report only' },
    proxyAddedP99Ms: { value: round2(proxy.p99Ms - bare.p99Ms), budget: 'report only' },
    proxyBurstThroughputVsBare: { value: round2(proxy.burstFramesPerSecond / bare.burstFramesPerSecond), budget: 'report only' },
    proxyRelayActiveUsPerFrameVsBare: { value: round2(proxy.burstRelayActiveUsPerFrame / bare.burstRelayActiveUsPerFrame), proxy: round2(proxy.burstRelayActiveUsPerFrame), bare: round2(bare.burstRelayActiveUsPerFrame), budget: 'report only' },
  },
  rounds: rounds.map(roundAll),
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/proxy.json'), `${JSON.stringify(report, null, 2)}\n`);

console.log(`\nproxy bench (${STREAMS} streams × ${FRAMES} frames, ${os.cpus().length} cpus, node ${process.version})`);
console.table({
  'bare ws relay': { 'p50 ms': round2(bare.p50Ms), 'p99 ms': round2(bare.p99Ms), 'burst frames/s': Math.round(bare.burstFramesPerSecond), 'burst MB/s': round2(bare.burstMegabytesPerSecond), 'relay ELU': round2(bare.relayEventLoopUtilization), 'relay µs/frame': round2(bare.burstRelayActiveUsPerFrame) },
  'synthesis proxy': { 'p50 ms': round2(proxy.p50Ms), 'p99 ms': round2(proxy.p99Ms), 'burst frames/s': Math.round(proxy.burstFramesPerSecond), 'burst MB/s': round2(proxy.burstMegabytesPerSecond), 'relay ELU': round2(proxy.relayEventLoopUtilization), 'relay µs/frame': round2(proxy.burstRelayActiveUsPerFrame) },
});
console.log(`proxy p99 / bare p99 = ${round2(ratio)} (budget ≤ 1.2: ${ratio <= 1.2 ? 'within' : 'OVER'}); per round ${roundRatios.map(round2).join(', ')}`);
