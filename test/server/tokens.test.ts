import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createLocalVoiceServer, createTokenHandler, type LocalVoiceServer } from 'cosyvoice-react/server';
import { RawClient, runTask, upgradeStatus } from './helpers';

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
