// The proxy's guards against a misbehaving upstream and its housekeeping: start and idle timeouts
// (a scripted upstream that goes silent), late frames for ended tasks, the token route's opt-in and
// lifetime, IPv6 URLs and the per-client bookkeeping. Real sockets on loopback, port 0.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import {
  createLocalVoiceServer,
  createSynthesisProxy,
  createTokenHandler,
  type LocalVoiceServer,
  type ProxyAuthorizeContext,
  type SynthesisProxy,
  type SynthesisProxyOptions,
} from 'cosyvoice-react/server';
import { urlHost } from '../../src/server/urlHost';
import { RawClient, continueTask, finishTask, runTask, taskId } from './helpers';

const CANARY = 'sk-CANARY-guards-51e0a7';
// Whether this machine has an IPv6 loopback (the bracketed-URL test needs one).
const ipv6 = await new Promise<boolean>((resolve) => {
  const probe = net.createServer();
  probe.once('error', () => resolve(false));
  probe.listen(0, '::1', () => probe.close(() => resolve(true)));
});
const logs: string[] = [];
const opened: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});
afterAll(() => {
  expect(logs.join('\n')).not.toContain(CANARY);
});

type Behaviour = (socket: WebSocket, message: { header: { action: string; task_id: string }; payload?: any }) => void;

/** A scripted upstream: `behaviour` answers each text frame; it records frames and its server-side sockets. */
async function scriptedUpstream(behaviour: Behaviour) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const sockets: WebSocket[] = [];
  const received: string[] = [];
  wss.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => {
      received.push(data.toString());
      behaviour(socket, JSON.parse(data.toString()));
    });
  });
  const upstream = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    sockets,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close(() => resolve());
      }),
  };
  opened.push(upstream);
  return upstream;
}

const event = (taskId: string, name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ header: { task_id: taskId, event: name, attributes: {}, ...extra }, payload: {} });

async function startProxy(options: Partial<SynthesisProxyOptions> & { upstream: string }): Promise<SynthesisProxy> {
  const proxy = createSynthesisProxy({ apiKey: CANARY, port: 0, log: (line) => logs.push(line), ...options });
  await proxy.listen();
  opened.push(proxy);
  return proxy;
}

async function connect(url: string): Promise<RawClient> {
  const client = await RawClient.connect(url);
  opened.push(client);
  return client;
}

/** Resolves when a server-side socket of the scripted upstream has closed. */
const upstreamClosed = (socket: WebSocket) => (socket.readyState === WebSocket.CLOSED ? Promise.resolve() : once(socket, 'close').then(() => undefined));

describe('proxy: an upstream that goes silent', () => {
  it('no task-started within taskStartTimeoutMs → DashScope-shaped task-failed, upstream closed', async () => {
    const upstream = await scriptedUpstream(() => undefined); // accepts the connection, never answers
    const proxy = await startProxy({ upstream: upstream.url, taskStartTimeoutMs: 150, upstreamIdleTimeoutMs: 60_000 });
    const client = await connect(proxy.url);
    client.send(runTask(taskId('silent-start')));
    const failed = await client.waitFor('task-failed', taskId('silent-start'));
    expect(failed.header).toMatchObject({ task_id: taskId('silent-start'), error_code: 'ServiceUnavailable', error_message: `The upstream did not start task ${taskId('silent-start')} within 150 ms` });
    expect(failed.payload).toEqual({});
    await client.waitClosed();
    await vi.waitFor(() => expect(upstream.sockets.length).toBe(1));
    await upstreamClosed(upstream.sockets[0]!);
    expect(JSON.stringify(client.events())).not.toContain(CANARY);
  });

  it('started, then no upstream frame for upstreamIdleTimeoutMs → task-failed, upstream closed', async () => {
    const upstream = await scriptedUpstream((socket, message) => {
      if (message.header.action === 'run-task') socket.send(event(message.header.task_id, 'task-started'));
    });
    // A second of silence: the upstream's task-started must not be taken for silence on a busy machine.
    const proxy = await startProxy({ upstream: upstream.url, taskStartTimeoutMs: 60_000, upstreamIdleTimeoutMs: 1_000 });
    const client = await connect(proxy.url);
    client.send(runTask(taskId('silent-run')));
    await client.waitFor('task-started', taskId('silent-run'));
    client.send(continueTask(taskId('silent-run'), 'Hello?'));
    const failed = await client.waitFor('task-failed', taskId('silent-run'));
    expect(failed.header).toMatchObject({ error_code: 'ServiceUnavailable', error_message: 'The upstream sent nothing for 1000 ms while a task was running' });
    await client.waitClosed();
    await upstreamClosed(upstream.sockets[0]!);
  });

  it('an upstream that keeps sending is never timed out, and the timers stop with the task', async () => {
    const upstream = await scriptedUpstream((socket, message) => {
      const id = message.header.task_id;
      if (message.header.action === 'run-task') socket.send(event(id, 'task-started'));
      if (message.header.action === 'finish-task') {
        // Audio for well past the idle limit, each frame well within it, then the end.
        let sent = 0;
        const timer = setInterval(() => {
          if (socket.readyState !== WebSocket.OPEN) return clearInterval(timer);
          if (++sent <= 20) return socket.send(Buffer.alloc(64), { binary: true });
          clearInterval(timer);
          socket.send(event(id, 'task-finished'));
        }, 40);
      }
    });
    const proxy = await startProxy({ upstream: upstream.url, taskStartTimeoutMs: 400, upstreamIdleTimeoutMs: 400 });
    const client = await connect(proxy.url);
    client.send(runTask(taskId('steady')));
    client.send(continueTask(taskId('steady'), 'Steady.'));
    client.send(finishTask(taskId('steady')));
    await client.waitFor('task-finished', taskId('steady'));
    expect(client.frames.filter((f) => f.kind === 'audio').length).toBe(20);
    // Idle after the task (no task running): neither timer may fire on the open connection.
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(client.events().map((e) => e.json.header.event)).toEqual(['task-started', 'task-finished']);
    expect(client.closed).toBeUndefined();
    expect(upstream.sockets[0]!.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses timeouts that are not positive numbers, with the option named', () => {
    expect(() => createSynthesisProxy({ apiKey: CANARY, taskStartTimeoutMs: 0 })).toThrow(/taskStartTimeoutMs must be a positive number/);
    expect(() => createSynthesisProxy({ apiKey: CANARY, upstreamIdleTimeoutMs: Number.NaN })).toThrow(/upstreamIdleTimeoutMs must be a positive number/);
    expect(() => createSynthesisProxy({ apiKey: CANARY, upstreamIdleTimeoutMs: Infinity })).toThrow(/upstreamIdleTimeoutMs/);
  });
});

describe('proxy: late frames for a task the upstream already ended', () => {
  it('are dropped silently, as the service does; the connection keeps serving', async () => {
    const upstream = await scriptedUpstream((socket, message) => {
      const id = message.header.task_id;
      if (message.header.action === 'run-task') socket.send(event(id, 'task-started'));
      if (message.header.action === 'finish-task') socket.send(event(id, 'task-finished'));
    });
    const proxy = await startProxy({ upstream: upstream.url });
    const client = await connect(proxy.url);
    client.send(runTask(taskId('late')));
    client.send(finishTask(taskId('late')));
    await client.waitFor('task-finished', taskId('late'));
    client.send(continueTask(taskId('late'), 'late-text'));
    client.send(finishTask(taskId('late')));
    client.send(runTask(taskId('after-late')));
    await client.waitFor('task-started', taskId('after-late'));
    expect(client.events().some((e) => e.json.header.event === 'task-failed')).toBe(false);
    expect(client.closed).toBeUndefined();
    // The late frames never went upstream.
    expect(upstream.received.map((text) => `${JSON.parse(text).header.action}:${JSON.parse(text).header.task_id}`)).toEqual([`run-task:${taskId('late')}`, `finish-task:${taskId('late')}`, `run-task:${taskId('after-late')}`]);
    // A task id never seen on this connection is still refused.
    client.send(finishTask(taskId('never-ran')));
    expect((await client.waitFor('task-failed', taskId('never-ran'))).header.error_message).toBe('task can not be null');
  });
});

describe('proxy: POST /api/v1/tokens', () => {
  let upstream: LocalVoiceServer;
  beforeAll(async () => {
    upstream = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: [CANARY] });
    await upstream.listen();
  });
  afterAll(() => upstream.close());
  const tokensUrl = (proxy: SynthesisProxy) => proxy.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1/tokens');
  const lifetime = (body: { expires_at: number }) => body.expires_at - Date.now() / 1000;

  it('refuses with 403 (DashScope-shaped, saying how to enable it) without authorize or allowAnonymousTokens', async () => {
    const proxy = await startProxy({ upstream: upstream.url });
    const response = await fetch(tokensUrl(proxy), { method: 'POST', body: '{}' });
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'request_id']);
    expect(body.code).toBe('Forbidden');
    expect(body.message).toMatch(/authorize hook/);
    expect(body.message).toMatch(/allowAnonymousTokens: true/);
    expect(JSON.stringify(body)).not.toContain(CANARY);
  });

  it('with allowAnonymousTokens: 60 s by default; a client may ask for less, never more', async () => {
    const proxy = await startProxy({ upstream: upstream.url, allowAnonymousTokens: true });
    const standard = await (await fetch(tokensUrl(proxy), { method: 'POST' })).json();
    expect(standard.token).toMatch(/^st-/);
    expect(lifetime(standard)).toBeGreaterThan(55);
    expect(lifetime(standard)).toBeLessThanOrEqual(60);
    const more = await (await fetch(`${tokensUrl(proxy)}?expire_in_seconds=1800`, { method: 'POST' })).json();
    expect(lifetime(more)).toBeLessThanOrEqual(60);
    const less = await (await fetch(`${tokensUrl(proxy)}?expire_in_seconds=5`, { method: 'POST' })).json();
    expect(lifetime(less)).toBeLessThanOrEqual(5);
    expect(lifetime(less)).toBeGreaterThan(2);
  });

  it('tokenExpiresInSeconds sets the lifetime (1–1800); authorize alone enables the route and is asked with { kind: "tokens" }', async () => {
    const authorize = vi.fn((_request: IncomingMessage, context: ProxyAuthorizeContext) => context.kind === 'tokens');
    const proxy = await startProxy({ upstream: upstream.url, authorize, tokenExpiresInSeconds: 600 });
    const body = await (await fetch(`${tokensUrl(proxy)}?expire_in_seconds=1800`, { method: 'POST' })).json();
    expect(lifetime(body)).toBeGreaterThan(595);
    expect(lifetime(body)).toBeLessThanOrEqual(600);
    expect(authorize.mock.calls.map(([, context]) => context)).toEqual([{ kind: 'tokens' }]);
    for (const bad of [0, 1801, 1.5, Number.NaN]) {
      expect(() => createSynthesisProxy({ apiKey: CANARY, tokenExpiresInSeconds: bad })).toThrow(/tokenExpiresInSeconds must be a positive integer up to 1800/);
    }
  });

  it('one authorize hook guards the proxy and createTokenHandler alike', async () => {
    const seen: ProxyAuthorizeContext[] = [];
    const hook = (request: IncomingMessage | Request, context: ProxyAuthorizeContext): boolean => {
      seen.push(context);
      const user = request instanceof Request ? request.headers.get('x-user') : request.headers['x-user'];
      return user === 'alice';
    };
    const proxy = await startProxy({ upstream: upstream.url, authorize: hook });
    const handler = createTokenHandler({ apiKey: CANARY, upstream: upstream.url, authorize: hook });
    expect((await fetch(tokensUrl(proxy), { method: 'POST', headers: { 'x-user': 'alice' } })).status).toBe(200);
    expect((await fetch(tokensUrl(proxy), { method: 'POST', headers: { 'x-user': 'mallory' } })).status).toBe(401);
    expect((await handler.fetch(new Request('http://app/api/v1/tokens', { method: 'POST', headers: { 'x-user': 'alice' } }))).status).toBe(200);
    expect((await handler.fetch(new Request('http://app/api/v1/tokens', { method: 'POST', headers: { 'x-user': 'mallory' } }))).status).toBe(401);
    expect(seen).toEqual([{ kind: 'tokens' }, { kind: 'tokens' }, { kind: 'tokens' }, { kind: 'tokens' }]);
  });
});

describe('proxy: oversize frames', () => {
  it('a frame over maxFrameBytes gets task-failed naming the size and the limit; one over 4× the cap gets 1009', async () => {
    const upstream = await scriptedUpstream((socket, message) => {
      if (message.header.action === 'run-task') socket.send(event(message.header.task_id, 'task-started'));
    });
    const proxy = await startProxy({ upstream: upstream.url, limits: { maxFrameBytes: 1024 } });
    const client = await connect(proxy.url);
    client.send(runTask(taskId('size')));
    await client.waitFor('task-started', taskId('size'));
    const frame = JSON.stringify(continueTask(taskId('size'), 'big-frame'.padEnd(2000, '.')));
    client.send(frame);
    const failed = await client.waitFor('task-failed', taskId('size'));
    expect(failed.header).toMatchObject({ error_code: 'InvalidParameter', error_message: `Frame too large: ${Buffer.byteLength(frame)} bytes, over the limit of 1024 bytes per frame` });
    expect((await client.waitClosed()).code).toBe(1000);
    expect(upstream.received.some((text) => text.includes('big-frame'))).toBe(false);

    const huge = await connect(proxy.url);
    huge.socket.send('x'.repeat(4 * 1024 + 1));
    expect((await huge.waitClosed()).code).toBe(1009);
  });
});

describe('proxy: per-client bookkeeping', () => {
  it('forgets clients that left with nothing to remember, and keeps the rate window of those that ran tasks', async () => {
    const upstream = await scriptedUpstream((socket, message) => {
      const id = message.header.task_id;
      if (message.header.action === 'run-task') socket.send(event(id, 'task-started'));
      if (message.header.action === 'finish-task') socket.send(event(id, 'task-finished'));
    });
    const proxy = await startProxy({
      upstream: upstream.url,
      clientId: (request) => new URL(request.url ?? '/', 'http://x').searchParams.get('client') ?? 'none',
      limits: { maxTasksPerMinute: 1 },
    });
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => connect(`${proxy.url}?client=visitor-${i}`)));
    expect(proxy.clientCount).toBe(40);
    for (const client of many) client.close();
    await vi.waitFor(() => expect(proxy.clientCount).toBe(0));

    // A client that started a task stays known after it leaves: reconnecting does not reset its rate.
    const first = await connect(`${proxy.url}?client=worker`);
    first.send(runTask(taskId('w1')));
    first.send(finishTask(taskId('w1')));
    await first.waitFor('task-finished', taskId('w1'));
    first.close();
    await vi.waitFor(() => expect(first.closed).toBeDefined());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(proxy.clientCount).toBe(1);
    const again = await connect(`${proxy.url}?client=worker`);
    again.send(runTask(taskId('w2')));
    expect((await again.waitFor('task-failed', taskId('w2'))).header.error_code).toBe('Throttling.RateQuota');
  });
});

describe('proxy: URLs for IPv6 and wildcard hosts', () => {
  it('maps listen addresses to connectable URL hosts', () => {
    expect(urlHost('127.0.0.1')).toBe('127.0.0.1');
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('fe80::1%lo0')).toBe('[fe80::1%lo0]');
    expect(urlHost('0.0.0.0')).toBe('127.0.0.1');
    expect(urlHost('::')).toBe('[::1]');
    expect(urlHost('localhost')).toBe('localhost');
  });

  it.skipIf(!ipv6)('brackets an IPv6 host, standalone and attached, and the URL works', async () => {
    const upstream = await scriptedUpstream((socket, message) => {
      if (message.header.action === 'run-task') socket.send(event(message.header.task_id, 'task-started'));
    });
    const standalone = await startProxy({ upstream: upstream.url, host: '::1' });
    expect(standalone.url).toMatch(/^ws:\/\/\[::1\]:\d+\/api-ws\/v1\/inference$/);
    const client = await connect(standalone.url);
    client.send(runTask(taskId('v6')));
    await client.waitFor('task-started', taskId('v6'));

    const server = http.createServer();
    server.listen(0, '::1');
    await once(server, 'listening');
    opened.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const attached = createSynthesisProxy({ apiKey: CANARY, upstream: upstream.url, server });
    opened.push(attached);
    expect(attached.url).toBe(`ws://[::1]:${(server.address() as AddressInfo).port}/api-ws/v1/inference`);
    const viaAttached = await connect(attached.url);
    viaAttached.send(runTask(taskId('v6-attached')));
    await viaAttached.waitFor('task-started', taskId('v6-attached'));
  });
});
