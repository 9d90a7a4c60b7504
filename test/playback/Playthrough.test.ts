import { describe, expect, it, vi } from 'vitest';
import { SynthesisError } from 'cosyvoice-react/core';
import type { FrameScheduler } from 'cosyvoice-react/playback';
import { PlayerStore } from '../../src/playback/PlayerStore';
import { Playthrough } from '../../src/playback/Playthrough';

const manual: FrameScheduler = { request: () => 1, cancel: () => undefined };

function setup() {
  const store = new PlayerStore(() => 0, manual);
  const playthrough = new Playthrough(store);
  const ended = vi.fn();
  store.onEnded(ended);
  return { store, playthrough, ended, snapshot: () => store.getSnapshot() };
}

const failure = () => new SynthesisError('AudioFailed', 'decoder broke');

describe('Playthrough: the lifecycle both players share', () => {
  it('starts empty: nothing to pause, end, seek or complete', () => {
    const { playthrough, ended } = setup();
    expect(playthrough.phase).toBe('empty');
    expect([playthrough.isLive, playthrough.isReceiving, playthrough.hasCompleteAudio, playthrough.canPause]).toEqual([false, false, false, false]);
    expect(playthrough.requestEnd()).toBe(false);
    playthrough.complete();
    playthrough.end('finished');
    playthrough.stop();
    playthrough.reopen();
    expect(playthrough.phase).toBe('empty');
    expect(ended).not.toHaveBeenCalled();
  });

  it('begin → streaming → draining → complete → ended (finished, once), and the store says so at each step', () => {
    const { playthrough, ended, snapshot } = setup();
    playthrough.begin(100);
    expect(playthrough.phase).toBe('streaming');
    expect(snapshot()).toMatchObject({ state: 'idle', canSeek: false, endedReason: undefined, timeToFirstAudioMs: undefined });
    playthrough.firstAudio(130);
    expect(snapshot().timeToFirstAudioMs).toBe(30);
    expect(playthrough.heard).toBe(true);
    expect(playthrough.requestEnd()).toBe(true);
    expect(playthrough.requestEnd()).toBe(false);
    expect(playthrough.phase).toBe('draining');
    expect(playthrough.isReceiving).toBe(true);
    playthrough.complete();
    expect(playthrough.phase).toBe('complete');
    expect(snapshot().canSeek).toBe(true);
    playthrough.end('finished');
    playthrough.end('finished');
    playthrough.stop();
    expect(playthrough.phase).toBe('ended');
    expect(snapshot()).toMatchObject({ state: 'ended', endedReason: 'finished' });
    expect(ended).toHaveBeenCalledExactlyOnceWith('finished');
  });

  it('a stop before all audio came drops the playthrough; after, the audio stays for a replay that ends once more', () => {
    const early = setup();
    early.playthrough.begin(0);
    early.playthrough.stop();
    expect(early.playthrough.phase).toBe('empty');
    expect(early.snapshot()).toMatchObject({ state: 'idle', endedReason: 'stopped' });
    expect(early.ended).toHaveBeenCalledExactlyOnceWith('stopped');

    const late = setup();
    late.playthrough.begin(0);
    late.playthrough.requestEnd();
    late.playthrough.complete();
    late.playthrough.stop();
    expect(late.playthrough.phase).toBe('ended');
    expect(late.playthrough.hasCompleteAudio).toBe(true);
    late.playthrough.reopen();
    expect(late.playthrough.phase).toBe('complete');
    expect(late.snapshot().endedReason).toBeUndefined();
    late.playthrough.end('finished');
    expect(late.ended.mock.calls).toEqual([['stopped'], ['finished']]);
  });

  it('a failure ends a live playthrough for good (once); outside one it only shows the error', () => {
    for (const reach of ['streaming', 'draining', 'complete'] as const) {
      const { playthrough, ended, snapshot } = setup();
      playthrough.begin(0);
      if (reach !== 'streaming') playthrough.requestEnd();
      if (reach === 'complete') playthrough.complete();
      const error = failure();
      playthrough.fail(error);
      expect(playthrough.phase, reach).toBe('failed');
      expect(snapshot()).toMatchObject({ state: 'error', error, endedReason: 'error', canSeek: false });
      playthrough.fail(failure());
      playthrough.stop();
      playthrough.end('finished');
      playthrough.reopen();
      expect(playthrough.phase).toBe('failed');
      expect(ended).toHaveBeenCalledExactlyOnceWith('error');
      playthrough.begin(0);
      expect(playthrough.phase).toBe('streaming');
      expect(snapshot()).toMatchObject({ state: 'idle', error: undefined, endedReason: undefined });
    }
    const idle = setup();
    const error = failure();
    idle.playthrough.fail(error);
    expect(idle.playthrough.phase).toBe('empty');
    expect(idle.snapshot()).toMatchObject({ state: 'error', error, endedReason: undefined });
    expect(idle.ended).not.toHaveBeenCalled();
  });

  it('pause holds across phases until resume or stop; not while an error shows', () => {
    const { playthrough, store, snapshot } = setup();
    playthrough.begin(0);
    expect(playthrough.canPause).toBe(true);
    playthrough.pause();
    expect([playthrough.paused, snapshot().state, playthrough.canPause]).toEqual([true, 'paused', false]);
    playthrough.requestEnd();
    playthrough.complete();
    expect(playthrough.paused).toBe(true);
    expect(playthrough.resume()).toBe(true);
    expect(playthrough.resume()).toBe(false);
    playthrough.pause();
    playthrough.stop();
    expect(playthrough.paused).toBe(false);
    playthrough.begin(0);
    store.update({ state: 'error', error: new SynthesisError('AudioBlocked', 'blocked', { retryable: true }) });
    expect(playthrough.canPause).toBe(false);
  });

  it('counts stalls per playthrough', () => {
    const { playthrough, snapshot } = setup();
    playthrough.begin(0);
    playthrough.stalled();
    playthrough.stalled('interrupted');
    expect(snapshot()).toMatchObject({ underruns: 2, state: 'interrupted' });
    playthrough.begin(0);
    expect(snapshot().underruns).toBe(0);
  });
});
