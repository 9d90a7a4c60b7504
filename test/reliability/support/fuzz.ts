// Seeded random frames for the reliability fuzz suite: valid DashScope server events and audio, and
// mutations of them (wrong types, missing fields, huge numbers, unicode, truncated JSON, garbage
// bytes, other task ids, duplicates, reordering). Everything is derived from a PRNG so a failing
// seed reproduces exactly.

/** mulberry32: small, fast, good enough for fuzzing; the same seed gives the same sequence. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chance = (p: number): boolean => next() < p;
  return { next, int, pick, chance };
}
export type Rng = ReturnType<typeof prng>;

/** The seed of this run: `FUZZ_SEED=<n>` reproduces a run, `FUZZ_SEED=random` explores. */
export function fuzzSeed(defaultSeed: number): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === 'random') return (Math.random() * 2 ** 32) >>> 0;
  if (raw && Number.isFinite(Number(raw))) return Number(raw) >>> 0;
  return defaultSeed;
}

/** Derives an independent seed for item `index` (so concurrency does not change what each item gets). */
export function subSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const UNICODE_SAMPLES = [
  '你好，世界。',
  '😀👍🏽🇨🇳',
  '\u0000\u0001\u001f',
  '\ud800', // lone high surrogate
  '\udc00x', // lone low surrogate
  'مرحبا بالعالم',
  'e\u0301\u0301\u0301',
  '\u202e\u2066reversed',
  '\ufeff\ufffe\uffff',
  '<speak>not ssml</speak>',
  '"quoted"\\',
  '𝕏'.repeat(50),
];

export function randomUnicode(rng: Rng, maxLength = 40): string {
  if (rng.chance(0.5)) return rng.pick(UNICODE_SAMPLES);
  let out = '';
  const length = rng.int(0, maxLength);
  for (let i = 0; i < length; i++) {
    const range = rng.pick([
      [0x20, 0x7e],
      [0x00, 0x1f],
      [0x4e00, 0x9fff],
      [0xd800, 0xdfff],
      [0x1f300, 0x1faff],
      [0x0600, 0x06ff],
    ] as const);
    out += String.fromCodePoint(rng.int(range[0], range[1]));
  }
  return out;
}

/** A value of a random (often wrong) type. */
export function randomValue(rng: Rng, depth = 0): unknown {
  const kind = rng.int(0, depth > 2 ? 7 : 9);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2]);
    case 3:
      return randomUnicode(rng);
    case 4:
      return rng.pick(['task-started', 'result-generated', 'task-finished', 'task-failed', 'sentence-begin', 'sentence-end', '']);
    case 5:
      return rng.int(-1000, 1000);
    case 6:
      return '';
    case 7:
      return [];
    case 8:
      return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--) {
        const key = rng.pick(['header', 'payload', 'event', 'task_id', 'output', 'sentence', 'words', 'usage', '__proto__', 'constructor', randomUnicode(rng, 5)]);
        // An own property, as JSON.parse makes it (assigning `__proto__` would change the prototype).
        Object.defineProperty(object, key, { value: randomValue(rng, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return object;
    }
  }
}

function word(text: string, begin: number, i: number) {
  return { text, begin_index: begin, end_index: begin + text.length, begin_time: i * 100, end_time: i * 100 + 90 };
}

/** A well-formed event (as the service sends it). */
export function validEvent(taskId: string, name: string, rng: Rng, sentence = 0): Record<string, any> {
  const header: Record<string, unknown> = { task_id: taskId, event: name, attributes: {} };
  switch (name) {
    case 'task-started':
      return { header, payload: {} };
    case 'task-finished':
      header.attributes = { request_uuid: `uuid-${rng.int(0, 1e6)}` };
      return { header, payload: { output: null, usage: { characters: rng.int(0, 500) } } };
    case 'task-failed':
      header.error_code = rng.pick(['InvalidParameter', 'InternalError', 'Throttling.RateQuota']);
      header.error_message = randomUnicode(rng, 20);
      return { header, payload: {} };
    default: {
      const type = rng.pick(['sentence-begin', 'sentence-synthesis', 'sentence-end']);
      const text = 'Fuzz sentence words here.';
      const words = type === 'sentence-end' ? ['Fuzz', 'sentence', 'words', 'here'].map((w, i) => word(w, text.indexOf(w), i)) : [];
      return { header, payload: { output: { type, sentence: { index: sentence, words }, original_text: text }, usage: { characters: rng.int(0, 100) } } };
    }
  }
}

/** A realistic-looking audio frame for a container (PCM bytes, or a header-looking prefix). */
export function audioFrame(rng: Rng, container: string, first: boolean): Uint8Array {
  const size = rng.pick([0, 1, 3, 640, 3200, 4800]);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 7) bytes[i] = rng.int(0, 255);
  if (first && container === 'wav' && size >= 44) bytes.set([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x41, 0x56, 0x45], 0);
  if (container === 'mp3' && size >= 4) bytes.set([0xff, 0xf3, 0x64, 0xc4], 0);
  if (container === 'opus' && size >= 27) bytes.set([0x4f, 0x67, 0x67, 0x53], 0);
  return bytes;
}

/** Random binary garbage, sometimes huge, sometimes crafted to look like a container header with absurd sizes. */
export function garbageBytes(rng: Rng): Uint8Array {
  const kind = rng.int(0, 4);
  if (kind === 0) return new Uint8Array(0);
  if (kind === 1) return Uint8Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255));
  if (kind === 2) {
    // RIFF/WAVE with a chunk claiming 4 GiB, an ID3 tag claiming 256 MiB, an Ogg page with 255 segments.
    return rng.pick([
      Uint8Array.from([0x52, 0x49, 0x46, 0x46, 0xff, 0xff, 0xff, 0xff, 0x57, 0x41, 0x56, 0x45, 0x4c, 0x49, 0x53, 0x54, 0xff, 0xff, 0xff, 0xff]),
      Uint8Array.from([0x49, 0x44, 0x33, 4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3]),
      Uint8Array.from([0x4f, 0x67, 0x67, 0x53, 0, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, ...new Array(40).fill(255)]),
      Uint8Array.from([0xff, 0xfb, 0xe0, 0x00, 0xff, 0xfb, 0x10, 0x00]),
    ]);
  }
  if (kind === 3) return new Uint8Array(rng.pick([65_536, 262_144]));
  return Uint8Array.from({ length: 4096 }, () => rng.int(0, 255));
}

/** One mutation of a JSON event (a new object or a raw string). */
export function mutateEvent(rng: Rng, event: Record<string, any>, otherTaskId: string): Record<string, any> | string {
  const copy = JSON.parse(JSON.stringify(event)) as Record<string, any>;
  const text = (): string => JSON.stringify(copy);
  switch (rng.int(0, 15)) {
    case 0: // wrong type of header
      copy.header = randomValue(rng);
      return copy;
    case 1: // wrong type of event name
      copy.header.event = randomValue(rng);
      return copy;
    case 2: // wrong type of task id
      copy.header.task_id = randomValue(rng);
      return copy;
    case 3: // payload of the wrong type
      copy.payload = randomValue(rng);
      return copy;
    case 4: // a field removed
      if (rng.chance(0.5)) delete copy.header[rng.pick(Object.keys(copy.header))];
      else delete copy[rng.pick(['header', 'payload'])];
      return copy;
    case 5: // huge or absurd numbers where numbers go (1e400 parses to Infinity)
      return text().replace(/(-?\d+(\.\d+)?)/g, () => rng.pick(['1e400', '-1e400', '1e308', '-0', '9007199254740993', '0.0000001', '-5']));
    case 6: // unicode in strings
      return withUnicode(rng, copy) as Record<string, any>;
    case 7: // truncated JSON
      return text().slice(0, rng.int(0, text().length - 1));
    case 8: // another task's event
      copy.header.task_id = otherTaskId;
      return copy;
    case 9: // the output replaced by nonsense
      copy.payload = { ...(typeof copy.payload === 'object' && copy.payload ? copy.payload : {}), output: randomValue(rng) };
      return copy;
    case 10: // words of the wrong shape
      copy.payload = { output: { type: 'sentence-end', sentence: { index: randomValue(rng), words: Array.from({ length: rng.int(0, 6) }, () => (rng.chance(0.5) ? randomValue(rng) : { text: randomValue(rng), begin_index: randomValue(rng), end_index: randomValue(rng), begin_time: randomValue(rng), end_time: randomValue(rng) })) }, original_text: randomValue(rng) }, usage: randomValue(rng) };
      return copy;
    case 11: // many words (a sentence of 2000 words)
      copy.header.event = 'result-generated';
      copy.payload = { output: { type: 'sentence-end', sentence: { index: rng.int(0, 3), words: Array.from({ length: 2000 }, (_, i) => word('w', i * 2, i)) }, original_text: 'w '.repeat(2000) } };
      return copy;
    case 12: // usage of the wrong type
      copy.payload = { ...(copy.payload ?? {}), usage: rng.chance(0.5) ? { characters: randomValue(rng) } : randomValue(rng) };
      return copy;
    case 13: // prototype-ish keys
      return `{"__proto__":{"event":"task-finished"},"header":${JSON.stringify(copy.header)},"constructor":{"prototype":{"x":1}},"payload":${JSON.stringify(copy.payload ?? {})}}`;
    case 14: // deep nesting
      return `{"header":${JSON.stringify(copy.header)},"payload":{"output":${'['.repeat(rng.pick([100, 5000]))}1${']'.repeat(rng.pick([100, 5000, 3]))}}}`;
    default: // an extra, unknown event name
      copy.header.event = randomUnicode(rng, 12);
      return copy;
  }
}

function withUnicode(rng: Rng, value: unknown): unknown {
  if (typeof value === 'string') return rng.chance(0.3) ? randomUnicode(rng) : value;
  if (Array.isArray(value)) return value.map((item) => withUnicode(rng, item));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnicode(rng, v)]));
  return value;
}

/** Text frames that are not events at all. */
export function nonEventText(rng: Rng): string {
  return rng.pick(['', 'null', '[]', '"str"', '123', 'true', '{', '}', '{"header":null}', '{"header":[]}', '\u0000', 'not json at all', '{"header":{"event":"task-finished"}}x', randomUnicode(rng)]);
}

export type ScriptFrame = { kind: 'text'; data: string } | { kind: 'binary'; data: Uint8Array } | { kind: 'close'; code: number };

/**
 * The frames a fuzzing server sends for one task: a valid run of the protocol (started, sentences with
 * audio, finished) mutated frame by frame, with garbage inserted, windows reordered, terminal events
 * dropped or duplicated, and sometimes an abrupt close.
 */
export function taskScript(rng: Rng, taskId: string, container: string): ScriptFrame[] {
  const other = rng.pick(['', 'someone-else', taskId.toUpperCase(), `${taskId}x`]);
  const events: Array<Record<string, any> | Uint8Array> = [];
  if (!rng.chance(0.1)) events.push(validEvent(taskId, 'task-started', rng));
  const sentences = rng.int(0, 6);
  for (let s = 0; s < sentences; s++) {
    events.push({ header: { task_id: taskId, event: 'result-generated', attributes: {} }, payload: { output: { type: 'sentence-begin', sentence: { index: s, words: [] } } } });
    const chunks = rng.int(1, 8);
    for (let c = 0; c < chunks; c++) {
      events.push({ header: { task_id: taskId, event: 'result-generated', attributes: {} }, payload: { output: { type: 'sentence-synthesis', sentence: { index: s, words: [] } } } });
      events.push(audioFrame(rng, container, s === 0 && c === 0));
    }
    events.push(validEvent(taskId, 'result-generated', rng, s));
  }
  const ending = rng.int(0, 9);
  if (ending <= 5) events.push(validEvent(taskId, 'task-finished', rng));
  else if (ending <= 7) events.push(validEvent(taskId, 'task-failed', rng));
  // 8, 9: no terminal event (the client's timeout or the close has to end it)
  if (rng.chance(0.2)) events.push(validEvent(taskId, rng.pick(['task-finished', 'task-failed']), rng)); // duplicate terminal

  const frames: ScriptFrame[] = [];
  const mutationRate = rng.pick([0, 0.05, 0.2, 0.6]);
  for (const item of events) {
    if (rng.chance(0.08)) frames.push(rng.chance(0.5) ? { kind: 'binary', data: garbageBytes(rng) } : { kind: 'text', data: nonEventText(rng) });
    if (item instanceof Uint8Array) {
      frames.push(rng.chance(mutationRate) ? { kind: 'binary', data: garbageBytes(rng) } : { kind: 'binary', data: item });
      continue;
    }
    if (rng.chance(mutationRate)) {
      const mutated = mutateEvent(rng, item, other);
      frames.push({ kind: 'text', data: typeof mutated === 'string' ? mutated : JSON.stringify(mutated) });
      if (rng.chance(0.3)) frames.push({ kind: 'text', data: JSON.stringify(item) }); // and the original after it
    } else frames.push({ kind: 'text', data: JSON.stringify(item) });
    // Events for another task interleaved.
    if (rng.chance(0.05)) frames.push({ kind: 'text', data: JSON.stringify(validEvent(other || 'x', rng.pick(['task-finished', 'task-failed', 'task-started', 'result-generated']), rng)) });
  }
  // Out of order: shuffle a random window.
  if (rng.chance(0.3) && frames.length > 2) {
    const start = rng.int(0, frames.length - 2);
    const end = Math.min(frames.length, start + rng.int(2, 8));
    for (let i = end - 1; i > start; i--) {
      const j = rng.int(start, i);
      [frames[i], frames[j]] = [frames[j]!, frames[i]!];
    }
  }
  if (rng.chance(0.15)) frames.splice(rng.int(0, frames.length), 0, { kind: 'close', code: rng.pick([1000, 1001, 1006, 1011, 4000, 4999]) });
  return frames;
}
