import { renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import { useSpeechContext, useVoices } from 'cosyvoice-react';
import { memoryTransport, type Transport } from 'cosyvoice-react/core';
import { countingTransport, providerProps, startLocalServer, wrapperFor } from '../utils/speechHarness';

let stopServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopServer?.();
  stopServer = undefined;
});

describe('useVoices', () => {
  it('merges the account custom voices (list_voice over HTTP) with the system catalog and filters them', async () => {
    const { server, url } = await startLocalServer({ customVoices: ['cosyvoice-v3-flash-myvoice-0001'] });
    stopServer = () => server.close();
    const transport = countingTransport(url);
    const { result, rerender } = renderHook(() => useVoices({ timestamps: true }), { wrapper: wrapperFor(providerProps(transport)) });
    expect(result.current.status).toBe('pending');
    // The system catalog needs no request: it is there while the custom voices load.
    expect(result.current.voices).toHaveLength(68);
    expect(result.current.voices.some((v) => v.custom)).toBe(false);
    const { refetch } = result.current;
    rerender();
    expect(result.current.refetch).toBe(refetch);
    await waitFor(() => expect(result.current.status).toBe('success'));
    const ids = result.current.voices.map((v) => v.id);
    expect(ids[0]).toBe('cosyvoice-v3-flash-myvoice-0001');
    expect(result.current.voices[0]).toMatchObject({ custom: true, model: 'cosyvoice-v3-flash' });
    expect(ids).toContain('longanyang');
    expect(result.current.voices.every((v) => v.model === 'cosyvoice-v3-flash' && v.supportsTimestamps)).toBe(true);
    expect(ids).toHaveLength(69); // 68 system voices of v3-flash (all with timestamps) + 1 custom
  });

  it('filters by language and gender', async () => {
    const transport = memoryTransport(() => ({ onMessage() {} }));
    const { result } = renderHook(() => useVoices({ model: 'cosyvoice-v2', language: 'ja' }), { wrapper: wrapperFor(providerProps(transport)) });
    await waitFor(() => expect(result.current.status).toBe('success'));
    expect(result.current.voices.map((v) => v.id).sort()).toEqual(['loongtomoka_v2', 'loongtomoya_v2', 'loongyuuma_v2', 'loongyuuna_v2']);
    const female = renderHook(() => useVoices({ model: 'cosyvoice-v2', language: 'ja', gender: 'female' }), { wrapper: wrapperFor(providerProps(transport)) });
    await waitFor(() => expect(female.result.current.status).toBe('success'));
    expect(female.result.current.voices.map((v) => v.id).sort()).toEqual(['loongtomoka_v2', 'loongyuuna_v2']);
  });

  it('shows the error of a failed listing with a retry that works', async () => {
    let fail = true;
    const transport: Transport = {
      description: 'flaky',
      connect: () => Promise.reject(new Error('unused')),
      http: {
        post: async () => {
          if (fail) throw new Error('listing is down');
          return { output: { voice_list: [{ voice_id: 'cosyvoice-v3-flash-back-1', status: 'OK' }] } };
        },
      },
    };
    const { result } = renderHook(() => useVoices(), { wrapper: wrapperFor(providerProps(transport)) });
    await waitFor(() => expect(result.current.status).toBe('error'), { timeout: 5000 });
    expect(result.current.error?.message).toBe('listing is down');
    fail = false;
    result.current.refetch();
    await waitFor(() => expect(result.current.status).toBe('success'));
    expect(result.current.voices[0]!.id).toBe('cosyvoice-v3-flash-back-1');
  });

  it("empties the provider's own react-query client when the provider unmounts, and never touches one it was given", async () => {
    const transport = memoryTransport(() => ({ onMessage() {} }));
    const { result, unmount } = renderHook(
      () => ({ voices: useVoices(), client: useSpeechContext().queryClient }),
      { wrapper: wrapperFor(providerProps(transport)) },
    );
    await waitFor(() => expect(result.current.voices.status).not.toBe('pending'));
    const own = result.current.client;
    expect(own.getQueryCache().getAll().length).toBeGreaterThan(0);
    unmount();
    // Its cached queries (and their garbage-collection timers) go with the provider.
    await waitFor(() => expect(own.getQueryCache().getAll()).toEqual([]));

    // StrictMode's rehearsal unmount does not empty it: the queries of the real mount stay.
    const strict = renderHook(() => ({ voices: useVoices(), client: useSpeechContext().queryClient }), { wrapper: wrapperFor(providerProps(transport), true) });
    await waitFor(() => expect(strict.result.current.voices.status).toBe('success'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(strict.result.current.client.getQueryCache().getAll().length).toBeGreaterThan(0);
    expect(strict.result.current.voices.status).toBe('success');
    strict.unmount();

    const given = new QueryClient();
    const second = renderHook(() => useVoices(), { wrapper: wrapperFor(providerProps(transport, { queryClient: given })) });
    await waitFor(() => expect(second.result.current.status).not.toBe('pending'));
    second.unmount();
    expect(given.getQueryCache().getAll().length).toBeGreaterThan(0);
    given.clear();
  });
});
