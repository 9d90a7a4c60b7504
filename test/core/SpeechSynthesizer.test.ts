import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  AudioFormat,
  SpeechSynthesizer,
  directTransport,
  isSynthesisError,
  proxyTransport,
  type ServerEvent,
  type SynthesisError,
} from 'cosyvoice-react/core';
import { event, happyPath, pcmBytes, startScriptedServer, type ScriptedConnection } from '../utils/scriptedDashScopeServer';

type Server = Awaited<ReturnType<typeof startScriptedServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function synthesizer(url: string, extra: Partial<ConstructorParameters<typeof SpeechSynthesizer>[0]> = {}) {
  return new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: AudioFormat.PCM_24000HZ_MONO_16BIT,
    transport: directTransport({ url, apiKey: 'test-key', WebSocket }), // no cast: ws's class must fit the type
    onWarning: () => undefined,
    ...extra,
  });
}

function recorder() {
  const calls: string[] = [];
  const events: ServerEvent[] = [];
  const data: Uint8Array[] = [];
  let error: SynthesisError | undefined;
  return {
    calls,
    events,
    data,
    get error() {
      return error;
    },
    callback: {
      onOpen: () => calls.push('open'),
      onEvent: (e: ServerEvent) => {
        calls.push(`event:${e.event}`);
        events.push(e);
      },
      onData: (bytes: Uint8Array) => {
        calls.push('data');
        data.push(bytes);
      },
      onComplete: () => calls.push('complete'),
      onError: (e: SynthesisError) => {
        calls.push(`error:${e.code}`);
        error = e;
      },
      onClose: () => calls.push('close'),
    },
  };
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SpeechSynthesizer.call (non-streaming)', () => {
  it('resolves to the complete audio and sends run-task, continue-task and finish-task with one task id', async () => {
    server = await startScriptedServer();
    const synth = synthesizer(server.url);
    const audio = await synth.call('Hello there world');
    expect(audio).toBeInstanceOf(Uint8Array);
    expect(audio!.byteLength).toBe(2 * 2400 * 2); // two 100 ms chunks of 24 kHz PCM16
    const [conn] = server.connections;
    const actions = conn!.messages.map((m) => m.header.action);
    expect(actions).toEqual(['run-task', 'continue-task', 'finish-task']);
    const ids = new Set(conn!.messages.map((m) => m.header.task_id));
    expect(ids.size).toBe(1);
    const taskId = [...ids][0] as string;
    expect(taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(synth.getLastRequestId()).toBe(taskId);
    expect(synth.getRequestUuid()).toBe('req-uuid-1');
    expect(synth.state).toBe('completed');
    expect(conn!.messages[0]!.payload.parameters).toMatchObject({ enable_ssml: true });
    expect(conn!.messages[1]!.payload).toEqual({ input: { text: 'Hello there world' } });
    expect(conn!.messages[2]!.payload).toEqual({ input: {} });
    expect(conn!.request.headers.authorization).toBe('Bearer test-key');
  });

  it('streams to onData with a callback, resolves to null, and calls the callbacks in order', async () => {
    server = await startScriptedServer();
    const rec = recorder();
    const synth = synthesizer(server.url, { callback: rec.callback });
    await expect(synth.call('one two')).resolves.toBeNull();
    await waitFor(() => rec.calls.includes('close'));
    expect(rec.calls[0]).toBe('open');
    expect(rec.calls.filter((c) => c === 'data')).toHaveLength(2);
    expect(rec.calls.indexOf('complete')).toBeGreaterThan(rec.calls.lastIndexOf('data'));
    expect(rec.calls.at(-1)).toBe('close');
    expect(rec.calls.filter((c) => c === 'complete' || c.startsWith('error'))).toEqual(['complete']);
    expect(synth.getResponse()?.event).toBe('task-finished');
  });

  it('measures the first package delay from the start of the stream to the first binary frame', async () => {
    server = await startScriptedServer({
      onMessage(conn, message) {
        const taskId = String(message.header.task_id);
        if (message.header.action === 'run-task') conn.sendEvent(event(taskId, 'task-started'));
        if (message.header.action === 'finish-task') {
          setTimeout(() => {
            conn.sendAudio(pcmBytes(240));
            conn.sendEvent(event(taskId, 'task-finished'));
          }, 120);
        }
      },
    });
    const synth = synthesizer(server.url);
    await synth.call('delayed');
    expect(synth.getFirstPackageDelay()).toBeGreaterThanOrEqual(110);
    expect(synth.getFirstPackageDelay()).toBeLessThan(2000);
  });
});

describe('SpeechSynthesizer streaming (bidirectional)', () => {
  it('queues fragments until task-started, then sends them in order, and completes with all audio', async () => {
    let conn: ScriptedConnection | undefined;
    const happy = happyPath({ chunks: 1 });
    server = await startScriptedServer({
      onMessage(c, message) {
        conn = c;
        if (message.header.action === 'run-task') {
          // Answer late so fragments pile up before task-started.
          setTimeout(() => happy(c, message), 80);
          return;
        }
        happy(c, message);
      },
    });
    const states: string[] = [];
    const synth: SpeechSynthesizer = synthesizer(server.url, {
      wordTimestampEnabled: true,
      callback: {
        onOpen: () => states.push(synth.state),
        onEvent: (e) => states.push(`${e.event}:${synth.state}`),
        onComplete: () => states.push(synth.state),
      },
    });
    synth.streamingCall('Hello ');
    synth.streamingCall('streaming ');
    synth.streamingCall('world.');
    expect(synth.state).toBe('connecting');
    await synth.streamingComplete();
    expect(synth.getAudioDurationMs()).toBeCloseTo(300, 5);
    expect(conn!.messages.map((m) => m.header.action)).toEqual(['run-task', 'continue-task', 'continue-task', 'continue-task', 'finish-task']);
    expect(conn!.messages.slice(1, 4).map((m) => (m.payload.input as { text: string }).text)).toEqual(['Hello ', 'streaming ', 'world.']);
    expect(conn!.messages[0]!.payload.parameters).not.toHaveProperty('enable_ssml');
    // streamingComplete() came before task-started, so the task goes straight to finishing.
    expect(states[0]).toBe('connecting');
    expect(states[1]).toBe('task-started:starting');
    expect(states.length).toBeGreaterThan(4); // the sentence events of three fragments
    expect(states.slice(2, -2).every((state) => state.endsWith(':finishing'))).toBe(true);
    expect(states.slice(-2)).toEqual(['task-finished:finishing', 'completed']);
  });

  it('builds a word timeline with absolute times from sentence-relative word times', async () => {
    server = await startScriptedServer({ onMessage: happyPath({ chunks: 3 }) });
    const synth = synthesizer(server.url, { wordTimestampEnabled: true });
    synth.streamingCall('alpha beta');
    synth.streamingCall('gamma delta');
    await synth.streamingComplete();
    const timeline = synth.getTimeline();
    expect(timeline.words.map((w) => w.text)).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    // Sentence 2 starts after sentence 1's 300 ms of audio.
    expect(timeline.words.map((w) => w.beginMs)).toEqual([0, 100, 300, 400]);
    expect(timeline.words.map((w) => [w.beginIndex, w.endIndex])).toEqual([[0, 5], [6, 10], [10, 15], [16, 21]]);
    expect(timeline.timeBase).toBe('sentence');
    expect(synth.getAudioDurationMs()).toBeCloseTo(600, 5);
  });

  it('keeps word times right when the server sends task-relative times', async () => {
    server = await startScriptedServer({
      onMessage(conn, message) {
        const taskId = String(message.header.task_id);
        const action = message.header.action;
        if (action === 'run-task') conn.sendEvent(event(taskId, 'task-started'));
        if (action === 'finish-task') {
          for (const [index, start] of [[0, 0], [1, 500]] as const) {
            conn.sendEvent(event(taskId, 'result-generated', { output: { type: 'sentence-begin', sentence: { index, words: [] }, original_text: `s${index}` } }));
            conn.sendAudio(pcmBytes(12000)); // 500 ms at 24 kHz
            conn.sendEvent(event(taskId, 'result-generated', {
              output: { type: 'sentence-end', original_text: `s${index}`, sentence: { index, words: [{ text: `s${index}`, begin_index: 0, end_index: 2, begin_time: start + 40, end_time: start + 300 }] } },
            }));
          }
          conn.sendEvent(event(taskId, 'task-finished'));
        }
      },
    });
    const synth = synthesizer(server.url, { wordTimestampEnabled: true });
    synth.streamingCall('s0s1');
    await synth.streamingComplete();
    expect(synth.getTimeline().timeBase).toBe('task');
    expect(synth.getTimeline().words.map((w) => w.beginMs)).toEqual([40, 540]);
  });

  it('sends flush as a continue-task with input.flush', async () => {
    server = await startScriptedServer();
    const synth = synthesizer(server.url);
    synth.streamingCall('part one');
    synth.streamingFlush();
    await synth.streamingComplete();
    const flush = server.connections[0]!.messages.find((m) => (m.payload.input as Record<string, unknown>)?.flush === true);
    expect(flush?.header.action).toBe('continue-task');
  });

  it('refuses SSML, text over the per-message limit and text over the per-task limit without sending it', async () => {
    server = await startScriptedServer();
    const synth = synthesizer(server.url);
    expect(() => synth.streamingCall('<speak>hi</speak>')).toThrow(/SSML is accepted only by call/);
    expect(() => synth.streamingCall('中'.repeat(10_001))).toThrow(/20002 characters.*at most 20000/);
    expect(synth.state).toBe('idle');
    for (let i = 0; i < 10; i++) synth.streamingCall('a'.repeat(20_000));
    let thrown: unknown;
    try {
      synth.streamingCall('b');
    } catch (error) {
      thrown = error;
    }
    expect(isSynthesisError(thrown) && thrown.code).toBe('TextTooLong');
    expect((thrown as Error).message).toMatch(/200001 characters.*at most 200000 are allowed per task/);
    synth.streamingCancel();
    await expect(synth.streamingComplete()).rejects.toMatchObject({ code: 'Cancelled' });
  });

  it('rejects streamingComplete before anything was started', async () => {
    server = await startScriptedServer();
    const synth = synthesizer(server.url);
    await expect(synth.streamingComplete()).rejects.toMatchObject({ code: 'InvalidState' });
  });

  it('runs a second task with a new task id after the first completes', async () => {
    server = await startScriptedServer();
    const synth = synthesizer(server.url);
    await synth.call('first');
    const first = synth.getLastRequestId();
    await synth.call('second');
    expect(synth.getLastRequestId()).not.toBe(first);
    expect(server.connections).toHaveLength(2);
  });
});

describe('SpeechSynthesizer parameters on the wire', () => {
  it('sends every parameter with the wire names and values the Python SDK uses', async () => {
    server = await startScriptedServer();
    const synth = synthesizer(server.url, {
      model: 'cosyvoice-v3-flash',
      voice: 'longanhuan',
      format: AudioFormat.OGG_OPUS_24KHZ_MONO_32KBPS,
      volume: 80,
      speechRate: 1.5,
      pitchRate: 0.8,
      bitRate: 64,
      wordTimestampEnabled: true,
      seed: 42,
      languageHints: ['en'],
      instruction: '你说话的情感是happy。',
      enableAigcTag: true,
      aigcPropagator: 'propagator',
      aigcPropagateId: 'propagate-id',
      hotFix: { pronunciation: [{ 天气: 'tian1 qi4' }], replace: [{ 今天: '金天' }] },
      enableMarkdownFilter: true,
      additionalParams: { custom_field: 'x', volume: 70 },
    });
    synth.streamingCall('hi');
    await synth.streamingComplete();
    const runTask = server.connections[0]!.messages[0]!;
    expect(runTask.header).toMatchObject({ action: 'run-task', streaming: 'duplex' });
    expect(runTask.payload).toMatchObject({ task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', model: 'cosyvoice-v3-flash', input: {} });
    expect(runTask.payload.parameters).toEqual({
      text_type: 'PlainText',
      voice: 'longanhuan',
      format: 'opus',
      sample_rate: 24000,
      volume: 70, // additionalParams override, as the SDK's parameters.update(additional_params)
      rate: 1.5,
      pitch: 0.8,
      seed: 42,
      type: 0,
      bit_rate: 64,
      word_timestamp_enabled: true,
      enable_aigc_tag: true,
      aigc_propagator: 'propagator',
      aigc_propagate_id: 'propagate-id',
      enable_markdown_filter: true,
      custom_field: 'x',
      hot_fix: { pronunciation: [{ 天气: 'tian1 qi4' }], replace: [{ 今天: '金天' }] },
      instruction: '你说话的情感是happy。',
      language_hints: ['en'],
    });
  });

  it('sends format "Default" with sample_rate 0 by default, like the SDK', async () => {
    server = await startScriptedServer();
    const synth = new SpeechSynthesizer({
      model: 'cosyvoice-v2',
      voice: 'longxiaochun_v2',
      transport: directTransport({ url: server.url, apiKey: 'k', WebSocket: WebSocket as never }),
    });
    await synth.call('默认格式');
    expect(server.connections[0]!.messages[0]!.payload.parameters).toEqual({
      text_type: 'PlainText', voice: 'longxiaochun_v2', format: 'Default', sample_rate: 0, volume: 50, rate: 1, pitch: 1, seed: 0, type: 0, enable_ssml: true,
    });
  });

  it('validates before connecting: nothing reaches the server', async () => {
    server = await startScriptedServer();
    const url = server.url;
    const make = (extra: Record<string, unknown>) => () => synthesizer(url, extra as never);
    expect(make({ volume: 101 })).toThrow('volume must be an integer from 0 to 100; received 101');
    expect(make({ speechRate: 3 })).toThrow('speechRate must be a number from 0.5 to 2; received 3');
    expect(make({ pitchRate: 0.1 })).toThrow(/pitchRate must be a number from 0.5 to 2/);
    expect(make({ seed: 70000 })).toThrow(/seed must be an integer from 0 to 65535/);
    expect(make({ bitRate: 64 })).toThrow(/bitRate applies only to opus formats/);
    expect(make({ format: AudioFormat.OGG_OPUS_16KHZ_MONO_16KBPS, bitRate: 600 })).toThrow(/bitRate must be an integer from 6 to 510/);
    expect(make({ instruction: '情'.repeat(51) })).toThrow(/at most 100 characters.*received 102/);
    expect(make({ languageHints: ['xx'] })).toThrow(/languageHints values must be among/);
    expect(make({ model: '' })).toThrow(/model is required/);
    expect(make({ format: { format: 'mp3', sampleRate: 11025, channels: 'mono', bitRate: 0 } })).toThrow(/sampleRate for mp3 must be one of 8000, 16000, 22050, 24000, 44100, 48000; received 11025/);
    expect(make({ aigcPropagator: 'x' })).toThrow(/only used with enableAigcTag: true/);
    const synth = synthesizer(url);
    await expect(synth.call('')).rejects.toMatchObject({ code: 'InvalidOptions', field: 'text' });
    await expect(synth.call('字'.repeat(10_001))).rejects.toMatchObject({ code: 'TextTooLong' });
    await new Promise((r) => setTimeout(r, 50));
    expect(server.connections).toHaveLength(0);
  });

  it('warns (without failing, a moment later) when a system voice belongs to another model', async () => {
    const warnings: string[] = [];
    new SpeechSynthesizer({
      model: 'cosyvoice-v1',
      voice: 'longanyang',
      transport: directTransport({ url: 'ws://127.0.0.1:9/x', apiKey: 'k', WebSocket: WebSocket as never }),
      onWarning: (w) => warnings.push(w),
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(warnings.join('\n')).toMatch(/belongs to cosyvoice-v3-flash, cosyvoice-v3-plus, not cosyvoice-v1.*418/);
  });
});

describe('SpeechSynthesizer failures always settle once', () => {
  it('turns task-failed into a TaskFailedError with the server code and message, and closes', async () => {
    server = await startScriptedServer({
      onMessage(conn, message) {
        const taskId = String(message.header.task_id);
        if (message.header.action === 'run-task') {
          conn.sendEvent({ header: { task_id: taskId, event: 'task-failed', error_code: 'InvalidParameter', error_message: '[tts:]Engine return error code: 418', attributes: {} }, payload: {} });
        }
      },
    });
    const rec = recorder();
    const synth = synthesizer(server.url, { callback: rec.callback });
    const error = await synth.call('x').catch((e: SynthesisError) => e);
    expect(error).toMatchObject({ code: 'TaskFailed', serverCode: 'InvalidParameter', serverMessage: '[tts:]Engine return error code: 418', retryable: false });
    expect(synth.state).toBe('failed');
    await waitFor(() => rec.calls.includes('close'));
    expect(rec.calls.filter((c) => c === 'complete' || c.startsWith('error'))).toEqual(['error:TaskFailed']);
  });

  it('fails with ConnectionClosed when the socket drops mid-audio', async () => {
    server = await startScriptedServer({
      onMessage(conn, message) {
        const taskId = String(message.header.task_id);
        if (message.header.action === 'run-task') conn.sendEvent(event(taskId, 'task-started'));
        if (message.header.action === 'continue-task') {
          conn.sendAudio(pcmBytes(2400));
          setTimeout(() => conn.socket.terminate(), 20);
        }
      },
    });
    const rec = recorder();
    const synth = synthesizer(server.url, { callback: rec.callback });
    synth.streamingCall('drop me');
    const error = await synth.streamingComplete().catch((e: SynthesisError) => e);
    expect(error).toMatchObject({ code: 'ConnectionClosed', retryable: true });
    expect(rec.data).toHaveLength(1);
    expect(rec.calls.filter((c) => c === 'complete' || c.startsWith('error'))).toEqual(['error:ConnectionClosed']);
  });

  it('times out when the server never answers run-task', async () => {
    server = await startScriptedServer({ onMessage: () => undefined });
    const synth = synthesizer(server.url, { startTimeoutMillis: 150 });
    const started = Date.now();
    const error = await synth.call('hello?').catch((e: SynthesisError) => e);
    expect(error).toMatchObject({ code: 'Timeout' });
    expect((error as Error).message).toMatch(/waiting for task started more than 150 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    await waitFor(() => server!.connections[0]!.socket.readyState === WebSocket.CLOSED);
  });

  it('times out connecting to an endpoint that accepts TCP but never upgrades', async () => {
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const synth = synthesizer(`ws://127.0.0.1:${port}/api-ws/v1/inference`, { connectTimeoutMillis: 150 });
      const error = await synth.call('anyone?').catch((e: SynthesisError) => e);
      expect(error).toMatchObject({ code: 'Timeout', retryable: true });
      expect(synth.state).toBe('failed');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('honours the caller timeout of call() and cancels the task', async () => {
    server = await startScriptedServer({
      onMessage(conn, message) {
        if (message.header.action === 'run-task') conn.sendEvent(event(String(message.header.task_id), 'task-started'));
      },
    });
    const synth = synthesizer(server.url);
    const error = await synth.call('slow', { timeoutMillis: 150 }).catch((e: SynthesisError) => e);
    expect(error).toMatchObject({ code: 'Timeout' });
    await waitFor(() => server!.connections[0]!.messages.some((m) => (m.payload.input as Record<string, unknown>)?.directive === 'cancel'));
  });

  it('cancels: sends the cancel directive, drops later audio, settles once with Cancelled', async () => {
    server = await startScriptedServer({
      onMessage(conn, message) {
        const taskId = String(message.header.task_id);
        if (message.header.action === 'run-task') conn.sendEvent(event(taskId, 'task-started'));
        if (message.header.action === 'continue-task') {
          conn.sendAudio(pcmBytes(2400));
          setTimeout(() => conn.sendAudio(pcmBytes(2400)), 100);
        }
      },
    });
    const rec = recorder();
    const synth = synthesizer(server.url, { callback: rec.callback });
    synth.streamingCall('cancel me');
    await waitFor(() => rec.data.length === 1);
    synth.streamingCancel();
    synth.streamingCancel();
    expect(synth.state).toBe('cancelled');
    await expect(synth.streamingComplete()).rejects.toMatchObject({ code: 'Cancelled' });
    await new Promise((r) => setTimeout(r, 150));
    expect(rec.data).toHaveLength(1);
    expect(rec.calls.filter((c) => c === 'complete' || c.startsWith('error'))).toEqual(['error:Cancelled']);
    const last = server.connections[0]!.messages.at(-1)!;
    expect(last.header.action).toBe('finish-task');
    expect(last.payload).toEqual({ input: { directive: 'cancel' } });
  });

  it('cancels while still connecting without leaving a socket open', async () => {
    server = await startScriptedServer();
    const synth = synthesizer(server.url);
    synth.streamingCall('never mind');
    synth.streamingCancel();
    expect(synth.state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 100));
    for (const conn of server.connections) expect(conn.socket.readyState).not.toBe(WebSocket.OPEN);
  });

  it('reports a failing token provider as TokenFailed without connecting', async () => {
    server = await startScriptedServer();
    const synth = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash',
      voice: 'longanyang',
      transport: directTransport({ url: server.url, getToken: async () => { throw new Error('backend down'); }, WebSocket: WebSocket as never }),
    });
    const error = await synth.call('x').catch((e: SynthesisError) => e);
    expect(error).toMatchObject({ code: 'TokenFailed' });
    expect((error as Error).message).toMatch(/backend down/);
    expect(server.connections).toHaveLength(0);
  });

  it('sends a token as ?api_key= and maps HTTP 401 at the upgrade to Unauthorized without leaking the token', async () => {
    server = await startScriptedServer({
      verify: (req) => (new URL(req.url!, 'http://x').searchParams.get('api_key') === 'st-good' ? undefined : 401),
    });
    const good = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash', voice: 'longanyang',
      transport: directTransport({ url: server.url, getToken: () => ({ token: 'st-good', expiresAt: Date.now() + 60_000 }), WebSocket: WebSocket as never }),
    });
    await expect(good.call('ok')).resolves.toBeInstanceOf(Uint8Array);
    const bad = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash', voice: 'longanyang',
      transport: directTransport({ url: server.url, getToken: async () => 'st-secret-canary', WebSocket: WebSocket as never }),
    });
    const error = await bad.call('no').catch((e: SynthesisError) => e);
    expect(error).toMatchObject({ code: 'Unauthorized', retryable: false });
    expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain('st-secret-canary');
  });

  it('refuses an expired token from the provider', async () => {
    server = await startScriptedServer();
    const synth = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash', voice: 'longanyang',
      transport: directTransport({ url: server.url, getToken: () => ({ token: 'st-old', expiresAt: Date.now() - 1 }), WebSocket: WebSocket as never }),
    });
    await expect(synth.call('x')).rejects.toMatchObject({ code: 'TokenFailed', message: expect.stringMatching(/expired/) });
  });

  it('fails with ConnectionFailed when nothing listens', async () => {
    const synth = synthesizer('ws://127.0.0.1:1/api-ws/v1/inference');
    await expect(synth.call('x')).rejects.toMatchObject({ code: 'ConnectionFailed', retryable: true });
  });

  it('survives 1 000 malformed frames and still completes the task', async () => {
    const junk = ['', 'not json', '[]', '{}', '{"header":1}', '{"header":{}}', '{"header":{"event":5}}', '{"header":{"event":"result-generated"},"payload":"x"}',
      '{"header":{"event":"result-generated"},"payload":{"output":{"sentence":{"words":[{"text":1},null,"w"]}}}}', '{"header":{"event":"mystery-event"}}', 'null', '"str"', '{"header":{"event":"task-failed","task_id":"other-task"}}'];
    server = await startScriptedServer({
      onMessage(conn, message) {
        const taskId = String(message.header.task_id);
        if (message.header.action === 'run-task') {
          conn.sendEvent(event(taskId, 'task-started'));
          for (let i = 0; i < 1000; i++) conn.socket.send(junk[i % junk.length]!);
        }
        if (message.header.action === 'finish-task') {
          conn.sendAudio(pcmBytes(100));
          conn.sendEvent(event(taskId, 'task-finished', { output: null, usage: { characters: 3 } }));
        }
      },
    });
    const warnings: string[] = [];
    const synth = synthesizer(server.url, { onWarning: (w) => warnings.push(w) });
    const audio = await synth.call('abc');
    expect(audio!.byteLength).toBe(200);
    expect(synth.getUsageCharacters()).toBe(3);
    expect(warnings.filter((w) => w.startsWith('ignored a malformed server frame')).length).toBeGreaterThan(300);
  });

  it('accepts binary audio arriving before its sentence-synthesis event and usage on any event', async () => {
    server = await startScriptedServer({
      onMessage(conn, message) {
        const taskId = String(message.header.task_id);
        if (message.header.action === 'run-task') conn.sendEvent(event(taskId, 'task-started'));
        if (message.header.action === 'finish-task') {
          conn.sendEvent(event(taskId, 'result-generated', { output: { type: 'sentence-begin', sentence: { index: 0, words: [] }, original_text: 'a' } }));
          conn.sendAudio(pcmBytes(240));
          conn.sendEvent(event(taskId, 'result-generated', { output: { type: 'sentence-synthesis', sentence: { index: 0, words: [] } }, usage: { characters: 1 } }));
          conn.sendEvent(event(taskId, 'result-generated', { output: { sentence: { words: [] } }, usage: { characters: 15 } }));
          conn.sendEvent(event(taskId, 'task-finished', { output: null, usage: { characters: 15 } }));
        }
      },
    });
    const synth = synthesizer(server.url);
    const audio = await synth.call('a');
    expect(audio!.byteLength).toBe(480);
    expect(synth.getUsageCharacters()).toBe(15);
  });

  it('a callback that throws does not break the task', async () => {
    server = await startScriptedServer();
    const warn = vi.fn();
    const synth = synthesizer(server.url, { callback: { onData: () => { throw new Error('consumer bug'); } }, onWarning: warn });
    await expect(synth.call('x y')).resolves.toBeNull();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('callback onData threw: consumer bug'));
  });
});

describe('SpeechSynthesizer in the face of odd input and failing parts', () => {
  it('holds whitespace-only fragments (LLM tokens such as "\\n") and sends them with the next fragment', async () => {
    let conn: ScriptedConnection | undefined;
    const happy = happyPath({ chunks: 1 });
    server = await startScriptedServer({
      onMessage(c, message) {
        conn = c;
        happy(c, message);
      },
    });
    const synth = synthesizer(server.url);
    synth.streamingCall('First line.');
    synth.streamingCall('\n');
    synth.streamingCall(' ');
    synth.streamingCall('Second line.');
    await synth.streamingComplete();
    const texts = conn!.messages.filter((m) => m.header.action === 'continue-task').map((m) => (m.payload.input as { text: string }).text);
    expect(texts).toEqual(['First line.', '\n Second line.']);
    expect(() => synth.streamingCall('')).toThrow(/text must contain text, not only whitespace; received ""/);
  });

  it('a throwing onWarning, hit by a malformed frame, neither escapes the socket handler nor stops the task', async () => {
    server = await startScriptedServer({
      onMessage(c, message) {
        if (message.header.action === 'run-task') c.socket.send('{not json');
        happyPath({ chunks: 1 })(c, message);
      },
    });
    const warnings: string[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const synth = synthesizer(server.url, {
        onWarning: (message) => {
          warnings.push(message);
          throw new Error('a consumer bug in onWarning');
        },
      });
      await expect(synth.call('Still spoken.')).resolves.toBeInstanceOf(Uint8Array);
      expect(warnings.some((message) => message.includes('malformed server frame'))).toBe(true);
      expect(synth.state).toBe('completed');
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('settles with ConnectionFailed, calling onError once, when the transport cannot send run-task', async () => {
    const rec = recorder();
    let closed = 0;
    const synth = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash',
      voice: 'longanyang',
      callback: rec.callback,
      transport: {
        description: 'broken',
        async connect() {
          return {
            send() {
              throw new Error('the socket is not writable');
            },
            close() {
              closed++;
            },
          };
        },
      },
    });
    await expect(synth.call('Hello.', { timeoutMillis: 60_000 })).rejects.toMatchObject({ code: 'ConnectionFailed', message: 'the socket is not writable' });
    expect(synth.state).toBe('failed');
    expect(rec.calls.filter((call) => call.startsWith('error:'))).toEqual(['error:ConnectionFailed']);
    expect(closed).toBe(1);
  });
});

describe('SpeechSynthesizer with a transport that fails to send mid-task', () => {
  it('settles with ConnectionFailed when a later send (finish-task, after task-started) throws', async () => {
    const rec = recorder();
    const synth = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash',
      voice: 'longanyang',
      callback: rec.callback,
      transport: {
        description: 'fails at finish-task',
        async connect(handlers) {
          return {
            send(text: string) {
              const message = JSON.parse(text) as { header: { action: string; task_id: string } };
              if (message.header.action === 'finish-task') throw new Error('the socket broke at finish-task');
              if (message.header.action === 'run-task') {
                setTimeout(() => handlers.onMessage(JSON.stringify({ header: { event: 'task-started', task_id: message.header.task_id, attributes: {} }, payload: {} })), 0);
              }
            },
            close() {},
          };
        },
      },
    });
    await expect(synth.call('Hello.')).rejects.toMatchObject({ code: 'ConnectionFailed', message: 'the socket broke at finish-task' });
    expect(synth.state).toBe('failed');
    expect(rec.calls.filter((call) => call.startsWith('error:'))).toEqual(['error:ConnectionFailed']);
  });

  it('a cancel whose send throws still settles as cancelled', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const synth = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash',
      voice: 'longanyang',
      transport: {
        description: 'fails at cancel',
        async connect(handlers) {
          return {
            send(text: string) {
              const message = JSON.parse(text) as { header: { action: string; task_id: string }; payload: { input?: { directive?: string } } };
              if (message.header.action === 'run-task') {
                setTimeout(() => {
                  handlers.onMessage(JSON.stringify({ header: { event: 'task-started', task_id: message.header.task_id, attributes: {} }, payload: {} }));
                  started();
                }, 0);
              }
              if (message.header.action === 'finish-task' || message.payload.input?.directive === 'cancel') throw new Error('gone');
            },
            close() {},
          };
        },
      },
    });
    synth.streamingCall('Some text.');
    await running;
    const done = synth.streamingComplete({ timeoutMillis: 60_000 }).catch((error: SynthesisError) => error);
    synth.streamingCancel();
    await expect(done).resolves.toMatchObject({ code: 'Cancelled' });
    expect(synth.state).toBe('cancelled');
  });
});

describe('proxyTransport', () => {
  it('connects to the app endpoint with its extra params and no credential of its own', async () => {
    server = await startScriptedServer();
    const synth = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_16000HZ_MONO_16BIT,
      transport: proxyTransport({ url: server.url.replace('ws://', 'http://'), params: { session: 'abc' }, WebSocket: WebSocket as never }),
    });
    await synth.call('through the proxy');
    const request = server.connections[0]!.request;
    expect(request.url).toBe('/api-ws/v1/inference?session=abc');
    expect(request.headers.authorization).toBeUndefined();
  });
});

describe('a transport that ignores its abort signal', () => {
  it('still times out connecting, and a socket that opens later is closed at once', async () => {
    let close = 0;
    let resolveConnect: ((socket: { send(): void; close(): void }) => void) | undefined;
    const synth = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash',
      voice: 'longanyang',
      connectTimeoutMillis: 100,
      transport: {
        description: 'stubborn',
        connect: () => new Promise((resolve) => (resolveConnect = resolve as never)),
      },
    });
    await expect(synth.call('x')).rejects.toMatchObject({ code: 'Timeout' });
    resolveConnect!({ send() {}, close: () => close++ });
    await new Promise((r) => setTimeout(r, 10));
    expect(close).toBe(1);
  });
});
