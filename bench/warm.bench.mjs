// Warm connections bench (issue 15): time to first audio over an emulated link, cold vs warm, for the core
// client (SpeechSynthesizer, and SpeechController for the queue).
//   link       bench/support-delay-link.mjs: a TCP relay delaying each direction by 0, 25, 50, 100 ms
//              (round trips 0, 50, 100, 200 ms) in front of the local voice server (tone engine, in process)
//   cold       a new SpeechSynthesizer on a plain transport: connect (upgrade) + run-task + continue-task
//   preconnect ConnectionPool.preconnect() awaited first, then call(): run-task + continue-task on a warm socket
//   repeat     the next call() on the pool's socket after a first call ended
//   queue gap  SpeechController + a real-time silent player: speak(a); speak(b, { queue: 'append' }); the silence
//              between a's last sample heard (onEnd) and b's first sample playing (onStart)
// Times run from call()/speak to the first audio frame received (median and min of 7, after one warm-up).
// DESIGN.md budget: at a 100 ms round trip, preconnected and repeat ≤ 2 round trips + 20 ms after speak.
// The relay does not delay the TCP handshake (see support-delay-link.mjs): cold is a lower bound.
// Run: node bench/warm.bench.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDelayLink } from './support-delay-link.mjs';

const { register } = await import('tsx/esm/api');
register();
const { AudioFormat, ConnectionPool, SpeechController, SpeechSynthesizer, proxyTransport } = await import('../src/core/index.ts');
const { createSilentPlayer } = await import('../src/playback/index.ts');
const { createLocalVoiceServer } = await import('../src/server/index.ts');
const WebSocket = (await import('ws')).default;

const FORMAT = AudioFormat.PCM_16000HZ_MONO_16BIT;
const TEXT = 'Hello there, this is a warm connection.';
const REPS = 7;
const ONE_WAY = [0, 25, 50, 100];
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
const summary = (values) => ({ medianMs: Math.round(median(values) * 10) / 10, minMs: Math.round(Math.min(...values) * 10) / 10 });

const server = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0 });
const serverUrl = new URL(await server.listen());

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
  return { ms: at - start, reused: synth.isConnectionReused(), connectMs: synth.getConnectMs() };
}

async function measure(oneWayMs) {
  const link = await startDelayLink({ host: serverUrl.hostname, port: Number(serverUrl.port) }, oneWayMs);
  const url = `ws://127.0.0.1:${link.port}/api-ws/v1/inference`;
  const plain = proxyTransport({ url, WebSocket });
  const cold = [];
  const preconnected = [];
  const repeat = [];
  const gaps = [];
  const check = (result, reused) => {
    if (result.reused !== reused) throw new Error(`expected reused=${reused}, got ${result.reused}`);
    return result.ms;
  };
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
  for (let i = 0; i < 5; i++) {
    let endedAt;
    let resolveStart;
    const started = new Promise((resolve) => (resolveStart = resolve));
    let starts = 0;
    const controller = new SpeechController({
      transport: pool,
      defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT },
      createPlayer: () => createSilentPlayer({ format: FORMAT }),
      getCallbacks: () => ({
        onEnd: () => (endedAt ??= performance.now()),
        onStart: () => ++starts === 2 && resolveStart(performance.now()),
      }),
    });
    controller.speak('The first reply.');
    controller.speak('The second reply.', { queue: 'append' });
    const startedAt = await started;
    gaps.push(startedAt - endedAt);
    controller.release();
  }
  pool.close();
  await link.close();
  const rtt = 2 * oneWayMs;
  return { roundTripMs: rtt, cold: summary(cold), preconnected: summary(preconnected), repeat: summary(repeat), queueGap: summary(gaps) };
}

const rows = [];
for (const oneWay of ONE_WAY) rows.push(await measure(oneWay));
await server.close();

// The service's own part: what a warm task takes with no link delay, added to two round trips.
const serverPart = rows[0].repeat.medianMs;
for (const row of rows) {
  row.twoRoundTripsPlusServerMs = Math.round((2 * row.roundTripMs + serverPart) * 10) / 10;
  row.preconnectedOverFloorMs = Math.round((row.preconnected.medianMs - row.twoRoundTripsPlusServerMs) * 10) / 10;
  row.repeatOverFloorMs = Math.round((row.repeat.medianMs - row.twoRoundTripsPlusServerMs) * 10) / 10;
}

console.log('round trip | cold | preconnected | repeat | 2 RTT + server | queue gap   (median ms to first audio frame)');
for (const r of rows) {
  console.log(
    `${String(r.roundTripMs).padStart(6)} ms | ${r.cold.medianMs} | ${r.preconnected.medianMs} | ${r.repeat.medianMs} | ${r.twoRoundTripsPlusServerMs} | ${r.queueGap.medianMs}`,
  );
}

const out = path.join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  path.join(out, 'warm.json'),
  `${JSON.stringify(
    {
      bench: 'warm',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10 },
      method:
        'local voice server (tone engine) behind a TCP relay delaying each direction (bench/support-delay-link.mjs; TCP handshake not delayed, no TLS); ms from call()/speak to the first audio frame received, median and min of 7; queue gap: silence between the end of one queued utterance and the start of the next (real-time silent player), median of 5',
      text: TEXT,
      format: 'PCM_16000HZ_MONO_16BIT',
      rows,
    },
    null,
    2,
  )}\n`,
);
