import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { AudioFormat, useReadAloud } from 'cosyvoice-react';
import { createSilentPlayer } from 'cosyvoice-react/playback';
import { countingServerPerTest, providerProps, wrapperFor } from '../utils/speechHarness';

const startServer = countingServerPerTest();

async function setup() {
  const transport = await startServer();
  const format = AudioFormat.PCM_16000HZ_MONO_16BIT;
  return { transport, wrapper: wrapperFor(providerProps(transport, { createPlayer: () => createSilentPlayer({ format, realtime: false }) })) };
}

const TEXT = Array.from({ length: 6 }, (_, i) => `Hook sentence ${i + 1} is short.`).join(' ');

describe('useReadAloud options', () => {
  it('refuses a lookahead window under one character when it renders, naming the option, and opens nothing', async () => {
    const { transport, wrapper } = await setup();
    for (const lookaheadCharacters of [0, -1, Number.NaN]) {
      expect(() => renderHook(() => useReadAloud(TEXT, { lookaheadCharacters }), { wrapper })).toThrow(
        expect.objectContaining({ code: 'InvalidOptions', field: 'lookaheadCharacters' }),
      );
    }
    expect(transport.opened).toBe(0);
  });

  it('passes the window on to the reading: a text over it goes out in several tasks, one reading to the end', async () => {
    const { wrapper } = await setup();
    const windowed = renderHook(() => useReadAloud(TEXT, { lookaheadCharacters: 60 }), { wrapper });
    act(() => windowed.result.current.play());
    await waitFor(() => expect(windowed.result.current.status).toBe('ended'), { timeout: 15_000 });
    expect(windowed.result.current.tasks).toBeGreaterThanOrEqual(TEXT.length / 60);

    const whole = renderHook(() => useReadAloud(TEXT), { wrapper });
    act(() => whole.result.current.play());
    await waitFor(() => expect(whole.result.current.status).toBe('ended'), { timeout: 15_000 });
    expect(whole.result.current.tasks).toBe(1);
  });
});
