// The utterance cache in the browser's real Cache Storage, alone and under useSpeechSynthesis: a text
// read again plays from the cache (no task reaches the endpoint, nothing billed), across providers
// (a reload) and with the endpoint out of reach.
import { useEffect } from 'react';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { cleanup, render } from 'vitest-browser-react';
import {
  SpeechProvider,
  cachingTransport,
  createCacheStorageCache,
  createSilentPlayer,
  proxyTransport,
  useSpeechSynthesis,
  type Transport,
  type UseSpeechSynthesisResult,
} from 'cosyvoice-react';

const serverUrl = inject('voiceServerUrl');
let cacheCount = 0;
const cacheName = () => `cosyvoice-react-test-${Date.now()}-${++cacheCount}`;
const made: Array<{ clear(): Promise<void> }> = [];

afterEach(async () => {
  await cleanup();
  for (const cache of made.splice(0)) await cache.clear();
});

function cacheStorageCache(options: Parameters<typeof createCacheStorageCache>[0]) {
  const cache = createCacheStorageCache(options);
  made.push(cache);
  return cache;
}

const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);

describe('createCacheStorageCache', () => {
  it('keeps entries in Cache Storage, where a new instance (a reload) finds them', async () => {
    const name = cacheName();
    const cache = cacheStorageCache({ name });
    await cache.set('a', bytes(1000, 1));
    expect(await cache.get('a')).toEqual(bytes(1000, 1));
    expect(await cache.get('missing')).toBeUndefined();
    const afterReload = createCacheStorageCache({ name });
    expect(await afterReload.get('a')).toEqual(bytes(1000, 1));
    expect(await caches.has(name)).toBe(true);
    await cache.clear();
    expect(await caches.has(name)).toBe(false);
  });

  it('holds at most maxBytes, dropping the least recently used; an entry over maxEntryBytes is not kept', async () => {
    const cache = cacheStorageCache({ name: cacheName(), maxBytes: 3000, maxEntryBytes: 1500 });
    expect(cache.maxEntryBytes).toBe(1500);
    await cache.set('one', bytes(1000, 1));
    await cache.set('two', bytes(1000, 2));
    await cache.set('three', bytes(1000, 3));
    expect(await cache.get('one')).toBeDefined(); // "one" is now the most recently used
    await cache.set('four', bytes(1000, 4));
    expect(await cache.get('two')).toBeUndefined();
    expect(await cache.get('one')).toEqual(bytes(1000, 1));
    expect(await cache.get('three')).toEqual(bytes(1000, 3));
    expect(await cache.get('four')).toEqual(bytes(1000, 4));
    await cache.set('big', bytes(2000, 5));
    expect(await cache.get('big')).toBeUndefined();
  });

  it('refuses a size that is not a positive number', () => {
    expect(() => createCacheStorageCache({ maxBytes: -1 })).toThrow(/maxBytes must be a positive number of bytes, received -1/);
    expect(() => createCacheStorageCache({ maxEntryBytes: Number.NaN })).toThrow(/maxEntryBytes/);
  });
});

/** The proxy transport to the local server, counting the tasks that reached it. */
function countingTransport(url: string): Transport & { runTasks: number } {
  const inner = proxyTransport({ url });
  const counted = {
    description: inner.description,
    runTasks: 0,
    async connect(handlers: Parameters<Transport['connect']>[0], signal: AbortSignal) {
      const socket = await inner.connect(handlers, signal);
      return {
        send(text: string) {
          if (text.includes('"run-task"')) counted.runTasks++;
          socket.send(text);
        },
        close: (code?: number, reason?: string) => socket.close(code, reason),
      };
    },
  };
  return counted;
}

describe('useSpeechSynthesis with the utterance cache', () => {
  it('reads a text again from Cache Storage: same words, nothing billed, no task at the endpoint, and offline after a reload', async () => {
    const name = cacheName();
    const cache = cacheStorageCache({ name });
    const endpoint = countingTransport(serverUrl);
    let speech: UseSpeechSynthesisResult | undefined;
    function Reader() {
      const result = useSpeechSynthesis();
      useEffect(() => {
        speech = result;
      });
      return <p data-state={result.status}>{result.status}</p>;
    }
    const provider = (transport: Transport) => (
      <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang" wordTimestampEnabled createPlayer={() => createSilentPlayer({ realtime: false })}>
        <Reader />
      </SpeechProvider>
    );
    const TEXT = 'Read once, then again from the cache.';
    const screen = await render(provider(cachingTransport(endpoint, { cache, scope: 'local' })));
    speech!.speak(TEXT);
    await expect.poll(() => speech!.status, { timeout: 20_000 }).toBe('ended');
    const words = speech!.words.map((word) => [word.text, word.beginMs, word.endMs]);
    expect(words.length).toBeGreaterThan(4);
    expect(speech!.metrics.characters).toBe(TEXT.length);
    expect(endpoint.runTasks).toBe(1);

    speech!.speak(TEXT);
    await expect.poll(() => speech!.status, { timeout: 20_000 }).toBe('ended');
    expect(speech!.words.map((word) => [word.text, word.beginMs, word.endMs])).toEqual(words);
    expect(speech!.metrics.characters).toBe(0);
    expect(endpoint.runTasks).toBe(1);

    // A reload, with the endpoint out of reach (a path nothing answers on: the upgrade fails, as offline):
    // the cached text still plays; one never read fails with the reason.
    await screen.unmount();
    const unreachable = proxyTransport({ url: serverUrl.replace('/api-ws/v1/inference', '/nothing-here') });
    await render(provider(cachingTransport(unreachable, { cache: createCacheStorageCache({ name }), scope: 'local' })));
    speech!.speak(TEXT);
    await expect.poll(() => speech!.status === 'error' ? speech!.error!.message : speech!.status, { timeout: 20_000 }).toBe('ended');
    expect(speech!.words.map((word) => [word.text, word.beginMs, word.endMs])).toEqual(words);
    speech!.speak('Never read before.');
    await expect.poll(() => speech!.status, { timeout: 20_000 }).toBe('error');
    expect(speech!.error).toMatchObject({ code: 'ConnectionClosed' });
    expect(endpoint.runTasks).toBe(1);
  });
});
