// Client bench: CPU per audio frame and memory for a 200 000-character task.
//   CPU (µs per frame, median of 5 repetitions, frames fed synchronously through an in-process transport):
//     parse            parseServerFrame on a binary frame and on a sentence-synthesis event
//     counter          AudioDurationCounter.push, per container (pcm, wav, mp3, ogg opus)
//     timeline         WordTimeline.addSentence, per sentence of 12 words (on its own; and the whole timeline
//                      of a 2 430-sentence task, which grows quadratically)
//     synthesizer      everything SpeechSynthesizer does per frame (1 event + 1 audio frame; sentence begin/end
//                      with words every 20 frames), callback mode, averaged over a task of 20 000 frames (1 000 sentences)
//     silent player    createSilentPlayer().enqueue (real-time clock)
//     controller       SpeechController + silent player: the hooks' path without React
//     decode           parse + decode + enqueue per audio frame on the browser's WASM fallback path, per format:
//                      the real frames of the local voice server (dist/server.js, tone engine) for
//                      OGG_OPUS_24KHZ_MONO_32KBPS, MP3_24000HZ_MONO_256KBPS and PCM_24000HZ_MONO_16BIT, each one
//                      parseServerFrame → createAudioPlayer({ forceWasmDecoder: true }).enqueue (dist/playback.js:
//                      createStreamDecoder → OpusStreamDecoder / Mp3StreamDecoder on opus-decoder / mpg123-decoder,
//                      or Pcm16Decoder) → the samples posted to the worklet. Node has no Web Audio: the AudioContext and
//                      AudioWorkletNode are inert fakes (postMessage records the time, no structured clone). One frame per
//                      macrotask, as the WebSocket delivers them; a frame's time runs from parse to the last samples it
//                      posted (Opus decodes in microtasks), so it is main-thread time. Mean, p95 over every frame after
//                      the first samples of each utterance (those wait for the WASM instance: reported as setupMsMedian).
//   Memory: a 200 000-character streaming task (10 × 20 000 characters) through SpeechSynthesizer over a real
//     loopback socket to a fast scripted server in a child process (bench/support-fast-server.mjs, realistic
//     100 ms PCM frames): heap and RSS before, peak during, after (task retained), after releasing it; the
//     client's CPU time per frame over the whole task.
// No budget in DESIGN.md for these: reported. Run: node bench/client.bench.mjs (re-runs itself with --expose-gc)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

if (typeof globalThis.gc !== 'function') {
  const result = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

const { register } = await import('tsx/esm/api');
register();
const core = await import('../src/core/index.ts');
const { createSilentPlayer } = await import('../src/playback/index.ts');
const WebSocket = (await import('ws')).default;
const { AudioFormat, SpeechController, SpeechSynthesizer, WordTimeline, proxyTransport } = core;
// Internal since 0.2.0 (no entry exports them): measured from the sources.
const { AudioDurationCounter } = await import('../src/core/AudioDurationCounter.ts');
const { parseServerFrame } = await import('../src/core/protocol.ts');

const root = path.join(import.meta.dirname, '..');
const round = (v, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};

/** µs per operation: median of `reps` timed runs of `n` operations after one warm-up run. */
function perOp(n, run, reps = 5) {
  run(n);
  const times = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    run(n);
    times.push(((performance.now() - start) * 1000) / n);
  }
  return round(median(times));
}

// ---- realistic frames ---------------------------------------------------------------------------
const TASK = 'bench_task_0000000000000000000000';
const PCM_FRAME = new Uint8Array(3200); // 100 ms at 16 kHz
const ev = (name, payload = {}) => JSON.stringify({ header: { task_id: TASK, event: name, attributes: {} }, payload });
const SYNTH_EVENT = ev('result-generated', { output: { type: 'sentence-synthesis', sentence: { index: 0, words: [] } } });
const SENTENCE = 'The quick brown fox jumps over the lazy dog again and again. ';
const WIRE_WORDS = SENTENCE.trim().split(' ').map((w, i) => ({ text: w.replace('.', ''), begin_index: SENTENCE.indexOf(w), end_index: SENTENCE.indexOf(w) + w.replace('.', '').length, begin_time: i * 160, end_time: i * 160 + 150 }));
const beginEvent = (i) => ev('result-generated', { output: { type: 'sentence-begin', sentence: { index: i, words: [] }, original_text: SENTENCE } });
const endEvent = (i) => ev('result-generated', { output: { type: 'sentence-end', sentence: { index: i, words: WIRE_WORDS }, original_text: SENTENCE }, usage: { characters: (i + 1) * SENTENCE.length } });
const mp3 = readFileSync(path.join(root, 'test/fixtures/audio/sine440-24k.mp3'));
const opus = readFileSync(path.join(root, 'test/fixtures/audio/sine440-48k.opus'));
const chunks = (bytes, size) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => new Uint8Array(bytes.subarray(i * size, (i + 1) * size)));
const wavHeader = core.encodeWav([new Uint8Array(0)], 16000).subarray(0, 44);

// ---- CPU per frame --------------------------------------------------------------------------------
const cpu = {};
cpu.parseBinaryFrameUs = perOp(200_000, (n) => {
  for (let i = 0; i < n; i++) parseServerFrame(PCM_FRAME);
});
cpu.parseSynthesisEventUs = perOp(30_000, (n) => {
  for (let i = 0; i < n; i++) parseServerFrame(SYNTH_EVENT);
});
cpu.parseSentenceEndEventUs = perOp(10_000, (n) => {
  const text = endEvent(3);
  for (let i = 0; i < n; i++) parseServerFrame(text);
});
const counterCase = (format, frames) =>
  perOp(frames.length * 200, (n) => {
    const counter = new AudioDurationCounter(format);
    for (let i = 0; i < n; i++) counter.push(frames[i % frames.length]);
  });
cpu.counterPcmUs = counterCase(AudioFormat.PCM_16000HZ_MONO_16BIT, [PCM_FRAME]);
cpu.counterWavUs = counterCase(AudioFormat.WAV_16000HZ_MONO_16BIT, [new Uint8Array([...wavHeader, ...PCM_FRAME.subarray(44)]), PCM_FRAME]);
cpu.counterMp3Us = counterCase(AudioFormat.MP3_24000HZ_MONO_256KBPS, chunks(mp3, 1024));
cpu.counterOpusUs = counterCase(AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS, chunks(opus, 512));
const timelineWords = WIRE_WORDS.map((w) => ({ text: w.text, beginIndex: w.begin_index, endIndex: w.end_index, beginTime: w.begin_time, endTime: w.end_time }));
cpu.timelineAddSentenceUs = perOp(20_000, (n) => {
  let timeline = new WordTimeline();
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) timeline = new WordTimeline(); // a short text: the cost of one sentence on its own
    timeline.addSentence({ text: SENTENCE, audioOffsetMs: i * 2000, words: timelineWords });
  }
});
// The whole timeline of the 200 000-character task below (2 430 sentences): WordTimeline copies its word
// list on every sentence, so this grows with the square of the task's length.
const buildTimelineUs = perOp(
  1,
  () => {
    const timeline = new WordTimeline();
    for (let i = 0; i < 2430; i++) timeline.addSentence({ text: SENTENCE, audioOffsetMs: i * 2000, words: timelineWords });
  },
  3,
);
cpu.timelineBuild2430SentencesMs = round(buildTimelineUs / 1000, 1);

/** An in-process transport: the bench feeds the synthesizer's handlers directly. */
function directFeed() {
  const feed = { handlers: undefined, sent: [] };
  feed.transport = {
    description: 'bench',
    async connect(handlers) {
      feed.handlers = handlers;
      return { send: (text) => feed.sent.push(text), close: () => undefined };
    },
  };
  return feed;
}
const tick = () => new Promise((resolve) => setImmediate(resolve));
const FRAMES_PER_SENTENCE = 20;
/** Feeds `frames` audio frames (each after a synthesis event) in sentences of 20, with begin/end events. */
function feedFrames(handlers, frames, sentenceBase = 0) {
  for (let f = 0; f < frames; f++) {
    const s = sentenceBase + Math.floor(f / FRAMES_PER_SENTENCE);
    if (f % FRAMES_PER_SENTENCE === 0) handlers.onMessage(beginEvent(s));
    handlers.onMessage(SYNTH_EVENT);
    handlers.onMessage(PCM_FRAME);
    if (f % FRAMES_PER_SENTENCE === FRAMES_PER_SENTENCE - 1) handlers.onMessage(endEvent(s));
  }
}

async function synthesizerPerFrame(frames) {
  const feed = directFeed();
  let bytes = 0;
  const synthesizer = new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: AudioFormat.PCM_16000HZ_MONO_16BIT,
    wordTimestampEnabled: true,
    transport: feed.transport,
    callback: { onData: (data) => (bytes += data.byteLength), onSentence: () => undefined },
    onWarning: () => undefined,
  });
  synthesizer.streamingCall(SENTENCE);
  await tick();
  feed.handlers.onMessage(ev('task-started'));
  const start = performance.now();
  feedFrames(feed.handlers, frames);
  const us = ((performance.now() - start) * 1000) / frames;
  synthesizer.streamingCancel();
  if (bytes !== frames * PCM_FRAME.byteLength) throw new Error('frames lost');
  return us;
}
const synthRuns = [];
await synthesizerPerFrame(4000);
for (let r = 0; r < 5; r++) synthRuns.push(await synthesizerPerFrame(20_000));
cpu.synthesizerPerFrameUs = round(median(synthRuns));

cpu.silentPlayerEnqueueUs = perOp(20_000, (n) => {
  const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT });
  player.reset();
  for (let i = 0; i < n; i++) player.enqueue(PCM_FRAME);
  player.dispose();
});

async function controllerPerFrame(frames) {
  const feed = directFeed();
  const controller = new SpeechController({
    transport: feed.transport,
    defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_16000HZ_MONO_16BIT, wordTimestampEnabled: true },
    createPlayer: () => createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT }),
  });
  let notifications = 0;
  controller.subscribe(() => notifications++);
  controller.speak(SENTENCE);
  await tick();
  feed.handlers.onMessage(ev('task-started'));
  const start = performance.now();
  feedFrames(feed.handlers, frames);
  const us = ((performance.now() - start) * 1000) / frames;
  controller.release();
  return us;
}
const controllerRuns = [];
await controllerPerFrame(4000);
for (let r = 0; r < 5; r++) controllerRuns.push(await controllerPerFrame(20_000));
cpu.controllerPerFrameUs = round(median(controllerRuns));

// ---- memory: a 200 000-character task over a real socket -------------------------------------------
const server = spawn(process.execPath, [path.join(import.meta.dirname, 'support-fast-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  server.stdout.on('data', (data) => {
    const match = /port (\d+)/.exec(String(data));
    if (match) resolve(Number(match[1]));
  });
  server.once('exit', (code) => reject(new Error(`fast server exited (${code})`)));
});

const PARAGRAPH = [
  'Speech synthesis turns written text into audio that people can listen to.',
  'A streaming service sends the first sentence back while the rest is still being written.',
  'Good timing lets an application highlight every word at the moment it is heard.',
  'When the network is slow, buffering hides the gaps and the listener hears nothing odd.',
].join(' ');
const piece = (PARAGRAPH + ' ').repeat(Math.ceil(20_000 / (PARAGRAPH.length + 1))).slice(0, 20_000);
const MB = 1024 * 1024;
const snapshot = () => {
  const m = process.memoryUsage();
  return { heapUsedMB: round(m.heapUsed / MB, 1), rssMB: round(m.rss / MB, 1), externalMB: round((m.external + m.arrayBuffers) / MB, 1) };
};
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await tick();
  }
};

await settle();
const before = snapshot();
let peak = { heapUsedMB: 0, rssMB: 0 };
const sampler = setInterval(() => {
  const m = snapshot();
  peak = { heapUsedMB: Math.max(peak.heapUsedMB, m.heapUsedMB), rssMB: Math.max(peak.rssMB, m.rssMB) };
}, 25);
let audioBytes = 0;
let frames = 0;
let sentences = 0;
let synthesizer = new SpeechSynthesizer({
  model: 'cosyvoice-v3-flash',
  voice: 'longanyang',
  format: AudioFormat.PCM_16000HZ_MONO_16BIT,
  wordTimestampEnabled: true,
  transport: proxyTransport({ url: `ws://127.0.0.1:${port}`, WebSocket }),
  callback: {
    onData: (data) => {
      audioBytes += data.byteLength;
      frames++;
    },
    onSentence: () => sentences++,
  },
  onWarning: () => undefined,
});
const cpuBefore = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < 10; i++) synthesizer.streamingCall(piece);
await synthesizer.streamingComplete({ timeoutMillis: 0 });
const wallMs = performance.now() - started;
const cpuUsed = process.cpuUsage(cpuBefore);
clearInterval(sampler);
const words = synthesizer.getTimeline().words.length;
const audioMinutes = synthesizer.getAudioDurationMs() / 60_000;
await settle();
const retained = snapshot();
synthesizer = undefined;
await settle();
const released = snapshot();
server.kill();

const memory = {
  characters: 10 * piece.length,
  frames,
  audioMB: round(audioBytes / MB, 1),
  audioMinutes: round(audioMinutes, 1),
  sentences,
  words,
  wallMs: Math.round(wallMs),
  clientCpuUsPerFrame: round(((cpuUsed.user + cpuUsed.system) / frames), 2),
  before,
  peak,
  afterTaskRetained: retained,
  afterRelease: released,
  heapGrowthRetainedMB: round(retained.heapUsedMB - before.heapUsedMB, 1),
  heapGrowthPeakMB: round(peak.heapUsedMB - before.heapUsedMB, 1),
  rssGrowthPeakMB: round(peak.rssMB - before.rssMB, 1),
  heapBytesPerWordRetained: Math.round(((retained.heapUsedMB - before.heapUsedMB) * MB) / Math.max(1, words)),
};

// ---- CPU per frame, compressed formats: parse + decode + enqueue on the browser's WASM fallback path ---
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const macrotask = () => new Promise((resolve) => setImmediate(resolve));

async function decodeBench() {
  const dist = await import('../dist/core.js');
  const { createAudioPlayer } = await import('../dist/playback.js');
  const { Mp3FrameSplitter } = await import('../src/playback/Mp3FrameSplitter.ts');
  const { OggPacketReader } = await import('../src/playback/OggPacketReader.ts');
  const { createLocalVoiceServer } = await import('../dist/server.js');
  const FORMATS = { pcm: 'PCM_24000HZ_MONO_16BIT', oggOpus: 'OGG_OPUS_24KHZ_MONO_32KBPS', mp3: 'MP3_24000HZ_MONO_256KBPS' };
  const UTTERANCES = Number(process.env.BENCH_DECODE_UTTERANCES ?? 8);
  const TEXT = (PARAGRAPH + ' ').repeat(6); // ~2 000 characters, ~1.7 min of tone audio, ~370 frames

  // The worklet side: inert, except that it notes when samples arrive.
  const port = { posts: 0, samples: 0, lastAt: 0 };
  const previousNode = globalThis.AudioWorkletNode;
  globalThis.AudioWorkletNode = class {
    port = {
      onmessage: null,
      postMessage: (message) => {
        if (message.type !== 'pcm') return;
        port.posts++;
        port.samples += message.samples.length;
        port.lastAt = performance.now();
      },
    };
    connect() {}
    disconnect() {}
  };
  const fakeContext = () => ({
    state: 'running',
    sampleRate: 48000,
    currentTime: 0,
    baseLatency: 0.01,
    outputLatency: 0,
    destination: {},
    audioWorklet: { addModule: async () => undefined },
    resume: async () => undefined,
    close: async () => undefined,
    addEventListener() {},
    removeEventListener() {},
    createGain: () => ({ gain: { value: 1, setTargetAtTime() {} }, connect() {}, disconnect() {} }),
    getOutputTimestamp: () => ({ contextTime: 0, performanceTime: 0 }),
  });
  /** Waits (one macrotask at a time) until `done()`, failing after `ms`. */
  const until = async (done, ms, what) => {
    const limit = performance.now() + ms;
    while (!done()) {
      if (performance.now() > limit) throw new Error(`decode bench: timed out waiting for ${what}`);
      await macrotask();
    }
  };
  /** Waits until no samples have arrived for 20 macrotasks in a row. */
  const quiet = async () => {
    let seen = -1;
    let still = 0;
    while (still < 20) {
      still = port.posts === seen ? still + 1 : 0;
      seen = port.posts;
      await macrotask();
    }
  };

  const server = createLocalVoiceServer({ engine: 'tone' });
  const result = {};
  try {
    for (const [key, name] of Object.entries(FORMATS)) {
      const format = dist.AudioFormat[name];
      // Real frames, as the service's WebSocket delivers them (ArrayBuffers, as in a browser).
      const wire = [];
      const synthesizer = new dist.SpeechSynthesizer({
        model: 'cosyvoice-v3-flash',
        voice: 'longanyang',
        format,
        transport: dist.memoryTransport(server.handleMemoryConnection),
        callback: { onData: (data) => wire.push(data.slice().buffer) },
        onWarning: () => undefined,
      });
      await synthesizer.call(TEXT);
      const serverAudioMs = synthesizer.getAudioDurationMs();
      // The first frame holding audio, by the library's own framing (Ogg Opus: after OpusHead and OpusTags).
      let firstAudio = 0;
      if (key === 'oggOpus') {
        const reader = new OggPacketReader();
        let packets = 0;
        while (firstAudio < wire.length - 1 && (packets += reader.push(new Uint8Array(wire[firstAudio])).length) <= 2) firstAudio++;
      } else if (key === 'mp3') {
        const splitter = new Mp3FrameSplitter();
        while (firstAudio < wire.length - 1 && splitter.push(new Uint8Array(wire[firstAudio])).length === 0) firstAudio++;
      }
      const setupFrames = firstAudio + 1;

      const player = createAudioPlayer({ format, createContext: fakeContext, forceWasmDecoder: true });
      await player.unlock();
      const times = [];
      const setups = [];
      let decoder = 'none';
      let processCpuUs = 0;
      let framesWithoutOutput = 0;
      let decodedSeconds = 0;
      let measuredBytes = 0;
      for (let u = -1; u < UTTERANCES; u++) {
        // u = -1: warm-up (module import, JIT), not recorded.
        await settle();
        player.reset();
        port.posts = 0;
        port.samples = 0;
        const setupStart = performance.now();
        for (let i = 0; i < setupFrames; i++) {
          player.enqueue(parseServerFrame(wire[i]).data);
          await macrotask();
        }
        await until(() => port.posts > 0, 30_000, `the first ${key} samples`);
        const setupMs = port.lastAt - setupStart;
        await quiet();
        decoder = player.getDiagnostics().decoder;
        const cpuStart = process.cpuUsage();
        const run = [];
        for (let i = setupFrames; i < wire.length; i++) {
          const posts = port.posts;
          const start = performance.now();
          player.enqueue(parseServerFrame(wire[i]).data);
          const returned = performance.now();
          await macrotask();
          if (port.posts === posts) framesWithoutOutput++;
          run.push(((port.posts > posts ? Math.max(returned, port.lastAt) : returned) - start) * 1000);
        }
        const cpuUsed = process.cpuUsage(cpuStart);
        player.endOfStream();
        await quiet();
        if (u < 0) continue;
        setups.push(setupMs);
        times.push(...run);
        processCpuUs += cpuUsed.user + cpuUsed.system;
        decodedSeconds += port.samples / player.getDiagnostics().sourceSampleRate;
        measuredBytes += wire.slice(setupFrames).reduce((sum, frame) => sum + frame.byteLength, 0);
      }
      player.dispose();
      const sorted = [...times].sort((a, b) => a - b);
      const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
      const frameAudioMs = serverAudioMs / (wire.length - firstAudio); // frames that hold audio
      result[key] = {
        format: name,
        decoder,
        meanUs: round(mean, 1),
        p95Us: round(quantile(sorted, 0.95), 1),
        medianUs: round(quantile(sorted, 0.5), 1),
        maxUs: round(sorted.at(-1), 1),
        framesMeasured: times.length,
        utterances: UTTERANCES,
        framesPerUtterance: wire.length,
        setupFramesPerUtterance: setupFrames,
        framesWithoutOutput,
        meanFrameBytes: Math.round(measuredBytes / times.length),
        meanFrameAudioMs: round(frameAudioMs, 1),
        usPerAudioSecond: round((mean / frameAudioMs) * 1000, 1),
        processCpuUsPerFrame: round(processCpuUs / times.length, 1),
        setupMsMedian: round(median(setups), 2),
        decodedAudioSeconds: round(decodedSeconds / UTTERANCES, 2),
        serverAudioSeconds: round(serverAudioMs / 1000, 2),
      };
    }
  } finally {
    await server.close();
    globalThis.AudioWorkletNode = previousNode;
  }
  return result;
}
const decode = await decodeBench();

const report = {
  date: new Date().toISOString(),
  // Other work on the machine inflates every figure: the 1, 5 and 15 minute load averages when it finished.
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${process.platform} ${process.arch}`, loadAverage: os.loadavg().map((v) => round(v, 1)) },
  setup: {
    frame: 'PCM 16 kHz, 100 ms = 3 200 bytes',
    framesPerSentence: FRAMES_PER_SENTENCE,
    wordsPerSentence: WIRE_WORDS.length,
    decode:
      'local voice server (dist/server.js, tone engine) frames, one per word (~0.27 s of audio); per frame parseServerFrame + ' +
      'createAudioPlayer({ forceWasmDecoder: true }).enqueue from dist/playback.js up to the samples posted to the worklet ' +
      '(inert fake AudioContext/AudioWorkletNode: no structured clone); main-thread wall time per frame, one frame per macrotask; ' +
      'the frames up to the first samples of each utterance (WASM instantiation; Ogg Opus one frame more) excluded, their wall time ' +
      'reported as setupMsMedian; processCpuUsPerFrame: process CPU (all threads, incl. GC and the per-frame yield) / frames',
  },
  figures: Object.fromEntries([
    ...Object.entries(cpu).map(([k, v]) => [k, { value: v, unit: k.endsWith('Ms') ? 'ms' : 'µs', budget: 'report only' }]),
    ['memory.heapGrowthRetainedMB', { value: memory.heapGrowthRetainedMB, unit: 'MB', budget: 'report only' }],
    ['memory.heapGrowthPeakMB', { value: memory.heapGrowthPeakMB, unit: 'MB', budget: 'report only' }],
    ['memory.rssGrowthPeakMB', { value: memory.rssGrowthPeakMB, unit: 'MB', budget: 'report only' }],
    ['memory.clientCpuUsPerFrame', { value: memory.clientCpuUsPerFrame, unit: 'µs', budget: 'report only' }],
    ...Object.entries(decode).flatMap(([key, r]) => [
      [`decode.${key}PerFrameUs`, { value: r.meanUs, unit: 'µs', budget: 'report only' }],
      [`decode.${key}PerFrameP95Us`, { value: r.p95Us, unit: 'µs', budget: 'report only' }],
    ]),
  ]),
  cpu,
  decode,
  memory,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/client.json'), `${JSON.stringify(report, null, 2)}\n`);

console.log(`\nclient bench (${os.cpus().length} cpus, node ${process.version})`);
console.table(Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, { value: v, unit: k.endsWith('Ms') ? 'ms' : 'µs' }])));
console.log(
  `200 000-character task: ${frames} frames (${memory.audioMB} MB, ${memory.audioMinutes} min of audio), ${sentences} sentences, ${words} words in ${memory.wallMs} ms; ` +
    `client CPU ${memory.clientCpuUsPerFrame} µs/frame incl. socket`,
);
console.table({ before, peak, 'after (task retained)': retained, 'after release': released });
console.log('parse + decode + enqueue per frame (browser WASM fallback path, local server frames):');
console.table(
  Object.fromEntries(
    Object.entries(decode).map(([key, r]) => [
      key,
      { decoder: r.decoder, 'mean µs': r.meanUs, 'p95 µs': r.p95Us, frames: r.framesMeasured, 'audio ms/frame': r.meanFrameAudioMs, 'µs per audio s': r.usPerAudioSecond, 'setup ms': r.setupMsMedian },
    ]),
  ),
);
