import { describe, expect, it } from 'vitest';
import { StreamingResampler } from '../../src/server/StreamingResampler';

function sine(rate: number, hz: number, seconds: number): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate));
}

function resampleInChunks(input: Float32Array, from: number, to: number, chunk: number): Float32Array {
  const resampler = new StreamingResampler(from, to);
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(resampler.push(input.subarray(i, i + chunk)));
  parts.push(resampler.end());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

describe('StreamingResampler', () => {
  it.each([
    [22050, 8000],
    [22050, 48000],
    [22050, 44100],
    [22050, 16000],
  ])('%i → %i Hz keeps length exact, pitch and level, whatever the chunking', (from, to) => {
    const out = resampleInChunks(sine(from, 440, 1), from, to, 2206);
    expect(out.length).toBe(to);
    const middle = out.subarray(Math.round(to * 0.1), Math.round(to * 0.9));
    let crossings = 0;
    for (let i = 1; i < middle.length; i++) if (middle[i - 1]! < 0 && middle[i]! >= 0) crossings++;
    expect(crossings / 0.8).toBeCloseTo(440, -1);
    const rms = Math.sqrt(middle.reduce((s, v) => s + v * v, 0) / middle.length);
    expect(rms).toBeCloseTo(0.5 / Math.SQRT2, 2);
  });

  it('removes content above the new Nyquist frequency when downsampling', () => {
    const out = resampleInChunks(sine(22050, 6000, 1), 22050, 8000, 1000); // 6 kHz > 4 kHz Nyquist
    const middle = out.subarray(800, 7200);
    const rms = Math.sqrt(middle.reduce((s, v) => s + v * v, 0) / middle.length);
    expect(rms).toBeLessThan(0.02);
  });
});
