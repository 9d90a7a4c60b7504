import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createServer, type Logger, type Plugin, type ViteDevServer } from 'vite';
import WebSocket from 'ws';
import { AudioFormat, SpeechSynthesizer, proxyTransport } from 'cosyvoice-react/core';
import { createLocalVoiceServer, isEspeakAvailable, type LocalVoiceServer } from 'cosyvoice-react/server';
import { voiceServerPlugin, type VoiceServerPluginOptions } from '../../.storybook/voiceServerPlugin';
import { projectRoot } from '../utils/builtPackage';

// `npm run dev` attaches this plugin to Storybook's Vite server; here it is attached to a plain one.
const CANARY = 'sk-dev-proxy-CANARY-2b9d';
let vite: ViteDevServer | undefined;
let upstream: LocalVoiceServer | undefined;
const savedEnv = { key: process.env.DASHSCOPE_API_KEY, upstream: process.env.DASHSCOPE_UPSTREAM, engine: process.env.COSYVOICE_ENGINE };
afterEach(async () => {
  await vite?.close();
  await upstream?.close();
  vite = undefined;
  upstream = undefined;
  restoreEnv('DASHSCOPE_API_KEY', savedEnv.key);
  restoreEnv('DASHSCOPE_UPSTREAM', savedEnv.upstream);
  // vitest.config.ts sets COSYVOICE_ENGINE=tone for the whole run; the engine tests below change it.
  restoreEnv('COSYVOICE_ENGINE', savedEnv.engine);
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

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

/** A Vite logger that keeps every message it is given (the plugin prints through `server.config.logger`). */
function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const base = createLogger('silent');
  return { ...base, lines, info: (message) => void lines.push(message), warn: (message) => void lines.push(message), error: (message) => void lines.push(message) };
}

/**
 * Makes the server sources' `isEspeakAvailable()` answer `available`, whatever is installed: the plugin
 * loads those sources through the dev server itself, so a transform there is what the plugin sees.
 */
function espeakInstalled(available: boolean): Plugin {
  return {
    name: 'test:espeak-installed',
    enforce: 'pre',
    transform(code, id) {
      if (!id.split('?')[0]!.endsWith('/src/server/createEspeakEngine.ts')) return undefined;
      const declaration = 'export function isEspeakAvailable(): boolean {';
      if (!code.includes(declaration)) throw new Error('createEspeakEngine.ts no longer declares isEspeakAvailable as this test expects');
      return `${code.replace(declaration, 'function detectedEspeak(): boolean {')}\nexport function isEspeakAvailable(): boolean { return ${available}; }\n`;
    },
  };
}

/** Starts a dev server with the plugin announcing; returns its real port and the plugin's announcement lines. */
async function startAnnounced(options: VoiceServerPluginOptions = {}, extraPlugins: Plugin[] = []): Promise<{ port: number; announced: string[] }> {
  const logger = capturingLogger();
  vite = await createServer({ configFile: false, root: projectRoot, customLogger: logger, plugins: [...extraPlugins, voiceServerPlugin(options)], server: { host: '127.0.0.1', port: 0, strictPort: false } });
  await vite.listen();
  const { port } = vite.httpServer!.address() as { port: number };
  return { port, announced: logger.lines.filter((line) => line.includes('cosyvoice-react:')) };
}

/** The engine an announcement names ("…, tone engine, …"). */
function announcedEngine(announced: string[]): string | undefined {
  expect(announced).toHaveLength(1);
  return /local voice server, (\w+) engine, no key needed/.exec(announced[0]!)?.[1];
}

describe('the dev server voice plugin: engine choice and announcement', () => {
  it('prints the WebSocket URL with the port it really listens on, and the engine, and that URL speaks', async () => {
    delete process.env.DASHSCOPE_API_KEY;
    const { port, announced } = await startAnnounced({ engine: 'tone' });
    expect(port).toBeGreaterThan(0);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toContain(`ws://localhost:${port}/api-ws/v1/inference`);
    expect(announced[0]).toContain('local voice server, tone engine, no key needed');
    // The printed address is the one to use.
    const url = /ws:\/\/\S+/.exec(announced[0]!)![0];
    const synthesizer = await speak(url);
    expect(synthesizer.state).toBe('completed');
  }, 30_000);

  it('prints nothing with announce: false', async () => {
    delete process.env.DASHSCOPE_API_KEY;
    const { announced } = await startAnnounced({ engine: 'tone', announce: false });
    expect(announced).toEqual([]);
  }, 30_000);

  it('without an engine option or COSYVOICE_ENGINE, uses espeak when it is installed, else tone', async () => {
    delete process.env.DASHSCOPE_API_KEY;
    delete process.env.COSYVOICE_ENGINE;
    const { announced } = await startAnnounced();
    expect(announcedEngine(announced)).toBe(isEspeakAvailable() ? 'espeak' : 'tone');
  }, 30_000);

  it.each([
    [true, 'espeak'],
    [false, 'tone'],
  ])('with espeak installed: %s, the default engine is %s', async (available, expected) => {
    delete process.env.DASHSCOPE_API_KEY;
    delete process.env.COSYVOICE_ENGINE;
    const { announced } = await startAnnounced({}, [espeakInstalled(available)]);
    expect(announcedEngine(announced)).toBe(expected);
  }, 30_000);

  it('COSYVOICE_ENGINE overrides the detection, and the engine option overrides COSYVOICE_ENGINE', async () => {
    delete process.env.DASHSCOPE_API_KEY;
    process.env.COSYVOICE_ENGINE = 'tone';
    const fromEnv = await startAnnounced({}, [espeakInstalled(true)]);
    expect(announcedEngine(fromEnv.announced)).toBe('tone');
    await vite!.close();
    vite = undefined;

    process.env.COSYVOICE_ENGINE = 'espeak';
    const fromOption = await startAnnounced({ engine: 'tone' }, [espeakInstalled(true)]);
    expect(announcedEngine(fromOption.announced)).toBe('tone');
  }, 30_000);

  it('with DASHSCOPE_API_KEY, announces the proxy and its upstream, never the key', async () => {
    upstream = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0, apiKeys: [CANARY] });
    process.env.DASHSCOPE_UPSTREAM = await upstream.listen();
    process.env.DASHSCOPE_API_KEY = CANARY;
    const { port, announced } = await startAnnounced();
    expect(announced).toHaveLength(1);
    expect(announced[0]).toContain(`proxy to ${process.env.DASHSCOPE_UPSTREAM}`);
    expect(announced[0]).toContain(`ws://localhost:${port}/api-ws/v1/inference`);
    expect(announced[0]).not.toContain(CANARY);
    expect(announced[0]).not.toMatch(/engine/);
  }, 30_000);
});
