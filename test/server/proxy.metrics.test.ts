import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createLocalVoiceServer, createSynthesisProxy, type LocalVoiceServer, type SynthesisProxy } from 'cosyvoice-react/server';
import { RawClient, continueTask, finishTask, runTask, taskId } from './helpers';

const KEY = 'sk-METRICS-4e5f6a7b8c';

let upstream: LocalVoiceServer;

beforeAll(async () => {
  upstream = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: [KEY] });
  await upstream.listen();
});
afterAll(async () => {
  await upstream.close();
});

function httpBase(proxy: SynthesisProxy): string {
  return proxy.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '');
}

async function speak(client: RawClient, label: string, text: string): Promise<Record<string, any>> {
  const id = taskId(label);
  client.send(runTask(id));
  const first = await Promise.race([client.waitFor('task-started', id), client.waitFor('task-failed', id)]);
  if (first.header.event === 'task-failed') return first;
  client.send(continueTask(id, text));
  client.send(finishTask(id));
  return Promise.race([client.waitFor('task-finished', id), client.waitFor('task-failed', id)]);
}

/** The value of one sample of the exposition (`name{labels}`), or undefined. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('proxy health and metrics', () => {
  it('/healthz and /readyz answer on the proxy’s own server; metrics are off unless asked for', async () => {
    const proxy = createSynthesisProxy({ apiKey: KEY, upstream: upstream.url, port: 0 });
    await proxy.listen();
    try {
      const base = httpBase(proxy);
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', store: 'memory', storeAvailable: true });
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      expect((await fetch(`${base}/readyz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await proxy.close();
    }
  });

  it('counts tasks by outcome, characters relayed and from the cache, cache hits and misses, first audio, connections and refusals', async () => {
    const logs: string[] = [];
    const proxy = createSynthesisProxy({ apiKey: KEY, upstream: upstream.url, port: 0, cache: true, metrics: true, log: (line) => logs.push(line), limits: { maxTasksPerMinute: 3 } });
    await proxy.listen();
    try {
      const base = httpBase(proxy);
      const client = await RawClient.connect(proxy.url);
      expect((await speak(client, 'm-1', 'Count me.')).header.event).toBe('task-finished');
      expect((await speak(client, 'm-2', 'Count me.')).payload.usage.characters).toBe(0);
      expect((await speak(client, 'm-3', 'Someone else.')).header.event).toBe('task-finished');
      // The fourth start in a minute is over maxTasksPerMinute.
      expect((await speak(client, 'm-4', 'Over the rate.')).header.error_code).toBe('Throttling.RateQuota');
      await client.waitClosed();
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(sample(text, 'cosyvoice_proxy_tasks_total{outcome="finished",source="upstream"}')).toBe(2);
      expect(sample(text, 'cosyvoice_proxy_tasks_total{outcome="finished",source="cache"}')).toBe(1);
      expect(sample(text, 'cosyvoice_proxy_refusals_total{kind="task",reason="rate"}')).toBe(1);
      expect(sample(text, 'cosyvoice_proxy_characters_total{source="upstream"}')).toBe('Count me.'.length + 'Someone else.'.length);
      expect(sample(text, 'cosyvoice_proxy_characters_total{source="cache"}')).toBe('Count me.'.length);
      expect(sample(text, 'cosyvoice_proxy_cache_lookups_total{result="hit"}')).toBe(1);
      expect(sample(text, 'cosyvoice_proxy_cache_lookups_total{result="miss"}')).toBe(2);
      expect(sample(text, 'cosyvoice_proxy_cache_stores_total')).toBe(2);
      expect(sample(text, 'cosyvoice_proxy_first_audio_seconds_count{side="upstream"}')).toBe(2);
      expect(sample(text, 'cosyvoice_proxy_first_audio_seconds_count{side="downstream"}')).toBe(3);
      expect(sample(text, 'cosyvoice_proxy_upstream_connections_total{how="opened"}')).toBe(1);
      expect(sample(text, 'cosyvoice_proxy_upstream_connections_total{how="reused"}')).toBe(1);
      // The client left: nothing open on either side.
      expect(sample(text, 'cosyvoice_proxy_open_connections{side="client"}')).toBe(0);
      expect(text).not.toContain(KEY);
    } finally {
      await proxy.close();
    }
  });

  it('guards the metrics route with authorize ({ kind: "metrics" }), and serves it as middleware on the app’s own server', async () => {
    const kinds: string[] = [];
    const server = http.createServer();
    const proxy = createSynthesisProxy({
      apiKey: KEY,
      upstream: upstream.url,
      server,
      metrics: { path: '/internal/metrics', prefix: 'tts_' },
      authorize: (request, { kind }) => {
        kinds.push(kind);
        return kind !== 'metrics' || request.headers.authorization === 'Bearer scraper';
      },
    });
    server.on('request', (request, response) => proxy.middleware(request, response, () => response.writeHead(418).end()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await fetch(`${base}/internal/metrics`)).status).toBe(401);
      const allowed = await fetch(`${base}/internal/metrics`, { headers: { authorization: 'Bearer scraper' } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('# TYPE tts_tasks_total counter');
      expect(kinds).toEqual(['metrics', 'metrics']);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/elsewhere`)).status).toBe(418);
    } finally {
      await proxy.close();
      server.close();
    }
  });

  it('health routes can be turned off (an app with its own)', async () => {
    const proxy = createSynthesisProxy({ apiKey: KEY, upstream: upstream.url, port: 0, health: false });
    await proxy.listen();
    try {
      expect((await fetch(`${httpBase(proxy)}/healthz`)).status).toBe(404);
    } finally {
      await proxy.close();
    }
  });
});
