import { createServer, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AudioFormat,
  SpeechSynthesizer,
  directTransport,
  workspaceUrls,
  listCustomVoices,
  memoryTransport,
  proxyTransport,
  requestTemporaryToken,
  type MemoryPeer,
} from 'cosyvoice-react/core';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function httpServer(handler: (req: IncomingMessage, body: string) => { status: number; body: unknown }) {
  const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: unknown }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url!, headers: req.headers, body: JSON.parse(body || '{}') });
      const answer = handler(req, body);
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, seen };
}

describe('transports: HTTP side', () => {
  it('lists custom voices with the key as Bearer and the SDK body', async () => {
    const { port, seen } = await httpServer(() => ({
      status: 200,
      body: { output: { voice_list: [{ voice_id: 'cosyvoice-v3-plus-mine-1', status: 'OK', gmt_create: '2024-12-11 13:38:02' }, { bad: true }] }, usage: { count: 1 }, request_id: 'r' },
    }));
    const transport = directTransport({ url: `ws://127.0.0.1:${port}/api-ws/v1/inference`, apiKey: 'sk-canary', workspace: 'ws-1' });
    const voices = await listCustomVoices(transport.http!, { prefix: 'mine' });
    expect(voices).toEqual([{ voiceId: 'cosyvoice-v3-plus-mine-1', status: 'OK', gmtCreate: '2024-12-11 13:38:02', gmtModified: undefined }]);
    expect(seen[0]!.url).toBe('/api/v1/services/audio/tts/customization');
    expect(seen[0]!.headers.authorization).toBe('Bearer sk-canary');
    expect(seen[0]!.headers['x-dashscope-workspace']).toBe('ws-1');
    expect(seen[0]!.body).toEqual({ model: 'voice-enrollment', parameters: {}, input: { action: 'list_voice', page_index: 0, page_size: 100, prefix: 'mine' } });
  });

  it('requests temporary tokens and reports HTTP errors with the service message but never the key', async () => {
    let fail = false;
    const { port, seen } = await httpServer(() => (fail ? { status: 401, body: { code: 'InvalidApiKey', message: 'Invalid API-key provided.', request_id: 'x' } } : { status: 200, body: { token: 'st-abc', expires_at: 1744080369 } }));
    const transport = directTransport({ url: `ws://127.0.0.1:${port}/api-ws/v1/inference`, apiKey: 'sk-canary-key' });
    await expect(requestTemporaryToken(transport.http!, 300)).resolves.toEqual({ token: 'st-abc', expiresAt: 1744080369000 });
    expect(seen[0]!.url).toBe('/api/v1/tokens?expire_in_seconds=300');
    fail = true;
    const error = await requestTemporaryToken(transport.http!).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'Unauthorized' });
    expect((error as Error).message).toContain('InvalidApiKey: Invalid API-key provided.');
    expect((error as Error).message).not.toContain('sk-canary-key');
  });

  it('derives the proxy HTTP base from its WebSocket URL', async () => {
    const { port, seen } = await httpServer(() => ({ status: 200, body: { output: { voice_list: [] } } }));
    const transport = proxyTransport({ url: `ws://127.0.0.1:${port}/api-ws/v1/inference/`, headers: () => ({ 'X-CSRF': 't' }) });
    await listCustomVoices(transport.http!);
    expect(seen[0]!.url).toBe('/api/v1/services/audio/tts/customization');
    expect(seen[0]!.headers['x-csrf']).toBe('t');
  });
});

describe('transports: validation', () => {
  it('uses the workspace domain where the workspace header cannot be sent (tokens), and on request', () => {
    const getToken = async () => 'st-token';
    expect(directTransport({ workspace: 'llm-abc1', region: 'intl', getToken }).description).toBe('direct wss://llm-abc1.ap-southeast-1.maas.aliyuncs.com/api-ws/v1/inference');
    expect(directTransport({ workspace: 'llm-abc1', getToken }).description).toBe('direct wss://llm-abc1.cn-beijing.maas.aliyuncs.com/api-ws/v1/inference');
    expect(directTransport({ workspace: 'llm-abc1', apiKey: 'k' }).description).toBe('direct wss://dashscope.aliyuncs.com/api-ws/v1/inference');
    expect(directTransport({ workspace: 'llm-abc1', apiKey: 'k', workspaceDomain: true }).description).toBe('direct wss://llm-abc1.cn-beijing.maas.aliyuncs.com/api-ws/v1/inference');
    expect(workspaceUrls('llm-abc1', 'intl').http).toBe('https://llm-abc1.ap-southeast-1.maas.aliyuncs.com/api/v1');
    expect(() => directTransport({ workspace: 'evil.example.com/x', getToken })).toThrow(/workspace must be a workspace id .*received "evil.example.com\/x"/);
  });

  it('directTransport needs exactly one credential and a ws URL', () => {
    expect(() => directTransport({} as never)).toThrow(/exactly one of `apiKey`/);
    expect(() => directTransport({ apiKey: 'a', getToken: () => 'b' })).toThrow(/exactly one/);
    expect(() => directTransport({ url: 'https://x', apiKey: 'a' })).toThrow(/wss:\/\//);
  });

  it('proxyTransport refuses a relative URL where there is no page', async () => {
    const transport = proxyTransport({ url: '/api-ws/v1/inference' });
    const synth = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', transport });
    await expect(synth.call('x')).rejects.toMatchObject({ message: expect.stringMatching(/relative but there is no page/) });
  });

  it('a runtime without WebSocket gets a message that says to pass ws', async () => {
    const synth = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', transport: directTransport({ url: 'ws://127.0.0.1:1/x', apiKey: 'k' }) });
    const hasGlobal = typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'undefined';
    if (!hasGlobal) await expect(synth.call('x')).rejects.toMatchObject({ message: expect.stringMatching(/pass the `ws` package/) });
    else await expect(synth.call('x')).rejects.toMatchObject({ code: 'ConnectionFailed' });
  });
});

describe('memoryTransport', () => {
  it('runs a whole task in-process, asynchronously and in order', async () => {
    const received: string[] = [];
    let peerRef: MemoryPeer | undefined;
    const transport = memoryTransport((peer) => {
      peerRef = peer;
      return {
        onMessage(text) {
          const message = JSON.parse(text);
          received.push(message.header.action);
          const taskId = message.header.task_id;
          if (message.header.action === 'run-task') peer.send(JSON.stringify({ header: { task_id: taskId, event: 'task-started', attributes: {} }, payload: {} }));
          if (message.header.action === 'finish-task') {
            peer.send(new Uint8Array([1, 0, 2, 0]));
            peer.send(JSON.stringify({ header: { task_id: taskId, event: 'task-finished', attributes: {} }, payload: {} }));
          }
        },
      };
    });
    const synth = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_8000HZ_MONO_16BIT, transport });
    const audio = await synth.call('in memory');
    expect([...audio!]).toEqual([1, 0, 2, 0]);
    expect(received).toEqual(['run-task', 'continue-task', 'finish-task']);
    expect(peerRef).toBeDefined();
  });

  it('reports a peer that closes mid-task and a refused connection', async () => {
    const transport = memoryTransport((peer) => ({ onMessage: () => peer.close(1011, 'engine crashed') }));
    const synth = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', transport });
    await expect(synth.call('x')).rejects.toMatchObject({ code: 'ConnectionClosed', closeCode: 1011, message: expect.stringMatching(/engine crashed/) });
    const refused = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', transport: memoryTransport(() => ({ onMessage() {} }), { refuse: 'unauthorized' }) });
    await expect(refused.call('x')).rejects.toMatchObject({ code: 'Unauthorized' });
  });
});
