import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AudioFormat, ValidationError, type TimelineWord } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';

// 16 kHz PCM16: 32 bytes per ms.
const pcmMs = (ms: number) => new Uint8Array(ms * 32);
const timers = { now: () => Date.now() };

function words(...begins: number[]): TimelineWord[] {
  return begins.map((beginMs, i) => ({ text: `w${i}`, beginIndex: i, endIndex: i + 1, beginMs, endMs: beginMs + 50, sentenceIndex: 0 }));
}

/** A 44-byte streamed WAV header (placeholder sizes) for 16-bit PCM. */
function wavHeader(rate: number, channels: number): Uint8Array {
  const out = new Uint8Array(44);
  const view = new DataView(out.buffer);
  out.set([82, 73, 70, 70], 0); // RIFF
  view.setUint32(4, 0xffffffff, true);
  out.set([87, 65, 86, 69, 102, 109, 116, 32], 8); // WAVEfmt
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2 * channels, true);
  view.setUint16(32, 2 * channels, true);
  view.setUint16(34, 16, true);
  out.set([100, 97, 116, 97], 36); // data
  view.setUint32(40, 0xffffffff, true);
  return out;
}

describe('createSilentPlayer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plays enqueued audio in real time, highlights each word when it is reached, and ends once', () => {
    const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, ...timers });
    const ended = vi.fn();
    player.onEnded(ended);
    player.reset();
    player.setTimeline(words(0, 200, 600));
    player.enqueue(pcmMs(1000));
    player.endOfStream();
    expect(player.getSnapshot()).toMatchObject({ state: 'playing', timeToFirstAudioMs: 0, canSeek: true });
    const sequence: number[] = [];
    player.subscribe(() => sequence.push(player.getSnapshot().activeWordIndex));
    vi.advanceTimersByTime(250);
    expect(player.getPositionMs()).toBeCloseTo(250, 0);
    vi.advanceTimersByTime(800);
    expect(player.getSnapshot()).toMatchObject({ state: 'ended', endedReason: 'finished', activeWordIndex: -1 });
    expect(ended).toHaveBeenCalledTimes(1);
    expect(ended).toHaveBeenCalledWith('finished');
    expect([...new Set(sequence)]).toEqual([1, 2, -1]);
    player.stop();
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('counts a stall as an underrun, freezes the position, and continues when bytes arrive', () => {
    const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, ...timers });
    player.reset();
    player.enqueue(pcmMs(300));
    vi.advanceTimersByTime(500);
    expect(player.getSnapshot()).toMatchObject({ state: 'buffering', underruns: 1 });
    expect(player.getPositionMs()).toBeCloseTo(300, 0);
    player.enqueue(pcmMs(300));
    expect(player.getSnapshot().state).toBe('playing');
    vi.advanceTimersByTime(100);
    expect(player.getPositionMs()).toBeCloseTo(400, 0);
    player.endOfStream();
    vi.advanceTimersByTime(300);
    expect(player.getSnapshot()).toMatchObject({ state: 'ended', underruns: 1 });
  });

  it('pause freezes the clock and resume continues; stop ends with "stopped"', () => {
    const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, ...timers });
    const ended = vi.fn();
    player.onEnded(ended);
    player.reset();
    player.enqueue(pcmMs(1000));
    vi.advanceTimersByTime(200);
    player.pause();
    vi.advanceTimersByTime(500);
    expect(player.getSnapshot().state).toBe('paused');
    expect(player.getPositionMs()).toBeCloseTo(200, 0);
    player.resume();
    vi.advanceTimersByTime(100);
    expect(player.getPositionMs()).toBeCloseTo(300, 0);
    player.stop();
    expect(player.getSnapshot()).toMatchObject({ state: 'idle', endedReason: 'stopped' });
    expect(ended).toHaveBeenCalledExactlyOnceWith('stopped');
  });

  it('after the end, replays and seeks the complete audio; ended fires once per playthrough', () => {
    const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, ...timers });
    const ended = vi.fn();
    player.onEnded(ended);
    player.reset();
    expect(player.seek(100)).toBe(false);
    player.enqueue(pcmMs(500));
    player.endOfStream();
    vi.advanceTimersByTime(600);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(player.seek(400)).toBe(true);
    expect(player.getPositionMs()).toBeCloseTo(400, 0);
    vi.advanceTimersByTime(50);
    expect(player.getPositionMs()).toBeCloseTo(450, 0);
    vi.advanceTimersByTime(100);
    expect(ended).toHaveBeenCalledTimes(2);
    expect(player.replay()).toBe(true);
    expect(player.getSnapshot().state).toBe('playing');
  });

  it('nextStream continues the same utterance and clock with a new encoded stream', () => {
    const player = createSilentPlayer({ format: AudioFormat.WAV_16000HZ_MONO_16BIT, ...timers });
    const header = (bytes: Uint8Array) => {
      const out = new Uint8Array(44 + bytes.length);
      const view = new DataView(out.buffer);
      out.set([82, 73, 70, 70], 0);
      out.set([87, 65, 86, 69, 102, 109, 116, 32], 8);
      view.setUint32(16, 16, true);
      view.setUint16(20, 1, true);
      view.setUint16(22, 1, true);
      view.setUint32(24, 16000, true);
      view.setUint16(32, 2, true);
      view.setUint16(34, 16, true);
      out.set([100, 97, 116, 97], 36);
      out.set(bytes, 44);
      return out;
    };
    player.reset();
    player.enqueue(header(pcmMs(300)));
    player.nextStream();
    player.enqueue(header(pcmMs(200)));
    player.endOfStream();
    expect(player.getDurationMs()).toBe(500);
    vi.advanceTimersByTime(400);
    expect(player.getPositionMs()).toBeCloseTo(400, 0);
    vi.advanceTimersByTime(150);
    expect(player.getSnapshot().state).toBe('ended');
  });

  it('WAV the real player cannot play (stereo) fails as it does: state error, ended("error") exactly once', () => {
    const player = createSilentPlayer({ format: AudioFormat.WAV_16000HZ_MONO_16BIT, ...timers });
    const reasons: string[] = [];
    player.onEnded((reason) => reasons.push(reason));
    player.reset();
    const stereo = wavHeader(16000, 2);
    player.enqueue(stereo.subarray(0, 20)); // the header arrives split
    expect(player.getSnapshot().state).toBe('buffering');
    player.enqueue(new Uint8Array([...stereo.subarray(20), ...pcmMs(200)]));
    expect(player.getSnapshot()).toMatchObject({ state: 'error', endedReason: 'error', activeWordIndex: -1, canSeek: false });
    expect(player.getSnapshot().error?.code).toBe('AudioFailed');
    expect(reasons).toEqual(['error']);
    player.enqueue(pcmMs(200));
    player.endOfStream();
    vi.advanceTimersByTime(500);
    player.stop();
    expect(player.replay()).toBe(false);
    expect(reasons).toEqual(['error']);
    expect(player.getSnapshot()).toMatchObject({ state: 'error', canSeek: false });
    expect(vi.getTimerCount()).toBe(0);
    player.reset();
    expect(player.getSnapshot()).toMatchObject({ state: 'idle', error: undefined, endedReason: undefined });
    player.enqueue(new Uint8Array([...wavHeader(16000, 1), ...pcmMs(100)]));
    player.endOfStream();
    vi.advanceTimersByTime(150);
    expect(reasons).toEqual(['error', 'finished']);
    player.dispose();
  });

  it('instant mode hears everything at end of stream', () => {
    const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, realtime: false, ...timers });
    player.reset();
    player.enqueue(pcmMs(1000));
    expect(player.getSnapshot().state).toBe('buffering');
    player.endOfStream();
    expect(player.getSnapshot()).toMatchObject({ state: 'ended', endedReason: 'finished' });
    expect(player.getPositionMs()).toBe(1000);
  });

  it('measures time to first audio from markSpeakStart', () => {
    const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, ...timers });
    player.reset();
    player.markSpeakStart();
    vi.advanceTimersByTime(120);
    player.enqueue(pcmMs(100));
    expect(player.getSnapshot().timeToFirstAudioMs).toBe(120);
  });

  describe('playback rate', () => {
    it('runs its clock at the rate, changes it mid-utterance without a jump, and keeps it for the next playthrough', () => {
      const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, ...timers });
      const ended = vi.fn();
      player.onEnded(ended);
      expect(player.getSnapshot().playbackRate).toBe(1);
      player.setPlaybackRate(2);
      expect(player.playbackRate).toBe(2);
      expect(player.getSnapshot().playbackRate).toBe(2);
      player.reset();
      player.setTimeline(words(0, 400, 800));
      player.enqueue(pcmMs(1200));
      player.endOfStream();
      vi.advanceTimersByTime(100);
      expect(player.getPositionMs()).toBeCloseTo(200, 0);
      expect(player.getSnapshot().activeWordIndex).toBe(0);
      vi.advanceTimersByTime(150);
      expect(player.getPositionMs()).toBeCloseTo(500, 0);
      expect(player.getSnapshot().activeWordIndex).toBe(1);
      // Mid-utterance: from 500 ms of source on at half speed, with no jump.
      player.setPlaybackRate(0.5);
      expect(player.getPositionMs()).toBeCloseTo(500, 0);
      vi.advanceTimersByTime(200);
      expect(player.getPositionMs()).toBeCloseTo(600, 0);
      // 600 ms of source left at 0.5× end 1 200 ms later, not 600.
      vi.advanceTimersByTime(1100);
      expect(ended).not.toHaveBeenCalled();
      expect(player.getSnapshot().activeWordIndex).toBe(2);
      vi.advanceTimersByTime(150);
      expect(ended).toHaveBeenCalledWith('finished');
      // The next playthrough starts at the rate set last.
      player.reset();
      expect(player.getSnapshot().playbackRate).toBe(0.5);
      player.enqueue(pcmMs(100));
      player.endOfStream();
      vi.advanceTimersByTime(100);
      expect(player.getPositionMs()).toBeCloseTo(50, 0);
    });

    it('takes a new rate while paused or stalled and moves at it from resume', () => {
      const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, ...timers });
      player.reset();
      player.enqueue(pcmMs(1000));
      vi.advanceTimersByTime(100);
      player.pause();
      player.setPlaybackRate(1.5);
      vi.advanceTimersByTime(500);
      expect(player.getPositionMs()).toBeCloseTo(100, 0);
      player.resume();
      vi.advanceTimersByTime(200);
      expect(player.getPositionMs()).toBeCloseTo(400, 0);
      // Stalled at the end of what came: still stalled after a rate change, then on at 1.5× with more audio.
      vi.advanceTimersByTime(1000);
      expect(player.getSnapshot().state).toBe('buffering');
      player.setPlaybackRate(0.75);
      expect(player.getPositionMs()).toBeCloseTo(1000, 0);
      player.enqueue(pcmMs(300));
      vi.advanceTimersByTime(200);
      expect(player.getPositionMs()).toBeCloseTo(1150, 0);
    });

    it('rejects a rate outside 0.5–2 with a ValidationError and changes nothing', () => {
      const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, ...timers });
      player.setPlaybackRate(1.25);
      player.reset();
      player.enqueue(pcmMs(1000));
      vi.advanceTimersByTime(100);
      const snapshot = player.getSnapshot();
      for (const bad of [0.49, 2.01, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1.5' as unknown as number, undefined as unknown as number]) {
        let thrown: unknown;
        try {
          player.setPlaybackRate(bad);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ValidationError);
        expect(thrown).toMatchObject({ code: 'InvalidOptions', field: 'playbackRate' });
        expect((thrown as Error).message).toMatch(/playbackRate must be a number from 0\.5 to 2/);
      }
      expect(player.playbackRate).toBe(1.25);
      expect(player.getSnapshot()).toBe(snapshot);
      vi.advanceTimersByTime(100);
      expect(player.getPositionMs()).toBeCloseTo(250, 0);
    });
  });
});
