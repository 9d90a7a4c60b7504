// Local voice server bench, per engine (tone; espeak when @echogarden/espeak-ng-emscripten is installed):
//   - first audio: ms from sending a complete first sentence (continue-task, after task-started) to
//     the first binary frame, median of N, English and Mandarin;
//   - real-time factor: synthesis time (continue-task + finish-task sent → task-finished) / audio
//     duration (counted from the PCM bytes), median of N, for an English and a Mandarin paragraph.
// Output is PCM at 22 050 Hz (espeak's own rate: no resampling or encoding in the figure).
// Budgets (DESIGN.md, espeak engine): first audio ≤ 100 ms; RTF ≤ 0.05. Run: node bench/server.bench.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { register } from 'tsx/esm/api';
import WebSocket from 'ws';

register();
const { createLocalVoiceServer, isEspeakAvailable } = await import('../src/server/index.ts');

const root = path.join(import.meta.dirname, '..');
const SAMPLE_RATE = 22050;
const FIRST_AUDIO_RUNS = Number(process.env.BENCH_RUNS ?? 15);
const RTF_RUNS = Number(process.env.BENCH_RTF_RUNS ?? 5);

const FIRST = {
  en: 'The quick brown fox jumps over the lazy dog.',
  zh: '今天天气很好，我们一起去公园散步吧。',
};
const PARAGRAPH = {
  en: [
    'Speech synthesis turns written text into audio that people can listen to.',
    'A streaming service sends the first sentence back while the rest is still being written.',
    'Good timing lets an application highlight every word at the moment it is heard.',
    'The local server speaks the same protocol as the cloud service, so tests run offline.',
    'Short sentences, long sentences, numbers like 2024 and names like Hangzhou all need care.',
    'When the network is slow, buffering hides the gaps, and the listener hears nothing odd.',
  ].join(' '),
  zh: '语音合成把文字变成可以收听的声音。流式服务在后面的文字还在生成的时候，就把第一句话的声音送回来。准确的时间戳让应用在每个词被听到的那一刻把它高亮。本地服务器和云端服务说同样的协议，所以测试可以离线运行。网络慢的时候，缓冲可以掩盖停顿，听众不会察觉。',
};

const runTask = (taskId, language) =>
  JSON.stringify({
    header: { action: 'run-task', task_id: taskId, streaming: 'duplex' },
    payload: {
      task_group: 'audio',
      task: 'tts',
      function: 'SpeechSynthesizer',
      model: 'cosyvoice-v3-flash',
      parameters: { text_type: 'PlainText', voice: 'longanyang', format: 'pcm', sample_rate: SAMPLE_RATE, language_hints: [language] },
      input: {},
    },
  });
const continueTask = (taskId, text) => JSON.stringify({ header: { action: 'continue-task', task_id: taskId, streaming: 'duplex' }, payload: { input: { text } } });
const finishTask = (taskId) => JSON.stringify({ header: { action: 'finish-task', task_id: taskId, streaming: 'duplex' }, payload: { input: {} } });

/** One task: resolves to { firstAudioMs, totalMs, audioBytes } with times from sending the text. */
function task(url, language, text) {
  return new Promise((resolve, reject) => {
    const taskId = `bench${Math.random().toString(16).slice(2)}`;
    const socket = new WebSocket(url);
    let sentAt = 0;
    let firstAudioMs;
    let audioBytes = 0;
    const timer = setTimeout(() => reject(new Error('task timed out')), 60_000);
    socket.on('open', () => socket.send(runTask(taskId, language)));
    socket.on('message', (data, binary) => {
      if (binary) {
        firstAudioMs ??= performance.now() - sentAt;
        audioBytes += data.length;
        return;
      }
      const header = JSON.parse(data.toString()).header;
      if (header.event === 'task-started') {
        sentAt = performance.now();
        socket.send(continueTask(taskId, text));
        socket.send(finishTask(taskId));
      } else if (header.event === 'task-finished') {
        clearTimeout(timer);
        const totalMs = performance.now() - sentAt;
        socket.close();
        resolve({ firstAudioMs, totalMs, audioBytes });
      } else if (header.event === 'task-failed') {
        clearTimeout(timer);
        socket.close();
        reject(new Error(`${header.error_code}: ${header.error_message}`));
      }
    });
    socket.on('error', reject);
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
const round = (v, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

async function benchEngine(engine) {
  const server = createLocalVoiceServer({ engine, host: '127.0.0.1', port: 0 });
  const url = await server.listen();
  try {
    const result = {};
    for (const language of ['en', 'zh']) {
      // Warm-up: engine start (espeak worker, wasm) and JIT; only the very first task is reported, as "cold".
      const cold = (await task(url, language, FIRST[language])).firstAudioMs;
      for (let i = 0; i < 2; i++) await task(url, language, FIRST[language]);
      const first = [];
      for (let i = 0; i < FIRST_AUDIO_RUNS; i++) first.push((await task(url, language, FIRST[language])).firstAudioMs);
      const rtf = [];
      let audioMs = 0;
      for (let i = 0; i < RTF_RUNS; i++) {
        const run = await task(url, language, PARAGRAPH[language]);
        audioMs = (run.audioBytes / 2 / SAMPLE_RATE) * 1000;
        rtf.push(run.totalMs / audioMs);
      }
      result[language] = {
        firstAudioMs: { median: round(median(first)), min: round(Math.min(...first)), max: round(Math.max(...first)), runs: first.length },
        coldFirstAudioMs: round(cold),
        realTimeFactor: { median: round(median(rtf), 4), min: round(Math.min(...rtf), 4), max: round(Math.max(...rtf), 4), runs: rtf.length, audioSeconds: round(audioMs / 1000), characters: PARAGRAPH[language].length },
      };
    }
    return result;
  } finally {
    await server.close();
  }
}

const engines = { tone: await benchEngine('tone') };
if (isEspeakAvailable()) engines.espeak = await benchEngine('espeak');
else console.log('espeak engine not installed (@echogarden/espeak-ng-emscripten): skipped');

const figures = {};
for (const [engine, result] of Object.entries(engines)) {
  for (const language of ['en', 'zh']) {
    const budgeted = engine === 'espeak';
    const first = result[language].firstAudioMs.median;
    const rtf = result[language].realTimeFactor.median;
    figures[`${engine}.${language}.firstAudioMs`] = { value: first, budget: budgeted ? '<= 100' : 'report only', ...(budgeted ? { withinBudget: first <= 100 } : {}) };
    figures[`${engine}.${language}.coldFirstAudioMs`] = { value: result[language].coldFirstAudioMs, budget: 'report only (first task after server start; en runs first)' };
    figures[`${engine}.${language}.realTimeFactor`] = { value: rtf, budget: budgeted ? '<= 0.05' : 'report only', ...(budgeted ? { withinBudget: rtf <= 0.05 } : {}) };
  }
}
const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${process.platform} ${process.arch}` },
  setup: { format: `pcm ${SAMPLE_RATE} Hz`, firstAudioRuns: FIRST_AUDIO_RUNS, rtfRuns: RTF_RUNS, firstSentence: FIRST, note: 'server and client in one process on 127.0.0.1; 3 warm-up tasks per language, only the first reported (cold)' },
  figures,
  engines,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/server.json'), `${JSON.stringify(report, null, 2)}\n`);

console.log(`\nlocal server bench (${os.cpus().length} cpus, node ${process.version})`);
console.table(
  Object.fromEntries(
    Object.entries(figures).map(([name, f]) => [name, { value: f.value, budget: f.budget, ok: f.withinBudget === undefined ? '' : f.withinBudget ? 'yes' : 'NO' }]),
  ),
);
