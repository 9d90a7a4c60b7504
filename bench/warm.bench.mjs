// Warm connections bench (issue 15): time to first audio over an emulated link, cold vs warm, on three paths (the proxy in three configurations).
//   link       bench/support-delay-link.mjs: a TCP relay delaying each direction (round trips 0–200 ms) in
//              front of the local voice server (tone engine, in process)
//   paths      core:  SpeechSynthesizer (and SpeechController for the queue) → link → server
//              proxy: the same client → link → createSynthesisProxy → link → server (both hops delayed by
//                     the row's round trip, so a request/answer pair costs two of them; the proxy opens a
//                     client's upstream as the client connects); proxyUpstreamAtFirstTask: upstreamOnConnect
//                     false; proxyWarmUpstream: that and one warm upstream socket (upstreamPool: { size: 1 })
//              hooks: useSpeechSynthesis under a SpeechProvider (its connection pool, the real Web Audio
//                     player) in Debian's Chromium, production React build (bench/warmPage.tsx) → link → server
//   cold       a fresh client (core: a new SpeechSynthesizer on a plain transport; hooks: a newly mounted
//              provider): connect (upgrade) + run-task + continue-task
//   preconnect preconnect() awaited first, then speak: run-task + continue-task on a warm socket
//   repeat     the next speak on the socket a first speak used
//   queue gap  speak(a); speak(b, { queue: 'append' }): the silence between a's end (onEnd) and b's start
//              (onStart): core and proxy with a real-time silent player, hooks with the real player
// Times run from call()/speak to the first audio frame received (median and min of 7, after one warm-up).
// DESIGN.md budget: at a 100 ms round trip, preconnected and repeat ≤ 2 round trips + 20 ms after speak;
// queued utterances with no silence added beyond the audio's own.
// The relay does not delay the TCP handshake (see support-delay-link.mjs): cold is a lower bound.
// Run: node bench/warm.bench.mjs   (CHROMIUM_PATH overrides /usr/bin/chromium; WARM_PATHS=core,proxy,proxyUpstreamAtFirstTask,proxyWarmUpstream,hooks picks
// paths: the others keep their rows from the last bench/results/warm.json, each path with the date it was measured)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDelayLink } from './support-delay-link.mjs';

const { register } = await import('tsx/esm/api');
register();
const { AudioFormat, ConnectionPool, SpeechController, SpeechSynthesizer, proxyTransport } = await import('../src/core/index.ts');
const { createSilentPlayer } = await import('../src/playback/index.ts');
const { createLocalVoiceServer, createSynthesisProxy } = await import('../src/server/index.ts');
const WebSocket = (await import('ws')).default;

const root = path.join(import.meta.dirname, '..');
const FORMAT = AudioFormat.PCM_16000HZ_MONO_16BIT;
const TEXT = 'Hello there, this is a warm connection.';
const QUEUE = ['The first reply.', 'The second reply.'];
const REPS = 7;
const QUEUE_REPS = 5;
const PATHS = (process.env.WARM_PATHS ?? 'core,proxy,proxyUpstreamAtFirstTask,proxyWarmUpstream,hooks').split(',');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
const round1 = (value) => Math.round(value * 10) / 10;
const summary = (values) => ({ medianMs: round1(median(values)), minMs: round1(Math.min(...values)), maxMs: round1(Math.max(...values)) });
const check = (result, reused) => {
  if (result.reused !== reused) throw new Error(`expected reused=${reused}, got ${result.reused}`);
  return result.ms;
};

const server = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0 });
const serverUrl = new URL(await server.listen());
const serverTarget = { host: serverUrl.hostname, port: Number(serverUrl.port) };

function synthesizer(transport, onFirstAudio) {
  let first = true;
  return new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: FORMAT,
    transport,
    onWarning: () => undefined,
    callback: {
      onData() {
        if (first) onFirstAudio(performance.now());
        first = false;
      },
    },
  });
}

/** ms from call() to the first audio frame. */
async function firstAudio(transport) {
  let at;
  const synth = synthesizer(transport, (t) => (at = t));
  const start = performance.now();
  await synth.call(TEXT);
  return { ms: at - start, reused: synth.isConnectionReused() };
}

/** speak(a); speak(b, append): ms between a's onEnd and b's onStart, and b's own timeToFirstAudioMs. */
async function queueGap(transport) {
  let endedAt;
  let resolveStart;
  const started = new Promise((resolve) => (resolveStart = resolve));
  let starts = 0;
  const controller = new SpeechController({
    transport,
    defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT },
    createPlayer: () => createSilentPlayer({ format: FORMAT }),
    getCallbacks: () => ({
      onEnd: () => (endedAt ??= performance.now()),
      onStart: () => ++starts === 2 && resolveStart(performance.now()),
      onError: (error) => resolveStart(Promise.reject(error)),
    }),
  });
  controller.speak(QUEUE[0]);
  controller.speak(QUEUE[1], { queue: 'append' });
  const startedAt = await started;
  const gapMs = startedAt - endedAt;
  await new Promise((resolve) => setTimeout(resolve, 1500)); // b plays out before the next run
  controller.release();
  return gapMs;
}

/** The core client (or the proxy in front of the server) at `url`. */
async function measureCore(url) {
  const plain = proxyTransport({ url, WebSocket });
  const cold = [];
  const preconnected = [];
  const repeat = [];
  const gaps = [];
  await firstAudio(plain); // warm-up (engine, JIT)
  for (let i = 0; i < REPS; i++) cold.push(check(await firstAudio(plain), false));
  for (let i = 0; i < REPS; i++) {
    const pool = new ConnectionPool(plain);
    if (!(await pool.preconnect())) throw new Error('preconnect failed');
    preconnected.push(check(await firstAudio(pool), true));
    pool.close();
  }
  const pool = new ConnectionPool(plain);
  await firstAudio(pool);
  for (let i = 0; i < REPS; i++) repeat.push(check(await firstAudio(pool), true));
  for (let i = 0; i < QUEUE_REPS; i++) gaps.push(await queueGap(pool));
  pool.close();
  return { cold: summary(cold), preconnected: summary(preconnected), repeat: summary(repeat), queueGap: summary(gaps) };
}

/** The hooks in Chromium at `url` (the page drives them; see bench/warmPage.tsx). */
async function measureHooks(page, url) {
  const cold = [];
  const preconnected = [];
  const gaps = [];
  const queueTimeToFirstAudio = [];
  await page.evaluate(([u, t]) => window.measureCold(u, t), [url, TEXT]); // warm-up
  for (let i = 0; i < REPS; i++) cold.push(check(await page.evaluate(([u, t]) => window.measureCold(u, t), [url, TEXT]), false));
  for (let i = 0; i < REPS; i++) preconnected.push(check(await page.evaluate(([u, t]) => window.measurePreconnected(u, t), [url, TEXT]), true));
  const repeat = (await page.evaluate(([u, t, n]) => window.measureRepeat(u, t, n), [url, TEXT, REPS])).map((result) => check(result, true));
  for (let i = 0; i < QUEUE_REPS; i++) {
    const result = await page.evaluate(([u, a, b]) => window.measureQueueGap(u, a, b), [url, ...QUEUE]);
    gaps.push(result.gapMs);
    queueTimeToFirstAudio.push(result.timeToFirstAudioMs);
  }
  return { cold: summary(cold), preconnected: summary(preconnected), repeat: summary(repeat), queueGap: summary(gaps), queueTimeToFirstAudio: summary(queueTimeToFirstAudio) };
}

async function openChromium() {
  // Loaded here: the core and proxy paths need no browser.
  const { openBenchPage } = await import('./support-page.mjs');
  const bench = await openBenchPage('bench/warmPage.tsx', { title: 'warm bench', autoplay: true });
  const page = await bench.browser.newPage();
  await page.goto(bench.url);
  await page.waitForFunction(() => typeof window.measureQueueGap === 'function');
  return { page, version: bench.browser.version(), close: bench.close };
}

const inference = (port) => `ws://127.0.0.1:${port}/api-ws/v1/inference`;
const results = { core: [], proxy: [], proxyUpstreamAtFirstTask: [], proxyWarmUpstream: [], hooks: [] };
let chromiumVersion;

if (PATHS.includes('core')) {
  for (const oneWay of [0, 25, 50, 100]) {
    const link = await startDelayLink(serverTarget, oneWay);
    results.core.push({ roundTripMs: 2 * oneWay, ...(await measureCore(inference(link.port))) });
    await link.close();
  }
}

// The proxy as configured by default (it opens a client's upstream socket when the client connects, and
// keeps it for the client's later tasks), with the upstream opened only at the first task
// (`upstreamOnConnect: false`), and with one warm upstream socket (`upstreamPool: { size: 1 }`).
for (const [name, variant] of [
  ['proxy', {}],
  ['proxyUpstreamAtFirstTask', { upstreamOnConnect: false }],
  ['proxyWarmUpstream', { upstreamPool: { size: 1 }, upstreamOnConnect: false }],
]) {
  if (!PATHS.includes(name)) continue;
  for (const oneWay of [25, 50, 100]) {
    const upstreamLink = await startDelayLink(serverTarget, oneWay);
    const proxy = createSynthesisProxy({
      apiKey: 'bench-not-a-real-key',
      upstream: `ws://127.0.0.1:${upstreamLink.port}`,
      port: 0,
      host: '127.0.0.1',
      ...variant,
      log: () => undefined,
    });
    const proxyUrl = new URL(await proxy.listen());
    const clientLink = await startDelayLink({ host: proxyUrl.hostname, port: Number(proxyUrl.port) }, oneWay);
    results[name].push({ roundTripMs: 2 * oneWay, roundTripBothHopsMs: 4 * oneWay, ...(await measureCore(inference(clientLink.port))) });
    await clientLink.close();
    await proxy.close();
    await upstreamLink.close();
  }
}

if (PATHS.includes('hooks')) {
  const chromium = await openChromium();
  chromiumVersion = chromium.version;
  try {
    for (const oneWay of [25, 50, 100]) {
      const link = await startDelayLink(serverTarget, oneWay);
      results.hooks.push({ roundTripMs: 2 * oneWay, ...(await measureHooks(chromium.page, inference(link.port))) });
      await link.close();
    }
  } finally {
    await chromium.close();
  }
}
await server.close();

// Paths not measured in this run keep the rows of the last run.
const resultsFile = path.join(root, 'bench/results/warm.json');
const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
const measuredAt = { ...(previous?.measuredAt ?? {}) };
chromiumVersion ??= previous?.machine?.chromium;
for (const name of Object.keys(results)) {
  if (PATHS.includes(name)) measuredAt[name] = new Date().toISOString();
  else if (previous) results[name] = (name === 'core' ? previous.rows : previous[name]) ?? [];
}

// The service's own part: what a warm task takes with no link delay, added to two round trips (per hop).
const serverPart = results.core[0]?.repeat.medianMs ?? 0;
for (const [name, rows] of Object.entries(results)) {
  for (const row of rows) {
    const roundTrips = row.roundTripBothHopsMs ?? row.roundTripMs;
    row.twoRoundTripsPlusServerMs = round1(2 * roundTrips + serverPart);
    row.preconnectedOverFloorMs = round1(row.preconnected.medianMs - row.twoRoundTripsPlusServerMs);
    row.repeatOverFloorMs = round1(row.repeat.medianMs - row.twoRoundTripsPlusServerMs);
  }
}

for (const [name, rows] of Object.entries(results)) {
  if (rows.length === 0) continue;
  console.log(`\n${name}: round trip | cold | preconnected | repeat | 2 RTT + server | queue gap   (median ms)`);
  for (const r of rows) {
    console.log(`${String(r.roundTripMs).padStart(6)} ms | ${r.cold.medianMs} | ${r.preconnected.medianMs} | ${r.repeat.medianMs} | ${r.twoRoundTripsPlusServerMs} | ${r.queueGap.medianMs}`);
  }
}

const out = path.join(root, 'bench/results');
mkdirSync(out, { recursive: true });
writeFileSync(
  path.join(out, 'warm.json'),
  `${JSON.stringify(
    {
      bench: 'warm',
      date: new Date().toISOString(),
      measuredAt,
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, chromium: chromiumVersion, loadAverage1m: round1(os.loadavg()[0]) },
      method:
        'local voice server (tone engine) behind a TCP relay delaying each direction (bench/support-delay-link.mjs; TCP handshake not delayed, no TLS); ms from call()/speak to the first audio frame received, median/min/max of 7. core: SpeechSynthesizer → link → server. proxy: the same client → link → createSynthesisProxy → link → server, each hop delayed by roundTripMs (twoRoundTripsPlusServerMs counts both hops); proxyUpstreamAtFirstTask: the same with upstreamOnConnect false (the upstream opened at the first task, the default in 0.2); proxyWarmUpstream: that with upstreamPool { size: 1 }. hooks: useSpeechSynthesis + SpeechProvider (pool, real Web Audio player) in Chromium, production build. queueGap: ms between the first queued utterance\'s onEnd and the second\'s onStart (core/proxy: real-time silent player; hooks: the real player), median of 5; hooks also give the second utterance\'s metrics.timeToFirstAudioMs: the heard silence, from where the first one is heard to end to the second one\'s first audible sample',
      text: TEXT,
      queue: QUEUE,
      format: 'PCM_16000HZ_MONO_16BIT',
      rows: results.core,
      proxy: results.proxy,
      proxyUpstreamAtFirstTask: results.proxyUpstreamAtFirstTask,
      proxyWarmUpstream: results.proxyWarmUpstream,
      hooks: results.hooks,
    },
    null,
    2,
  )}\n`,
);
