import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSynthesisError } from 'cosyvoice-react/core';
import { createAudioPlayer, type EndedReason } from 'cosyvoice-react/playback';
import { fakeAudioContext } from '../utils/fakeAudioContext';

// Node has no Web Audio: these cover the player's paths that need none (or a context that never runs,
// which real Chromium cannot produce; the browser tests cover the rest).

/** A context the browser keeps suspended: resume() never takes effect, the worklet never loads. */
const suspendedContext = () => fakeAudioContext({ running: false });

const settled = (promise: Promise<unknown>) =>
  promise.then(
    () => ({ ok: true as const, error: undefined }),
    (error: unknown) => ({ ok: false as const, error }),
  );

afterEach(() => {
  vi.useRealTimers();
});

describe('createAudioPlayer without Web Audio', () => {
  it('unlock() does not throw where AudioContext is missing: it rejects with AudioFailed and the snapshot shows it', async () => {
    expect(typeof (globalThis as { AudioContext?: unknown }).AudioContext).toBe('undefined');
    const player = createAudioPlayer();
    let pending: Promise<void> | undefined;
    expect(() => {
      pending = player.unlock();
    }).not.toThrow();
    const result = await settled(pending!);
    expect(result.ok).toBe(false);
    expect(isSynthesisError(result.error) && result.error.code).toBe('AudioFailed');
    expect(player.getSnapshot()).toMatchObject({ state: 'error', endedReason: undefined });
    expect(player.getSnapshot().error?.code).toBe('AudioFailed');
    expect(player.getSnapshot().error?.retryable).toBe(false);
    player.dispose();
  });

  it('unlock() does not throw when the context constructor throws: AudioFailed, retryable, with the cause', async () => {
    const cause = new DOMException('too many contexts', 'NotSupportedError');
    const player = createAudioPlayer({
      createContext: () => {
        throw cause;
      },
    });
    let pending: Promise<void> | undefined;
    expect(() => {
      pending = player.unlock();
    }).not.toThrow();
    const result = await settled(pending!);
    expect(isSynthesisError(result.error) && result.error.code).toBe('AudioFailed');
    const error = player.getSnapshot().error!;
    expect(error).toMatchObject({ code: 'AudioFailed', retryable: true });
    expect(error.cause).toBe(cause);
    player.dispose();
  });

  it('a playthrough that cannot get a context ends once with "error"; later bytes are ignored until reset()', () => {
    const player = createAudioPlayer();
    const reasons: EndedReason[] = [];
    player.onEnded((reason) => reasons.push(reason));
    player.reset();
    expect(() => player.enqueue(new Uint8Array(480))).not.toThrow();
    expect(player.getSnapshot()).toMatchObject({ state: 'error', endedReason: 'error', canSeek: false });
    expect(reasons).toEqual(['error']);
    player.enqueue(new Uint8Array(480));
    player.endOfStream();
    player.pause();
    player.resume();
    player.stop();
    expect(player.seek(0)).toBe(false);
    expect(reasons).toEqual(['error']);
    expect(player.getSnapshot().state).toBe('error');
    // A new utterance tries again (and fails again, as a state).
    player.reset();
    expect(player.getSnapshot()).toMatchObject({ state: 'idle', error: undefined, endedReason: undefined });
    player.enqueue(new Uint8Array(480));
    expect(reasons).toEqual(['error', 'error']);
    player.dispose();
    expect(reasons).toEqual(['error', 'error']);
  });
});

describe('createAudioPlayer: dispose while waiting for a suspended context', () => {
  it('clears the AudioBlocked timer and its listener: nothing is written to the disposed store', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { context, listeners } = suspendedContext();
    const player = createAudioPlayer({ createContext: () => context, unlockTimeoutMs: 1500 });
    const unlocked = settled(player.unlock());
    expect(vi.getTimerCount()).toBe(1);
    const changes = vi.fn();
    player.subscribe(changes);
    player.dispose();
    expect(vi.getTimerCount()).toBe(0);
    // Only the wait's own listener was left; the player removed its statechange handler as before.
    expect(listeners.size).toBe(0);
    vi.advanceTimersByTime(2000);
    expect(changes).not.toHaveBeenCalled();
    expect(player.getSnapshot().state).not.toBe('error');
    // The pending unlock() settles instead of hanging: the player is gone.
    const result = await unlocked;
    expect(isSynthesisError(result.error) && result.error.code).toBe('Cancelled');
    expect(context.close).toHaveBeenCalledTimes(1);
  });

  it('without dispose, the same wait reports AudioBlocked telling the user to start from a click or key press', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { context } = suspendedContext();
    const player = createAudioPlayer({ createContext: () => context, unlockTimeoutMs: 1500 });
    const unlocked = settled(player.unlock());
    vi.advanceTimersByTime(1500);
    const result = await unlocked;
    expect(isSynthesisError(result.error) && result.error.code).toBe('AudioBlocked');
    const message = player.getSnapshot().error!.message;
    expect(message).toMatch(/user gesture \(a click or key press\)/);
    // unlock() is named only as the player-level API, not as the first thing to do.
    expect(message.indexOf('unlock()')).toBeGreaterThan(message.indexOf('click or key press'));
    player.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

// A context whose start the test controls (Node has no Web Audio, and no real engine starts a device
// slowly on demand): `setState('running')` is the moment the device comes up. `navigator` is stubbed with
// what the browser would say inside or outside a gesture; the Firefox project with a PulseAudio sink
// (test/reliability/*.firefox-pulse.test.tsx) shows the same with a real slow device.
describe('createAudioPlayer: a slow audio device is not an autoplay block', () => {
  const inGesture = { userActivation: { isActive: true } };
  const noGesture = { userActivation: { isActive: false }, getAutoplayPolicy: () => 'disallowed' };

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('a context resumed inside a gesture that takes longer than unlockTimeoutMs to start is waited for, then plays: no AudioBlocked', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.stubGlobal('navigator', inGesture);
    const fake = suspendedContext();
    const player = createAudioPlayer({ createContext: () => fake.context, unlockTimeoutMs: 1500, deviceStartTimeoutMs: 10_000 });
    const states: string[] = [];
    player.subscribe(() => states.push(player.getSnapshot().state));
    player.reset();
    const unlocked = settled(player.unlock());
    player.enqueue(new Uint8Array(4800));
    vi.advanceTimersByTime(5000); // the device takes 5 s: more than three unlock timeouts
    expect(player.getSnapshot()).toMatchObject({ state: 'buffering', error: undefined });
    fake.setState('running');
    expect((await unlocked).ok).toBe(true);
    expect(states).not.toContain('error');
    expect(player.getSnapshot()).toMatchObject({ state: 'buffering', error: undefined, endedReason: undefined });
    player.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('allowed to start but never running: after deviceStartTimeoutMs a retryable AudioFailed names the missing device, not the autoplay policy; a late start recovers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // Firefox: no gesture needed once the page may play (sticky activation); the policy says so.
    vi.stubGlobal('navigator', { userActivation: { isActive: false }, getAutoplayPolicy: () => 'allowed' });
    const fake = suspendedContext();
    const player = createAudioPlayer({ createContext: () => fake.context, unlockTimeoutMs: 1500, deviceStartTimeoutMs: 6000 });
    const reasons: EndedReason[] = [];
    player.onEnded((reason) => reasons.push(reason));
    player.reset();
    const unlocked = settled(player.unlock());
    player.enqueue(new Uint8Array(4800));
    vi.advanceTimersByTime(5999);
    expect(player.getSnapshot().state).toBe('buffering');
    vi.advanceTimersByTime(1);
    const result = await unlocked;
    expect(isSynthesisError(result.error) && result.error.code).toBe('AudioFailed');
    const snapshot = player.getSnapshot();
    expect(snapshot).toMatchObject({ state: 'error', endedReason: undefined, error: { code: 'AudioFailed', retryable: true } });
    expect(snapshot.error!.message).toMatch(/audio output device/);
    expect(snapshot.error!.message).not.toMatch(/autoplay/);
    // More audio does not start a new wait (and a new report) per chunk.
    player.enqueue(new Uint8Array(4800));
    expect(vi.getTimerCount()).toBe(0);
    expect(player.getSnapshot().error).toBe(snapshot.error);
    // The playthrough was not ended: the device comes up after all and it goes on.
    fake.setState('running');
    expect(player.getSnapshot()).toMatchObject({ state: 'buffering', error: undefined });
    expect(reasons).toEqual([]);
    player.dispose();
  });

  it('outside a gesture it is AudioBlocked (autoplay policy); a resume from a later gesture shows the playthrough waiting again and it recovers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.stubGlobal('navigator', noGesture);
    const fake = suspendedContext();
    const player = createAudioPlayer({ createContext: () => fake.context, unlockTimeoutMs: 1500 });
    player.reset();
    const blocked = settled(player.unlock());
    player.enqueue(new Uint8Array(4800));
    vi.advanceTimersByTime(1500);
    expect(isSynthesisError((await blocked).error) && (await blocked).error).toMatchObject({ code: 'AudioBlocked' });
    expect(player.getSnapshot()).toMatchObject({ state: 'error', endedReason: undefined });
    expect(player.getSnapshot().error!.message).toMatch(/autoplay policy/);
    // The user taps: resumed inside that gesture, the output is starting, not blocked any more.
    vi.stubGlobal('navigator', inGesture);
    const unlocked = settled(player.unlock());
    expect(player.getSnapshot()).toMatchObject({ state: 'buffering', error: undefined });
    vi.advanceTimersByTime(3000);
    expect(player.getSnapshot().state).toBe('buffering');
    fake.setState('running');
    expect((await unlocked).ok).toBe(true);
    expect(player.getSnapshot()).toMatchObject({ state: 'buffering', error: undefined });
    player.dispose();
  });
});
