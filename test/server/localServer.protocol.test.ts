import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalVoiceServer, type LocalVoiceServer, type SynthesisEngine } from 'cosyvoice-react/server';
import { RawClient, continueTask, finishTask, runTask, upgradeStatus, type RawFrame } from './helpers';

let server: LocalVoiceServer;
beforeAll(async () => {
  server = createLocalVoiceServer({ engine: 'tone', port: 0 });
  await server.listen();
});
afterAll(() => server.close());

function outputType(frame: RawFrame): string {
  return frame.kind === 'audio' ? 'binary' : frame.json.payload?.output?.type ?? frame.json.header.event;
}

describe('local voice server protocol', () => {
  it('answers a task in the documented order: started, per sentence begin → (synthesis + binary)×k → end, finished', async () => {
    const client = await RawClient.connect(server.url);
    client.send(runTask('order'));
    client.send(continueTask('order', '床前明月光，疑是地上霜。Hello'));
    client.send(finishTask('order'));
    const finished = await client.waitFor('task-finished', 'order');
    const sequence = client.frames.map(outputType);
    expect(sequence[0]).toBe('task-started');
    expect(sequence.at(-1)).toBe('task-finished');
    // every sentence-synthesis is followed by exactly one binary frame, and binary frames only follow it
    sequence.forEach((type, i) => {
      if (type === 'sentence-synthesis') expect(sequence[i + 1]).toBe('binary');
      if (type === 'binary') expect(sequence[i - 1]).toBe('sentence-synthesis');
    });
    const begins = client.events().filter((e) => e.json.payload?.output?.type === 'sentence-begin');
    expect(begins.map((e) => e.json.payload.output.original_text)).toEqual(['床前明月光，', '疑是地上霜。', 'Hello']);
    expect(begins.map((e) => e.json.payload.output.sentence.index)).toEqual([0, 1, 2]);
    const ends = client.events().filter((e) => e.json.payload?.output?.type === 'sentence-end');
    // cumulative billed characters, CJK ideographs count 2
    expect(ends.map((e) => e.json.payload.usage.characters)).toEqual([11, 22, 27]);
    expect(finished.payload.usage.characters).toBe(27);
    expect(finished.header.attributes.request_uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(ends[0]!.json.payload.output.sentence.words).toEqual([]); // no timestamps unless asked
    client.close();
  });

  it('speaks complete sentences before finish-task and holds the unfinished tail until it', async () => {
    const client = await RawClient.connect(server.url);
    client.send(runTask('stream'));
    client.send(continueTask('stream', 'One sentence. And a tai'));
    await client.until((c) => c.events().some((e) => e.json.payload?.output?.type === 'sentence-end'));
    await new Promise((r) => setTimeout(r, 100));
    const begins = () => client.events().filter((e) => e.json.payload?.output?.type === 'sentence-begin').map((e) => e.json.payload.output.original_text);
    expect(begins()).toEqual(['One sentence. ']);
    client.send(continueTask('stream', 'l'));
    client.send({ header: { action: 'continue-task', task_id: 'stream', streaming: 'duplex' }, payload: { input: { flush: true } } });
    await client.until(() => begins().length === 2);
    expect(begins()[1]).toBe('And a tail');
    client.send(finishTask('stream'));
    await client.waitFor('task-finished', 'stream');
    client.close();
  });

  it('runs several tasks one after another on one connection', async () => {
    const client = await RawClient.connect(server.url);
    for (const id of ['a1', 'a2', 'a3']) {
      client.send(runTask(id));
      client.send(continueTask(id, `Task ${id}.`));
      client.send(finishTask(id));
      const finished = await client.waitFor('task-finished', id);
      expect(finished.payload.usage.characters).toBe(`Task ${id}.`.length);
    }
    expect(client.closed).toBeUndefined();
    expect(client.frames.filter((f) => f.kind === 'audio').length).toBeGreaterThan(2);
    client.close();
  });

  it('ignores late frames for the last 64 ended tasks of a connection and forgets older ones (bounded memory)', async () => {
    const client = await RawClient.connect(server.url);
    const ids = Array.from({ length: 70 }, (_, i) => `many-${i}`);
    for (const id of ids) {
      client.send(runTask(id));
      client.send(finishTask(id));
      await client.waitFor('task-finished', id);
    }
    // A late finish-task for a recent task is ignored, as the service does: the connection keeps serving.
    client.send(finishTask('many-69'));
    client.send(finishTask('many-6'));
    client.send(runTask('after-many'));
    await client.waitFor('task-started', 'after-many');
    expect(client.events().some((e) => e.json.header.event === 'task-failed')).toBe(false);
    // The oldest ids were forgotten: a frame for one is now a task the connection does not know.
    client.send(finishTask('many-5'));
    expect((await client.waitFor('task-failed', 'many-5')).header.error_message).toBe('task can not be null');
    client.close();
  });

  it('accepts the SDK quirks: continue-task sent before task-started, extra payload keys, Default/0 format, trailing slash', async () => {
    const client = await RawClient.connect(server.url.replace(/inference$/, 'inference/'));
    const run = runTask('quirks', { format: 'Default', sample_rate: 0, phoneme_timestamp_enabled: false, pre_task_id: 'quirks', style: 0 });
    client.send(run);
    // Java SDK style continue-task: model, task_group, task, function and the full parameters again
    client.send(continueTask('quirks', 'Quirky.', { model: 'cosyvoice-v3-flash', task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', parameters: (run.payload as any).parameters }));
    client.send(finishTask('quirks'));
    await client.waitFor('task-finished', 'quirks');
    const audio = client.frames.filter((f): f is Extract<RawFrame, { kind: 'audio' }> => f.kind === 'audio');
    // mp3 at 22 050 Hz: MPEG-2 Layer III frame headers (0xFFF3 / 0xFFF2)
    expect(audio[0]!.data[0]).toBe(0xff);
    expect(audio[0]!.data[1]! & 0xfe).toBe(0xf2);
    expect((audio[0]!.data[2]! >> 2) & 3).toBe(0); // 22050 in the MPEG-2 table
    client.close();
  });

  it('cancels at once with directive "cancel": task-finished follows, no more audio', async () => {
    const client = await RawClient.connect(server.url);
    client.send(runTask('cancel'));
    client.send(continueTask('cancel', 'A fairly long sentence that takes a while to speak in tones. '.repeat(20)));
    await client.until((c) => c.frames.some((f) => f.kind === 'audio'));
    client.send(finishTask('cancel', { directive: 'cancel' }));
    await client.waitFor('task-finished', 'cancel');
    const count = client.frames.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(client.frames.length).toBe(count);
    expect(client.frames.at(-1)!.kind === 'event' && (client.frames.at(-1) as any).json.header.event).toBe('task-finished');
    // the connection is still usable
    client.send(runTask('after-cancel'));
    await client.waitFor('task-started', 'after-cancel');
    client.close();
  });

  it('accepts Authorization Bearer, lower-case bearer and ?api_key=, and refuses others with 401 when apiKeys is set', async () => {
    const guarded = createLocalVoiceServer({ engine: 'tone', port: 0, apiKeys: ['sk-good'] });
    await guarded.listen();
    try {
      for (const [url, headers] of [
        [guarded.url, { Authorization: 'Bearer sk-good' }],
        [guarded.url, { Authorization: 'bearer sk-good' }],
        [`${guarded.url}?api_key=sk-good`, {}],
        [`${guarded.url}/?api_key=sk-good`, {}],
      ] as const) {
        const client = await RawClient.connect(url, headers);
        client.send(runTask('auth'));
        await client.waitFor('task-started', 'auth');
        client.close();
      }
      for (const [url, headers] of [
        [guarded.url, {}],
        [guarded.url, { Authorization: 'Bearer sk-bad' }],
        [`${guarded.url}?api_key=sk-bad`, {}],
      ] as const) {
        expect(await upgradeStatus(url, headers)).toBe(401);
      }
    } finally {
      await guarded.close();
    }
  });

  it('survives malformed frames: each gets task-failed and a close, and the server keeps serving', async () => {
    for (const frame of ['not json', '[]', '{"header":{}}', '{"header":{"action":"dance","task_id":"x"},"payload":{}}', Buffer.from([1, 2, 3])]) {
      const client = await RawClient.connect(server.url);
      client.socket.send(frame);
      const failed = await client.waitFor('task-failed');
      expect(failed.header.error_code).toBe('InvalidParameter');
      await client.waitClosed();
    }
    const client = await RawClient.connect(server.url);
    client.send(runTask('still-alive'));
    await client.waitFor('task-started', 'still-alive');
    client.close();
  });

  it('rejects upgrades on other paths with 404', async () => {
    expect(await upgradeStatus(server.url.replace('/api-ws/v1/inference', '/elsewhere'))).toBe(404);
  });
});

describe('local voice server streaming', () => {
  it('sends the first audio of a sentence while the engine is still speaking it', async () => {
    let releaseEngine!: () => void;
    const engineHeld = new Promise<void>((resolve) => (releaseEngine = resolve));
    let engineDone = false;
    const heldEngine: SynthesisEngine = {
      name: 'held',
      async synthesize(request, onAudio) {
        onAudio(new Float32Array(request.sampleRate / 10).fill(0.25));
        await engineHeld; // the rest of the sentence only once the test has seen the first frame
        onAudio(new Float32Array(request.sampleRate / 10).fill(0.25));
        engineDone = true;
        return [];
      },
    };
    const held = createLocalVoiceServer({ engine: heldEngine, port: 0 });
    await held.listen();
    try {
      const client = await RawClient.connect(held.url);
      client.send(runTask('held'));
      client.send(continueTask('held', 'One sentence that takes a while.'));
      client.send(finishTask('held'));
      await client.until((c) => c.frames.some((frame) => frame.kind === 'audio'));
      expect(engineDone).toBe(false);
      expect(client.events().map(outputType)).not.toContain('sentence-end');
      releaseEngine();
      await client.waitFor('task-finished', 'held');
      expect(client.frames.filter((frame) => frame.kind === 'audio').length).toBeGreaterThanOrEqual(2);
      client.close();
    } finally {
      releaseEngine();
      await held.close();
    }
  });
});
