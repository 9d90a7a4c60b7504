import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, SpeechSynthesizer, proxyTransport } from 'cosyvoice-react/core';
import { createLocalVoiceServer, createMemoryStore, createSynthesisProxy, type LocalVoiceServer, type SynthesisProxy, type SynthesisProxyOptions } from 'cosyvoice-react/server';
import { RawClient, concat, continueTask, finishTask, runTask, taskId, type RawFrame } from './helpers';
import { TimerLedger } from './timerLedger';
import { UpstreamTap } from './upstreamTap';

const KEY = 'sk-CACHE-2b8f0e4d6a';
const OTHER_KEY = 'sk-CACHE-OTHER-9c1a';
const ARTICLE = 'The cache keeps what was said. Saying it again costs nothing. 再说一遍也不花钱。';

let upstream: LocalVoiceServer;
let tap: UpstreamTap;
const proxies: SynthesisProxy[] = [];
const clients: RawClient[] = [];
const logs: string[] = [];
const timers = new TimerLedger().start();

beforeAll(async () => {
  upstream = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: [KEY, OTHER_KEY] });
  await upstream.listen();
  tap = await UpstreamTap.start(upstream.url);
});
afterAll(async () => {
  timers.stop();
  await tap.close();
  await upstream.close();
  expect(logs.join('\n')).not.toContain(KEY);
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
  tap.runTasks = 0;
  tap.connections = 0;
  await vi.waitFor(() => expect(timers.pending()).toEqual([]));
});

async function start(options: Partial<SynthesisProxyOptions> = {}): Promise<SynthesisProxy> {
  const proxy = createSynthesisProxy({ apiKey: KEY, upstream: tap.url, port: 0, cache: true, log: (line) => logs.push(line), limits: { maxTasksPerMinute: 1000, maxConnections: 100 }, ...options });
  proxies.push(proxy);
  await proxy.listen();
  return proxy;
}

async function connect(proxy: SynthesisProxy): Promise<RawClient> {
  const client = await RawClient.connect(proxy.url);
  clients.push(client);
  return client;
}

/** The frames of one task, from its task-started (exclusive) to its end (inclusive). */
function taskFrames(client: RawClient, id: string): RawFrame[] {
  const out: RawFrame[] = [];
  let current = '';
  for (const frame of client.frames) {
    if (frame.kind === 'event') current = frame.json.header.task_id;
    if (current === id && !(frame.kind === 'event' && frame.json.header.event === 'task-started')) out.push(frame);
  }
  return out;
}

function audioOf(frames: RawFrame[]): Uint8Array {
  return concat(frames.filter((f): f is Extract<RawFrame, { kind: 'audio' }> => f.kind === 'audio').map((f) => f.data));
}

/** As `speak` sends a task: run-task, then at task-started the whole text and finish-task at once. */
async function speak(client: RawClient, label: string, text: string, parameters: Record<string, unknown> = {}): Promise<{ finished: Record<string, any>; frames: RawFrame[] }> {
  const id = taskId(label);
  client.send(runTask(id, parameters));
  await client.waitFor('task-started', id);
  client.send(continueTask(id, text));
  client.send(finishTask(id));
  const finished = await Promise.race([client.waitFor('task-finished', id), client.waitFor('task-failed', id)]);
  return { finished, frames: taskFrames(client, id) };
}

describe('synthesis cache (memory store)', () => {
  it('answers a repeated whole text from the cache: same events and audio, this task’s id, a fresh request id, 0 characters billed, no upstream task', async () => {
    const proxy = await start();
    const first = await connect(proxy);
    const miss = await speak(first, 'miss-1', ARTICLE, { word_timestamp_enabled: true });
    expect(miss.finished.header.event).toBe('task-finished');
    expect(miss.finished.payload.usage.characters).toBeGreaterThan(0);
    expect(tap.runTasks).toBe(1);

    const second = await connect(proxy);
    const hit = await speak(second, 'hit-1', ARTICLE, { word_timestamp_enabled: true });
    expect(tap.runTasks).toBe(1);
    expect(hit.finished.header.event).toBe('task-finished');
    expect(hit.finished.payload.usage.characters).toBe(0);
    expect(hit.finished.header.attributes.cache_hit).toBe(true);
    expect(hit.finished.header.attributes.request_uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(hit.finished.header.attributes.request_uuid).not.toBe(miss.finished.header.attributes.request_uuid);
    // The same frames in the same order: every event as the original (bar ids and usage), every audio byte.
    expect(hit.frames.map((f) => (f.kind === 'audio' ? 'audio' : f.json.payload?.output?.type ?? f.json.header.event))).toEqual(
      miss.frames.map((f) => (f.kind === 'audio' ? 'audio' : f.json.payload?.output?.type ?? f.json.header.event)),
    );
    expect(Buffer.from(audioOf(hit.frames)).equals(Buffer.from(audioOf(miss.frames)))).toBe(true);
    const words = (frames: RawFrame[]) => frames.flatMap((f) => (f.kind === 'event' ? (f.json.payload?.output?.sentence?.words ?? []) : []));
    expect(words(hit.frames)).toEqual(words(miss.frames));
    expect(words(hit.frames).length).toBeGreaterThan(3);
    // No frame of the answer carries the first client's task id or request id.
    const answer = JSON.stringify(second.events().map((e) => e.json));
    expect(answer).not.toContain(taskId('miss-1'));
    expect(answer).not.toContain(miss.finished.header.attributes.request_uuid);
    for (const event of hit.frames) if (event.kind === 'event') expect(event.json.header.task_id).toBe(taskId('hit-1'));
    for (const event of hit.frames) if (event.kind === 'event' && event.json.payload?.usage) expect(event.json.payload.usage.characters).toBe(0);
  });

  it('serves the SDK: a second call() of the same text returns the same audio and words without an upstream task', async () => {
    const proxy = await start();
    const make = () => new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.MP3_22050HZ_MONO_256KBPS, wordTimestampEnabled: true, transport: proxyTransport({ url: proxy.url, WebSocket: WebSocket as never }) });
    const a = make();
    const audioA = await a.call('Cached through the SDK.');
    const b = make();
    const audioB = await b.call('Cached through the SDK.');
    expect(tap.runTasks).toBe(1);
    expect(Buffer.from(audioB!).equals(Buffer.from(audioA!))).toBe(true);
    expect(b.getTimeline().words.map((w) => w.text)).toEqual(a.getTimeline().words.map((w) => w.text));
    expect(b.getRequestUuid()).not.toBe(a.getRequestUuid());
    expect(b.getUsageCharacters()).toBe(0);
    expect(a.getUsageCharacters()).toBeGreaterThan(0);
  });

  it('misses on anything that changes the audio: voice, format, rate, seed, instruction, text', async () => {
    const proxy = await start();
    const client = await connect(proxy);
    await speak(client, 'base', 'Vary me.');
    const variants: Array<[string, Record<string, unknown>, string]> = [
      ['v-voice', { voice: 'longanhuan' }, 'Vary me.'],
      ['v-format', { format: 'mp3' }, 'Vary me.'],
      ['v-rate', { rate: 1.5 }, 'Vary me.'],
      ['v-seed', { seed: 7 }, 'Vary me.'],
      ['v-ts', { word_timestamp_enabled: true }, 'Vary me.'],
      ['v-text', {}, 'Vary me!'],
    ];
    for (const [label, parameters, text] of variants) expect((await speak(client, label, text, parameters)).finished.header.event).toBe('task-finished');
    expect(tap.runTasks).toBe(1 + variants.length);
    // and each of them is now a hit
    for (const [label, parameters, text] of variants) expect((await speak(client, `${label}-2`, text, parameters)).finished.payload.usage.characters).toBe(0);
    expect(tap.runTasks).toBe(1 + variants.length);
  });

  it('never caches streamed text, and a stream whose first fragment matches an entry is synthesized whole upstream', async () => {
    const proxy = await start();
    const client = await connect(proxy);
    await speak(client, 'frag', 'Hello there.');
    expect(tap.runTasks).toBe(1);
    const id = taskId('stream-1');
    client.send(runTask(id));
    await client.waitFor('task-started', id);
    client.send(continueTask(id, 'Hello there.'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    client.send(continueTask(id, ' And more text.'));
    client.send(finishTask(id));
    const finished = await client.waitFor('task-finished', id);
    expect(finished.payload.usage.characters).toBe('Hello there. And more text.'.length);
    expect(tap.runTasks).toBe(2);
    // A streamed task (two fragments) is not stored: the same stream again goes upstream again.
    const again = taskId('stream-2');
    client.send(runTask(again));
    await client.waitFor('task-started', again);
    client.send(continueTask(again, 'Streamed, '));
    client.send(continueTask(again, 'not cached.'));
    client.send(finishTask(again));
    await client.waitFor('task-finished', again);
    const third = taskId('stream-3');
    client.send(runTask(third));
    await client.waitFor('task-started', third);
    client.send(continueTask(third, 'Streamed, '));
    client.send(continueTask(third, 'not cached.'));
    client.send(finishTask(third));
    expect((await client.waitFor('task-finished', third)).payload.usage.characters).toBeGreaterThan(0);
    expect(tap.runTasks).toBe(4);
  });

  it('a matching text whose finish-task comes later than wholeTextWaitMs is synthesized upstream (and still correct)', async () => {
    const proxy = await start({ cache: { wholeTextWaitMs: 50 } });
    const client = await connect(proxy);
    await speak(client, 'late-0', 'Wait for it.');
    const id = taskId('late-1');
    client.send(runTask(id));
    await client.waitFor('task-started', id);
    client.send(continueTask(id, 'Wait for it.'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.send(finishTask(id));
    const finished = await client.waitFor('task-finished', id);
    expect(finished.payload.usage.characters).toBe('Wait for it.'.length);
    expect(tap.runTasks).toBe(2);
  });

  it('does not store cancelled tasks, tasks over maxEntryBytes, or tasks with an AIGC mark (it embeds the request id)', async () => {
    const proxy = await start({ cache: { maxEntryBytes: 64 * 1024 } });
    const client = await connect(proxy);
    const long = 'A sentence long enough to pass sixty-four kilobytes of audio once spoken. '.repeat(4);
    await speak(client, 'big-1', long);
    await speak(client, 'big-2', long);
    expect(tap.runTasks).toBe(2);
    await speak(client, 'aigc-1', 'Marked.', { enable_aigc_tag: true });
    await speak(client, 'aigc-2', 'Marked.', { enable_aigc_tag: true });
    expect(tap.runTasks).toBe(4);
    const id = taskId('cancel-1');
    client.send(runTask(id));
    await client.waitFor('task-started', id);
    client.send(continueTask(id, 'Cancelled.'));
    client.send(finishTask(id, { directive: 'cancel' }));
    await client.waitFor('task-finished', id);
    await speak(client, 'cancel-2', 'Cancelled.');
    expect(tap.runTasks).toBe(6);
  });

  it('never mixes accounts: proxies with different keys sharing one store do not share entries', async () => {
    const store = createMemoryStore();
    const mine = await start({ store });
    const theirs = await start({ store, apiKey: OTHER_KEY });
    await speak(await connect(mine), 'acct-1', 'Private words.');
    await speak(await connect(theirs), 'acct-2', 'Private words.');
    expect(tap.runTasks).toBe(2);
    // Same key, same store: a hit.
    const again = await start({ store });
    expect((await speak(await connect(again), 'acct-3', 'Private words.')).finished.payload.usage.characters).toBe(0);
    expect(tap.runTasks).toBe(2);
  });

  it('a cacheable task that never gets text never reaches the upstream, and closing the client releases it', async () => {
    const proxy = await start();
    const client = await connect(proxy);
    const id = taskId('wait-1');
    client.send(runTask(id));
    await client.waitFor('task-started', id);
    client.close();
    await vi.waitFor(() => expect(tap.open.size).toBe(0));
    expect(tap.runTasks).toBe(0);
  });
});
