import { describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { AudioFormat, SpeechSynthesizer, proxyTransport } from 'cosyvoice-react/core';
import WebSocket from 'ws';
import { RawClient, continueTask, finishTask, runTask, taskId, upgradeStatus } from './helpers';
import { RedisServer, redisUnavailableReason } from './redisServer';

const root = path.resolve(import.meta.dirname, '../..');

function serve(args: string[], env: Record<string, string | undefined> = {}) {
  // tsx as a loader in this one process, not its CLI: the CLI relays signals to a child and, when the
  // child does not acknowledge within 30 ms (a loaded machine), kills it (exit 130) before our handler runs.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', 'serve', ...args], {
    cwd: root,
    env: { ...process.env, DASHSCOPE_API_KEY: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const firstLine = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, firstLine, stderr: () => stderr };
}

describe('cosyvoice-react serve', () => {
  it('prints the WebSocket URL first, speaks, and exits 0 on SIGTERM', async () => {
    const { child, firstLine } = serve(['--port', '0', '--engine', 'tone']);
    const url = await firstLine;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/api-ws\/v1\/inference$/);
    const synth = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_16000HZ_MONO_16BIT, transport: proxyTransport({ url, WebSocket: WebSocket as never }) });
    expect((await synth.call('From the CLI.'))!.length).toBeGreaterThan(1000);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 180_000);

  it('runs as a proxy when DASHSCOPE_API_KEY is set, and exits 0 on SIGINT', async () => {
    const local = serve(['--port', '0', '--engine', 'tone']);
    const upstream = await local.firstLine;
    const proxy = serve(['--port', '0', '--upstream', upstream, '--allowed-origin', 'https://a.example'], { DASHSCOPE_API_KEY: 'sk-cli-canary' });
    const url = await proxy.firstLine;
    const synth = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_16000HZ_MONO_16BIT, transport: proxyTransport({ url, WebSocket: WebSocket as never }) });
    expect((await synth.call('Via the proxy.'))!.length).toBeGreaterThan(1000);
    expect(proxy.stderr()).toMatch(/proxy to ws:/);
    expect(proxy.stderr()).not.toContain('sk-cli-canary');
    // No authorize hook on the command line: the token route is off unless asked for.
    const tokensOf = (ws: string) => ws.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1/tokens');
    const refused = await fetch(tokensOf(url), { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('sk-cli-canary');
    const open = serve(['--port', '0', '--upstream', upstream, '--allow-anonymous-tokens'], { DASHSCOPE_API_KEY: 'sk-cli-canary' });
    const minted = await fetch(tokensOf(await open.firstLine), { method: 'POST' });
    expect(minted.status).toBe(200);
    expect((await minted.json()).token).toMatch(/^st-/);
    const exits = Promise.all([once(proxy.child, 'exit'), once(open.child, 'exit'), once(local.child, 'exit')]);
    proxy.child.kill('SIGINT');
    open.child.kill('SIGINT');
    local.child.kill('SIGINT');
    expect((await exits).map(([code]) => code)).toEqual([0, 0, 0]);
  }, 180_000);

  it('rejects bad options with exit code 2', async () => {
    const { child, firstLine } = serve(['--port', 'abc']);
    firstLine.catch(() => undefined);
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
  }, 180_000);

  it.skipIf(redisUnavailableReason())('with --redis and --cache shares the cache through Redis, serves metrics and health, and drains on SIGTERM', async () => {
    const redis = await RedisServer.start();
    const local = serve(['--port', '0', '--engine', 'tone']);
    try {
      const upstream = await local.firstLine;
      const args = ['--port', '0', '--upstream', upstream, '--redis', redis.url, '--redis-prefix', 'cli:', '--cache', '--cache-ttl', '600', '--metrics', '--drain-seconds', '20'];
      const one = serve(args, { DASHSCOPE_API_KEY: 'sk-cli-canary' });
      const two = serve(args, { DASHSCOPE_API_KEY: 'sk-cli-canary' });
      const [urlOne, urlTwo] = await Promise.all([one.firstLine, two.firstLine]);
      const call = (url: string) => new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_16000HZ_MONO_16BIT, transport: proxyTransport({ url, WebSocket: WebSocket as never }) });
      const first = call(urlOne);
      const audio = await first.call('Cached across instances.');
      const second = call(urlTwo);
      expect(Buffer.from((await second.call('Cached across instances.'))!).equals(Buffer.from(audio!))).toBe(true);
      expect(second.getUsageCharacters()).toBe(0);
      expect(one.stderr()).toMatch(/limits and cache in Redis at redis:\/\/127\.0\.0\.1/);
      const http = urlTwo.replace('ws://', 'http://').replace('/api-ws/v1/inference', '');
      expect(await (await fetch(`${http}/metrics`)).text()).toContain('cosyvoice_proxy_tasks_total{outcome="finished",source="cache"} 1');
      expect((await fetch(`${http}/readyz`)).status).toBe(200);
      // SIGTERM during a reading: the reading finishes, a new connection is refused, then exit 0.
      const reader = await RawClient.connect(urlTwo);
      const id = taskId('cli-drain');
      reader.send(runTask(id));
      await reader.waitFor('task-started', id);
      reader.send(continueTask(id, 'Still reading while the instance drains. '.repeat(5)));
      await reader.until((c) => c.frames.some((f) => f.kind === 'audio'));
      two.child.kill('SIGTERM');
      await vi.waitFor(async () => expect(await upgradeStatus(urlTwo)).toBe(503), { timeout: 20_000 });
      reader.send(finishTask(id));
      await reader.waitFor('task-finished', id, 20_000);
      const [code] = await once(two.child, 'exit');
      expect(code).toBe(0);
      expect(two.stderr()).toMatch(/SIGTERM, draining/);
      for (const entry of await redis.dump()) expect(entry.key + entry.value).not.toContain('sk-cli-canary');
      one.child.kill('SIGINT');
      await once(one.child, 'exit');
    } finally {
      local.child.kill('SIGINT');
      await redis.stop();
    }
  }, 180_000);
});
