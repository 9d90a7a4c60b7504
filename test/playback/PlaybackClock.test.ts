import { describe, expect, it } from 'vitest';
import { PlaybackClock } from '../../src/playback/PlaybackClock';

describe('PlaybackClock', () => {
  it('extrapolates from the last anchor at the source rate', () => {
    const clock = new PlaybackClock(24000);
    clock.addAnchor({ played: 0, time: 1, rate: 24000 });
    expect(clock.positionMsAt(1.25)).toBeCloseTo(250, 6);
  });

  it('stays at the start before the first sample is audible', () => {
    const clock = new PlaybackClock(24000);
    clock.addAnchor({ played: 0, time: 1, rate: 24000 });
    expect(clock.positionMsAt(0.9)).toBe(0);
  });

  it('freezes during an underrun and continues from the same frame when audio returns', () => {
    const clock = new PlaybackClock(1000);
    clock.addAnchor({ played: 0, time: 0, rate: 1000 });
    clock.addAnchor({ played: 500, time: 0.5, rate: 0 }); // stall
    clock.addAnchor({ played: 500, time: 2.0, rate: 1000 }); // resumed 1.5 s later
    expect(clock.positionMsAt(0.4)).toBeCloseTo(400, 6);
    expect(clock.positionMsAt(1.2)).toBeCloseTo(500, 6);
    expect(clock.positionMsAt(1.9)).toBeCloseTo(500, 6);
    expect(clock.positionMsAt(2.3)).toBeCloseTo(800, 6);
  });

  it('never runs past the audio that was enqueued, and never goes backwards', () => {
    const clock = new PlaybackClock(1000);
    clock.addAnchor({ played: 0, time: 0, rate: 1000 });
    clock.setEnqueuedFrames(300);
    expect(clock.positionMsAt(1)).toBe(300);
    expect(clock.positionMsAt(0.1)).toBe(300);
  });

  it('clamps the extrapolation to the next anchor (a late report of a stall)', () => {
    const clock = new PlaybackClock(1000);
    clock.addAnchor({ played: 0, time: 0, rate: 1000 });
    clock.addAnchor({ played: 200, time: 0.2, rate: 0 });
    expect(clock.positionMsAt(0.19)).toBeCloseTo(190, 6);
    expect(clock.positionMsAt(0.5)).toBe(200);
  });

  it('reset starts over at a seek position', () => {
    const clock = new PlaybackClock(1000);
    clock.addAnchor({ played: 0, time: 0, rate: 1000 });
    clock.positionMsAt(0.5);
    clock.reset(2000);
    expect(clock.positionMsAt(0.6)).toBe(2000);
    clock.addAnchor({ played: 2000, time: 1, rate: 1000 });
    expect(clock.positionMsAt(1.1)).toBeCloseTo(2100, 6);
  });
});
