// The proxy's relay policy (issue 11): it spends the key only on CosyVoice speech, sends upstream exactly
// what it validated (re-serialised), counts every text, keeps client strings out of log lines as they
// came, asks `authorize` per task, closes idle sockets, drops a slow client's upstream at once and gives
// every request body a deadline. Real sockets on loopback: the proxy in front of a recording relay in
// front of a real local voice server (tone engine) that accepts only the canary key.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { DEFAULT_PROXY_MODELS, createLocalVoiceServer, createSynthesisProxy, type ProxyAuthorizeContext, type SynthesisProxy, type SynthesisProxyOptions } from 'cosyvoice-react/server';
import { startRecordingUpstream } from '../reliability/support/net';
import { RawClient, continueTask, finishTask, runTask, taskId } from './helpers';

const CANARY = 'sk-CANARY-policy-0c94d2';
const logs: string[] = [];
const opened: Array<{ close(): Promise<void> | void }> = [];
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;

beforeAll(async () => {
  upstream = await startRecordingUpstream({ apiKey: CANARY });
});
afterAll(async () => {
  await upstream.close();
  expect(logs.join('\n')).not.toContain(CANARY);
});
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

async function startProxy(options: Partial<SynthesisProxyOptions> = {}): Promise<SynthesisProxy> {
  const proxy = createSynthesisProxy({ apiKey: CANARY, upstream: upstream.url, port: 0, log: (line) => logs.push(line), ...options });
  await proxy.listen();
  opened.push(proxy);
  return proxy;
}

async function connect(url: string): Promise<RawClient> {
  const client = await RawClient.connect(url);
  opened.push(client);
  return client;
}

/** Every frame the upstream received for this task id. */
const upstreamFramesOf = (id: string) => upstream.messages().filter((text) => text.includes(id));

/** Sends frames on a fresh connection and returns the task-failed header (after the close). */
async function refusal(proxy: SynthesisProxy, frames: unknown[]): Promise<Record<string, string>> {
  const client = await connect(proxy.url);
  for (const frame of frames) client.send(frame);
  const failed = await client.waitFor('task-failed');
  await client.waitClosed();
  return failed.header;
}

describe('proxy policy: only CosyVoice speech synthesis is relayed', () => {
  it.each([
    ['text generation', { task_group: 'aigc', task: 'text-generation', function: 'generation' }, /payload\.task_group must be "audio"/],
    ['speech recognition', { task: 'asr', function: 'recognition' }, /payload\.task must be "tts"/],
    ['voice customization over the socket', { function: 'customization' }, /payload\.function must be "SpeechSynthesizer"/],
    ['a chat model', { model: 'qwen-max' }, /Model "qwen-max" is not available through this proxy/],
    ['a recognition model', { model: 'paraformer-realtime-v2' }, /Model "paraformer-realtime-v2" is not available/],
    ['another speech model', { model: 'sambert-zhichu-v1' }, /Model "sambert-zhichu-v1" is not available/],
  ])('%s is refused and never reaches the upstream', async (name, payload, message) => {
    const proxy = await startProxy();
    const id = taskId(`svc-${name.slice(0, 11)}`);
    const frame = runTask(id) as { payload: Record<string, unknown> };
    Object.assign(frame.payload, payload);
    const header = await refusal(proxy, [frame]);
    expect(header).toMatchObject({ task_id: id, error_code: 'InvalidParameter' });
    expect(header.error_message).toMatch(message);
    expect(upstreamFramesOf(id)).toEqual([]);
  });

  it('relays the default models, and others only when allowedModels widens the list (a list or a check)', async () => {
    expect(DEFAULT_PROXY_MODELS).toEqual(expect.arrayContaining(['cosyvoice-v3-flash', 'cosyvoice-v3-plus', 'cosyvoice-v2', 'cosyvoice-v1', 'cosyvoice-v3.5-plus', 'cosyvoice-v3.5-flash']));
    const strict = await startProxy();
    const refusedId = taskId('model-strict');
    expect((await refusal(strict, [runTask(refusedId, {}, 'cosyvoice-v9-flash')])).error_message).toMatch(/not available through this proxy/);
    for (const allowedModels of [[...DEFAULT_PROXY_MODELS, 'cosyvoice-v9-flash'], (model: string) => model.startsWith('cosyvoice-')]) {
      const wide = await startProxy({ allowedModels });
      const id = taskId(`model-wide-${typeof allowedModels}`.slice(0, 16));
      const client = await connect(wide.url);
      client.send(runTask(id, {}, 'cosyvoice-v9-flash'));
      // The local server behind knows no such model: its own 418 comes back, so the run-task went through.
      expect((await client.waitFor('task-failed', id)).header.error_message).toBe('[tts:]Engine return error code: 418');
      expect(upstreamFramesOf(id).map((text) => JSON.parse(text).payload.model)).toEqual(['cosyvoice-v9-flash']);
    }
    expect(upstreamFramesOf(refusedId)).toEqual([]);
  });
});

describe('proxy policy: what was checked is what is sent', () => {
  it('sends the frame re-serialised from what it validated: one value per key, unknown fields dropped', async () => {
    const proxy = await startProxy();
    const id = taskId('reserialise');
    const client = await connect(proxy.url);
    // Unknown fields at the top, in the header and in the payload; `parameters.seed` twice.
    client.send(
      `{"header":{"action":"run-task","task_id":"${id}","streaming":"duplex","attributes":{"x":1}},"payload":{"task_group":"audio","task":"tts","function":"SpeechSynthesizer",` +
        `"model":"cosyvoice-v3-flash","parameters":{"text_type":"PlainText","voice":"longanyang","format":"pcm","sample_rate":16000,"seed":99999,"seed":7},"input":{},"resources":[1]},"extra":{"api_key":"x"}}`,
    );
    await client.waitFor('task-started', id);
    // A long first "text" and a short last one: JSON.parse keeps the last, which is what was counted;
    // a parser that kept the first would read 30 000 characters the proxy never counted.
    client.send(`{"header":{"action":"continue-task","task_id":"${id}","streaming":"duplex"},"payload":{"input":{"text":"${'a'.repeat(30_000)}","text":"Short."},"model":"x"}}`);
    client.send(finishTask(id));
    await client.waitFor('task-finished', id);
    const [run, text, finish] = upstreamFramesOf(id);
    expect(JSON.parse(run!)).toEqual({
      header: { action: 'run-task', task_id: id, streaming: 'duplex' },
      payload: { task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', model: 'cosyvoice-v3-flash', parameters: { text_type: 'PlainText', voice: 'longanyang', format: 'pcm', sample_rate: 16000, seed: 7 }, input: {} },
    });
    expect(run!.match(/"seed"/g)).toHaveLength(1);
    expect(text).toBe(JSON.stringify({ header: { action: 'continue-task', task_id: id, streaming: 'duplex' }, payload: { input: { text: 'Short.' } } }));
    expect(finish).toBe(JSON.stringify({ header: { action: 'finish-task', task_id: id, streaming: 'duplex' }, payload: { input: {} } }));
  });

  it('refuses parameters outside the documented set by name, and relays the ones allowedParameters lists', async () => {
    const proxy = await startProxy();
    for (const [name, value] of [['api_key', 'sk-other'], ['workspace', 'llm-x'], ['my_flag', true]] as const) {
      const id = taskId(`param-${name}`);
      const header = await refusal(proxy, [runTask(id, { [name]: value })]);
      expect(header).toMatchObject({ task_id: id, error_code: 'InvalidParameter', error_message: `Parameter "${name}" is not allowed by this proxy` });
      expect(upstreamFramesOf(id)).toEqual([]);
    }
    const open = await startProxy({ allowedParameters: ['my_flag', 'my_options'] });
    const id = taskId('param-allowed');
    const client = await connect(open.url);
    client.send(runTask(id, { my_flag: true, my_options: { level: [1, 2] } }));
    await client.waitFor('task-started', id);
    expect(JSON.parse(upstreamFramesOf(id)[0]!).payload.parameters).toMatchObject({ my_flag: true, my_options: { level: [1, 2] } });
    // Even an allowed parameter may not nest without bound.
    let deep: unknown = 1;
    for (let i = 0; i < 12; i++) deep = [deep];
    const deepId = taskId('param-deep');
    expect((await refusal(open, [runTask(deepId, { my_options: deep })])).error_message).toBe('Parameter "my_options" nests deeper than 8 levels');
    expect(upstreamFramesOf(deepId)).toEqual([]);
  });

  it('refuses text in run-task (the service reads text only from continue-task): it never goes upstream uncounted', async () => {
    const proxy = await startProxy();
    const id = taskId('run-text');
    const frame = runTask(id) as { payload: { input: Record<string, unknown> } };
    frame.payload.input.text = 'x'.repeat(100_000);
    const header = await refusal(proxy, [frame]);
    expect(header).toMatchObject({ error_code: 'InvalidParameter', error_message: 'payload.input.text is not read in run-task; send the text with continue-task' });
    expect(upstreamFramesOf(id)).toEqual([]);
  });

  it('counts SSML tags as text unless the task enabled SSML: a "<speak" prefix does not make 30 000 characters free', async () => {
    const proxy = await startProxy();
    const text = `<speak>${'<b>x</b>'.repeat(3750)}</speak>`; // 26 265 characters, 3 750 of them spoken
    const plain = taskId('ssml-off');
    const refused = await connect(proxy.url);
    refused.send(runTask(plain));
    await refused.waitFor('task-started', plain);
    refused.send(continueTask(plain, text));
    const header = (await refused.waitFor('task-failed', plain)).header;
    expect(header.error_message).toBe(`Text request limit violated, at most 20000 characters per request (received ${text.length}).`);
    expect(upstreamFramesOf(plain).map((t) => JSON.parse(t).header.action)).toEqual(['run-task']);
    // With enable_ssml the tags are markup and only the spoken characters count.
    const ssml = taskId('ssml-on');
    const client = await connect(proxy.url);
    client.send(runTask(ssml, { enable_ssml: true }));
    client.send(continueTask(ssml, `<speak>${'<break time="1ms"/>'.repeat(300)}Hi.</speak>`));
    client.send(finishTask(ssml));
    expect((await client.waitFor('task-finished', ssml)).payload.usage.characters).toBe(3);
  });
});

describe('proxy policy: the official clients pass unchanged', () => {
  // Frames exactly as the Python SDK, the Java SDK and Alibaba's browser demo write them (reference §3).
  const hex = 'a3f1c2d4e5b6478899aabbccddeeff00';
  const uuid = '2bf83b9a-baeb-4fda-8d9a-0123456789ab';
  const base = { task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', model: 'cosyvoice-v3-flash' };
  const clients: Array<[string, string, unknown[]]> = [
    [
      'Python SDK (32-hex id, Default/0 format, seed and type always, additional_params merged, model and task in continue-task, flush)',
      hex,
      [
        { header: { action: 'run-task', task_id: hex, streaming: 'duplex' }, payload: { ...base, parameters: { text_type: 'PlainText', voice: 'longanyang', format: 'Default', sample_rate: 0, volume: 50, rate: 1.0, pitch: 1.0, seed: 0, type: 0, word_timestamp_enabled: true }, input: {} } },
        { header: { action: 'continue-task', task_id: hex, streaming: 'duplex' }, payload: { ...base, input: { text: 'From Python' } } },
        { header: { action: 'continue-task', task_id: hex, streaming: 'duplex' }, payload: { ...base, input: { flush: true } } },
        { header: { action: 'finish-task', task_id: hex, streaming: 'duplex' }, payload: { input: {} } },
      ],
    ],
    [
      'Java SDK (UUID id, pre_task_id, phoneme timestamps, the full parameters again in continue-task)',
      uuid,
      (() => {
        const parameters = { voice: 'longanyang', text_type: 'PlainText', format: 'wav', sample_rate: 16000, volume: 50, rate: 1.0, pitch: 1.0, word_timestamp_enabled: false, phoneme_timestamp_enabled: false, pre_task_id: uuid, enable_ssml: false, style: 1 };
        return [
          { header: { action: 'run-task', task_id: uuid, streaming: 'duplex' }, payload: { ...base, parameters, input: {} } },
          { header: { action: 'continue-task', task_id: uuid, streaming: 'duplex' }, payload: { ...base, input: { text: 'From Java.' }, parameters } },
          { header: { action: 'finish-task', task_id: uuid, streaming: 'duplex' }, payload: { ...base, input: {}, parameters } },
        ];
      })(),
    ],
    [
      'the browser demo (UUID id, minimal parameters)',
      '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      [
        { header: { action: 'run-task', task_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', streaming: 'duplex' }, payload: { ...base, model: 'cosyvoice-v3-flash', parameters: { text_type: 'PlainText', voice: 'longanhuan', format: 'pcm', sample_rate: 22050, volume: 50, rate: 1, pitch: 1 }, input: {} } },
        { header: { action: 'continue-task', task_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', streaming: 'duplex' }, payload: { input: { text: 'From the demo.' } } },
        { header: { action: 'finish-task', task_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', streaming: 'duplex' }, payload: { input: {} } },
      ],
    ],
  ];

  it.each(clients)('%s', async (_name, id, frames) => {
    const proxy = await startProxy();
    const client = await connect(proxy.url);
    for (const frame of frames) client.send(frame);
    const finished = await client.waitFor('task-finished', id);
    expect(finished.payload.usage.characters).toBeGreaterThan(0);
    expect(client.frames.some((f) => f.kind === 'audio')).toBe(true);
    expect(client.events().some((e) => e.json.header.event === 'task-failed')).toBe(false);
    // The SDK's own extras went through with the documented parameters.
    const sent = JSON.parse(upstreamFramesOf(id)[0]!).payload.parameters;
    expect(sent).toEqual((frames[0] as { payload: { parameters: unknown } }).payload.parameters);
  });
});

describe('proxy policy: task ids and log lines', () => {
  it('refuses a task id that is not 32 hex digits or a UUID; a CR/LF in one forges no log line', async () => {
    // An upstream that never answers: the old relay forwarded the id and logged it in its timeout line.
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(silent, 'listening');
    const received: string[] = [];
    silent.on('connection', (socket) => socket.on('message', (data) => received.push(String(data))));
    opened.push({ close: () => new Promise<void>((resolve) => silent.close(() => resolve())) });
    const lines: string[] = [];
    const proxy = await startProxy({ upstream: `ws://127.0.0.1:${(silent.address() as AddressInfo).port}`, taskStartTimeoutMs: 100, log: (line) => lines.push(line) });
    const forged = 'x\r\n2026-01-01T00:00:00Z admin logged in';
    for (const id of [forged, 'not-a-task-id', 'a'.repeat(31), `${'a'.repeat(32)}\n`, '2bf83b9a-baeb-4fda-8d9a-0123456789a']) {
      const header = await refusal(proxy, [runTask(id)]);
      expect(header).toMatchObject({ task_id: '', error_code: 'InvalidParameter', error_message: 'header.task_id must be 32 hex digits or a UUID' });
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // past the start timeout
    expect(received).toEqual([]);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) expect(line).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(lines.some((line) => line.includes('"x\\u000d\\u000a2026-01-01T00:00:00Z admin logged in"'))).toBe(true);
  });
});

describe('proxy policy: authorization per task, idle connections', () => {
  it('asks authorize before every run-task with the validated task; a session revoked after the upgrade starts no more tasks', async () => {
    let signedIn = true;
    const contexts: ProxyAuthorizeContext[] = [];
    const proxy = await startProxy({
      authorize: (_request: IncomingMessage, context) => {
        contexts.push(context);
        return signedIn;
      },
    });
    const client = await connect(proxy.url);
    const first = taskId('auth-first');
    client.send(runTask(first));
    client.send(continueTask(first, 'Allowed.'));
    client.send(finishTask(first));
    await client.waitFor('task-finished', first);
    signedIn = false;
    const second = taskId('auth-second');
    client.send(runTask(second));
    const failed = await client.waitFor('task-failed', second);
    expect(failed.header).toMatchObject({ error_code: 'AccessDenied', error_message: 'Access denied: not authorized to start this task' });
    await client.waitClosed();
    expect(upstreamFramesOf(second)).toEqual([]);
    expect(contexts.map((c) => c.kind)).toEqual(['websocket', 'task', 'task']);
    expect(contexts[1]).toEqual({
      kind: 'task',
      task: { taskId: first, model: 'cosyvoice-v3-flash', voice: 'longanyang', parameters: { text_type: 'PlainText', voice: 'longanyang', format: 'pcm', sample_rate: 16000, volume: 50, rate: 1, pitch: 1, seed: 0, type: 0 } },
    });
  });

  it('holds the frames after a run-task while an asynchronous authorize decides, then relays them in order', async () => {
    const kinds: string[] = [];
    const proxy = await startProxy({
      authorize: (_request, context) => {
        kinds.push(context.kind);
        return context.kind === 'task' ? new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 80)) : true;
      },
    });
    const client = await connect(proxy.url);
    const id = taskId('auth-async');
    client.send(runTask(id));
    client.send(continueTask(id, 'Held, then sent.'));
    client.send(finishTask(id));
    await client.waitFor('task-finished', id);
    expect(upstreamFramesOf(id).map((t) => JSON.parse(t).header.action)).toEqual(['run-task', 'continue-task', 'finish-task']);
    expect(client.frames.some((f) => f.kind === 'audio')).toBe(true);
    expect(kinds).toEqual(['websocket', 'task']);
  });

  it('an authorize that throws or rejects for a task fails that task with InternalError, nothing relayed', async () => {
    for (const authorize of [() => { throw new Error(`boom ${CANARY}`); }, () => Promise.reject(new Error('boom'))]) {
      const proxy = await startProxy({ authorize: (_request, context) => (context.kind === 'task' ? authorize() : true) });
      const id = taskId('auth-throws');
      const header = await refusal(proxy, [runTask(id)]);
      expect(header).toMatchObject({ error_code: 'InternalError', error_message: 'authorize failed' });
      expect(JSON.stringify(header)).not.toContain(CANARY);
      expect(upstreamFramesOf(id)).toEqual([]);
    }
  });

  it('closes a connection with no task after clientIdleTimeoutMs (and its upstream), but never one with a task running', async () => {
    const proxy = await startProxy({ clientIdleTimeoutMs: 250 });
    const idle = await connect(proxy.url);
    expect(await idle.waitClosed(15_000)).toEqual({ code: 1000, reason: 'idle' });
    expect(logs.some((line) => line.includes('had no task for 250 ms; connection closed'))).toBe(true);

    const busy = await connect(proxy.url);
    const id = taskId('idle-busy');
    busy.send(runTask(id));
    await busy.waitFor('task-started', id);
    // A task runs (the service's own 23 s rule covers a silent client): well past the idle limit, still open.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(busy.closed).toBeUndefined();
    busy.send(continueTask(id, 'Done.'));
    busy.send(finishTask(id));
    await busy.waitFor('task-finished', id);
    // Without a task again, the clock restarts.
    expect(await busy.waitClosed(15_000)).toEqual({ code: 1000, reason: 'idle' });
    await vi.waitFor(() => expect(upstream.openConnections()).toBe(0), { timeout: 15_000 });
  });

  it('refuses clientIdleTimeoutMs and bodyTimeoutMs that are not positive numbers, with the option named', () => {
    expect(() => createSynthesisProxy({ apiKey: CANARY, clientIdleTimeoutMs: 0 })).toThrow(/clientIdleTimeoutMs must be a positive number/);
    expect(() => createSynthesisProxy({ apiKey: CANARY, bodyTimeoutMs: -1 })).toThrow(/bodyTimeoutMs must be a positive number/);
  });
});

describe('proxy policy: slow clients and slow bodies hold nothing', () => {
  it('terminates the paused upstream of a slow client that leaves, instead of waiting ~30 s for a close handshake nobody reads', async () => {
    const sockets: WebSocket[] = [];
    const flood = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(flood, 'listening');
    flood.on('connection', (socket) => {
      sockets.push(socket);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        const id = message.header.task_id;
        if (message.header.action === 'run-task') socket.send(JSON.stringify({ header: { task_id: id, event: 'task-started', attributes: {} }, payload: {} }));
        // 32 MiB of audio at once: far more than the client reads, so the proxy pauses this socket.
        if (message.header.action === 'continue-task') for (let i = 0; i < 512; i++) socket.send(Buffer.alloc(64 * 1024), { binary: true });
      });
    });
    opened.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of flood.clients) socket.terminate();
          flood.close(() => resolve());
        }),
    });
    const proxy = await startProxy({ upstream: `ws://127.0.0.1:${(flood.address() as AddressInfo).port}`, limits: { maxBufferedBytes: 256 * 1024 } });
    const client = await connect(proxy.url);
    const id = taskId('slow-client');
    client.send(runTask(id));
    await client.waitFor('task-started', id);
    // The client stops reading its socket.
    (client.socket as unknown as { _socket: net.Socket })._socket.pause();
    client.send(continueTask(id, 'Flood me.'));
    // The proxy stopped reading the upstream (paused it): what the upstream queued stops draining.
    let last = -1;
    let steadySince = Date.now();
    await vi.waitFor(
      () => {
        const queued = sockets[0]!.bufferedAmount;
        if (queued !== last) [last, steadySince] = [queued, Date.now()];
        expect(queued).toBeGreaterThan(1024 * 1024);
        expect(Date.now() - steadySince).toBeGreaterThan(500);
      },
      { timeout: 15_000, interval: 50 },
    );
    client.socket.terminate();
    const started = Date.now();
    if (sockets[0]!.readyState !== WebSocket.CLOSED) await once(sockets[0]!, 'close');
    // Generous against a loaded machine, far below the ~30 s of a close handshake on a paused socket.
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('answers a request body dribbled slower than bodyTimeoutMs with 408 and closes, on the proxy and the local server', async () => {
    const proxy = await startProxy({ bodyTimeoutMs: 300 });
    const local = createLocalVoiceServer({ engine: 'tone', port: 0, bodyTimeoutMs: 300 });
    await local.listen();
    opened.push(local);
    for (const [url, path] of [
      [proxy.url, '/api/v1/services/audio/tts/customization'],
      [local.url, '/api/v1/services/audio/tts/customization'],
      [local.url, '/api/v1/tokens'],
    ] as const) {
      const port = Number(new URL(url).port);
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      // The server answers and may reset the connection while the dribble still writes: an error then is
      // expected, the close is what counts.
      socket.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      const dribble = setInterval(() => socket.writable && socket.write(' '), 50);
      const started = Date.now();
      await closed;
      clearInterval(dribble);
      expect(answer, path).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"code":"RequestTimeout"');
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  }, 40_000);
});
