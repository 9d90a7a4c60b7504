// The time-stretcher on real speech from the local voice server's engines: espeak (real, robotic speech)
// and tone (a tone per word with exact word timings).
import { afterAll, describe, expect, it } from 'vitest';
import { createEspeakEngine, createToneEngine, isEspeakAvailable, type SynthesisEngine } from 'cosyvoice-react/server';
import { loadTimeStretcher } from './loadTimeStretcher';
import { autocorrelationHz, onsets, stretchAll, synthesize } from './stretchSignals';

const TimeStretcher = loadTimeStretcher();
const TEXT = 'The quick brown fox jumps over the lazy dog, while seven bright wizards quietly vexed the jolly king.';
const RATES = [0.5, 0.75, 1.5, 2];

function rms(x: Float32Array, from: number, length: number): number {
  let sum = 0;
  for (let i = from; i < from + length; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / length);
}

const engines: SynthesisEngine[] = [];
afterAll(async () => {
  for (const engine of engines) await engine.close?.();
});

describe.skipIf(!isEspeakAvailable())('TimeStretcher on espeak speech', () => {
  it('keeps duration, loudness contour and pitch: output at time t sounds like the source at the reported position', async () => {
    const engine = createEspeakEngine();
    engines.push(engine);
    const { samples, sampleRate } = await synthesize(engine, TEXT, 22050);
    expect(samples.length).toBeGreaterThan(2 * sampleRate);
    const frame = Math.round(sampleRate * 0.04);
    let loudest = 0;
    for (let i = 0; i + frame < samples.length; i += frame / 2) loudest = Math.max(loudest, rms(samples, i, frame));

    for (const rate of RATES) {
      const { out, positions } = stretchAll(TimeStretcher, sampleRate, samples, { rate });
      const outMs = (out.length / sampleRate) * 1000;
      expect(Math.abs(outMs - (samples.length / sampleRate / rate) * 1000), `rate ${rate}`).toBeLessThan(8 / rate + 1);

      // Loudness contour: 30 ms of source around the reported position vs the same span of output
      // (30 / rate ms); correlation of the two dB curves, every 10 ms of output.
      const outDb: number[] = [];
      const srcDb: number[] = [];
      const span = Math.round(sampleRate * 0.015);
      for (let i = Math.ceil(span / rate); i + span / rate < out.length; i += Math.round(sampleRate * 0.01)) {
        const p = Math.round(positions[i]!);
        if (p - span < 0 || p + span > samples.length) continue;
        outDb.push(20 * Math.log10(rms(out, i - Math.round(span / rate), Math.round((2 * span) / rate)) + 1e-5));
        srcDb.push(20 * Math.log10(rms(samples, p - span, 2 * span) + 1e-5));
      }
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      const [mo, ms] = [mean(outDb), mean(srcDb)];
      let cov = 0;
      let vo = 0;
      let vs = 0;
      for (let k = 0; k < outDb.length; k++) {
        cov += (outDb[k]! - mo) * (srcDb[k]! - ms);
        vo += (outDb[k]! - mo) ** 2;
        vs += (srcDb[k]! - ms) ** 2;
      }
      expect(cov / Math.sqrt(vo * vs), `rate ${rate}: loudness contour correlation`).toBeGreaterThan(0.9);
      expect(mean(outDb.map((db, k) => Math.abs(db - srcDb[k]!))), `rate ${rate}: mean dB difference`).toBeLessThan(3);

      // Pitch: in loud (voiced) 40 ms frames, the output's fundamental is the source's at the reported position.
      const differences: number[] = [];
      for (let i = 0; i + 2 * frame < out.length; i += frame) {
        const p = Math.round(positions[i]!);
        if (p + 2 * frame >= samples.length || rms(samples, p, frame) < 0.3 * loudest || rms(out, i, frame) < 0.3 * loudest) continue;
        differences.push(Math.abs(autocorrelationHz(out, sampleRate, i, frame) - autocorrelationHz(samples, sampleRate, p, frame)));
      }
      differences.sort((a, b) => a - b);
      expect(differences.length, `rate ${rate}: voiced frames`).toBeGreaterThan(20);
      expect(differences[Math.floor(differences.length / 2)]!, `rate ${rate}: median pitch difference (Hz)`).toBeLessThan(2);
      expect(differences[Math.floor(differences.length * 0.9)]!, `rate ${rate}: 90th percentile`).toBeLessThan(6);
    }
  }, 60_000);
});

describe('TimeStretcher on the tone engine', () => {
  it('reports each word’s start within 8 ms of when it becomes audible, at every rate', async () => {
    const engine = createToneEngine();
    engines.push(engine);
    const { samples, words, sampleRate } = await synthesize(engine, TEXT, 24000);
    const quiet = Math.round(sampleRate * 0.015);
    const heard = onsets(samples, 0.05, quiet);
    // Words are separated by silence: the onsets found are the words' starts.
    expect(heard).toHaveLength(words.length);
    heard.forEach((at, k) => expect(Math.abs((at / sampleRate) * 1000 - words[k]!.beginMs)).toBeLessThan(3));

    for (const rate of RATES) {
      const { out, positions } = stretchAll(TimeStretcher, sampleRate, samples, { rate });
      const heardOut = onsets(out, 0.05, Math.round(quiet / rate));
      expect(heardOut, `rate ${rate}`).toHaveLength(heard.length);
      const errorsMs = heardOut.map((at, k) => ((positions[at]! - heard[k]!) / sampleRate) * 1000);
      expect(Math.max(...errorsMs.map(Math.abs)), `rate ${rate}: ${errorsMs.map((e) => e.toFixed(1)).join(' ')}`).toBeLessThan(8);
    }
  });
});
