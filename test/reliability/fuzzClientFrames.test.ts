// Fuzzing the client-frame validator the local server and the proxy share (readClientFrame) and the
// frame the proxy sends upstream (writeClientFrame): SDK-shaped frames and mutations of them (fields
// deleted or of the wrong type, unknown fields, duplicate keys, deep nesting, truncation, odd task ids).
// Seeded: the seed is printed; rerun a failure with FUZZ_SEED=<seed> (FUZZ_SEED=random explores).
import { describe, expect, it } from 'vitest';
import { readClientFrame, writeClientFrame, type ClientFrameResult } from '../../src/server/readClientFrame';
import { RelayPolicy } from '../../src/server/RelayPolicy';
import { fuzzSeed, prng, randomUnicode, randomValue, type Rng } from './support/fuzz';

const SEED = fuzzSeed(0xf4a3e5);
console.log(`[fuzz client frames] seed ${SEED} (rerun with FUZZ_SEED=${SEED})`);
const FRAMES = 20_000;

const ID = '2bf83b9abaeb4fda8d9a0123456789ab';
const PARAMETER_VALUES: Record<string, () => unknown[]> = {
  text_type: () => ['PlainText', 'SSML', 1],
  voice: () => ['longanyang', 'longxiaochun', '', 5],
  format: () => ['pcm', 'wav', 'mp3', 'opus', 'Default', 'flac', null],
  sample_rate: () => [8000, 16000, 22050, 24000, 48000, 0, 44100.5, '16000'],
  volume: () => [0, 50, 100, 101, -1],
  rate: () => [0.5, 1, 2, 3],
  pitch: () => [0.5, 1, 2, 0.1],
  bit_rate: () => [6, 32, 510, 511],
  enable_ssml: () => [true, false, 'yes'],
  word_timestamp_enabled: () => [true, false, 1],
  seed: () => [0, 65535, 65536],
  language_hints: () => [['zh'], ['en', 'ja'], [], ['xx'], 'zh'],
  instruction: () => ['你说话的情感是happy。', '', `<speak>${'<a>'.repeat(60)}</speak>`],
  hot_fix: () => [{ replace: [{ 今天: '金天' }] }, { pronunciation: [{ 天气: 'tian1 qi4' }] }, { replace: 'x' }, []],
  type: () => [0, 1, 0.5],
  style: () => [0, 2, 'x'],
  phoneme_timestamp_enabled: () => [false, true],
  pre_task_id: () => [ID, 'x'],
  extra_param: () => [1, { nested: [1, 2] }],
};

function validRunTask(rng: Rng): Record<string, any> {
  const parameters: Record<string, unknown> = { text_type: 'PlainText', voice: 'longanyang', format: 'pcm', sample_rate: 16000 };
  for (const [name, values] of Object.entries(PARAMETER_VALUES)) if (rng.chance(0.25)) parameters[name] = rng.pick(values());
  return {
    header: { action: 'run-task', task_id: ID, streaming: 'duplex' },
    payload: { task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', model: rng.pick(['cosyvoice-v3-flash', 'cosyvoice-v2', 'qwen-max']), parameters, input: {} },
  };
}

function validFrame(rng: Rng): Record<string, any> {
  switch (rng.int(0, 3)) {
    case 0:
      return validRunTask(rng);
    case 1:
      return { header: { action: 'continue-task', task_id: ID, streaming: 'duplex' }, payload: { input: { text: randomUnicode(rng) || 'x' } } };
    case 2:
      return { header: { action: 'continue-task', task_id: ID, streaming: 'duplex' }, payload: { input: { flush: true } } };
    default:
      return { header: { action: 'finish-task', task_id: ID, streaming: 'duplex' }, payload: { input: rng.chance(0.5) ? {} : { directive: 'cancel' } } };
  }
}

/** A random path of an object (keys it has), for deleting or replacing what is there. */
function randomPath(rng: Rng, value: unknown): string[] {
  const path: string[] = [];
  let node = value;
  while (typeof node === 'object' && node !== null && rng.chance(0.7)) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = rng.pick(keys);
    path.push(key);
    node = (node as Record<string, unknown>)[key];
  }
  return path;
}

function mutate(rng: Rng, frame: Record<string, any>): string {
  const copy = structuredClone(frame);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const path = randomPath(rng, copy);
    if (path.length === 0) continue;
    const parent = path.slice(0, -1).reduce((node: any, key) => node[key], copy);
    const last = path.at(-1)!;
    const action = rng.int(0, 4);
    if (action === 0) delete parent[last];
    else if (action === 1) Object.defineProperty(parent, last, { value: randomValue(rng), enumerable: true, writable: true, configurable: true });
    else if (action === 2) Object.defineProperty(parent, rng.pick(['api_key', 'workspace', '__proto__', 'constructor', randomUnicode(rng, 8)]), { value: randomValue(rng), enumerable: true, writable: true, configurable: true });
    else if (action === 3) {
      let deep: unknown = 1;
      for (let i = rng.int(1, 60); i > 0; i--) deep = rng.chance(0.5) ? [deep] : { a: deep };
      parent[last] = deep;
    } else parent[last] = rng.pick([ID.toUpperCase(), '2bf83b9a-baeb-4fda-8d9a-0123456789ab', 'id\r\nforged', '', 'x'.repeat(300)]);
  }
  let text = JSON.stringify(copy);
  // Text-level damage: a duplicate key, a cut, a stray character.
  const damage = rng.int(0, 5);
  if (damage === 0) text = text.replace('"input":{', `"input":{"text":${JSON.stringify(randomUnicode(rng))},`);
  else if (damage === 1) text = text.slice(0, rng.int(0, text.length));
  else if (damage === 2) {
    const at = rng.int(0, text.length);
    text = text.slice(0, at) + rng.pick(['"', '{', ']', '\\', ',', '\u0000']) + text.slice(at);
  }
  return text;
}

const HEADER_KEYS = ['action', 'task_id', 'streaming'];
const PAYLOAD_KEYS: Record<string, string[]> = {
  'run-task': ['task_group', 'task', 'function', 'model', 'parameters', 'input'],
  'continue-task': ['input'],
  'finish-task': ['input'],
};

describe('readClientFrame under fuzzing', () => {
  it(`never throws; what it accepts writes back as a protocol frame that reads back the same (seed ${SEED})`, () => {
    const rng = prng(SEED);
    const policy = new RelayPolicy({ parameters: ['extra_param'] });
    const counts = { accepted: 0, refused: 0, relayable: 0 };
    for (let i = 0; i < FRAMES; i++) {
      const frame = validFrame(rng);
      const text = rng.chance(0.2) ? JSON.stringify(frame) : mutate(rng, frame);
      const fail = (what: string): never => {
        throw new Error(`frame #${i} (seed ${SEED}): ${what}; input ${text.slice(0, 300)}`);
      };
      let result: ClientFrameResult;
      try {
        result = readClientFrame(text);
      } catch (error) {
        return fail(`threw ${String(error)}`);
      }
      if (!result.ok) {
        counts.refused++;
        if (typeof result.taskId !== 'string' || typeof result.error.code !== 'string' || typeof result.error.message !== 'string') fail('a refusal without task id, code and message');
        continue;
      }
      counts.accepted++;
      const accepted = result.frame;
      if (accepted.action === 'continue-task' && (typeof accepted.text !== 'string' || accepted.text === '')) fail('accepted a continue-task without text');
      let extra: Record<string, unknown> = {};
      if (accepted.action === 'run-task') {
        const checked = policy.checkRunTask(accepted.run);
        if (!checked.ok) continue;
        extra = checked.extraParameters;
      }
      counts.relayable++;
      const written = writeClientFrame(accepted, extra);
      const wire = JSON.parse(written) as { header: Record<string, unknown>; payload: Record<string, unknown> };
      if (Object.keys(wire).join() !== 'header,payload') fail(`top-level keys ${Object.keys(wire)}`);
      if (Object.keys(wire.header).join() !== HEADER_KEYS.join()) fail(`header keys ${Object.keys(wire.header)}`);
      if (Object.keys(wire.payload).join() !== PAYLOAD_KEYS[wire.header.action as string]!.join()) fail(`payload keys ${Object.keys(wire.payload)}`);
      const again = readClientFrame(written);
      if (!again.ok) fail(`its own frame was refused: ${again.error.message}`);
      else if (accepted.action === 'run-task') {
        if (again.frame.action !== 'run-task') fail('read back as another action');
        else {
          expect(again.frame.run.wireParameters).toEqual(accepted.run.wireParameters);
          expect(again.frame.run.extraParameters).toEqual(extra);
          expect(again.frame.run.parameters).toEqual(accepted.run.parameters);
        }
      } else if (JSON.stringify(again.frame) !== JSON.stringify(accepted)) fail(`read back as ${JSON.stringify(again.frame)}`);
    }
    console.log(`[fuzz client frames] ${JSON.stringify(counts)}`);
    // The generator reached every outcome, so the checks above ran on each.
    expect(counts.accepted).toBeGreaterThan(2000);
    expect(counts.refused).toBeGreaterThan(2000);
    expect(counts.relayable).toBeGreaterThan(1000);
  });
});
