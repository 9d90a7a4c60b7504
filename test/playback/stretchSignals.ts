import type { EngineWord, SynthesisEngine } from 'cosyvoice-react/server';
import type { TimeStretcher } from '../../src/playback/TimeStretcher';

/** A sine of `hz` at `amplitude`. */
export function sine(sampleRate: number, hz: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(sampleRate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate));
}

/**
 * A synthetic voiced sound: a glottal pulse train at `f0` (with a slow ±`vibrato` fraction of wobble)
 * through two formant resonators (700 Hz and 1 200 Hz), the shape of a sustained vowel.
 */
export function voiced(sampleRate: number, f0: number, seconds: number, vibrato = 0): Float32Array {
  const out = new Float32Array(Math.round(sampleRate * seconds));
  const resonators = [700, 1200].map((hz) => ({ a: 2 * 0.97 * Math.cos((2 * Math.PI * hz) / sampleRate), b: -0.97 * 0.97, y1: 0, y2: 0 }));
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    phase += (f0 * (1 + vibrato * Math.sin((2 * Math.PI * 3 * i) / sampleRate))) / sampleRate;
    let x = 0;
    if (phase >= 1) {
      phase -= 1;
      x = 1;
    }
    let sum = 0;
    for (const r of resonators) {
      const y = x + r.a * r.y1 + r.b * r.y2;
      r.y2 = r.y1;
      r.y1 = y;
      sum += y;
    }
    out[i] = 0.05 * sum;
  }
  return out;
}

/** Deterministic white noise in −amplitude…amplitude. */
export function noise(length: number, amplitude = 0.5, seed = 1): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return amplitude * (state / 2 ** 31 - 1);
  });
}

export interface Stretched {
  out: Float32Array;
  positions: Float64Array;
  stretcher: TimeStretcher;
}

export interface StretchOptions {
  /** The rate, or the rate to set before each pull (given the pull's index). */
  rate: number | ((pull: number) => number);
  /** Source samples per push. */
  chunk?: number;
  /** Output samples asked for per pull (or the size of each pull, in turn). */
  pullSize?: number | number[];
}

/** Streams `input` through a new stretcher in chunks, pulling after every push, then ends and drains. */
export function stretchAll(Stretcher: typeof TimeStretcher, sampleRate: number, input: Float32Array, options: StretchOptions): Stretched {
  const stretcher = new Stretcher(sampleRate);
  const chunk = options.chunk ?? 480;
  const sizes = Array.isArray(options.pullSize) ? options.pullSize : [options.pullSize ?? 128];
  const capacity = Math.ceil(input.length * 2.1) + sampleRate;
  const out = new Float32Array(capacity);
  const positions = new Float64Array(capacity);
  let written = 0;
  let pulls = 0;
  const drain = () => {
    for (;;) {
      if (typeof options.rate === 'function') stretcher.setRate(options.rate(pulls));
      const size = sizes[pulls % sizes.length]!;
      pulls++;
      const n = stretcher.pull(out, written, Math.min(size, capacity - written), positions);
      written += n;
      if (n < size) return;
    }
  };
  if (typeof options.rate === 'number') stretcher.setRate(options.rate);
  for (let i = 0; i < input.length; i += chunk) {
    stretcher.push(input.subarray(i, i + chunk));
    drain();
  }
  stretcher.end();
  drain();
  return { out: out.slice(0, written), positions: positions.slice(0, written), stretcher };
}

/** Frequency of a sine from its rising zero crossings (interpolated) between `from` and `to`. */
export function zeroCrossingHz(x: ArrayLike<number>, sampleRate: number, from: number, to: number): number {
  const crossings: number[] = [];
  for (let i = Math.max(1, from); i < to; i++) {
    const a = x[i - 1]!;
    const b = x[i]!;
    if (a < 0 && b >= 0) crossings.push(i - 1 + a / (a - b));
  }
  return ((crossings.length - 1) * sampleRate) / (crossings.at(-1)! - crossings[0]!);
}

/**
 * Fundamental frequency by normalised autocorrelation over `length` samples from `from`: the shortest
 * lag whose correlation peaks within 5 % of the best one in 60–500 Hz (so not an octave below), refined
 * by a parabola through the peak.
 */
export function autocorrelationHz(x: ArrayLike<number>, sampleRate: number, from: number, length: number): number {
  const minLag = Math.floor(sampleRate / 500);
  const maxLag = Math.ceil(sampleRate / 60);
  const r = new Float64Array(maxLag + 2);
  for (let lag = minLag - 1; lag <= maxLag + 1; lag++) {
    let dot = 0;
    let e1 = 0;
    let e2 = 0;
    for (let i = from; i < from + length; i++) {
      dot += x[i]! * x[i + lag]!;
      e1 += x[i]! * x[i]!;
      e2 += x[i + lag]! * x[i + lag]!;
    }
    r[lag] = dot / Math.sqrt(e1 * e2 + 1e-20);
  }
  let best = 0;
  for (let lag = minLag; lag <= maxLag; lag++) best = Math.max(best, r[lag]!);
  let lag = minLag;
  while (!(r[lag]! >= 0.95 * best && r[lag]! >= r[lag - 1]! && r[lag]! >= r[lag + 1]!)) lag++;
  const [a, b, c] = [r[lag - 1]!, r[lag]!, r[lag + 1]!];
  const shift = a - 2 * b + c === 0 ? 0 : (0.5 * (a - c)) / (a - 2 * b + c);
  return sampleRate / (lag + shift);
}

/** The largest |x[i] − x[i−1]|. */
export function maxStep(x: ArrayLike<number>): number {
  let max = 0;
  for (let i = 1; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - x[i - 1]!));
  return max;
}

/** Indexes where |x| first exceeds `threshold` after at least `quietSamples` below it. */
export function onsets(x: ArrayLike<number>, threshold: number, quietSamples: number): number[] {
  const found: number[] = [];
  let quiet = quietSamples;
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]!) > threshold) {
      if (quiet >= quietSamples) found.push(i);
      quiet = 0;
    } else quiet++;
  }
  return found;
}

/** Speaks `text` with a local voice server engine; the samples joined, the words and their rate. */
export async function synthesize(engine: SynthesisEngine, text: string, sampleRate: number): Promise<{ samples: Float32Array; words: EngineWord[]; sampleRate: number }> {
  const parts: Float32Array[] = [];
  const request = { text, language: 'en', speechRate: 1, pitchRate: 1, seed: 0, sampleRate };
  const words = await engine.synthesize(request, (samples) => parts.push(samples), new AbortController().signal);
  const samples = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  return { samples, words, sampleRate: engine.sampleRate ?? sampleRate };
}
