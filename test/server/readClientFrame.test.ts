// The client-frame validator the local server and the proxy share, and the small pieces around it:
// the service's error for each malformed frame, the re-serialised frame, the task text rules, task id
// shapes, log quoting and the nesting pre-check.
import { describe, expect, it } from 'vitest';
import { isProtocolTaskId } from '../../src/server/isProtocolTaskId';
import { jsonNestsWithin } from '../../src/server/jsonNestsWithin';
import { quoteForLog } from '../../src/server/quoteForLog';
import { DOCUMENTED_PARAMETERS, SDK_PARAMETERS, readClientFrame, writeClientFrame, type ClientFrame } from '../../src/server/readClientFrame';
import { RelayPolicy } from '../../src/server/RelayPolicy';
import { TaskTextBudget } from '../../src/server/TaskTextBudget';
import { continueTask, finishTask, runTask, taskId } from './helpers';

const ID = taskId('frame');
const read = (message: unknown) => readClientFrame(typeof message === 'string' ? message : JSON.stringify(message));
const frameOf = (message: unknown): ClientFrame => {
  const result = read(message);
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  return result.frame;
};

describe('readClientFrame', () => {
  it('reads the three actions, flush and cancel as data', () => {
    const run = frameOf(runTask(ID, { word_timestamp_enabled: true }));
    expect(run).toMatchObject({ action: 'run-task', taskId: ID, run: { model: 'cosyvoice-v3-flash', parameters: { voice: 'longanyang', format: 'pcm', sampleRate: 16000, wordTimestampEnabled: true } } });
    expect(frameOf(continueTask(ID, 'Hello.'))).toEqual({ action: 'continue-task', taskId: ID, text: 'Hello.' });
    expect(frameOf({ header: { action: 'continue-task', task_id: ID }, payload: { input: { flush: true } } })).toEqual({ action: 'flush', taskId: ID });
    expect(frameOf(finishTask(ID))).toEqual({ action: 'finish-task', taskId: ID, cancel: false });
    expect(frameOf(finishTask(ID, { directive: 'cancel' }))).toEqual({ action: 'finish-task', taskId: ID, cancel: true });
  });

  it.each([
    ['not JSON', '{oops', '', 'Invalid payload data'],
    ['no header', '{}', '', "Missing required parameter 'header'! Please follow the protocol!"],
    ['no task id', { header: { action: 'run-task' } }, '', "Missing required parameter 'header.task_id'! Please follow the protocol!"],
    ['no action', { header: { task_id: ID } }, ID, "Missing required parameter 'header.action'! Please follow the protocol!"],
    ['an unknown action', { header: { action: 'pause-task', task_id: ID } }, ID, 'Invalid payload data'],
    ['continue-task without input', { header: { action: 'continue-task', task_id: ID }, payload: {} }, ID, 'task can not be null'],
    ['continue-task with an unknown input', { header: { action: 'continue-task', task_id: ID }, payload: { input: { end_of_stream: true } } }, ID, 'Invalid payload data'],
    ['continue-task with text that is not a string', { header: { action: 'continue-task', task_id: ID }, payload: { input: { text: 5 } } }, ID, 'Invalid payload data'],
    ['continue-task with empty text', continueTask(ID, ''), ID, 'Please ensure input text is valid.'],
    ['finish-task without input', { header: { action: 'finish-task', task_id: ID }, payload: {} }, ID, 'task can not be null'],
    ['run-task without input', (() => { const m = runTask(ID) as any; delete m.payload.input; return m; })(), ID, 'Invalid payload data'],
    ['run-task without model', (() => { const m = runTask(ID) as any; delete m.payload.model; return m; })(), ID, "Missing required parameter 'payload.model'! Please follow the protocol!"],
    ['run-task with text', (() => { const m = runTask(ID) as any; m.payload.input.text = 'Hi'; return m; })(), ID, 'payload.input.text is not read in run-task; send the text with continue-task'],
    ['run-task for recognition', (() => { const m = runTask(ID) as any; m.payload.task = 'asr'; return m; })(), ID, 'payload.task must be "tts": this endpoint serves CosyVoice speech synthesis only'],
    ['a sample rate as a string', runTask(ID, { sample_rate: '16000' }), ID, 'parameters.sample_rate must be a number; received "16000"'],
    ['a fractional type', runTask(ID, { type: 0.5 }), ID, 'parameters.type must be an integer; received 0.5'],
    ['an out-of-range volume', runTask(ID, { volume: 101 }), ID, 'volume must be an integer from 0 to 100; received 101'],
    ['a format that is a nested array', runTask(ID, { format: JSON.parse('['.repeat(20) + ']'.repeat(20)) }), ID, 'format.format must be one of Default, wav, mp3, pcm, opus; received "(object)"'],
    ['a frame nested deeper than any protocol message', `{"header":{"action":"run-task","task_id":"${ID}"},"payload":${'['.repeat(40)}${']'.repeat(40)}}`, '', 'Invalid payload data'],
  ])('refuses %s with the service’s error, attributed to its task', (_name, message, expectedTaskId, error) => {
    const result = read(message);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.taskId).toBe(expectedTaskId);
    expect(result.error).toEqual({ code: 'InvalidParameter', message: error });
  });

  it('keeps the documented and SDK parameters as sent (nulls left out, hot_fix reduced to its rule lists) and the rest apart', () => {
    const frame = frameOf(runTask(ID, { instruction: null, hot_fix: { replace: [{ 今天: '金天', ['__proto__']: 'x' }], other: 1 }, pre_task_id: ID, my_flag: [1] }));
    if (frame.action !== 'run-task') throw new Error('not a run-task');
    expect(Object.keys(frame.run.wireParameters)).toEqual(['text_type', 'voice', 'format', 'sample_rate', 'volume', 'rate', 'pitch', 'seed', 'type', 'hot_fix', 'pre_task_id']);
    expect(JSON.stringify(frame.run.wireParameters.hot_fix)).toBe('{"replace":[{"今天":"金天","__proto__":"x"}]}');
    expect(frame.run.extraParameters).toEqual({ my_flag: [1] });
    expect(DOCUMENTED_PARAMETERS).toHaveLength(18);
    expect(SDK_PARAMETERS).toEqual(['type', 'phoneme_timestamp_enabled', 'pre_task_id', 'style']);
  });

  it('never throws, whatever the text', () => {
    for (const text of ['', 'null', '"x"', '[]', '{"header":null}', '{"__proto__":{"header":1}}', '\ud800', '{"header":{"action":"run-task","task_id":"x"},"payload":{"parameters":{"voice":"v","format":{"toString":1}},"task_group":"audio","task":"tts","function":"SpeechSynthesizer","model":"m","input":{}}}']) {
      expect(() => readClientFrame(text)).not.toThrow();
    }
  });
});

describe('writeClientFrame', () => {
  it('writes the protocol frame from the data alone, extra parameters last', () => {
    const run = frameOf(runTask(ID, { my_flag: true }));
    expect(JSON.parse(writeClientFrame(run, { my_flag: true }))).toEqual({
      header: { action: 'run-task', task_id: ID, streaming: 'duplex' },
      payload: { task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', model: 'cosyvoice-v3-flash', parameters: { ...(runTask(ID).payload as any).parameters, my_flag: true }, input: {} },
    });
    expect(writeClientFrame({ action: 'flush', taskId: ID })).toBe(`{"header":{"action":"continue-task","task_id":"${ID}","streaming":"duplex"},"payload":{"input":{"flush":true}}}`);
    expect(writeClientFrame({ action: 'finish-task', taskId: ID, cancel: true })).toBe(`{"header":{"action":"finish-task","task_id":"${ID}","streaming":"duplex"},"payload":{"input":{"directive":"cancel"}}}`);
  });

  it('round-trips: what is written reads back as the same frame', () => {
    for (const message of [runTask(ID, { enable_ssml: true, language_hints: ['en'] }), continueTask(ID, 'a "quoted" \n text'), finishTask(ID, { directive: 'cancel' })]) {
      const frame = frameOf(message);
      expect(frameOf(writeClientFrame(frame))).toEqual(frame);
    }
  });
});

describe('TaskTextBudget', () => {
  it('counts SSML tags only in a task with SSML, allows one SSML message, and keeps the per-message and per-task limits', () => {
    const plain = new TaskTextBudget(false);
    expect(plain.take('<speak>你好</speak>')).toEqual({ ok: true, counted: 19 });
    expect(plain.take('x'.repeat(20_001))).toMatchObject({ ok: false, error: { message: 'Text request limit violated, at most 20000 characters per request (received 20001).' } });
    const ssml = new TaskTextBudget(true);
    expect(ssml.take('<speak>你好</speak>')).toEqual({ ok: true, counted: 4 });
    expect(ssml.take('<speak>again</speak>')).toMatchObject({ ok: false, error: { message: 'Text request limit violated, expected 1.' } });
    const long = new TaskTextBudget(false);
    for (let i = 0; i < 10; i++) expect(long.take('x'.repeat(20_000)).ok).toBe(true);
    expect(long.take('x')).toMatchObject({ ok: false, error: { message: 'Text request limit violated, at most 200000 characters per task (received 200001).' } });
    expect(long.characters).toBe(200_000);
  });
});

describe('RelayPolicy', () => {
  it('checks models and extra parameters, and refuses bad options at construction', () => {
    const policy = new RelayPolicy({ parameters: ['ok_flag'] });
    const run = (parameters: Record<string, unknown>, model?: string) => {
      const frame = frameOf(runTask(ID, parameters, model));
      return frame.action === 'run-task' ? policy.checkRunTask(frame.run) : undefined;
    };
    expect(run({ ok_flag: 1 })).toEqual({ ok: true, extraParameters: { ok_flag: 1 } });
    expect(run({}, 'qwen-max')).toMatchObject({ ok: false, error: { message: 'Model "qwen-max" is not available through this proxy' } });
    expect(run({ pre_task_id: 'not an id' })).toMatchObject({ ok: false, error: { message: 'parameters.pre_task_id must be 32 hex digits or a UUID' } });
    expect(() => new RelayPolicy({ models: 'cosyvoice-v2' as never })).toThrow(/allowedModels must be a list/);
    expect(() => new RelayPolicy({ parameters: [1] as never })).toThrow(/allowedParameters must be a list/);
  });
});

describe('isProtocolTaskId, quoteForLog, jsonNestsWithin', () => {
  it('accepts 32 hex digits and UUIDs, nothing else', () => {
    for (const id of ['2bf83b9abaeb4fda8d9a0123456789ab', '2BF83B9ABAEB4FDA8D9A0123456789AB', '2bf83b9a-baeb-4fda-8d9a-0123456789ab']) expect(isProtocolTaskId(id), id).toBe(true);
    for (const id of ['', 'g'.repeat(32), '2bf83b9abaeb4fda8d9a0123456789a', '2bf83b9a-baeb-4fda-8d9a0-123456789ab', '2bf83b9a\u0010baeb4fda8d9a0123456789a', '\u0011'.repeat(32)]) expect(isProtocolTaskId(id), JSON.stringify(id)).toBe(false);
  });

  it('quotes a client string on one line: controls, separators and bidi overrides escaped, long strings cut', () => {
    expect(quoteForLog('abc\r\nFAKE')).toBe('"abc\\u000d\\u000aFAKE"');
    expect(quoteForLog('a\u2028b\u202ec"d\\')).toBe('"a\\u2028b\\u202ec\\u0022d\\u005c"');
    expect(quoteForLog('x'.repeat(100), 10)).toBe(`"${'x'.repeat(10)}…"`);
    expect(quoteForLog(undefined)).toBe('"undefined"');
  });

  it('measures nesting outside strings only', () => {
    expect(jsonNestsWithin('{"a":[1,{"b":2}]}', 3)).toBe(true);
    expect(jsonNestsWithin('[[[[1]]]]', 3)).toBe(false);
    expect(jsonNestsWithin('{"a":"[[[[[[\\"[[[["}', 1)).toBe(true);
  });
});
