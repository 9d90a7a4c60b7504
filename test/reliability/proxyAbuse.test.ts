// Proxy abuse on loopback: every abusive request is rejected as documented, the upstream (a recording
// front of a real local voice server) never sees it, and a valid client keeps being served during and
// after. A canary API key is watched on every path: downstream frames, HTTP bodies, errors, logs, console.
// Complements test/server/proxy.test.ts (which covers the basic origin/401/params/size/concurrency cases).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, SpeechSynthesizer, proxyTransport, type SynthesisError, type Transport } from 'cosyvoice-react/core';
import { createSynthesisProxy, type SynthesisProxy } from 'cosyvoice-react/server';
import { FrameClient, continueTask, finishTask, hexOf, refusedUpgrade, runTask, sleep, startRecordingUpstream, taskId } from './support/net';

const CANARY = 'sk-CANARY-abuse-4c1d9e7f0b2a';

// Everything that could carry the key to someone who should not see it.
const seen = { frames: [] as string[], bodies: [] as string[], errors: [] as string[], logs: [] as string[] };
const consoleSpies: Array<ReturnType<typeof vi.spyOn>> = [];
const clients: FrameClient[] = [];

let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let proxy: SynthesisProxy;
let httpBase: string;

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) consoleSpies.push(vi.spyOn(console, method));
  upstream = await startRecordingUpstream({ apiKey: CANARY });
  proxy = createSynthesisProxy({
    apiKey: CANARY,
    upstream: upstream.url,
    port: 0,
    allowedOrigins: ['https://app.example'],
    authorize(request) {
      if (request.headers['x-user'] === 'boom') throw new Error(`authorize crashed while holding ${CANARY}`);
      if (request.headers['x-user'] === 'slow-mallory') return new Promise((resolve) => setTimeout(() => resolve(false), 30));
      return request.headers['x-user'] !== 'mallory';
    },
    // The valid client gets its own bucket (?client=valid); floods come as x-client.
    clientId: (request) => new URL(request.url ?? '/', 'http://x').searchParams.get('client') ?? String(request.headers['x-client'] ?? request.socket.remoteAddress),
    limits: { maxConcurrentTasks: 3, maxTasksPerMinute: 200, maxFrameBytes: 64 * 1024 },
    log: (line) => seen.logs.push(line),
  });
  await proxy.listen();
  httpBase = proxy.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1');
});

afterAll(async () => {
  for (const client of clients) {
    seen.frames.push(...client.text, ...client.binary.map((b) => b.toString('latin1')));
    client.close();
  }
  await proxy.close();
  await upstream.close();
  for (const spy of consoleSpies) spy.mockRestore();
});

async function connect(headers: Record<string, string> = {}): Promise<FrameClient> {
  const client = await FrameClient.connect(proxy.url, headers);
  clients.push(client);
  return client;
}

/** The transport with every frame it receives kept for the canary check. */
function recorded(base: Transport): Transport {
  return {
    description: base.description,
    connect(handlers, signal) {
      return base.connect(
        {
          onMessage(data) {
            seen.frames.push(typeof data === 'string' ? data : Buffer.from(data).toString('latin1'));
            handlers.onMessage(data);
          },
          onClose: (code, reason) => {
            seen.frames.push(`close ${code} ${reason}`);
            handlers.onClose(code, reason);
          },
        },
        signal,
      );
    },
  };
}

/** A real SDK task through the proxy; resolves to the audio length. */
async function validTask(text = 'Still serving valid clients.'): Promise<number> {
  const synthesizer = new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: AudioFormat.PCM_16000HZ_MONO_16BIT,
    wordTimestampEnabled: true,
    transport: recorded(proxyTransport({ url: proxy.url, params: { client: 'valid' }, WebSocket: WebSocket as never })),
    onWarning: () => undefined,
  });
  try {
    const audio = await synthesizer.call(text, { timeoutMillis: 10_000 });
    expect(synthesizer.getTimeline().words.length).toBeGreaterThan(0);
    return audio!.byteLength;
  } catch (error) {
    seen.errors.push(String((error as SynthesisError).message), JSON.stringify(error));
    throw error;
  }
}

/** Runs `abuse` while a valid task is in flight, then checks a valid task still works afterwards. */
async function whileServing(abuse: () => Promise<void>): Promise<void> {
  const during = validTask('Served during the abuse.');
  await abuse();
  expect(await during).toBeGreaterThan(1000);
  expect(await validTask('Served after the abuse.')).toBeGreaterThan(1000);
}

function upstreamSaw(marker: string): string[] {
  return upstream.messages().filter((text) => text.includes(marker));
}

describe('proxy abuse: rejected as documented, never reaching the upstream, valid clients still served', () => {
  it('bad origins are refused with 403 at the upgrade and on the HTTP paths; no upstream connection is opened', async () => {
    await whileServing(async () => {
      const before = upstream.connections.length;
      for (const origin of ['https://evil.example', 'null', 'https://app.example.evil.example', 'https://APP.example', 'https://app.example/', 'http://app.example', 'https://app.example:443x']) {
        const refused = await refusedUpgrade(proxy.url, { Origin: origin });
        seen.bodies.push(refused.body);
        expect(refused.status, origin).toBe(403);
        expect(JSON.parse(refused.body)).toMatchObject({ code: 'Forbidden' });
        const token = await fetch(`${httpBase}/tokens`, { method: 'POST', headers: { Origin: origin }, body: '{}' });
        const body = await token.text();
        seen.bodies.push(body);
        expect(token.status).toBe(403);
        expect(token.headers.get('access-control-allow-origin')).toBeNull();
      }
      // The valid task in flight opened exactly one upstream connection; the refused ones none.
      expect(upstream.connections.length - before).toBeLessThanOrEqual(1);
    });
    expect(upstream.httpRequests).toEqual([]);
    expect(seen.logs.filter((l) => l.startsWith('refused origin')).length).toBeGreaterThanOrEqual(7);
  });

  it('missing authorization is refused with 401 (500 when authorize throws) and never reaches the upstream', async () => {
    await whileServing(async () => {
      const before = upstream.connections.length;
      for (const user of ['mallory', 'slow-mallory']) {
        const refused = await refusedUpgrade(proxy.url, { 'x-user': user });
        seen.bodies.push(refused.body);
        expect(refused.status).toBe(401);
        const token = await fetch(`${httpBase}/tokens`, { method: 'POST', headers: { 'x-user': user }, body: '{}' });
        seen.bodies.push(await token.text());
        expect(token.status).toBe(401);
        const voices = await fetch(`${httpBase}/services/audio/tts/customization`, { method: 'POST', headers: { 'x-user': user }, body: JSON.stringify({ model: 'voice-enrollment', input: { action: 'list_voice' } }) });
        seen.bodies.push(await voices.text());
        expect(voices.status).toBe(401);
      }
      const crashed = await refusedUpgrade(proxy.url, { 'x-user': 'boom' });
      seen.bodies.push(crashed.body);
      expect(crashed.status).toBe(500);
      const crashedHttp = await fetch(`${httpBase}/tokens`, { method: 'POST', headers: { 'x-user': 'boom' }, body: '{}' });
      seen.bodies.push(await crashedHttp.text());
      expect(crashedHttp.status).toBe(500);
      expect(upstream.connections.length - before).toBeLessThanOrEqual(1);
    });
    expect(upstream.httpRequests).toEqual([]);
  });

  it('binary frames and oversize (multi-byte) frames are refused and not forwarded', async () => {
    await whileServing(async () => {
      const binary = await connect();
      binary.send(runTask(taskId('abuse-bin')));
      await binary.waitFor('task-started', taskId('abuse-bin'));
      binary.socket.send(Buffer.from('abuse-bin-payload'), { binary: true });
      const failed = await binary.waitFor('task-failed');
      expect(failed.header).toMatchObject({ error_code: 'InvalidParameter', error_message: 'Invalid payload data' });
      await binary.waitClosed();

      const big = await connect();
      big.send(runTask(taskId('abuse-big')));
      await big.waitFor('task-started', taskId('abuse-big'));
      // 25 000 hanzi: 25 000 characters but 75 000 UTF-8 bytes, over the 64 KiB frame cap.
      const frame = JSON.stringify(continueTask(taskId('abuse-big'), `abuse-big-text${'文'.repeat(25_000)}`));
      big.send(frame);
      const tooBig = await big.waitFor('task-failed', taskId('abuse-big'));
      expect(tooBig.header).toMatchObject({ error_code: 'InvalidParameter', error_message: `Frame too large: ${Buffer.byteLength(frame)} bytes, over the limit of ${64 * 1024} bytes per frame` });
      expect((await big.waitClosed()).code).toBe(1000);
    });
    expect(upstreamSaw('abuse-bin-payload')).toEqual([]);
    expect(upstreamSaw('abuse-big-text')).toEqual([]);
    // Only the run-tasks (which were valid) went through.
    expect(upstreamSaw(hexOf('abuse-b')).map((t) => JSON.parse(t).header.action)).toEqual(['run-task', 'run-task']);
  });

  it('non-JSON and malformed messages get a DashScope-shaped task-failed and are not forwarded', async () => {
    const nj = taskId('abuse-nj');
    const bad = ['', ' ', 'null', '[]', '"abuse-str"', '12', `{"${nj}":`, `{"header":"${nj}"}`, `{"header":{"task_id":"${nj}"}}`, `{"header":{"action":"run-task"},"${nj}":1}`, `\u0000${nj}`, `{"header":{"action":"run-task","task_id":"${nj}"},"payload":"x"}`];
    await whileServing(async () => {
      for (const frame of bad) {
        const client = await connect();
        client.send(frame);
        const failed = await client.waitFor('task-failed');
        expect(failed.header.error_code, JSON.stringify(frame)).toBe('InvalidParameter');
        expect(failed.header.error_message).toMatch(/Invalid payload data|Missing required parameter/);
        await client.waitClosed();
      }
    });
    expect(upstreamSaw(nj)).toEqual([]);
    expect(upstreamSaw('abuse-str')).toEqual([]);
  });

  it('unknown actions and actions on unknown tasks are refused and not forwarded', async () => {
    const frames: Array<[unknown[], RegExp]> = [
      [[{ header: { action: 'delete-task', task_id: taskId('abuse-ua1') }, payload: {} }], /Invalid payload data/],
      [[{ header: { action: 'run-task ', task_id: taskId('abuse-ua2') }, payload: {} }], /Invalid payload data/],
      [[{ header: { action: 7, task_id: taskId('abuse-ua3') }, payload: {} }], /header\.action/],
      [[{ header: { task_id: taskId('abuse-ua4') }, payload: {} }], /header\.action/],
      [[continueTask(taskId('abuse-ua5'), 'no such task')], /task can not be null/],
      [[finishTask(taskId('abuse-ua6'))], /task can not be null/],
      // After a valid run-task has been answered (so it was really forwarded):
      [[runTask(taskId('abuse-ua7')), { header: { action: 'pause-task', task_id: taskId('abuse-ua7') }, payload: {} }], /Invalid payload data/],
      [[runTask(taskId('abuse-ua8')), runTask(taskId('abuse-ua8'))], /already running/],
    ];
    await whileServing(async () => {
      for (const [messages, expected] of frames) {
        const client = await connect();
        if (messages.length === 2) {
          client.send(messages[0]);
          await client.waitFor('task-started');
          client.send(messages[1]);
        } else for (const message of messages) client.send(message);
        const failed = await client.waitFor('task-failed');
        expect(failed.header.error_message).toMatch(expected);
        await client.waitClosed();
      }
    });
    // Only the two valid run-tasks (abuse-ua7, the first abuse-ua8) reached the upstream.
    expect(upstreamSaw(hexOf('abuse-ua')).map((t) => `${JSON.parse(t).header.action}:${JSON.parse(t).header.task_id}`)).toEqual([`run-task:${taskId('abuse-ua7')}`, `run-task:${taskId('abuse-ua8')}`]);
  });

  it('over-limit text (per message, per task, SSML twice) is refused and the offending message not forwarded', async () => {
    await whileServing(async () => {
      const one = await connect();
      one.send(runTask(taskId('abuse-len1')));
      one.send(continueTask(taskId('abuse-len1'), `abuse-len1-text${'a'.repeat(20_001)}`));
      expect((await one.waitFor('task-failed', taskId('abuse-len1'))).header.error_message).toMatch(/at most 20000 characters per request/);
      await one.waitClosed();

      // 10 messages of 20 000 counted characters reach the 200 000 per task; the 11th must not pass.
      // (A `sink-` task: the recording upstream answers it itself rather than synthesizing 200 000 characters.)
      const many = await connect();
      many.send(runTask(taskId('sink-abuse-len2')));
      await many.waitFor('task-started', taskId('sink-abuse-len2'));
      const piece = 'Go. '.repeat(5000);
      for (let i = 0; i < 10; i++) many.send(continueTask(taskId('sink-abuse-len2'), piece));
      many.send(continueTask(taskId('sink-abuse-len2'), 'abuse-len2-over'));
      expect((await many.waitFor('task-failed', taskId('sink-abuse-len2'))).header.error_message).toMatch(/at most 200000 characters per task/);
      await many.waitClosed();

      const ssml = await connect();
      ssml.send(runTask(taskId('abuse-ssml'), { enable_ssml: true }));
      ssml.send(continueTask(taskId('abuse-ssml'), '<speak>One.</speak>'));
      ssml.send(continueTask(taskId('abuse-ssml'), '<speak>abuse-ssml-second</speak>'));
      expect((await ssml.waitFor('task-failed', taskId('abuse-ssml'))).header.error_message).toBe('Text request limit violated, expected 1.');
      await ssml.waitClosed();
    });
    expect(upstreamSaw('abuse-len1-text')).toEqual([]);
    expect(upstreamSaw('abuse-len2-over')).toEqual([]);
    expect(upstreamSaw('abuse-ssml-second')).toEqual([]);
    expect(upstreamSaw(taskId('sink-abuse-len2')).filter((t) => JSON.parse(t).header.action === 'continue-task').length).toBe(10);
  }, 30_000);

  it('a flood of 300 connections: refused ones never reach the upstream, over-limit tasks are throttled, valid clients are served', async () => {
    const beforeConnections = upstream.connections.length;
    const during = validTask('Served during the flood.');
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        if (i % 3 === 0) return { kind: 'origin', status: (await refusedUpgrade(proxy.url, { Origin: `https://flood${i}.example` })).status };
        if (i % 3 === 1) return { kind: 'auth', status: (await refusedUpgrade(proxy.url, { 'x-user': 'mallory' })).status };
        const client = await connect({ 'x-client': 'flood' });
        client.send(runTask(taskId(`flood-${i}`)));
        await client.until(() => client.events().some((e) => e.header?.event === 'task-started' || e.header?.event === 'task-failed'), 15_000, `flood-${i} answer`);
        const answer = client.events()[0]!.header;
        return { kind: 'task', status: answer.event === 'task-started' ? 'started' : answer.error_code, client };
      }),
    );
    expect(await during).toBeGreaterThan(1000);
    expect(outcomes.filter((o) => o.kind === 'origin').every((o) => o.status === 403)).toBe(true);
    expect(outcomes.filter((o) => o.kind === 'auth').every((o) => o.status === 401)).toBe(true);
    const tasks = outcomes.filter((o) => o.kind === 'task');
    expect(tasks.length).toBe(100);
    // maxConcurrentTasks: 3 for the flooding client; everything else throttled as the service does.
    expect(tasks.filter((o) => o.status === 'started').length).toBe(3);
    expect(tasks.filter((o) => o.status === 'Throttling.RateQuota').length).toBe(97);
    const floodRunTasks = upstream.messages().filter((t) => t.includes(`"${hexOf('flood-')}`));
    expect(floodRunTasks.length).toBe(3);
    // Upgrades that were refused opened nothing upstream: at most one per accepted connection (+ the valid task).
    expect(upstream.connections.length - beforeConnections).toBeLessThanOrEqual(100 + 1);
    for (const o of tasks) (o as { client?: FrameClient }).client?.close();
    // Closing the flood releases its slots: the same client id may run a task again.
    await vi.waitFor(() => expect(upstream.openConnections()).toBe(0), { timeout: 5000 });
    const again = await connect({ 'x-client': 'flood' });
    again.send(runTask(taskId('flood-again')));
    await again.waitFor('task-started', taskId('flood-again'));
    again.close();
    expect(await validTask('Served after the flood.')).toBeGreaterThan(1000);
  }, 40_000);
});

describe('canary key', () => {
  it('the upstream received the key as Authorization: Bearer, and only there', () => {
    expect(upstream.connections.length).toBeGreaterThan(0);
    for (const connection of upstream.connections) expect(connection.headers.authorization).toBe(`Bearer ${CANARY}`);
  });

  it('tokens and voice listing through the proxy answer without the key', async () => {
    const token = await fetch(`${httpBase}/tokens?expire_in_seconds=30`, { method: 'POST', body: '{}' });
    const tokenBody = await token.text();
    seen.bodies.push(tokenBody);
    expect(token.status).toBe(200);
    expect(JSON.parse(tokenBody).token).toMatch(/^st-/);
    for (const body of ['{not json', JSON.stringify({ model: 'voice-enrollment', input: { action: 'list_voice' } }), JSON.stringify({ model: 'voice-enrollment', input: { action: 'create_voice' } })]) {
      const response = await fetch(`${httpBase}/services/audio/tts/customization`, { method: 'POST', body });
      seen.bodies.push(await response.text());
    }
    for (const [method, path] of [['GET', '/tokens'], ['POST', '/nothing-here'], ['OPTIONS', '/tokens']] as const) {
      const response = await fetch(`${httpBase}${path}`, { method, headers: { Origin: 'https://app.example' } });
      seen.bodies.push(await response.text(), JSON.stringify([...response.headers]));
    }
    const refused = await refusedUpgrade(proxy.url.replace('/api-ws/v1/inference', '/elsewhere'));
    seen.bodies.push(refused.body);
    expect(refused.status).toBe(404);
  });

  it('a proxy without authorize (and without allowAnonymousTokens) mints no token: 403, nothing asked upstream', async () => {
    const open = createSynthesisProxy({ apiKey: CANARY, upstream: upstream.url, port: 0, log: (line) => seen.logs.push(line) });
    await open.listen();
    try {
      const before = upstream.httpRequests.length;
      const base = open.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1/tokens');
      for (const headers of [{}, { Origin: 'https://anyone.example' }] as Array<Record<string, string>>) {
        const token = await fetch(`${base}?expire_in_seconds=1800`, { method: 'POST', headers, body: '{}' });
        const body = await token.text();
        seen.bodies.push(body);
        expect(token.status).toBe(403);
        expect(JSON.parse(body)).toMatchObject({ code: 'Forbidden' });
        expect(body).not.toMatch(/st-/);
      }
      expect(upstream.httpRequests.length).toBe(before);
    } finally {
      await open.close();
    }
  });

  it('an unreachable upstream and a dropped upstream report errors without the key', async () => {
    const dead = createSynthesisProxy({ apiKey: CANARY, upstream: 'ws://127.0.0.1:1', port: 0, allowAnonymousTokens: true, log: (line) => seen.logs.push(line) });
    await dead.listen();
    try {
      const synthesizer = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', transport: proxyTransport({ url: dead.url, WebSocket: WebSocket as never }), onWarning: (w) => seen.logs.push(w) });
      const error = (await synthesizer.call('Anyone?').catch((e: unknown) => e)) as SynthesisError;
      expect(error.code).toBe('TaskFailed');
      seen.errors.push(error.message, JSON.stringify(error), String(error.stack));
      const token = await fetch(dead.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1/tokens'), { method: 'POST', body: '{}' });
      seen.bodies.push(await token.text());
      expect(token.status).toBe(502);
    } finally {
      await dead.close();
    }
  });

  it('appears in no downstream frame, HTTP body, error, log line or console output across every path above', () => {
    for (const client of clients) seen.frames.push(...client.text, ...client.binary.map((b) => b.toString('latin1')));
    // The capture is not empty: every channel was really exercised.
    expect(seen.frames.length).toBeGreaterThan(200);
    expect(seen.bodies.length).toBeGreaterThan(30);
    expect(seen.logs.length).toBeGreaterThan(10);
    expect(seen.errors.length).toBeGreaterThan(0);
    const leaks = (list: string[]) => list.filter((text) => text.includes(CANARY) || text.includes(CANARY.slice(3)));
    expect(leaks(seen.frames)).toEqual([]);
    expect(leaks(seen.bodies)).toEqual([]);
    expect(leaks(seen.errors)).toEqual([]);
    expect(leaks(seen.logs)).toEqual([]);
    for (const spy of consoleSpies) expect(leaks([JSON.stringify(spy.mock.calls)])).toEqual([]);
  });
});

describe('canary key against a hostile upstream that echoes the credential back', () => {
  let echo: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let front: SynthesisProxy;
  const logs: string[] = [];
  beforeAll(async () => {
    echo = await startRecordingUpstream({ apiKey: CANARY, mode: 'echo-key' });
    front = createSynthesisProxy({ apiKey: CANARY, upstream: echo.url, port: 0, allowAnonymousTokens: true, log: (line) => logs.push(line) });
    await front.listen();
  });
  afterAll(async () => {
    await front.close();
    await echo.close();
  });
  const base = () => front.url.replace('ws://', 'http://').replace('/api-ws/v1/inference', '/api/v1');

  it('the voice (customization) path redacts an echoed key', async () => {
    const response = await fetch(`${base()}/services/audio/tts/customization`, { method: 'POST', body: JSON.stringify({ model: 'voice-enrollment', input: { action: 'list_voice' } }) });
    const body = await response.text();
    expect(echo.httpRequests.at(-1)!.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(body).toContain('[redacted]');
    expect(body).not.toContain(CANARY);
  });

  // Regression test for a fixed bug (src/server/createTokenHandler.ts, `answer`): a non-2xx upstream answer is passed through as is
  // (`if (!response.ok) return { status: response.status, body }`), so an upstream error body that
  // echoes the Authorization header hands the API key to the browser. The customization path redacts
  // (`text.split(apiKey).join('[redacted]')`); the token path should too, e.g.
  // `body = JSON.parse(text.split(options.apiKey).join('[redacted]'))` before using it.
  it('the token path redacts an echoed key in an upstream error body', async () => {
    const response = await fetch(`${base()}/tokens`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain(CANARY);
  });

  // Regression test for a fixed bug (src/server/createSynthesisProxy.ts, `upstream.on('message')`): upstream text frames are relayed
  // unchanged (`downstream.send(text)`), so a task-failed whose error_message echoes the credential
  // reaches the browser. Fix: `downstream.send(text.includes(apiKey) ? text.split(apiKey).join('[redacted]') : text)`
  // (the check is a substring search on frames that are already strings; binary audio is untouched).
  it('the WebSocket path redacts an echoed key in an upstream task-failed', async () => {
    const client = await FrameClient.connect(front.url);
    try {
      client.send(runTask(taskId('echo-1')));
      const failed = await client.waitFor('task-failed', taskId('echo-1'));
      expect(failed.header.error_code).toBe('InvalidApiKey');
      expect(client.text.join('\n')).not.toContain(CANARY);
    } finally {
      client.close();
    }
  });

  it('logs nothing containing the key', async () => {
    await sleep(10);
    expect(logs.join('\n')).not.toContain(CANARY);
  });
});
