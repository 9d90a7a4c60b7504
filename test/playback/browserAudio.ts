// Helpers for the browser tests: test signals, and a tap that records what the player's graph outputs.
import { expect } from 'vitest';
import { PlaybackClock } from '../../src/playback/PlaybackClock';

/** The engine these tests run in (WebKit: Safari's engine, here WebKitGTK). */
export const isWebKit = navigator.userAgent.includes('AppleWebKit/') && !/Chrom(e|ium)\//.test(navigator.userAgent);

/** PCM16 little-endian mono bytes of `fn(t)` (t in seconds). */
export function pcm16(rate: number, seconds: number, fn: (t: number) => number): Uint8Array {
  const n = Math.round(rate * seconds);
  const bytes = new Uint8Array(n * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) view.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(fn(i / rate) * 32767))), true);
  return bytes;
}

export const sine440 = (t: number) => 0.5 * Math.sin(2 * Math.PI * 440 * t);

/** A 440 Hz sine at 0.1 with 2 ms bursts at 0.9 starting at each of `clicksMs`. */
export function clickTrack(clicksMs: number[]) {
  return (t: number) => {
    const ms = t * 1000;
    for (const c of clicksMs) if (ms >= c && ms < c + 2) return 0.9;
    return 0.1 * Math.sin(2 * Math.PI * 440 * t);
  };
}

/** A streamed WAV: 44-byte header with placeholder sizes, then PCM16. */
export function wav(rate: number, pcm: Uint8Array): Uint8Array {
  const out = new Uint8Array(44 + pcm.byteLength);
  const view = new DataView(out.buffer);
  const tag = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  tag(0, 'RIFF');
  view.setUint32(4, 0xffffffff, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  tag(36, 'data');
  view.setUint32(40, 0xffffffff, true);
  out.set(pcm, 44);
  return out;
}

/** Splits bytes into chunks of varying odd sizes, as a WebSocket may deliver them. */
export function chunks(bytes: Uint8Array, size = 4801): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = size + (k++ % 3) * 17;
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

export async function fixture(name: string): Promise<Uint8Array> {
  const response = await fetch(new URL(`../fixtures/audio/${name}`, import.meta.url));
  if (!response.ok) throw new Error(`fixture ${name}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const TAP_SOURCE = `
class Tap extends AudioWorkletProcessor {
  process(inputs, outputs) {
    const input = inputs[0] && inputs[0][0];
    const data = new Float32Array(128);
    if (input) data.set(input);
    if (outputs[0] && outputs[0][0] && input) outputs[0][0].set(input);
    this.port.postMessage({ t: currentTime, data }, [data.buffer]);
    return true;
  }
}
registerProcessor('test-tap', Tap);
`;

export interface Tap {
  node: AudioWorkletNode;
  /** Recorded output from the moment `mark()` was last called. */
  samples(): Float32Array;
  /** Context time of the first recorded frame. */
  startTime(): number;
  mark(): void;
}

/** A worklet between the player and the destination that records every frame it passes on. */
export async function createTap(context: AudioContext): Promise<Tap> {
  const url = URL.createObjectURL(new Blob([TAP_SOURCE], { type: 'text/javascript' }));
  await context.audioWorklet.addModule(url);
  const node = new AudioWorkletNode(context, 'test-tap', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
  node.connect(context.destination);
  let blocks: { t: number; data: Float32Array }[] = [];
  node.port.onmessage = (e: MessageEvent) => blocks.push(e.data as { t: number; data: Float32Array });
  return {
    node,
    mark() {
      blocks = [];
    },
    startTime() {
      return blocks[0]?.t ?? 0;
    },
    samples() {
      const out = new Float32Array(blocks.length * 128);
      blocks.forEach((b, i) => out.set(b.data, i * 128));
      return out;
    },
  };
}

/** RMS, non-silent span (first to last |x| > 0.01) and zero-crossing frequency of a recording. */
export function analyse(samples: Float32Array, rate: number) {
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > 0.01) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return { rms: 0, seconds: 0, frequency: 0, first, last, silentFrames: 0 };
  let sum = 0;
  let crossings = 0;
  let silentFrames = 0;
  for (let i = first; i <= last; i++) {
    sum += samples[i]! ** 2;
    if (i > first && samples[i - 1]! < 0 && samples[i]! >= 0) crossings++;
    if (Math.abs(samples[i]!) < 1e-4) silentFrames++;
  }
  const seconds = (last - first + 1) / rate;
  return { rms: Math.sqrt(sum / (last - first + 1)), seconds, frequency: crossings / seconds, first, last, silentFrames };
}

/** Sample indexes where a click (|x| > 0.6) starts. */
export function clickIndexes(samples: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    if (samples[i]! > 0.6 && (out.length === 0 || i - out[out.length - 1]! > 100)) out.push(i);
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * How far (in context seconds) an output timestamp is preferred to a nearer estimate: the two clocks may
 * run at slightly different rates (6% is 6 ms over this), while an estimate can be a whole buffer off.
 */
const STAMP_REACH_S = 0.1;

/**
 * Records, while audio plays, when context time is heard on the performance.now() clock: from
 * getOutputTimestamp() where it is plausible, else from currentTime minus the latency. One reading at the
 * end is not enough: a context's clock may run at another rate than performance.now() (Firefox's mock
 * audio backend runs ~6% slow), so a sample is mapped through a reading near it.
 */
export function recordHeardClock(context: AudioContext, everyMs = 10) {
  const stamped: { contextTime: number; performanceTime: number }[] = [];
  const estimated: { contextTime: number; performanceTime: number }[] = [];
  const read = () => {
    const now = performance.now();
    const stamp = PlaybackClock.plausibleOutputTimestamp(context, now);
    if (stamp) stamped.push(stamp);
    else estimated.push({ contextTime: context.currentTime - (context.outputLatency || context.baseLatency || 0), performanceTime: now });
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop: () => clearInterval(timer),
    /**
     * Performance time at which the sample rendered at context time `ctxTime` was heard: from the
     * nearest output timestamp when one was read within STAMP_REACH_S of it, else from the nearest
     * reading of either kind. An estimate from `currentTime` and the reported latency can be a whole
     * output buffer off: a word once read 103 ms early from one while the stamps around it were briefly
     * implausible.
     */
    audibleAt(ctxTime: number): number {
      const nearestOf = (readings: { contextTime: number; performanceTime: number }[]) => {
        let nearest = readings[0];
        for (const reading of readings) if (Math.abs(reading.contextTime - ctxTime) < Math.abs(nearest!.contextTime - ctxTime)) nearest = reading;
        return nearest;
      };
      const stamp = nearestOf(stamped);
      const nearest = stamp && Math.abs(stamp.contextTime - ctxTime) <= STAMP_REACH_S ? stamp : nearestOf([...stamped, ...estimated])!;
      return nearest.performanceTime + (ctxTime - nearest.contextTime) * 1000;
    },
  };
}

/** The longest gap between animation frames while it runs: how late the main thread could make anything. */
export function watchMainThreadStalls(): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return {
    stop() {
      running = false;
      return Math.max(longest, performance.now() - last);
    },
  };
}

/**
 * Highlight errors (ms; negative: the word was highlighted before it was heard) of a clock that does not
 * run ahead: their mean is not early by more than 20 ms, and no single word by more than 100 ms. A clock
 * that counts queued rather than played samples, or ignores the output latency, is early on every word
 * and fails the mean; one word read an audio callback or two off on a machine whose cores are busy (seen:
 * −89 ms for one word of sixteen, the rest on time) does not. The bench measures the error on an idle
 * machine (bench/results/playback.json).
 */
export function expectHighlightsNotEarly(errors: readonly number[]): void {
  if (errors.length === 0) return;
  const rounded = errors.map((error) => Math.round(error)).join(' ');
  expect(errors.reduce((sum, error) => sum + error, 0) / errors.length, `highlight errors (ms): ${rounded}`).toBeGreaterThan(-20);
  expect(Math.min(...errors), `highlight errors (ms): ${rounded}`).toBeGreaterThan(-100);
}
