// Reading seek bench (issue 16): how soon a reader hears a sentence whose audio has not arrived, when they
// jump to it while the reading plays. A ReadAloudController (core, real-time silent player, the provider's
// kind of connection pool) reads a long text over an emulated link (bench/support-delay-link.mjs, round
// trips 50 / 100 / 200 ms) in front of the local voice server, whose tone engine is paced to deliver
// audio at 4× real time (as a service synthesizes, not all at once); once its first words are heard, it
// jumps to a sentence far ahead, whose audio has not arrived yet. Measured from seekToSentence(): to the
// new task's first audio frame (played at once), and to that sentence's first word highlighted; median,
// min and max of 7.
// Goal (issue 16): within one round trip + the first-package time. The first-package time is what the
// service takes from the text to the first audio: on a warm socket a task costs run-task → task-started
// (one round trip) + continue-task → first audio (one round trip + the server's time), so the floor is
// 2 round trips + the server's time (the same floor as bench/warm.bench.mjs's "repeat").
// With spareConnection (the default) the reading keeps a second socket warm while audio arrives; the bench
// runs with and without it.
// Run: node bench/readingSeek.bench.mjs   (writes bench/results/readingSeek.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDelayLink } from './support-delay-link.mjs';

const { register } = await import('tsx/esm/api');
register();
const { AudioFormat, ConnectionPool, ReadAloudController, proxyTransport } = await import('../src/core/index.ts');
const { createSilentPlayer } = await import('../src/playback/index.ts');
const { createLocalVoiceServer, createToneEngine } = await import('../src/server/index.ts');
const WebSocket = (await import('ws')).default;

const root = path.join(import.meta.dirname, '..');
const FORMAT = AudioFormat.PCM_16000HZ_MONO_16BIT;
const SENTENCES = Array.from({ length: 40 }, (_, i) => `Sentence number ${i + 1} of this long text is here to be read.`);
const TEXT = SENTENCES.join(' ');
const TARGET_SENTENCE = 30;
const REPS = 7;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round1 = (value) => Math.round(value * 10) / 10;

function until(controller, check, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out (status ${controller.getReadingSnapshot().status})`));
    }, timeoutMs);
    const test = () => {
      const snapshot = controller.getReadingSnapshot();
      if (!check(snapshot)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(snapshot);
    };
    const unsubscribe = controller.subscribeReading(test);
    test();
  });
}

// The tone engine makes a sentence's audio at once; a service streams it as it synthesizes. Paced here.
const SYNTHESIS_SPEED = 4;
const tone = createToneEngine();
const pacedTone = {
  name: 'tone, paced',
  sampleRate: tone.sampleRate,
  async synthesize(request, onAudio, signal) {
    const chunks = [];
    const words = await tone.synthesize(request, (samples) => chunks.push(samples), signal);
    const rate = tone.sampleRate ?? request.sampleRate;
    for (const samples of chunks) {
      if (signal.aborted) break;
      onAudio(samples);
      await new Promise((resolve) => setTimeout(resolve, (samples.length / rate) * 1000 / SYNTHESIS_SPEED));
    }
    return words;
  },
};
const server = createLocalVoiceServer({ engine: pacedTone, host: '127.0.0.1', port: 0 });
const serverUrl = new URL(await server.listen());
const rows = [];
for (const spareConnection of [true, false])
for (const oneWay of [25, 50, 100]) {
  const link = await startDelayLink({ host: serverUrl.hostname, port: Number(serverUrl.port) }, oneWay);
  const samples = [];
  const audioSamples = [];
  const newSockets = [];
  let warmSeeks = 0;
  for (let rep = 0; rep < REPS + 1; rep++) {
    let opened = 0;
    const base = proxyTransport({ url: `ws://127.0.0.1:${link.port}/api-ws/v1/inference`, WebSocket });
    const pool = new ConnectionPool({ ...base, connect: (handlers, signal) => (opened++, base.connect(handlers, signal)) });
    const controller = new ReadAloudController({
      transport: pool,
      defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT, wordTimestampEnabled: true },
      createPlayer: () => createSilentPlayer({ format: FORMAT, realtime: true }),
      spareConnection,
    });
    controller.setText(TEXT);
    controller.play();
    await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 2);
    const openedBefore = opened;
    const utteranceBefore = controller.getSnapshot().utterance;
    // The new task's first audio frame: the speech snapshot publishes its first-package delay right then.
    let firstAudioAt;
    const unsubscribe = controller.subscribe(() => {
      const { utterance, metrics } = controller.getSnapshot();
      if (firstAudioAt === undefined && utterance !== utteranceBefore && metrics.firstPackageDelayMs !== undefined) firstAudioAt = performance.now();
    });
    const start = performance.now();
    controller.seekToSentence(TARGET_SENTENCE);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === TARGET_SENTENCE && s.wordIndex >= 0);
    const ms = performance.now() - start;
    const onWarmSocket = controller.getSnapshot().metrics.connectionReused === true;
    unsubscribe();
    controller.release();
    await pool.close();
    // The first repetition warms the code up.
    if (rep === 0) continue;
    samples.push(ms);
    audioSamples.push(firstAudioAt - start);
    newSockets.push(opened - openedBefore);
    if (onWarmSocket) warmSeeks++;
  }
  await link.close();
  const roundTripMs = 2 * oneWay;
  rows.push({
    spareConnection,
    roundTripMs,
    seekToFirstAudio: { medianMs: round1(median(audioSamples)), minMs: round1(Math.min(...audioSamples)), maxMs: round1(Math.max(...audioSamples)) },
    seekToHighlighted: { medianMs: round1(median(samples)), minMs: round1(Math.min(...samples)), maxMs: round1(Math.max(...samples)) },
    twoRoundTripsMs: 2 * roundTripMs,
    newSocketsPerSeek: median(newSockets),
    seeksOnWarmSocket: `${warmSeeks} of ${REPS}`,
  });
}
await server.close();

console.log('spare | round trip | seek → first audio (median, min, max) | seek → word highlighted | 2 round trips | new sockets | on a warm socket');
for (const row of rows) console.log(`${row.spareConnection ? 'yes' : 'no '}   | ${String(row.roundTripMs).padStart(6)} ms | ${row.seekToFirstAudio.medianMs} (${row.seekToFirstAudio.minMs}, ${row.seekToFirstAudio.maxMs}) | ${row.seekToHighlighted.medianMs} | ${row.twoRoundTripsMs} | ${row.newSocketsPerSeek} | ${row.seeksOnWarmSocket}`);
const out = path.join(root, 'bench/results');
mkdirSync(out, { recursive: true });
writeFileSync(
  path.join(out, 'readingSeek.json'),
  `${JSON.stringify(
    {
      bench: 'readingSeek',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadAverage1m: round1(os.loadavg()[0]) },
      method: `ReadAloudController (core, silent real-time player, ConnectionPool) over a TCP relay delaying each direction, local voice server (tone engine paced to ${SYNTHESIS_SPEED}× real time); ${SENTENCES.length} sentences; once the third word is heard, seekToSentence(${TARGET_SENTENCE}) (audio not yet received); seekToFirstAudio: ms from the call to the new task's first audio frame (the player plays it at once); seekToHighlighted: to the first word of that sentence highlighted, which waits for the sentence's word timestamps (the local server sends them when the sentence is synthesized); median/min/max of ${REPS} after a warm-up; with spareConnection (the default) a second socket is kept warm while audio arrives and the seek's task takes it, without it the pool opens one for the seek's task (the first task's socket goes on receiving its window in the background); newSocketsPerSeek: sockets the pool opened from the seek until the sentence was heard (with a spare: its replacement); seeksOnWarmSocket: seeks whose task started on a socket already open`,
      rows,
      goal: 'within one round trip + the first-package time (2 round trips + the server on a warm socket)',
    },
    null,
    2,
  )}\n`,
);
