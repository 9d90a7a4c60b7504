import { describe, expect, it } from 'vitest';

describe('cosyvoice-react/playback in Node', () => {
  it('imports and creates players without touching window or AudioContext', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    expect(typeof (globalThis as { AudioContext?: unknown }).AudioContext).toBe('undefined');
    const playback = await import('cosyvoice-react/playback');
    const player = playback.createAudioPlayer();
    expect(player.getSnapshot()).toMatchObject({ state: 'idle', activeWordIndex: -1 });
    expect(player.getPositionMs()).toBe(0);
    player.pause();
    player.stop();
    player.dispose();
    const silent = playback.createSilentPlayer();
    expect(silent.getSnapshot().state).toBe('idle');
    silent.dispose();
  });
});
