import { describe, expect, it, vi } from 'vitest';
import type { TimelineWord } from 'cosyvoice-react/core';
import type { FrameScheduler } from 'cosyvoice-react/playback';
import { PlayerStore } from '../../src/playback/PlayerStore';

function words(...begins: number[]): TimelineWord[] {
  return begins.map((beginMs, i) => ({ text: `w${i}`, beginIndex: i * 3, endIndex: i * 3 + 2, beginMs, endMs: beginMs + 90, sentenceIndex: 0 }));
}

/** A scheduler stepped by hand: `frame()` runs the pending callback. */
function manualScheduler() {
  let pending: (() => void) | undefined;
  const scheduler: FrameScheduler = {
    request(cb) {
      pending = cb;
      return 1;
    },
    cancel() {
      pending = undefined;
    },
  };
  return {
    scheduler,
    frame() {
      const cb = pending;
      pending = undefined;
      cb?.();
    },
    get pending() {
      return pending !== undefined;
    },
  };
}

describe('PlayerStore', () => {
  it('marks no word while buffering before the first sample is heard, even one that begins at 0', () => {
    const frames = manualScheduler();
    const store = new PlayerStore(() => 0, frames.scheduler);
    store.setWords(words(0, 100));
    store.update({ state: 'buffering' });
    frames.frame();
    store.tick();
    expect(store.getSnapshot().activeWordIndex).toBe(-1);
    store.update({ state: 'playing' });
    store.tick();
    expect(store.getSnapshot().activeWordIndex).toBe(0);
    // Once something was heard, a stall (buffering again) keeps the heard word.
    store.update({ timeToFirstAudioMs: 40, state: 'buffering' });
    store.tick();
    expect(store.getSnapshot().activeWordIndex).toBe(0);
  });

  it('publishes a new snapshot only when the active word or state changes, not per frame', () => {
    let position = 0;
    const frames = manualScheduler();
    const store = new PlayerStore(() => position, frames.scheduler);
    store.setWords(words(0, 100, 200));
    const listener = vi.fn();
    store.subscribe(listener);
    store.update({ state: 'playing' });
    expect(listener).toHaveBeenCalledTimes(2); // state, then word 0
    const seen: number[] = [];
    for (position = 0; position < 300; position += 5) {
      frames.frame();
      seen.push(store.getSnapshot().activeWordIndex);
    }
    expect(listener).toHaveBeenCalledTimes(4);
    expect([...new Set(seen)]).toEqual([0, 1, 2]);
    const snapshot = store.getSnapshot();
    frames.frame();
    expect(store.getSnapshot()).toBe(snapshot);
  });

  it('runs the frame loop only while audio moves', () => {
    const frames = manualScheduler();
    const store = new PlayerStore(() => 0, frames.scheduler);
    expect(frames.pending).toBe(false);
    store.update({ state: 'playing' });
    expect(frames.pending).toBe(true);
    store.update({ state: 'paused' });
    expect(frames.pending).toBe(false);
    store.update({ state: 'buffering' });
    expect(frames.pending).toBe(true);
    store.update({ state: 'ended' });
    expect(frames.pending).toBe(false);
    store.close();
  });

  it('calls per-word listeners only for the word that starts and the one that stops being heard', () => {
    let position = 0;
    const frames = manualScheduler();
    const store = new PlayerStore(() => position, frames.scheduler);
    store.setWords(words(0, 100, 200));
    const calls: string[] = [];
    for (const i of [0, 1, 2]) store.subscribeActiveWord(i, (active) => calls.push(`${i}:${active}`));
    store.update({ state: 'playing' });
    position = 150;
    frames.frame();
    store.update({ state: 'ended' });
    expect(calls).toEqual(['0:true', '0:false', '1:true', '1:false']);
  });
});
