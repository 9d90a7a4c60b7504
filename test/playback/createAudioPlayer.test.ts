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
