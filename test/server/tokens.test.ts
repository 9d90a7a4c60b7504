import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createLocalVoiceServer, createSynthesisProxy, createTokenHandler, type LocalVoiceServer } from 'cosyvoice-react/server';
import { RawClient, runTask, taskId, upgradeStatus } from './helpers';

const KEY = 'sk-token-test-key';
let server: LocalVoiceServer;
beforeAll(async () => {
  server = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: [KEY], customVoices: [{ voiceId: 'cosyvoice-v3-plus-demo-0001' }, { voiceId: 'cosyvoice-v2-other-0002', status: 'DEPLOYING' }] });
  await server.listen();
});
afterAll(() => server.close());

const post = (path: string, body: unknown, headers: Record<string, string> = { Authorization: `Bearer ${KEY}` }) =>
  fetch(`${server.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('local server: POST /api/v1/tokens', () => {
  it('issues st- tokens that work in ?api_key= until they expire, then 401', async () => {
    const response = await post('/tokens?expire_in_seconds=1', {});
    expect(response.status).toBe(200);
    const { token, expires_at } = await response.json();
    expect(token).toMatch(/^st-[0-9a-f]{32}$/);
    expect(expires_at).toBe(Math.floor(expires_at));
    expect(expires_at * 1000 - Date.now()).toBeLessThanOrEqual(1000);
    const client = await RawClient.connect(`${server.url}?api_key=${token}`);
    client.send(runTask('tok'));
    await client.waitFor('task-started', 'tok');
    client.close();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await upgradeStatus(`${server.url}?api_key=${token}`)).toBe(401);
  });

  it('defaults to 60 s, refuses 0 and 1801, and refuses a bad key like the service', async () => {
    const { expires_at } = await (await post('/tokens', {})).json();
    expect(expires_at - Date.now() / 1000).toBeGreaterThan(58);
    expect(expires_at - Date.now() / 1000).toBeLessThanOrEqual(60);
    expect((await post('/tokens?expire_in_seconds=0', {})).status).toBe(400);
    expect((await post('/tokens?expire_in_seconds=1801', {})).status).toBe(400);
    const bad = await post('/tokens', {}, { Authorization: 'Bearer nope' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ code: 'InvalidApiKey', message: 'Invalid API-key provided.' });
  });
});

describe('local server: customization', () => {
  it('lists and queries the in-memory custom voices', async () => {
    const list = await (await post('/services/audio/tts/customization', { model: 'voice-enrollment', input: { action: 'list_voice', page_size: 10 } })).json();
    expect(list.output.voice_list.map((v: { voice_id: string; status: string }) => [v.voice_id, v.status])).toEqual([
      ['cosyvoice-v3-plus-demo-0001', 'OK'],
      ['cosyvoice-v2-other-0002', 'DEPLOYING'],
    ]);
    const filtered = await (await post('/services/audio/tts/customization', { model: 'voice-enrollment', input: { action: 'list_voice', prefix: 'demo' } })).json();
    expect(filtered.output.voice_list).toHaveLength(1);
    const query = await (await post('/services/audio/tts/customization', { model: 'voice-enrollment', input: { action: 'query_voice', voice_id: 'cosyvoice-v3-plus-demo-0001' } })).json();
    expect(query.output).toMatchObject({ target_model: 'cosyvoice-v3-plus', status: 'OK' });
    expect(query.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await post('/services/audio/tts/customization', { model: 'voice-enrollment', input: { action: 'query_voice', voice_id: 'nope' } })).status).toBe(404);
  });
});

describe('createTokenHandler', () => {
  it('serves tokens through Node http and fetch-style handlers, with authorize', async () => {
    const handler = createTokenHandler({ apiKey: KEY, upstream: server.url, expiresInSeconds: 120, authorize: (request) => ('headers' in request && typeof request.headers.get === 'function' ? request.headers.get('x-session') : (request as http.IncomingMessage).headers['x-session']) === 'ok' });
    const app = http.createServer(handler);
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    try {
      const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/v1/tokens`;
      const denied = await fetch(base, { method: 'POST', headers: { 'x-session': 'no' } });
      expect(denied.status).toBe(401);
      const granted = await fetch(`${base}?expire_in_seconds=9999`, { method: 'POST', headers: { 'x-session': 'ok' } });
      const body = await granted.json();
      expect(Object.keys(body).sort()).toEqual(['expires_at', 'token']);
      expect(body.expires_at - Date.now() / 1000).toBeGreaterThan(118); // clamped to expiresInSeconds
      expect(body.expires_at - Date.now() / 1000).toBeLessThanOrEqual(120);
      expect(JSON.stringify(body)).not.toContain(KEY);
      const viaFetch = await handler.fetch(new Request('http://app/api/v1/tokens', { method: 'POST', headers: { 'x-session': 'ok' } }));
      expect(viaFetch.status).toBe(200);
      const { token } = await viaFetch.json();
      const client = await RawClient.connect(`${server.url}?api_key=${token}`);
      client.close();
      expect((await handler.fetch(new Request('http://app/api/v1/tokens', { method: 'GET' }))).status).toBe(405);
    } finally {
      app.close();
    }
  });

  it('reports an upstream that refuses the key without echoing the key', async () => {
    const handler = createTokenHandler({ apiKey: 'sk-wrong-key-xyz', upstream: server.url });
    const response = await handler.fetch(new Request('http://app/api/v1/tokens', { method: 'POST' }));
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('sk-wrong-key-xyz');
  });
});

describe('createTokenHandler and createSynthesisProxy without the key at load time (a Next.js build has no secrets)', () => {
  const unset = process.env.COSYVOICE_TEST_UNSET_KEY; // never set: what `process.env.DASHSCOPE_API_KEY!` is during `next build`

  it('a route module built with an unset key loads; a request gets HTTP 500 naming the option, logged once, never a key', async () => {
    const lines: string[] = [];
    const handler = createTokenHandler({ apiKey: unset!, upstream: server.url, log: (line) => lines.push(line) });
    for (let i = 0; i < 3; i++) {
      const response = await handler.fetch(new Request('http://app/api/v1/tokens', { method: 'POST' }));
      expect(response.status).toBe(500);
      const body = await response.json();
      expect(body).toMatchObject({ code: 'InternalError' });
      expect(body.message).toMatch(/createTokenHandler has no API key: its apiKey option is empty \(is DASHSCOPE_API_KEY set/);
    }
    expect(lines).toEqual([expect.stringMatching(/apiKey option is empty/)]);
    // The same through the Node handler.
    const app = http.createServer(handler);
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(app.address() as AddressInfo).port}/api/v1/tokens`, { method: 'POST' });
      expect(response.status).toBe(500);
    } finally {
      app.close();
    }
    expect(lines).toHaveLength(1);
  });

  it('reads a key given as a function per request, so a key set later (or rotated) is used', async () => {
    let key: string | undefined;
    const handler = createTokenHandler({ apiKey: () => key, upstream: server.url, log: () => undefined });
    expect((await handler.fetch(new Request('http://app/api/v1/tokens', { method: 'POST' }))).status).toBe(500);
    key = KEY;
    const response = await handler.fetch(new Request('http://app/api/v1/tokens', { method: 'POST' }));
    expect(response.status).toBe(200);
    expect((await response.json()).token).toMatch(/^st-/);
  });

  it('still fails at once on a literal empty string or a value that is not a key source', () => {
    expect(() => createTokenHandler({ apiKey: '' })).toThrow('createTokenHandler needs apiKey: received an empty string');
    expect(() => createTokenHandler({ apiKey: 42 as never })).toThrow(/createTokenHandler needs apiKey as a string or a function/);
    expect(() => createSynthesisProxy({ apiKey: '' })).toThrow('createSynthesisProxy needs apiKey: received an empty string');
  });

  it('a proxy created without the key answers upgrades and the voice route with HTTP 500 naming the option, logged once; a function key is read per connection', async () => {
    const lines: string[] = [];
    let key: string | undefined;
    const proxy = createSynthesisProxy({ apiKey: () => key, upstream: server.url, port: 0, log: (line) => lines.push(line) });
    await proxy.listen();
    try {
      for (let i = 0; i < 2; i++) expect(await upgradeStatus(proxy.url)).toBe(500);
      const voices = await fetch(proxy.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1/services/audio/tts/customization'), { method: 'POST', body: JSON.stringify({ model: 'voice-enrollment', input: { action: 'list_voice' } }) });
      expect(voices.status).toBe(500);
      expect((await voices.json()).message).toMatch(/apiKey option is empty \(is DASHSCOPE_API_KEY set/);
      expect(lines.filter((line) => line.includes('has no API key'))).toHaveLength(1);
      key = KEY;
      const client = await RawClient.connect(proxy.url);
      client.send(runTask(taskId('late-key')));
      await client.waitFor('task-started', taskId('late-key'));
      client.close();
      expect(lines.join('\n')).not.toContain(KEY);
    } finally {
      await proxy.close();
    }
  });
});
