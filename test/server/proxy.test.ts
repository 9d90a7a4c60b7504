import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { AudioFormat, SpeechSynthesizer, proxyTransport } from 'cosyvoice-react/core';
import { createLocalVoiceServer, createSynthesisProxy, type LocalVoiceServer, type SynthesisProxy } from 'cosyvoice-react/server';
import { RawClient, continueTask, finishTask, runTask, taskId, upgradeStatus } from './helpers';

const CANARY = 'sk-CANARY-7f3a9c0d1e2b';

let upstream: LocalVoiceServer;
let proxy: SynthesisProxy;
const logs: string[] = [];
const consoleSpies: Array<ReturnType<typeof vi.spyOn>> = [];

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) consoleSpies.push(vi.spyOn(console, method));
  // The upstream refuses anything but the canary key, which proves the proxy injects it.
  upstream = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: [CANARY], customVoices: ['cosyvoice-v3-plus-demo-0001'] });
  await upstream.listen();
  // allowAnonymousTokens: this proxy has no authorize hook, and its token route is exercised below.
  proxy = createSynthesisProxy({ apiKey: CANARY, upstream: upstream.url, port: 0, allowAnonymousTokens: true, taskStartTimeoutMs: 60_000, log: (line) => logs.push(line), limits: { maxConcurrentTasks: 500, maxTasksPerMinute: 1000, maxConnections: 500 } });
  await proxy.listen();
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
  // nothing printed anywhere ever contained the key
  for (const spy of consoleSpies) {
    expect(JSON.stringify(spy.mock.calls)).not.toContain(CANARY);
    spy.mockRestore();
  }
  expect(logs.join('\n')).not.toContain(CANARY);
});

function synth(url: string, callback?: ConstructorParameters<typeof SpeechSynthesizer>[0]['callback']) {
  return new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: AudioFormat.PCM_16000HZ_MONO_16BIT,
    wordTimestampEnabled: true,
    transport: proxyTransport({ url, WebSocket: WebSocket as never }),
    callback,
    onWarning: () => undefined,
  });
}

describe('synthesis proxy in front of the local server', () => {
  it('relays a task with the key injected upstream and never sent downstream', async () => {
    const client = await RawClient.connect(proxy.url);
    client.send(runTask(taskId('p1'), { word_timestamp_enabled: true }));
    client.send(continueTask(taskId('p1'), 'Through the proxy. 你好。'));
    client.send(finishTask(taskId('p1')));
    const finished = await client.waitFor('task-finished', taskId('p1'));
    expect(finished.payload.usage.characters).toBe('Through the proxy. '.length + 5);
    const everything = Buffer.concat(client.frames.map((f) => (f.kind === 'audio' ? Buffer.from(f.data) : Buffer.from(JSON.stringify(f.json)))));
    expect(everything.includes(CANARY)).toBe(false);
    expect(client.frames.some((f) => f.kind === 'audio')).toBe(true);
    client.close();
  });

  it('passes the SDK: every format round trip and the same words as direct', async () => {
    for (const format of [AudioFormat.MP3_22050HZ_MONO_256KBPS, AudioFormat.OGG_OPUS_24KHZ_MONO_32KBPS, AudioFormat.WAV_16000HZ_MONO_16BIT]) {
      const s = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format, wordTimestampEnabled: true, transport: proxyTransport({ url: proxy.url, WebSocket: WebSocket as never }) });
      const audio = await s.call('Proxy words.');
      expect(audio!.length).toBeGreaterThan(500);
      expect(s.getTimeline().words.map((w) => w.text)).toEqual(['Proxy', 'words']);
    }
  });

  it('relays the upstream’s task-failed (418) unchanged', async () => {
    const s = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longxiaochun', transport: proxyTransport({ url: proxy.url, WebSocket: WebSocket as never }), onWarning: () => undefined });
    await expect(s.call('Hi.')).rejects.toMatchObject({ serverCode: 'InvalidParameter', serverMessage: '[tts:]Engine return error code: 418' });
  });

  it('forwards tokens and voice listing with the key; refuses enrollment writes without authorize', async () => {
    const base = proxy.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1');
    const tokenResponse = await fetch(`${base}/tokens?expire_in_seconds=30`, { method: 'POST', body: '{}' });
    const tokenText = await tokenResponse.text();
    expect(tokenResponse.status).toBe(200);
    expect(tokenText).not.toContain(CANARY);
    const { token, expires_at } = JSON.parse(tokenText);
    expect(token).toMatch(/^st-/);
    expect(expires_at - Date.now() / 1000).toBeGreaterThan(25);
    // the temporary key works against the upstream directly
    const direct = await RawClient.connect(`${upstream.url}?api_key=${token}`);
    direct.close();
    const list = await fetch(`${base}/services/audio/tts/customization`, { method: 'POST', body: JSON.stringify({ model: 'voice-enrollment', input: { action: 'list_voice' } }) });
    expect((await list.json()).output.voice_list.map((v: { voice_id: string }) => v.voice_id)).toEqual(['cosyvoice-v3-plus-demo-0001']);
    const create = await fetch(`${base}/services/audio/tts/customization`, { method: 'POST', body: JSON.stringify({ model: 'voice-enrollment', input: { action: 'create_voice', target_model: 'cosyvoice-v3-plus', prefix: 'x', url: 'https://a' } }) });
    expect(create.status).toBe(403);
    // A body that is not JSON gets the service's error shape, from the proxy and from the local server alike.
    for (const url of [`${base}/services/audio/tts/customization`, `${upstream.httpUrl}/services/audio/tts/customization`]) {
      const broken = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${CANARY}` }, body: '{not json' });
      expect(broken.status, url).toBe(400);
      expect(await broken.json()).toMatchObject({ code: 'InvalidParameter', message: 'Request body is not valid JSON' });
    }
  });

  it('runs 200 concurrent short tasks on loopback', async () => {
    // Throughput and latency are measured in bench/proxy; here every one of the 200 must complete, however
    // busy the machine is (200 handshakes at once can take longer than the SDK's 5 s connect default).
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const synthesizer = new SpeechSynthesizer({
          model: 'cosyvoice-v3-flash',
          voice: 'longanyang',
          format: AudioFormat.PCM_16000HZ_MONO_16BIT,
          transport: proxyTransport({ url: proxy.url, WebSocket: WebSocket as never }),
          connectTimeoutMillis: 60_000,
          startTimeoutMillis: 60_000,
          onWarning: () => undefined,
        });
        return synthesizer.call(`Task ${i}.`, { timeoutMillis: 90_000 });
      }),
    );
    expect(results).toHaveLength(200);
    expect(results.every((audio) => audio!.length > 1000)).toBe(true);
  }, 120_000);
});

describe('proxy policy: rejected requests never reach the upstream', () => {
  let recorder: WebSocketServer;
  let received: string[];
  let upstreamHeaders: http.IncomingHttpHeaders[];
  let guarded: SynthesisProxy;
  beforeAll(async () => {
    received = [];
    upstreamHeaders = [];
    recorder = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(recorder, 'listening');
    recorder.on('connection', (socket, request) => {
      upstreamHeaders.push(request.headers);
      socket.on('message', (data) => received.push(data.toString()));
    });
    const port = (recorder.address() as AddressInfo).port;
    guarded = createSynthesisProxy({
      apiKey: CANARY,
      upstream: `ws://127.0.0.1:${port}`,
      port: 0,
      allowedOrigins: ['https://app.example'],
      authorize: (request) => request.headers['x-user'] !== 'mallory',
      limits: { maxConcurrentTasks: 1, maxTasksPerMinute: 100, maxFrameBytes: 64 * 1024 },
      log: (line) => logs.push(line),
    });
    await guarded.listen();
  });
  afterAll(async () => {
    await guarded.close();
    recorder.close();
  });
  afterEach(() => {
    received.length = 0;
  });

  it('refuses disallowed origins (403) and unauthorized requests (401) at the upgrade', async () => {
    expect(await upgradeStatus(guarded.url, { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(guarded.url, { 'x-user': 'mallory' })).toBe(401);
    const ok = await RawClient.connect(guarded.url, { Origin: 'https://app.example' });
    ok.close();
  });

  it.each([
    ['bad parameters', [runTask(taskId('r1'), { volume: 500 })], /volume must be an integer/],
    ['missing model', [(() => { const m = runTask(taskId('r2')) as any; delete m.payload.model; return m; })()], /payload\.model/],
    ['unknown action', [{ header: { action: 'delete-everything', task_id: taskId('r3') }, payload: {} }], /Invalid payload data/],
    ['text over 20 000', [runTask(taskId('r4')), continueTask(taskId('r4'), '文'.repeat(10_001))], /20000/],
    ['not JSON', ['{oops'], /Invalid payload data/],
  ])('%s → DashScope-shaped task-failed, not forwarded', async (_name, frames, message) => {
    const client = await RawClient.connect(guarded.url);
    for (const frame of frames) client.send(frame);
    const failed = await client.waitFor('task-failed');
    expect(failed.header.error_message).toMatch(message);
    await client.waitClosed();
    const rejected = frames.at(-1);
    const rejectedText = typeof rejected === 'string' ? rejected : JSON.stringify(rejected);
    expect(received).not.toContain(rejectedText);
    if (frames.length === 1) expect(received).toEqual([]);
  });

  it('injects Authorization: Bearer <key> upstream and enforces the concurrency limit', async () => {
    const client = await RawClient.connect(guarded.url);
    client.send(runTask(taskId('c1')));
    await vi.waitFor(() => expect(received.length).toBe(1));
    client.send(runTask(taskId('c2')));
    const failed = await client.waitFor('task-failed', taskId('c2'));
    expect(failed.header).toMatchObject({ error_code: 'Throttling.RateQuota', error_message: 'Requests rate limit exceeded, please try again later.' });
    expect(upstreamHeaders.at(-1)!.authorization).toBe(`Bearer ${CANARY}`);
    expect(received.map((text) => JSON.parse(text).header.task_id)).toEqual([taskId('c1')]);
  });

  it('frames over the size cap get a DashScope-shaped task-failed and never reach the upstream; far larger ones get 1009', async () => {
    const client = await RawClient.connect(guarded.url);
    client.send(runTask(taskId('big')));
    client.socket.send('x'.repeat(70 * 1024));
    const failed = await client.waitFor('task-failed');
    expect(failed.header).toMatchObject({ error_code: 'InvalidParameter', error_message: `Frame too large: ${70 * 1024} bytes, over the limit of ${64 * 1024} bytes per frame` });
    const closed = await client.waitClosed();
    expect(closed.code).toBe(1000);
    expect(received.some((text) => text.length > 60 * 1024)).toBe(false);
    // Past four times the cap the frame is not even read: the WebSocket layer closes with 1009.
    const huge = await RawClient.connect(guarded.url);
    huge.socket.send('x'.repeat(4 * 64 * 1024 + 1));
    expect((await huge.waitClosed()).code).toBe(1009);
    expect(huge.events()).toEqual([]);
    expect(received.some((text) => text.length > 60 * 1024)).toBe(false);
  });
});

describe('proxy upstream faults', () => {
  it('an unreachable upstream becomes task-failed', async () => {
    const dead = http.createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const port = (dead.address() as AddressInfo).port;
    dead.close();
    const broken = createSynthesisProxy({ apiKey: CANARY, upstream: `ws://127.0.0.1:${port}`, port: 0, log: (line) => logs.push(line) });
    await broken.listen();
    try {
      await expect(synth(broken.url).call('Anyone there?')).rejects.toMatchObject({ code: 'TaskFailed', serverCode: 'ServiceUnavailable' });
    } finally {
      await broken.close();
    }
  });

  it('an upstream killed mid-task becomes task-failed and both sides close', async () => {
    const doomed = createLocalVoiceServer({ engine: 'tone', port: 0 });
    await doomed.listen();
    const front = createSynthesisProxy({ apiKey: CANARY, upstream: doomed.url, port: 0, log: (line) => logs.push(line) });
    await front.listen();
    try {
      const client = await RawClient.connect(front.url);
      client.send(runTask(taskId('k1')));
      client.send(continueTask(taskId('k1'), 'A long sentence that keeps the tone engine busy for a while. '.repeat(40)));
      await client.until((c) => c.frames.some((f) => f.kind === 'audio'));
      await doomed.close();
      const failed = await client.waitFor('task-failed', taskId('k1'));
      expect(failed.header.error_code).toBe('InternalError');
      expect(failed.header.error_message).not.toContain(CANARY);
      await client.waitClosed();
    } finally {
      await front.close();
    }
  });
});

describe('proxy connection cap', () => {
  it('refuses a client over maxConnections with HTTP 429 (opening nothing upstream for it), and takes the client again once one closes', async () => {
    let upstreamConnections = 0;
    const recorder = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(recorder, 'listening');
    recorder.on('connection', () => upstreamConnections++);
    const capped = createSynthesisProxy({ apiKey: CANARY, upstream: `ws://127.0.0.1:${(recorder.address() as AddressInfo).port}`, port: 0, limits: { maxConnections: 2 } });
    await capped.listen();
    const open = async () => {
      const socket = new WebSocket(capped.url);
      await once(socket, 'open');
      return socket;
    };
    try {
      const first = await open();
      const second = await open();
      // One upstream connection per admitted client, opened as it connects (upstreamOnConnect).
      await vi.waitFor(() => expect(upstreamConnections).toBe(2));
      expect(await upgradeStatus(capped.url)).toBe(429);
      await new Promise((r) => setTimeout(r, 100));
      expect(upstreamConnections).toBe(2);
      first.send(JSON.stringify(runTask(taskId('cap-1'))));
      await new Promise((r) => setTimeout(r, 100));
      expect(upstreamConnections).toBe(2);
      first.close();
      await once(first, 'close');
      await new Promise((r) => setTimeout(r, 50));
      const third = await open();
      third.close();
      second.close();
    } finally {
      await capped.close();
      await new Promise<void>((resolve) => recorder.close(() => resolve()));
    }
  });
});
