import { describe, expect, it } from 'vitest';
import { loadProcessor } from './workletHarness';

function ramp(n: number, start = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((start + i) % 1000) / 1000;
  return out;
}

describe('player worklet processor', () => {
  it('outputs queued samples unchanged when source and context rates match, across chunk boundaries', () => {
    const w = loadProcessor(24000);
    w.send({ type: 'format', srcRate: 24000 });
    w.send({ type: 'pcm', epoch: 0, samples: ramp(100) });
    w.send({ type: 'pcm', epoch: 0, samples: ramp(200, 100) });
    w.send({ type: 'eos', epoch: 0 });
    const out = w.render(3);
    const expected = ramp(300);
    for (let i = 0; i < 300; i++) expect(out[i]).toBeCloseTo(expected[i]!, 6);
    expect(Array.from(out.subarray(300)).every((v) => v === 0)).toBe(true);
    const states = w.messages.map((m) => m.state);
    expect(states[0]).toBe('playing');
    expect(states.at(-1)).toBe('ended');
    expect(w.messages.at(-1)!.played).toBe(300);
    // The end is stamped with the in-quantum time of the last sample: 300 / 24000 s.
    expect(w.messages.at(-1)!.ctxTime).toBeCloseTo(300 / 24000, 9);
  });

  it('resamples 24 kHz to 48 kHz statefully: twice the frames, same tone, every source frame counted', () => {
    const w = loadProcessor(48000);
    w.send({ type: 'format', srcRate: 24000 });
    const sine = new Float32Array(2400);
    for (let i = 0; i < sine.length; i++) sine[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / 24000);
    for (let i = 0; i < 2400; i += 240) w.send({ type: 'pcm', epoch: 0, samples: sine.slice(i, i + 240) });
    w.send({ type: 'eos', epoch: 0 });
    const out = w.render(60);
    let nonZero = 0;
    let maxStep = 0;
    for (let i = 1; i < out.length; i++) {
      if (out[i] !== 0) nonZero = i + 1;
      if (i < 4790) maxStep = Math.max(maxStep, Math.abs(out[i]! - out[i - 1]!));
    }
    expect(nonZero).toBeGreaterThanOrEqual(4795);
    expect(nonZero).toBeLessThanOrEqual(4800);
    // Ideal slope of a 0.5-amplitude 440 Hz sine at 48 kHz: 0.5 * 2π * 440 / 48000 ≈ 0.0288.
    expect(maxStep).toBeLessThan(0.0295);
    expect(w.messages.at(-1)).toMatchObject({ state: 'ended', played: 2400 });
  });

  it('reports one underrun when the queue runs dry before end of stream, freezes the count, then resumes', () => {
    const w = loadProcessor(24000);
    w.send({ type: 'format', srcRate: 24000 });
    w.send({ type: 'pcm', epoch: 0, samples: ramp(200) });
    w.render(4);
    const underruns = w.messages.filter((m) => m.state === 'underrun');
    expect(underruns).toHaveLength(1);
    expect(underruns[0]).toMatchObject({ played: 200, rate: 0 });
    expect(underruns[0]!.ctxTime).toBeCloseTo(200 / 24000, 9);
    w.send({ type: 'pcm', epoch: 0, samples: ramp(100, 200) });
    w.send({ type: 'eos', epoch: 0 });
    w.render(2);
    const tail = w.messages.slice(-2);
    expect(tail.map((m) => m.state)).toEqual(['playing', 'ended']);
    expect(tail[1]!.played).toBe(300);
  });

  it('pause outputs silence without consuming; resume continues where it stopped', () => {
    const w = loadProcessor(24000);
    w.send({ type: 'format', srcRate: 24000 });
    w.send({ type: 'pcm', epoch: 0, samples: ramp(1000) });
    w.render(2);
    w.send({ type: 'pause' });
    const paused = w.render(3);
    expect(paused.every((v) => v === 0)).toBe(true);
    expect(w.messages.at(-1)).toMatchObject({ state: 'paused', played: 256, rate: 0 });
    w.send({ type: 'resume' });
    const resumed = w.render(1);
    expect(resumed[0]).toBeCloseTo(0.256, 6);
  });

  it('end of stream arriving while paused during a stall: resume reports ended, once', () => {
    const w = loadProcessor(24000);
    w.send({ type: 'format', srcRate: 24000 });
    w.send({ type: 'pcm', epoch: 0, samples: ramp(200) });
    w.render(4);
    expect(w.messages.at(-1)).toMatchObject({ state: 'underrun', played: 200 });
    w.send({ type: 'pause' });
    w.render(2);
    w.send({ type: 'eos', epoch: 0 });
    w.render(2);
    expect(w.messages.at(-1)!.state).toBe('paused');
    w.send({ type: 'resume' });
    w.render(4);
    const states = w.messages.map((m) => m.state);
    expect(states.slice(-2)).toEqual(['paused', 'ended']);
    expect(states.filter((s) => s === 'ended')).toHaveLength(1);
    expect(w.messages.at(-1)).toMatchObject({ played: 200, rate: 0 });
  });

  it('end of stream while idle with nothing queued (paused before the first sample) reports ended', () => {
    const w = loadProcessor(24000);
    w.send({ type: 'format', srcRate: 24000 });
    w.send({ type: 'flush', epoch: 1, startFrame: 0 });
    w.send({ type: 'pause' });
    w.send({ type: 'eos', epoch: 1 });
    w.render(2);
    expect(w.messages.filter((m) => m.state === 'ended')).toHaveLength(0);
    w.send({ type: 'resume' });
    w.render(3);
    const ended = w.messages.filter((m) => m.state === 'ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ epoch: 1, played: 0 });
  });

  it('flush drops queued audio at once and ignores samples of the old epoch still in flight', () => {
    const w = loadProcessor(24000);
    w.send({ type: 'format', srcRate: 24000 });
    w.send({ type: 'pcm', epoch: 0, samples: ramp(1000) });
    w.render(1);
    w.send({ type: 'flush', epoch: 1, startFrame: 500 });
    w.send({ type: 'pcm', epoch: 0, samples: ramp(1000) }); // late, old epoch
    expect(w.render(2).every((v) => v === 0)).toBe(true);
    w.send({ type: 'pcm', epoch: 1, samples: ramp(10, 500) });
    w.send({ type: 'eos', epoch: 1 });
    const out = w.render(1);
    expect(out[0]).toBeCloseTo(0.5, 6);
    expect(w.messages.at(-1)).toMatchObject({ epoch: 1, state: 'ended', played: 510 });
  });

  it('posts position anchors about every 25 ms while playing', () => {
    const w = loadProcessor(48000);
    w.send({ type: 'format', srcRate: 48000 });
    w.send({ type: 'pcm', epoch: 0, samples: new Float32Array(48000).fill(0.1) });
    w.render(375); // 1 s
    const playing = w.messages.filter((m) => m.state === 'playing');
    expect(playing.length).toBeGreaterThanOrEqual(35);
    expect(playing.length).toBeLessThanOrEqual(45);
    for (const m of playing.slice(1)) expect(m.played).toBeCloseTo(m.ctxTime * 48000, 0);
  });

  it("stamps reports from a new processor's first quantum from the second quantum's currentTime (Chromium's first one is stale)", () => {
    const w = loadProcessor(48000);
    // Chromium: the scope's time is still that of the module load (0.1 s) in the node's first call, though
    // the context is at 0.4 s; from the second call on it is current.
    w.setCurrentTime(0.1);
    w.send({ type: 'format', srcRate: 48000 });
    w.send({ type: 'pcm', epoch: 0, samples: ramp(4800) });
    w.render(1);
    expect(w.messages).toEqual([]); // held: the stamp would be 0.3 s in the past
    w.setCurrentTime(0.4 + 128 / 48000);
    w.render(10);
    const first = w.messages[0]!;
    expect(first.state).toBe('playing');
    expect(first.played).toBeLessThanOrEqual(1);
    expect(first.ctxTime).toBeCloseTo(0.4, 9);
    // Later reports are consistent with it: frames played over elapsed context time at the source rate.
    const later = w.messages.at(-1)!;
    expect((later.played - first.played) / (later.ctxTime - first.ctxTime)).toBeCloseTo(48000, -2); // within one frame's count
  });
});
