// The time-stretcher the worklet runs: these tests run the shipped string (TIME_STRETCHER_SOURCE) in a
// realm with only the JavaScript built-ins, as an AudioWorkletGlobalScope would. Pure computation, so
// slower on a busy machine: the longest tests get a minute.
import { describe, expect, it } from 'vitest';
import { PlaybackClock } from '../../src/playback/PlaybackClock';
import { loadTimeStretcher } from './loadTimeStretcher';
import { autocorrelationHz, maxStep, noise, sine, stretchAll, voiced, zeroCrossingHz } from './stretchSignals';

const TimeStretcher = loadTimeStretcher();
const SR = 24000;
const RATES = [0.5, 0.75, 1.5, 2];
const ms = (frames: number) => (frames / SR) * 1000;

describe('TimeStretcher: pitch', () => {
  it.each([220, 440])('keeps a %i Hz sine at its pitch at 0.5, 0.75, 1.5 and 2× (zero crossings)', (hz) => {
    const input = sine(SR, hz, 2);
    for (const rate of RATES) {
      const { out } = stretchAll(TimeStretcher, SR, input, { rate });
      expect(Math.abs(zeroCrossingHz(out, SR, 2400, out.length - 2400) - hz), `rate ${rate}`).toBeLessThan(1);
    }
    // The measurement can tell: the same sine played 2× faster by dropping every other sample is an octave up.
    const dropped = input.filter((_, i) => i % 2 === 0);
    expect(zeroCrossingHz(dropped, SR, 1200, dropped.length - 1200)).toBeCloseTo(2 * hz, 0);
  });

  it.each([100, 150, 230])('keeps the fundamental of a %i Hz voiced sound (autocorrelation) at every rate', (f0) => {
    const input = voiced(SR, f0, 2);
    expect(Math.abs(autocorrelationHz(input, SR, 6000, 4800) - f0)).toBeLessThan(1);
    for (const rate of RATES) {
      const { out } = stretchAll(TimeStretcher, SR, input, { rate });
      const middle = Math.floor(out.length / 2) - 2400;
      expect(Math.abs(autocorrelationHz(out, SR, middle, 4800) - f0), `rate ${rate}`).toBeLessThan(2);
    }
  });

  it('keeps a steady tone steady: amplitude within 2 % at every rate (segments joined in phase)', () => {
    const input = sine(SR, 180, 2);
    for (const rate of RATES) {
      const { out } = stretchAll(TimeStretcher, SR, input, { rate });
      const period = Math.ceil(SR / 180) + 1;
      for (let from = 1200; from + period < out.length - 1200; from += period) {
        let peak = 0;
        for (let i = from; i < from + period; i++) peak = Math.max(peak, Math.abs(out[i]!));
        expect(peak, `rate ${rate} at ${from}`).toBeGreaterThan(0.49);
        expect(peak).toBeLessThan(0.51);
      }
    }
  });
});

describe('TimeStretcher: duration and position', () => {
  it('scales the duration by 1/rate (within one search radius of source) and ends exactly at the last frame', () => {
    const input = voiced(SR, 140, 3, 0.03);
    for (const rate of RATES) {
      const { out, positions, stretcher } = stretchAll(TimeStretcher, SR, input, { rate });
      // The last segment may be taken up to 8 ms (of source) from its nominal place.
      expect(Math.abs(ms(out.length) - ms(input.length / rate)), `rate ${rate}`).toBeLessThan(8 / rate + 1);
      expect(positions[0]).toBe(0);
      expect(positions.at(-1)!).toBeGreaterThan(input.length - 1 - rate);
      expect(stretcher.finished).toBe(true);
      expect(stretcher.position).toBe(input.length);
    }
  });

  it('reports for every output sample the source position actually heard, within 3 ms, never moving back', () => {
    // A ramp makes each output sample's value the (crossfade-weighted) source frame it came from.
    const n = 3 * SR;
    const ramp = Float32Array.from({ length: n }, (_, i) => i / n);
    const schedule = (pull: number) => [1, 1.5, 0.75, 2, 1, 0.5, 1.25][Math.floor(pull / 37) % 7]!;
    for (const rate of [...RATES, schedule]) {
      const { out, positions } = stretchAll(TimeStretcher, SR, ramp, { rate });
      let worst = 0;
      let backwards = 0;
      for (let i = 0; i < out.length; i++) {
        worst = Math.max(worst, Math.abs(out[i]! * n - positions[i]!));
        if (i > 0 && positions[i]! < positions[i - 1]!) backwards++;
      }
      expect(ms(worst), `rate ${typeof rate === 'number' ? rate : 'changing'}`).toBeLessThan(3);
      expect(backwards).toBe(0);
    }
  }, 60_000);

  it('moves the position forward at the rate without drifting: within one hop and one search radius of rate × time', () => {
    // A voiced sound whose best joins often lie behind the previous segment at slow rates.
    const input = voiced(SR, 120, 6, 0.03);
    for (const rate of RATES) {
      const { positions } = stretchAll(TimeStretcher, SR, input, { rate });
      let worst = 0;
      let backwards = 0;
      for (let i = 0; i < positions.length; i++) {
        worst = Math.max(worst, Math.abs(positions[i]! - rate * i));
        if (i > 0 && positions[i]! < positions[i - 1]!) backwards++;
      }
      expect(ms(worst), `rate ${rate}`).toBeLessThan(15 + 8);
      expect(backwards, `rate ${rate}`).toBe(0);
    }
  }, 60_000);

  it('gives a clock anchored at every join (position, slope) the exact position of every sample', () => {
    const input = voiced(SR, 120, 2, 0.03);
    const stretcher = new TimeStretcher(SR);
    stretcher.setRate(1.5);
    stretcher.push(input);
    stretcher.end();
    const clock = new PlaybackClock(SR);
    const out = new Float32Array(input.length);
    const positions = new Float64Array(input.length);
    let written = 0;
    let joins = 0;
    while (!stretcher.finished) {
      // A worklet would post { played, ctxTime, rate } here, when a segment begins.
      clock.addAnchor({ played: stretcher.position, time: written / SR, rate: stretcher.slope * SR });
      joins++;
      written += stretcher.pull(out, written, Math.min(stretcher.framesToJoin, out.length - written), positions);
    }
    expect(joins).toBeGreaterThan(100);
    let worst = 0;
    for (let i = 0; i < written; i++) worst = Math.max(worst, Math.abs(clock.framesAt(i / SR) - positions[i]!));
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('TimeStretcher: rate 1 and rate changes', () => {
  it('is a bit-exact passthrough at rate 1 with no latency: every pushed sample comes out at once', () => {
    const input = noise(50_000);
    const stretcher = new TimeStretcher(SR);
    const out = new Float32Array(input.length);
    const positions = new Float64Array(input.length);
    let written = 0;
    const sizes = [1, 127, 128, 3000, 5];
    for (let i = 0, k = 0; i < input.length; k++) {
      const size = sizes[k % sizes.length]!;
      stretcher.push(input.subarray(i, i + size));
      i = Math.min(input.length, i + size);
      written += stretcher.pull(out, written, out.length - written, positions);
      expect(written).toBe(i);
      expect(stretcher.buffered).toBe(0);
    }
    expect(Buffer.from(out.buffer).equals(Buffer.from(input.buffer))).toBe(true);
    expect(positions.every((position, i) => position === i)).toBe(true);
  });

  it('changes rate mid-stream without a click: no step larger than the signal’s own, at and between switches', () => {
    const schedule = (pull: number) => [1, 1.5, 0.75, 2, 1, 0.5, 1.25, 1][Math.floor(pull / 23) % 8]!;
    for (const input of [sine(SR, 220, 4), voiced(SR, 130, 4, 0.04)]) {
      const { out } = stretchAll(TimeStretcher, SR, input, { rate: schedule, pullSize: [128, 37, 256] });
      expect(maxStep(out)).toBeLessThanOrEqual(maxStep(input) * 1.02);
    }
  }, 60_000);

  it('applies a new rate within one hop of output, and is back to exact passthrough within one hop of rate 1', () => {
    const input = noise(4 * SR, 0.3, 7);
    const stretcher = new TimeStretcher(SR);
    const out = new Float32Array(8 * SR);
    const positions = new Float64Array(8 * SR);
    stretcher.push(input);
    let written = stretcher.pull(out, 0, SR / 2, positions);
    stretcher.setRate(2);
    const hop = stretcher.hopSize;
    const switchedAt = written;
    written += stretcher.pull(out, written, SR / 2, positions);
    // From the first join on, the position runs at 2 source frames per output frame.
    const after = switchedAt + hop;
    expect((positions[after + 10 * hop]! - positions[after]!) / (10 * hop)).toBeCloseTo(2, 1);
    written += stretcher.pull(out, written, 101, positions); // mid-hop
    stretcher.setRate(1);
    const backAt = written;
    written += stretcher.pull(out, written, SR / 2, positions);
    let exactFrom = -1;
    for (let i = backAt; i < written - 1; i++) {
      const exact = Number.isInteger(positions[i]) && out[i] === input[positions[i]!] && positions[i + 1] === positions[i]! + 1;
      if (exact && exactFrom < 0) exactFrom = i;
      if (!exact) exactFrom = -1;
    }
    expect(exactFrom).toBeGreaterThanOrEqual(backAt);
    expect(exactFrom - backAt).toBeLessThanOrEqual(hop);
    expect(stretcher.framesToJoin).toBe(Infinity);
  });

  it('a rate set before the prepared segment is heard applies to it: slope and joins follow the new rate', () => {
    const stretcher = new TimeStretcher(SR);
    stretcher.push(voiced(SR, 120, 1));
    const out = new Float32Array(SR);
    expect(stretcher.pull(out, 0, SR / 4)).toBe(SR / 4);
    stretcher.setRate(2);
    expect(stretcher.framesToJoin).toBe(stretcher.hopSize);
    expect(stretcher.slope).toBeGreaterThan(1.3);
    stretcher.setRate(0.5);
    expect(stretcher.framesToJoin).toBe(stretcher.hopSize);
    expect(stretcher.slope).toBeGreaterThan(0.2);
    expect(stretcher.slope).toBeLessThan(0.8);
    expect(stretcher.position).toBe(SR / 4);
    stretcher.setRate(1);
    expect(stretcher.framesToJoin).toBe(Infinity);
    expect(stretcher.slope).toBe(1);
    expect(stretcher.position).toBe(SR / 4);
  });
});

describe('TimeStretcher: stream edges', () => {
  it('holds back only the look-ahead until end(), then flushes the tail to the last frame', () => {
    const input = sine(SR, 300, 1);
    const stretcher = new TimeStretcher(SR);
    stretcher.setRate(1.5);
    stretcher.push(input);
    const out = new Float32Array(SR);
    let written = stretcher.pull(out);
    expect(stretcher.finished).toBe(false);
    // What is held back is the look-ahead of the next join: under one hop and two search radii.
    expect(ms(stretcher.buffered)).toBeGreaterThan(0);
    expect(ms(stretcher.buffered)).toBeLessThan(15 * 1.5 + 16 + 1);
    expect(stretcher.pull(out, written)).toBe(0);
    stretcher.end();
    written += stretcher.pull(out, written);
    expect(stretcher.finished).toBe(true);
    expect(stretcher.position).toBe(input.length);
    expect(Math.abs(ms(written) - ms(input.length / 1.5))).toBeLessThan(8 / 1.5 + 1);
    // The tail is the sine to its last period, not a fade or silence.
    let peak = 0;
    for (let i = written - 80; i < written; i++) peak = Math.max(peak, Math.abs(out[i]!));
    expect(peak).toBeGreaterThan(0.45);
    expect(stretcher.pull(out, written)).toBe(0);
  });

  it('turns silence into silence of the scaled length at every rate', () => {
    const input = new Float32Array(2 * SR);
    for (const rate of RATES) {
      const { out, positions } = stretchAll(TimeStretcher, SR, input, { rate });
      expect(out.every((v) => v === 0)).toBe(true);
      expect(Math.abs(ms(out.length) - ms(input.length / rate))).toBeLessThan(8 / rate + 1);
      expect(positions.at(-1)!).toBeGreaterThan(input.length - 1 - rate);
    }
  });

  it('gives the same output whatever the push and pull sizes, from single samples to one huge push', () => {
    const input = voiced(SR, 160, 3, 0.04);
    const reference = stretchAll(TimeStretcher, SR, input, { rate: 1.5 }).out;
    for (const [chunk, pullSize] of [[1, 1], [3, [7, 128]], [4096, 1000], [input.length, 128]] as const) {
      const { out } = stretchAll(TimeStretcher, SR, input, { rate: 1.5, chunk, pullSize: pullSize as number | number[] });
      expect(Buffer.from(out.buffer).equals(Buffer.from(reference.buffer)), `chunk ${chunk}`).toBe(true);
    }
  }, 60_000);

  it('keeps only what it still needs: a 3-minute stream holds under 1 s of audio', () => {
    const stretcher = new TimeStretcher(SR);
    const chunk = sine(SR, 200, 0.1);
    const out = new Float32Array(SR);
    let pushed = 0;
    let pulled = 0;
    for (let k = 0; k < 1800; k++) {
      stretcher.setRate(k % 100 < 50 ? 0.75 : 2);
      stretcher.push(chunk);
      pushed += chunk.length;
      pulled += stretcher.pull(out, 0, Math.round(chunk.length / stretcher.rate));
    }
    expect(pushed).toBe(180 * SR);
    expect(stretcher.position).toBeGreaterThan(pushed - SR);
    expect((stretcher as unknown as { buffer: Float32Array }).buffer.length).toBeLessThan(SR);
    expect(pulled).toBeGreaterThan(0);
  }, 60_000);

  it('one huge push: a minute at once at 2× comes out whole', () => {
    const input = voiced(SR, 200, 60);
    const { out, stretcher } = stretchAll(TimeStretcher, SR, input, { rate: 2, chunk: input.length, pullSize: 8192 });
    expect(Math.abs(ms(out.length) - 30_000)).toBeLessThan(8 / 2 + 1);
    expect(stretcher.position).toBe(input.length);
  }, 60_000);

  it('reset(startFrame) starts a new stream there, keeping the rate; positions count from startFrame', () => {
    const stretcher = new TimeStretcher(SR);
    stretcher.setRate(0.75);
    stretcher.push(sine(SR, 200, 0.5));
    stretcher.reset(48_000);
    expect(stretcher.rate).toBe(0.75);
    expect(stretcher.position).toBe(48_000);
    stretcher.push(sine(SR, 200, 0.5));
    stretcher.end();
    const out = new Float32Array(SR);
    const positions = new Float64Array(SR);
    const written = stretcher.pull(out, 0, SR, positions);
    expect(positions[0]).toBe(48_000);
    expect(stretcher.position).toBe(48_000 + SR / 2);
    expect(Math.abs(ms(written) - ms(SR / 2 / 0.75))).toBeLessThan(8 / 0.75 + 1);
  });

  it('rejects bad input with a clear error and keeps its state', () => {
    expect(() => new TimeStretcher(0)).toThrow(/sampleRate must be between 1000 and 384000 Hz, received 0/);
    expect(() => new TimeStretcher(SR, { hopMs: 0 })).toThrow(/hopMs must be between 2 and 100, received 0/);
    expect(() => new TimeStretcher(SR, { searchMs: -1 })).toThrow(/searchMs must be between 0 and 50/);
    const stretcher = new TimeStretcher(SR);
    stretcher.setRate(1.5);
    for (const rate of [0.49, 2.01, Number.NaN, Infinity]) {
      // Its RangeError is the worklet realm's, so compared by name.
      expect(() => stretcher.setRate(rate)).toThrow(expect.objectContaining({ name: 'RangeError', message: `TimeStretcher rate must be between 0.5 and 2, received ${rate}` }));
    }
    expect(stretcher.rate).toBe(1.5);
    stretcher.end();
    expect(() => stretcher.push(new Float32Array(10))).toThrow(/push after end\(\): reset\(\) starts a new stream/);
  });
});
