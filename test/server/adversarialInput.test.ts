// Untrusted input is parsed in linear time: 1 MiB inputs built to make backtracking regular expressions
// and nested scans blow up (unclosed tags, runs of `<`, unclosed comments, runs of slashes, deep nesting,
// a tag of a million attributes, a hot_fix of a thousand overlapping keys) go through countCharacters,
// the proxy and the local server. Each must finish well inside a generous bound: the quadratic code took
// minutes on them (the proxy blocked its event loop ~30 s for one 256 KiB frame). The bound is a ceiling
// for a loaded machine, not a speed target (speed is measured in bench/).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { countCharacters } from 'cosyvoice-react/core';
import { createLocalVoiceServer, createSynthesisProxy, type LocalVoiceServer, type SynthesisProxy } from 'cosyvoice-react/server';
import { requestPath } from '../../src/server/httpJson';
import { RawClient, continueTask, finishTask, runTask, taskId } from './helpers';

const MiB = 1 << 20;
/** Seconds where the quadratic code needed minutes; generous for a machine that is busy elsewhere. */
const BOUND_MS = 15_000;
const KEY = 'sk-adversarial-3e9d1c';

/** Runs `work` and checks it finished inside the bound. */
async function bounded<T>(what: string, work: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  const elapsed = performance.now() - started;
  expect(elapsed, `${what} took ${Math.round(elapsed)} ms`).toBeLessThan(BOUND_MS);
  return result;
}

describe('countCharacters on 1 MiB of adversarial SSML', () => {
  const cases: Array<[string, string, number]> = [
    ['a run of "<"', `<speak>${'<'.repeat(MiB)}`, MiB], // no ">" after them: they are text
    ['unclosed comments', `<speak>${'<!--'.repeat(MiB / 4)}`, MiB],
    ['unclosed tags with unclosed attribute values', `<speak>${'<a b="'.repeat(MiB / 6)}`, 6 * Math.floor(MiB / 6)],
    ['one tag with a million attributes', `<speak><break ${'time="1" '.repeat(MiB / 9)}/>Hi.</speak>`, 3],
    ['closed comments and tags, a hundred thousand of each', `<speak>${'<!---->x<b>'.repeat(MiB / 11)}</speak>`, Math.floor(MiB / 11)],
  ];
  it.each(cases)('%s', async (name, text, expected) => {
    expect(await bounded(name, () => countCharacters(text))).toBe(expected);
    // Declared plain, every character counts.
    expect(await bounded(`${name} as plain text`, () => countCharacters(text, { ssml: false }))).toBe(text.length);
  });
});

describe('URL paths with a megabyte of slashes', () => {
  let app: http.Server;
  let proxy: SynthesisProxy;
  let local: LocalVoiceServer;
  let base: string;
  beforeAll(async () => {
    // Node's default header limit (16 KiB) would refuse these URLs before our code saw them; a host app
    // may raise it, so the path handling itself must be linear.
    app = http.createServer({ maxHeaderSize: 4 * MiB });
    proxy = createSynthesisProxy({ apiKey: KEY, server: app, upstream: 'ws://127.0.0.1:9' });
    // The local server's HTTP routes behind the proxy's (its own server is never started).
    local = createLocalVoiceServer({ engine: 'tone' });
    app.on('request', (request, response) => proxy.middleware(request, response, () => local.middleware(request, response, () => response.writeHead(200).end('app'))));
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    base = `127.0.0.1:${(app.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await proxy.close();
    await local.close();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  });

  it('requestPath trims a run of trailing slashes in linear time', async () => {
    expect(await bounded('requestPath', () => requestPath(`/api/v1/tokens${'/'.repeat(MiB)}`))).toBe('/api/v1/tokens');
    expect(await bounded('requestPath', () => requestPath(`/a${'/'.repeat(MiB)}x`))).toBe(`/a${'/'.repeat(MiB)}x`);
    expect(requestPath('/'.repeat(MiB))).toBe('/');
  });

  it('the middleware and the upgrade route such a URL at once', async () => {
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port: Number(base.split(':')[1]), path, method: 'GET', maxHeaderSize: 4 * MiB }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
        request.end();
      });
    expect(await bounded('a page behind the middleware', () => get(`/${'/'.repeat(MiB)}page`))).toEqual({ status: 200, body: 'app' });
    expect((await bounded('the token path with trailing slashes', () => get(`/api/v1/tokens${'/'.repeat(MiB)}`))).status).toBe(405);
    const socket = new WebSocket(`ws://${base}/api-ws/v1/inference${'/'.repeat(MiB)}`, { maxPayload: 1024 });
    await bounded('an upgrade', () => once(socket, 'open'));
    socket.terminate();
  }, 60_000);
});

describe('the proxy on 1 MiB frames', () => {
  let upstream: LocalVoiceServer;
  let proxy: SynthesisProxy;
  beforeAll(async () => {
    upstream = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: [KEY] });
    await upstream.listen();
    proxy = createSynthesisProxy({ apiKey: KEY, upstream: upstream.url, port: 0, limits: { maxFrameBytes: 2 * MiB } });
    await proxy.listen();
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  /** Sends frames, times the answer to the last one, and returns the task-failed header. */
  async function refusedWithin(name: string, frames: unknown[], waitForStart = true): Promise<Record<string, string>> {
    const client = await RawClient.connect(proxy.url);
    try {
      const [first, ...rest] = frames;
      client.send(first);
      if (waitForStart && rest.length > 0) await client.waitFor('task-started');
      return await bounded(name, async () => {
        for (const frame of rest) client.send(frame);
        return (await client.waitFor('task-failed', undefined, BOUND_MS)).header;
      });
    } finally {
      client.close();
    }
  }

  it.each([
    ['a run of "<" after <speak> (no SSML)', {}, `<speak>${'<'.repeat(MiB)}`],
    ['unclosed comments (SSML enabled)', { enable_ssml: true }, `<speak>${'<!--'.repeat(MiB / 4)}`],
    ['unclosed tags (SSML enabled)', { enable_ssml: true }, `<speak>${'<a b="'.repeat(MiB / 6)}`],
  ])('%s: counted at once and refused', async (name, parameters, text) => {
    const id = taskId('adv-text');
    const header = await refusedWithin(name, [runTask(id, parameters), continueTask(id, text)]);
    expect(header.error_message).toMatch(/^Text request limit violated, at most 20000 characters per request \(received \d+\)\.$/);
  });

  it('an instruction of a megabyte of tags is counted as the text it is and refused, before the rate limit', async () => {
    const header = await refusedWithin('instruction', [runTask(taskId('adv-instr'), { instruction: `<speak>${'<a>'.repeat(MiB / 3)}</speak>` })]);
    expect(header.error_message).toMatch(/^instruction may have at most 100 characters/);
  });

  it('a frame nested a million levels deep is refused without parsing it', async () => {
    const deep = `{"header":{"action":"run-task","task_id":"${taskId('adv-deep')}"},"payload":{"parameters":${'['.repeat(MiB / 2)}${']'.repeat(MiB / 2)}}}`;
    const header = await refusedWithin('deep nesting', [deep]);
    expect(header).toMatchObject({ error_code: 'InvalidParameter', error_message: 'Invalid payload data' });
  });
});

describe('the local server on 1 MiB frames', () => {
  let server: LocalVoiceServer;
  beforeAll(async () => {
    server = createLocalVoiceServer({ engine: 'tone', port: 0, maxFrameBytes: 2 * MiB });
    await server.listen();
  });
  afterAll(() => server.close());

  /** Speaks one SSML or plain message, timing the task from the text to task-finished. */
  async function spoken(name: string, text: string, parameters: Record<string, unknown> = {}): Promise<{ characters: number; words: string[] }> {
    const client = await RawClient.connect(server.url);
    try {
      const id = taskId('adv-local');
      client.send(runTask(id, { word_timestamp_enabled: true, ...parameters }));
      await client.waitFor('task-started', id);
      const finished = await bounded(name, async () => {
        client.send(continueTask(id, text));
        client.send(finishTask(id));
        return client.waitFor('task-finished', id, BOUND_MS);
      });
      const words = client.events().flatMap((e) => (e.json.payload?.output?.type === 'sentence-end' ? e.json.payload.output.sentence.words.map((w: { text: string }) => w.text) : []));
      return { characters: finished.payload.usage.characters, words };
    } finally {
      client.close();
    }
  }

  it('parses SSML of a megabyte in one pass: a tag of a million attributes, a million tags, a time padded with a megabyte of spaces', async () => {
    expect(await spoken('many attributes', `<speak><break ${'time="1" '.repeat(MiB / 9)}/>Hello there.</speak>`, { enable_ssml: true })).toEqual({ characters: 12, words: ['Hello', 'there'] });
    expect(await spoken('many tags', `<speak>${'<b>'.repeat(MiB / 3)}Hello there.</speak>`, { enable_ssml: true })).toEqual({ characters: 12, words: ['Hello', 'there'] });
    expect(await spoken('padded time', `<speak>Hello<break time="1${' '.repeat(MiB)}x"/> there.</speak>`, { enable_ssml: true })).toEqual({ characters: 12, words: ['Hello', 'there'] });
    expect(await spoken('unclosed quotes', `<speak>Hello<break time="${'time="'.repeat(MiB / 6)}/> there.</speak>`, { enable_ssml: true })).toEqual({ characters: 12, words: ['Hello', 'there'] });
  }, 60_000);

  it('applies a hot_fix of a thousand overlapping keys to 20 000 characters in linear time', async () => {
    // Keys "ab", "aab", … "a…ab" never match "aaaa…": the old scan tried every key at every position.
    const replace = Array.from({ length: 1400 }, (_, k) => ({ [`${'a'.repeat(k + 1)}b`]: 'x' }));
    replace.push({ 'a.': 'Done.' });
    const result = await spoken('hot_fix', `${'a'.repeat(19_998)}a.`, { hot_fix: { replace } });
    expect(result.characters).toBe(20_000);
    expect(result.words).toHaveLength(1);
  }, 60_000);

  it('refuses a request body nested a million levels deep without parsing it', async () => {
    const body = `{"model":"voice-enrollment","input":${'['.repeat(MiB / 4)}${']'.repeat(MiB / 4)}}`;
    const response = await bounded('deep body', () => fetch(`${server.httpUrl}/services/audio/tts/customization`, { method: 'POST', body }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'InvalidParameter', message: 'Request body nests deeper than 32 levels' });
  });
});
