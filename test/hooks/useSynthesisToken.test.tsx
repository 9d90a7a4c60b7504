import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useSpeechSynthesis, useSynthesisToken } from 'cosyvoice-react';
import { SpeechSynthesizer, directTransport } from 'cosyvoice-react/core';
import { providerProps, startLocalServer, wrapperFor } from '../utils/speechHarness';

let stopServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopServer?.();
  stopServer = undefined;
});

describe('useSynthesisToken', () => {
  it('caches a short-lived token, refreshes it before it expires, and direct auth keeps working', async () => {
    // Only the server's own key and the st- tokens it mints are accepted.
    const { server } = await startLocalServer({ apiKeys: ['sk-backend-only'] });
    stopServer = () => server.close();
    let fetches = 0;
    const fetchToken = async () => {
      fetches++;
      // What an app backend does with the key it holds (here: the local server's token endpoint).
      const response = await fetch(`${server.httpUrl}/tokens?expire_in_seconds=4`, { method: 'POST', headers: { Authorization: 'Bearer sk-backend-only' } });
      const body = (await response.json()) as { token: string; expires_at: number };
      return { token: body.token, expiresAt: body.expires_at * 1000 };
    };
    const { result } = renderHook(() => useSynthesisToken(fetchToken, { refreshMarginMs: 1200 }));
    await waitFor(() => expect(result.current.status).toBe('success'));
    const first = result.current.token!;
    const firstExpiresAt = result.current.expiresAt!;
    expect(first).toMatch(/^st-/);
    expect(result.current.expiresAt).toBeGreaterThan(Date.now());
    // A second ask inside the validity window comes from the cache.
    await expect(result.current.getToken()).resolves.toMatchObject({ token: first });
    expect(fetches).toBe(1);

    const transport = directTransport({ url: server.url, getToken: result.current.getToken, WebSocket: WebSocket as never });
    const speech = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => speech.result.current.speak('With a token.'));
    await waitFor(() => expect(speech.result.current.status).toBe('ended'), { timeout: 8000 });

    // Past expiry minus the margin the hook has fetched a new token by itself.
    await waitFor(() => expect(result.current.token).not.toBe(first), { timeout: 8000 });
    expect(fetches).toBeGreaterThanOrEqual(2);
    // expires_at is in whole seconds (rounded down): the token really lapses up to a second later.
    await new Promise((r) => setTimeout(r, Math.max(0, firstExpiresAt - Date.now()) + 1200));
    // The first token has now expired: the server refuses it...
    const stale = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', transport: directTransport({ url: server.url, getToken: () => first, WebSocket: WebSocket as never }) });
    await expect(stale.call('old token')).rejects.toMatchObject({ code: 'Unauthorized' });
    // ...while the hook's getToken hands out a fresh one and speaking still works.
    act(() => speech.result.current.speak('Still talking.'));
    await waitFor(() => expect(speech.result.current.status).toBe('ended'), { timeout: 8000 });
    expect(speech.result.current.error).toBeUndefined();
  }, 30_000);

  it('reports a fetcher that returns garbage', async () => {
    const { result } = renderHook(() => useSynthesisToken(async () => ({ nope: true }) as never, { queryKey: ['bad-token'] }));
    await waitFor(() => expect(result.current.status).toBe('error'), { timeout: 8000 });
    expect(result.current.error?.message).toMatch(/must resolve to \{ token: string, expiresAt/);
  });
});
