// Runs in Chromium (bundled by bench/playback.bench.mjs). Measures the player against the audio graph's
// real output: a tap worklet records what the player outputs, with context timestamps.
import { AudioFormat, type AudioFormatSpec, type TimelineWord } from 'cosyvoice-react/core';
import { createAudioPlayer, type Player } from 'cosyvoice-react/playback';

const RATE = 24000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function pcm16(seconds: number, fn: (t: number) => number): Uint8Array {
  const n = Math.round(RATE * seconds);
  const bytes = new Uint8Array(n * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) view.setInt16(i * 2, Math.round(Math.max(-1, Math.min(1, fn(i / RATE))) * 32767), true);
  return bytes;
}

const TAP = `class Tap extends AudioWorkletProcessor {
  process(inputs, outputs) {
    const input = inputs[0] && inputs[0][0];
    if (input) { outputs[0][0].set(input); for (let i = 0; i < input.length; i++) if (input[i] > 0.6) { this.port.postMessage(currentTime + i / sampleRate); break; } }
    return true;
  }
}
registerProcessor('bench-tap', Tap);`;

async function setup() {
  const context = new AudioContext({ latencyHint: 'interactive' });
  await context.audioWorklet.addModule(URL.createObjectURL(new Blob([TAP], { type: 'text/javascript' })));
  const tap = new AudioWorkletNode(context, 'bench-tap', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
  tap.connect(context.destination);
  const clicks: number[] = [];
  tap.port.onmessage = (e: MessageEvent) => {
    const t = e.data as number;
    if (clicks.length === 0 || t - clicks[clicks.length - 1]! > 0.05) clicks.push(t);
  };
  const player = createAudioPlayer({ context, format: AudioFormat.PCM_24000HZ_MONO_16BIT, connect: (output) => output.connect(tap) });
  await player.unlock();
  await sleep(100); // past the first ~40 ms in which getOutputTimestamp() is zero
  return { context, player, clicks };
}

function ended(player: Player): Promise<void> {
  return new Promise((resolve) => {
    const off = player.onEnded(() => {
      off();
      resolve();
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** First chunk handed to the player → its first sample rendered (and heard), 20 runs. */
async function ttfaOverhead() {
  const { context, player } = await setup();
  const render: number[] = [];
  const audible: number[] = [];
  const chunk = pcm16(0.1, (t) => 0.3 * Math.sin(2 * Math.PI * 440 * t));
  for (let run = 0; run < 20; run++) {
    player.reset();
    const done = ended(player);
    await sleep(30 + Math.random() * 10); // land at a random phase of the render quantum
    player.markSpeakStart();
    player.enqueue(chunk);
    player.endOfStream();
    await done;
    render.push(player.getDiagnostics().firstChunkToRenderMs!);
    audible.push(player.getSnapshot().timeToFirstAudioMs!);
  }
  const result = {
    ttfaOverheadMs: median(render),
    ttfaOverheadAudibleMs: median(audible),
    renderQuantumMs: (128 / context.sampleRate) * 1000,
    outputLatencyMs: context.outputLatency * 1000,
    baseLatencyMs: context.baseLatency * 1000,
    contextSampleRate: context.sampleRate,
  };
  player.dispose();
  await context.close();
  return result;
}

/** Active word vs audible position, with a network stall and a pause in the middle. */
async function highlightError() {
  const { context, player, clicks } = await setup();
  const wordMs = 250;
  const seconds = 4;
  const begins = Array.from({ length: seconds * 4 }, (_, k) => 50 + k * wordMs);
  const words: TimelineWord[] = begins.map((beginMs, k) => ({ text: `w${k}`, beginIndex: k * 3, endIndex: k * 3 + 2, beginMs, endMs: beginMs + 200, sentenceIndex: 0 }));
  const audio = pcm16(seconds, (t) => {
    const ms = t * 1000;
    return begins.some((b) => ms >= b && ms < b + 2) ? 0.9 : 0.1 * Math.sin(2 * Math.PI * 440 * t);
  });
  const changes: { index: number; at: number }[] = [];
  player.reset();
  player.setTimeline(words);
  player.subscribe(() => {
    const index = player.getSnapshot().activeWordIndex;
    if (index >= 0 && changes[changes.length - 1]?.index !== index) changes.push({ index, at: performance.now() });
  });
  const done = ended(player);
  const chunkBytes = RATE * 2 * 0.1;
  const start = performance.now();
  for (let offset = 0, k = 0; offset < audio.length; offset += chunkBytes, k++) {
    player.enqueue(audio.subarray(offset, offset + chunkBytes));
    if (k === 12) await sleep(1600); // stall: 1.3 s of audio enqueued, nothing more for 1.6 s
    else await sleep(50);
    if (k === 25) {
      player.pause();
      await sleep(400);
      player.resume();
    }
  }
  player.endOfStream();
  await done;
  const stamp = context.getOutputTimestamp();
  const heardAt = (ctxTime: number) => stamp.performanceTime! + (ctxTime - stamp.contextTime!) * 1000;
  const errors: number[] = [];
  for (const change of changes) {
    const click = clicks[change.index];
    if (click !== undefined) errors.push(change.at - heardAt(click));
  }
  const abs = errors.map(Math.abs);
  const result = {
    highlightErrorMeanMs: abs.reduce((a, b) => a + b, 0) / abs.length,
    highlightErrorMaxMs: Math.max(...abs),
    highlightErrorMeanSignedMs: errors.reduce((a, b) => a + b, 0) / errors.length,
    highlightWords: errors.length,
    highlightWordsExpected: words.length,
    underruns: player.getSnapshot().underruns,
    wallMs: performance.now() - start,
  };
  player.dispose();
  await context.close();
  return result;
}

const ONSET_TAP = `class OnsetTap extends AudioWorkletProcessor {
  constructor() { super(); this.sinceLoud = Infinity; }
  process(inputs, outputs) {
    const input = inputs[0] && inputs[0][0];
    if (input) {
      outputs[0][0].set(input);
      for (let i = 0; i < input.length; i++) {
        if (Math.abs(input[i]) > 0.05) {
          // A tone's first loud sample after 8 ms without one: a word onset.
          if (this.sinceLoud > 0.008 * sampleRate) this.port.postMessage(currentTime + i / sampleRate);
          this.sinceLoud = 0;
        } else this.sinceLoud++;
      }
    }
    return true;
  }
}
registerProcessor('bench-onset-tap', OnsetTap);`;

/**
 * Highlight error and word-onset error at playback rates: 16 words, each a 150 ms tone (the shape of
 * the local server's tone engine), played at each rate after one playthrough at 1× (a context's first
 * playthrough carries its own start-up offset). Highlight error: when the word became active minus when
 * its onset was heard. Word-onset error: the heard-audio clock's position when the onset was heard,
 * minus the word's begin, in heard ms (the position is read every 4 ms and interpolated).
 */
async function highlightErrorAtRates(rates: number[]) {
  const context = new AudioContext({ latencyHint: 'interactive' });
  await context.audioWorklet.addModule(URL.createObjectURL(new Blob([ONSET_TAP], { type: 'text/javascript' })));
  const tap = new AudioWorkletNode(context, 'bench-onset-tap', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
  tap.connect(context.destination);
  let onsets: number[] = [];
  tap.port.onmessage = (e: MessageEvent) => onsets.push(e.data as number);
  const player = createAudioPlayer({ context, format: AudioFormat.PCM_24000HZ_MONO_16BIT, connect: (output) => output.connect(tap) });
  await player.unlock();
  await sleep(100);
  const wordMs = 250;
  const begins = Array.from({ length: 16 }, (_, k) => 50 + k * wordMs);
  const words: TimelineWord[] = begins.map((beginMs, k) => ({ text: `w${k}`, beginIndex: k * 3, endIndex: k * 3 + 2, beginMs, endMs: beginMs + 150, sentenceIndex: 0 }));
  const audio = pcm16(begins.at(-1)! / 1000 + 0.3, (t) => {
    const ms = t * 1000;
    const begin = begins.find((b) => ms >= b && ms < b + 150);
    if (begin === undefined) return 0;
    const n = (ms - begin) / 1000;
    const envelope = Math.min(1, n / 0.01, (0.15 - n) / 0.02);
    return 0.4 * envelope * Math.sin(2 * Math.PI * 220 * t);
  });
  const play = async (rate: number) => {
    player.setPlaybackRate(rate);
    onsets = [];
    const changes: { index: number; at: number }[] = [];
    const readings: { at: number; positionMs: number }[] = [];
    player.reset();
    player.setTimeline(words);
    const off = player.subscribe(() => {
      const index = player.getSnapshot().activeWordIndex;
      if (index >= 0 && changes[changes.length - 1]?.index !== index) changes.push({ index, at: performance.now() });
    });
    const stamps: { contextTime: number; performanceTime: number }[] = [];
    const timer = setInterval(() => {
      if (player.getSnapshot().state === 'playing') readings.push({ at: performance.now(), positionMs: player.getPositionMs() });
      const stamp = context.getOutputTimestamp();
      if (stamp.contextTime! > 0) stamps.push({ contextTime: stamp.contextTime!, performanceTime: stamp.performanceTime! });
    }, 4);
    const done = ended(player);
    const chunkBytes = RATE * 2 * 0.1;
    for (let offset = 0; offset < audio.length; offset += chunkBytes) {
      player.enqueue(audio.subarray(offset, offset + chunkBytes));
      await sleep(25);
    }
    player.endOfStream();
    await done;
    clearInterval(timer);
    off();
    const heardAt = (ctxTime: number) => {
      let nearest = stamps[0]!;
      for (const stamp of stamps) if (Math.abs(stamp.contextTime - ctxTime) < Math.abs(nearest.contextTime - ctxTime)) nearest = stamp;
      return nearest.performanceTime + (ctxTime - nearest.contextTime) * 1000;
    };
    const clockAt = (at: number) => {
      for (let i = 1; i < readings.length; i++) {
        const a = readings[i - 1]!;
        const b = readings[i]!;
        if (a.at <= at && at <= b.at) return a.positionMs + ((b.positionMs - a.positionMs) * (at - a.at)) / (b.at - a.at || 1);
      }
      return undefined;
    };
    const highlight: number[] = [];
    const onset: number[] = [];
    words.forEach((word, k) => {
      const heard = onsets[k] === undefined ? undefined : heardAt(onsets[k]!);
      if (heard === undefined) return;
      const change = changes.find((c) => c.index === k);
      // Word 0 begins where playback begins: active from the first rendered sample, so left out.
      if (change && k > 0) highlight.push(change.at - heard);
      const position = clockAt(heard);
      if (position !== undefined) onset.push((position - word.beginMs) / rate);
    });
    const summary = (values: number[]) => {
      const abs = values.map(Math.abs);
      return {
        meanMs: abs.reduce((a, b) => a + b, 0) / abs.length,
        maxMs: Math.max(...abs),
        meanSignedMs: values.reduce((a, b) => a + b, 0) / values.length,
        words: values.length,
      };
    };
    return { highlightError: summary(highlight), wordOnsetError: summary(onset), onsetsHeard: onsets.length, underruns: player.getSnapshot().underruns };
  };
  await play(1); // the context's first playthrough, not measured
  const out: Record<string, unknown> = {};
  for (const rate of rates) out[`${rate}x`] = await play(rate);
  player.dispose();
  await context.close();
  return { playbackRates: out, playbackRateWordsExpected: words.length };
}

/** Time to first audio for a stream delivered at 2× real time: ours vs the whole file in an <audio>. */
async function naiveComparison() {
  const seconds = 3;
  const audio = pcm16(seconds, (t) => 0.3 * Math.sin(2 * Math.PI * 440 * t));
  const chunkBytes = RATE * 2 * 0.1;
  const intervalMs = 50;

  const { context, player } = await setup();
  player.reset();
  const done = ended(player);
  player.markSpeakStart();
  for (let offset = 0; offset < audio.length; offset += chunkBytes) {
    player.enqueue(audio.subarray(offset, offset + chunkBytes));
    await sleep(intervalMs);
  }
  player.endOfStream();
  await done;
  const ours = player.getSnapshot().timeToFirstAudioMs!;
  player.dispose();
  await context.close();

  const t0 = performance.now();
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < audio.length; offset += chunkBytes) {
    parts.push(audio.subarray(offset, offset + chunkBytes));
    await sleep(intervalMs);
  }
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const tag = (at: number, s: string) => [...s].forEach((c, i) => (header[at + i] = c.charCodeAt(0)));
  tag(0, 'RIFF');
  view.setUint32(4, 36 + audio.length, true);
  tag(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, RATE, true);
  view.setUint32(28, RATE * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  tag(36, 'data');
  view.setUint32(40, audio.length, true);
  const element = new Audio(URL.createObjectURL(new Blob([header, ...parts] as BlobPart[], { type: 'audio/wav' })));
  const playing = new Promise<void>((resolve) => element.addEventListener('playing', () => resolve(), { once: true }));
  await element.play();
  await playing;
  const naive = performance.now() - t0;
  element.pause();
  return { ttfaStreamingMs: ours, ttfaNaiveAudioElementMs: naive, naiveTtfaRatio: naive / ours, naiveStreamSeconds: seconds, naiveDeliveryRate: '2x real time (100 ms chunks every 50 ms)' };
}

/** First chunk → first sample rendered, per format (median of 10): what the decoder in front adds. */
async function formatOverhead() {
  const fetchBytes = async (name: string) => new Uint8Array(await (await fetch(`/fixtures/${name}`)).arrayBuffer());
  const cases: [string, AudioFormatSpec, Uint8Array, boolean][] = [
    ['pcm24k', AudioFormat.PCM_24000HZ_MONO_16BIT, pcm16(1, (t) => 0.3 * Math.sin(2 * Math.PI * 440 * t)), false],
    ['oggOpusWebCodecs', AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS, await fetchBytes('sine440-48k.opus'), false],
    ['mp3WebCodecs', AudioFormat.MP3_24000HZ_MONO_256KBPS, await fetchBytes('sine440-24k.mp3'), false],
    ['oggOpusWasm', AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS, await fetchBytes('sine440-48k.opus'), true],
    ['mp3Wasm', AudioFormat.MP3_24000HZ_MONO_256KBPS, await fetchBytes('sine440-24k.mp3'), true],
  ];
  const out: Record<string, number> = {};
  const bytesPerSecond: Record<string, number> = {};
  for (const [name, format, bytes, forceWasmDecoder] of cases) {
    const context = new AudioContext({ latencyHint: 'interactive' });
    const player = createAudioPlayer({ context, format, forceWasmDecoder });
    await player.unlock();
    await sleep(100);
    const runs: number[] = [];
    for (let run = 0; run < 10; run++) {
      player.reset();
      const done = ended(player);
      await sleep(20 + Math.random() * 10);
      // About 100 ms of audio in the first chunk, as the service sends it.
      const first = Math.min(bytes.length, Math.round(bytes.length / 10));
      player.enqueue(bytes.subarray(0, first));
      player.enqueue(bytes.subarray(first));
      player.endOfStream();
      await done;
      runs.push(player.getDiagnostics().firstChunkToRenderMs!);
    }
    out[name] = median(runs);
    bytesPerSecond[name] = Math.round(bytes.length / (player.getDurationMs() / 1000));
    player.dispose();
    await context.close();
  }
  return { formatOverheadMs: out, formatBytesPerSecond: bytesPerSecond };
}

async function runBench() {
  const formats = await formatOverhead();
  const overhead = await ttfaOverhead();
  const highlight = await highlightError();
  const naive = await naiveComparison();
  const rates = await highlightErrorAtRates([1, 0.75, 1.5, 2]);
  return { ...overhead, ...highlight, ...naive, ...formats, ...rates, userAgent: navigator.userAgent };
}

(window as unknown as { runBench: typeof runBench }).runBench = runBench;
