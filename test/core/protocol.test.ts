import { describe, expect, it } from 'vitest';
import { ProtocolError } from 'cosyvoice-react/core';
import { buildCancelTask, buildContinueTask, buildFinishTask, buildFlush, buildRunTask, createTaskId, parseServerFrame } from '../../src/core/protocol';

describe('client message builders', () => {
  it('build the documented run-task, continue-task, finish-task, flush and cancel', () => {
    const parameters = { text_type: 'PlainText' as const, voice: 'longanyang', format: 'mp3', sample_rate: 22050 };
    expect(buildRunTask('t1', 'cosyvoice-v3-flash', parameters)).toEqual({
      header: { action: 'run-task', task_id: 't1', streaming: 'duplex' },
      payload: { task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', model: 'cosyvoice-v3-flash', parameters, input: {} },
    });
    expect(buildContinueTask('t1', '床前明月光')).toEqual({ header: { action: 'continue-task', task_id: 't1', streaming: 'duplex' }, payload: { input: { text: '床前明月光' } } });
    expect(buildFinishTask('t1')).toEqual({ header: { action: 'finish-task', task_id: 't1', streaming: 'duplex' }, payload: { input: {} } });
    expect(buildFlush('t1').payload).toEqual({ input: { flush: true } });
    expect(buildCancelTask('t1')).toEqual({ header: { action: 'finish-task', task_id: 't1', streaming: 'duplex' }, payload: { input: { directive: 'cancel' } } });
  });

  it('makes distinct 32-hex task ids', () => {
    const ids = new Set(Array.from({ length: 200 }, createTaskId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('parseServerFrame', () => {
  it('parses every documented event', () => {
    const started = parseServerFrame('{"header":{"task_id":"t","event":"task-started","attributes":{}},"payload":{}}');
    expect(started).toMatchObject({ kind: 'event', event: { event: 'task-started', taskId: 't', usage: undefined } });

    const end = parseServerFrame(JSON.stringify({
      header: { task_id: 't', event: 'result-generated', attributes: {} },
      payload: {
        output: { sentence: { index: 0, words: [{ text: '床', begin_index: 0, end_index: 1, begin_time: 0, end_time: 263 }] }, type: 'sentence-end', original_text: '床前明月光，' },
        usage: { characters: 6 },
      },
    }));
    expect(end).toMatchObject({
      kind: 'event',
      event: { event: 'result-generated', type: 'sentence-end', sentenceIndex: 0, originalText: '床前明月光，', usage: { characters: 6 }, words: [{ text: '床', beginIndex: 0, endIndex: 1, beginTime: 0, endTime: 263 }] },
    });

    const finished = parseServerFrame('{"header":{"task_id":"t","event":"task-finished","attributes":{"request_uuid":"u-1"}},"payload":{"output":null,"usage":{"characters":13}}}');
    expect(finished).toMatchObject({ kind: 'event', event: { event: 'task-finished', requestUuid: 'u-1', usage: { characters: 13 } } });

    const failed = parseServerFrame('{"header":{"task_id":"t","event":"task-failed","error_code":"InvalidParameter","error_message":"[tts:]Engine return error code: 418","attributes":{}},"payload":{}}');
    expect(failed).toMatchObject({ kind: 'event', event: { event: 'task-failed', errorCode: 'InvalidParameter', errorMessage: '[tts:]Engine return error code: 418' } });
  });

  it('tolerates an older result-generated without type, output null, and unknown events', () => {
    const old = parseServerFrame('{"header":{"task_id":"x","event":"result-generated","attributes":{}},"payload":{"output":{"sentence":{"words":[]}},"usage":{"characters":15}}}');
    expect(old).toMatchObject({ kind: 'event', event: { type: undefined, sentenceIndex: undefined, usage: { characters: 15 } } });
    const nullOutput = parseServerFrame('{"header":{"event":"result-generated"},"payload":{"output":null}}');
    expect(nullOutput).toMatchObject({ kind: 'event', event: { event: 'result-generated', words: [], taskId: '' } });
    expect(parseServerFrame('{"header":{"event":"brand-new"}}')).toMatchObject({ kind: 'event', event: { event: 'unknown', name: 'brand-new' } });
  });

  it('classifies binary frames as audio, whatever their view type', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    expect(parseServerFrame(bytes)).toEqual({ kind: 'audio', data: bytes });
    expect(parseServerFrame(bytes.buffer)).toMatchObject({ kind: 'audio', data: new Uint8Array([1, 2, 3, 4]) });
    const view = parseServerFrame(new DataView(bytes.buffer, 1, 2));
    expect(view).toMatchObject({ kind: 'audio', data: new Uint8Array([2, 3]) });
  });

  it('turns malformed frames into ProtocolErrors and drops malformed words', () => {
    for (const bad of ['', 'nope', '[1]', '{"header":null}', '{"payload":{}}', '{"header":{"event":1}}', '{"header":{"event":"task-started"},"payload":[]}']) {
      const frame = parseServerFrame(bad);
      expect(frame.kind).toBe('invalid');
      if (frame.kind === 'invalid') expect(frame.error).toBeInstanceOf(ProtocolError);
    }
    expect(parseServerFrame(42).kind).toBe('invalid');
    const words = parseServerFrame('{"header":{"event":"result-generated"},"payload":{"output":{"type":"sentence-end","sentence":{"index":-3,"words":[{"text":"a","begin_time":0,"end_time":5},{"text":2},{"begin_time":1},"x"]}}}}');
    expect(words).toMatchObject({ kind: 'event', event: { sentenceIndex: undefined, words: [{ text: 'a', beginIndex: -1, endIndex: -1, beginTime: 0, endTime: 5 }] } });
  });

  it('never throws on random input', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pieces = ['{', '}', '"header"', ':', '"event"', '"task-failed"', ',', '[', ']', 'null', '1', '"payload"', '"output"', '"words"'];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(rand() * 20) }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
      expect(() => parseServerFrame(text)).not.toThrow();
    }
  });
});
