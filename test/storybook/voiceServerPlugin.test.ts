import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import WebSocket from 'ws';
import { AudioFormat, SpeechSynthesizer, proxyTransport } from 'cosyvoice-react/core';
import { createLocalVoiceServer, type LocalVoiceServer } from 'cosyvoice-react/server';
import { voiceServerPlugin } from '../../.storybook/voiceServerPlugin';
import { projectRoot } from '../utils/builtPackage';

// `npm run dev` attaches this plugin to Storybook's Vite server; here it is attached to a plain one.
const CANARY = 'sk-dev-proxy-CANARY-2b9d';
let vite: ViteDevServer | undefined;
let upstream: LocalVoiceServer | undefined;
const savedEnv = { key: process.env.DASHSCOPE_API_KEY, upstream: process.env.DASHSCOPE_UPSTREAM };
afterEach(async () => {
  await vite?.close();
  await upstream?.close();
  vite = undefined;
  upstream = undefined;
  process.env.DASHSCOPE_API_KEY = savedEnv.key;
  process.env.DASHSCOPE_UPSTREAM = savedEnv.upstream;
  if (savedEnv.key === undefined) delete process.env.DASHSCOPE_API_KEY;
  if (savedEnv.upstream === undefined) delete process.env.DASHSCOPE_UPSTREAM;
});

async function startVite(): Promise<string> {
  vite = await createServer({ configFile: false, root: projectRoot, logLevel: 'silent', plugins: [voiceServerPlugin({ engine: 'tone', announce: false })], server: { host: '127.0.0.1', port: 0, strictPort: false } });
  await vite.listen();
  const address = vite.httpServer!.address() as { port: number };
  return `ws://127.0.0.1:${address.port}/api-ws/v1/inference`;
}

async function speak(url: string, voice = 'longanyang'): Promise<SpeechSynthesizer> {
  const synthesizer = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice, format: AudioFormat.PCM_16000HZ_MONO_16BIT, transport: proxyTransport({ url, WebSocket }) });
  await synthesizer.call('Through the dev server.');
  return synthesizer;
}

describe('the dev server voice plugin', () => {
  it('serves the local voice server on the dev server origin without a key', async () => {
    delete process.env.DASHSCOPE_API_KEY;
    const url = await startVite();
    const synthesizer = await speak(url);
    expect(synthesizer.state).toBe('completed');
    // It is the local server: a voice only the upstream of the next test knows is unknown here.
    await expect(speak(url, 'cosyvoice-v3-flash-upstream-0001')).rejects.toMatchObject({ code: 'TaskFailed' });
    const listing = await fetch(url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1/services/audio/tts/customization'), { method: 'POST', body: JSON.stringify({ input: { action: 'list_voice' } }) });
    expect(listing.status).toBe(200);
  }, 30_000);

  it('with DASHSCOPE_API_KEY, proxies to the upstream and adds the key, which the browser never sends', async () => {
    // The upstream accepts only the canary key, and only it knows this custom voice: a task with that
    // voice succeeds only if it went through the proxy with the key added.
    const onlyUpstream = 'cosyvoice-v3-flash-upstream-0001';
    upstream = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0, apiKeys: [CANARY], customVoices: [onlyUpstream] });
    process.env.DASHSCOPE_UPSTREAM = await upstream.listen();
    process.env.DASHSCOPE_API_KEY = CANARY;
    const url = await startVite();
    const synthesizer = await speak(url, onlyUpstream);
    expect(synthesizer.state).toBe('completed');
    expect(JSON.stringify(synthesizer.getResponse()?.raw)).not.toContain(CANARY);
    // The Recipes/Transports DirectToken story mints tokens here: the dev tool opts in to that explicitly.
    const token = await fetch(url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1/tokens?expire_in_seconds=60'), { method: 'POST' });
    const body = await token.text();
    expect(token.status).toBe(200);
    expect(JSON.parse(body).token).toMatch(/^st-/);
    expect(body).not.toContain(CANARY);

    // Only Storybook's own pages may use the key: another site open in the same browser is refused.
    const port = new URL(url).port;
    const fromStorybook = new WebSocket(url, { headers: { origin: `http://127.0.0.1:${port}` } });
    await new Promise<void>((resolve, reject) => {
      fromStorybook.once('open', () => resolve());
      fromStorybook.once('error', reject);
    });
    fromStorybook.close();
    for (const origin of ['https://evil.example', `http://evil.example:${port}`]) {
      const status = await new Promise<number>((resolve) => {
        const foreign = new WebSocket(url, { headers: { origin } });
        foreign.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        foreign.once('open', () => {
          foreign.close();
          resolve(101);
        });
        foreign.once('error', () => resolve(0));
      });
      expect(status, origin).toBe(403);
    }
    const foreignToken = await fetch(url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1/tokens'), { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(foreignToken.status).toBe(403);
    expect(await foreignToken.text()).not.toMatch(/st-/);
  }, 30_000);
});
