import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  AudioFormat,
  MemorySynthesisCache,
  SpeechSynthesizer,
  cachingTransport,
  directTransport,
  isSynthesisError,
  type SynthesisCache,
  type SynthesisParameters,
  type Transport,
} from 'cosyvoice-react/core';
import { createLocalVoiceServer, type LocalVoiceServer } from 'cosyvoice-react/server';

// The browser's utterance cache, in Node: a real local voice server over real sockets, with the
// transport wrapped. What the endpoint saw is counted by a transport in between.

let server: LocalVoiceServer;
beforeAll(async () => {
  server = createLocalVoiceServer({ engine: 'tone', port: 0 });
  await server.listen();
});
afterAll(() => server.close());

/** The real transport to the local server, counting the connections it opened and the client frames by action. */
function countingTransport(): Transport & { connections: number; actions: string[] } {
  const inner = directTransport({ url: server.url, apiKey: 'local', WebSocket });
  const counted = {
    description: inner.description,
    connections: 0,
    actions: [] as string[],
    async connect(handlers: Parameters<Transport['connect']>[0], signal: AbortSignal) {
      const socket = await inner.connect(handlers, signal);
      counted.connections++;
      return {
        send(text: string) {
          counted.actions.push((JSON.parse(text) as { header: { action: string } }).header.action);
          socket.send(text);
        },
        close: (code?: number, reason?: string) => socket.close(code, reason),
      };
    },
  };
  return counted;
}

function synthesizer(transport: Transport, parameters: Partial<SynthesisParameters> = {}): SpeechSynthesizer {
  return new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: AudioFormat.PCM_24000HZ_MONO_16BIT,
    wordTimestampEnabled: true,
    transport,
    onWarning: () => undefined,
    ...parameters,
  });
}

const cache = (): MemorySynthesisCache => new MemorySynthesisCache({ maxBytes: 16 << 20, maxEntryBytes: 4 << 20, ttlSeconds: 3600 });
const TEXT = 'A text read twice. It is synthesized once.';

describe('cachingTransport', () => {
  it('answers a repeated call from the cache: same audio and words, no run-task at the endpoint, nothing billed, this task’s own ids', async () => {
    const endpoint = countingTransport();
    const transport = cachingTransport(endpoint, { cache: cache() });
    const first = synthesizer(transport);
    const audio = await first.call(TEXT);
    expect(audio!.byteLength).toBeGreaterThan(1000);
    expect(first.getUsageCharacters()).toBe(TEXT.length);
    const words = first.getTimeline().words.map((word) => [word.text, word.beginMs, word.endMs]);
    expect(words.length).toBeGreaterThan(5);
    expect(endpoint.actions).toEqual(['run-task', 'continue-task', 'finish-task']);

    const second = synthesizer(transport);
    const again = await second.call(TEXT);
    expect(Buffer.from(again!).equals(Buffer.from(audio!))).toBe(true);
    expect(second.getTimeline().words.map((word) => [word.text, word.beginMs, word.endMs])).toEqual(words);
    expect(second.getUsageCharacters()).toBe(0);
    expect(endpoint.actions).toEqual(['run-task', 'continue-task', 'finish-task']); // nothing more reached the endpoint
    expect(second.getLastRequestId()).not.toBe(first.getLastRequestId());
    expect(second.getResponse()?.event).toBe('task-finished');
    expect(second.getRequestUuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.getRequestUuid()).not.toBe(first.getRequestUuid());
  });

  it('keys on everything that changes the audio: another voice, rate or text is synthesized', async () => {
    const endpoint = countingTransport();
    const transport = cachingTransport(endpoint, { cache: cache() });
    await synthesizer(transport).call(TEXT);
    await synthesizer(transport, { voice: 'longanhuan' }).call(TEXT);
    await synthesizer(transport, { speechRate: 1.2 }).call(TEXT);
    await synthesizer(transport).call(`${TEXT} `);
    expect(endpoint.actions.filter((action) => action === 'run-task')).toHaveLength(4);
    await synthesizer(transport, { speechRate: 1.2 }).call(TEXT);
    expect(endpoint.actions.filter((action) => action === 'run-task')).toHaveLength(4);
  });

  it('never serves or stores streamed text: a stream whose first fragment equals an entry is synthesized whole', async () => {
    const endpoint = countingTransport();
    const transport = cachingTransport(endpoint, { cache: cache() });
    await synthesizer(transport).call('First fragment. ');
    const streaming = synthesizer(transport);
    streaming.streamingCall('First fragment. ');
    await new Promise((resolve) => setTimeout(resolve, 50));
    streaming.streamingCall('Second fragment.');
    const audio = await streaming.streamingComplete();
    expect(audio!.byteLength).toBeGreaterThan(1000);
    expect(streaming.getUsageCharacters()).toBe('First fragment. Second fragment.'.length);
    expect(endpoint.actions.filter((action) => action === 'run-task')).toHaveLength(2);
    // The streamed task was not stored: the same fragments streamed again are synthesized again.
    const again = synthesizer(transport);
    again.streamingCall('First fragment. ');
    again.streamingCall('Second fragment.');
    await again.streamingComplete();
    expect(endpoint.actions.filter((action) => action === 'run-task')).toHaveLength(3);
  });

  it('does not cache tasks with enable_aigc_tag (their audio carries a per-request mark)', async () => {
    const endpoint = countingTransport();
    const transport = cachingTransport(endpoint, { cache: cache() });
    const tagged = { enableAigcTag: true, aigcPropagator: 'cosyvoice-react-test' } as Partial<SynthesisParameters>;
    await synthesizer(transport, tagged).call(TEXT);
    await synthesizer(transport, tagged).call(TEXT);
    expect(endpoint.actions.filter((action) => action === 'run-task')).toHaveLength(2);
  });

  it('drops an utterance over the entry cap, and a cache that fails is a miss, never a failed task', async () => {
    const endpoint = countingTransport();
    const tiny = new MemorySynthesisCache({ maxBytes: 1000, maxEntryBytes: 1000, ttlSeconds: 60 });
    const transport = cachingTransport(endpoint, { cache: tiny });
    await synthesizer(transport).call(TEXT);
    expect(tiny.size).toBe(0);
    const broken: SynthesisCache = { maxEntryBytes: 1 << 20, get: () => Promise.reject(new Error('disk gone')), set: () => Promise.reject(new Error('disk gone')) };
    const audio = await synthesizer(cachingTransport(endpoint, { cache: broken })).call(TEXT);
    expect(audio!.byteLength).toBeGreaterThan(1000);
  });

  it('serves cached utterances offline; an utterance that is not cached fails with the reason, and nothing hangs', async () => {
    const store = cache();
    const online = countingTransport();
    // The same endpoint, then out of reach (port 9, nothing listens): one scope.
    await synthesizer(cachingTransport(online, { cache: store, scope: 'the-endpoint' })).call(TEXT);
    const unreachable = directTransport({ url: 'ws://127.0.0.1:9/api-ws/v1/inference', apiKey: 'local', WebSocket });
    const offline = cachingTransport(unreachable, { cache: store, scope: 'the-endpoint' });
    const replay = synthesizer(offline);
    const audio = await replay.call(TEXT);
    expect(audio!.byteLength).toBeGreaterThan(1000);
    expect(replay.getTimeline().words.length).toBeGreaterThan(5);
    const error = await synthesizer(offline).call('Never read before.').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isSynthesisError(error) && error.code).toBe('ConnectionClosed');
    expect(String((error as Error).message)).toMatch(/ECONNREFUSED|refused|could not connect|failed/i);
  });

  it('keeps other endpoints’ entries apart (the scope is part of the key)', async () => {
    const store = cache();
    const endpoint = countingTransport();
    await synthesizer(cachingTransport(endpoint, { cache: store, scope: 'account-a' })).call(TEXT);
    await synthesizer(cachingTransport(endpoint, { cache: store, scope: 'account-b' })).call(TEXT);
    expect(endpoint.actions.filter((action) => action === 'run-task')).toHaveLength(2);
  });
});
