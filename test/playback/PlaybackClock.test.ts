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

  describe('plausibleOutputTimestamp', () => {
    const context = (stamp: AudioTimestamp, currentTime: number, outputLatency = 0.032) => ({
      currentTime,
      outputLatency,
      baseLatency: 0.01,
      getOutputTimestamp: () => stamp,
    });

    it('takes a stamp that is one latency behind currentTime (Chromium: 32–40 ms)', () => {
      // Stamped 5 ms ago at context time 1.000; extrapolated to now that is 1.005, 35 ms behind 1.040.
      const stamp = { contextTime: 1, performanceTime: 995 };
      expect(PlaybackClock.plausibleOutputTimestamp(context(stamp, 1.04), 1000)).toEqual(stamp);
    });

    it('refuses {0, 0} (the first ~40 ms after creation or resume) and a missing API', () => {
      expect(PlaybackClock.plausibleOutputTimestamp(context({ contextTime: 0, performanceTime: 0 }, 0.02), 1000)).toBeUndefined();
      expect(PlaybackClock.plausibleOutputTimestamp({ currentTime: 1, baseLatency: 0.01 }, 1000)).toBeUndefined();
    });

    it("refuses WebKitGTK's stamps: performanceTime in the future, running at twice the speed", () => {
      // Measured in WebKitGTK 2.50: at performance.now() 2096 the stamp said { 1.033 s, 3127 ms }.
      expect(PlaybackClock.plausibleOutputTimestamp(context({ contextTime: 1.033287981, performanceTime: 3127 }, 1.0362, 0), 2096)).toBeUndefined();
    });

    it('refuses a stamp that drifted behind currentTime by more than the latency, or ahead of it', () => {
      expect(PlaybackClock.plausibleOutputTimestamp(context({ contextTime: 1, performanceTime: 1000 }, 1.2), 1000)).toBeUndefined();
      expect(PlaybackClock.plausibleOutputTimestamp(context({ contextTime: 1.1, performanceTime: 1000 }, 1.0), 1000)).toBeUndefined();
    });
  });
});
