import { createHash, randomUUID } from 'node:crypto';
import { isRecord } from './isRecord';

const MAGIC = 0x43565231; // "CVR1"
const TEXT = 0;
const AUDIO = 1;
const FINISHED = 2;
/** Every stored event starts like this, then the task id, then the stored rest. */
const EVENT_PREFIX = '{"header":{"task_id":"';

/** Parameters that never change the audio: the Java SDK sends the task id itself as `pre_task_id`. */
const NOT_IN_KEY = new Set(['pre_task_id']);

/** JSON with object keys sorted at every level, so equal parameters give equal keys whatever their order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The cache key of a task: a SHA-256 over the scope (whose key and workspace), the model, every
 * parameter that is relayed (the documented ones as the client sent them, the SDKs' extras and the
 * allowed `additional_params`, keys sorted) except `pre_task_id`, and the exact text. Anything that can
 * change the audio is in it; two requests differing only in a default they spelled out get two entries.
 *
 * @example
 * const key = synthesisCacheKey(scope, 'cosyvoice-v3-flash', parameters, 'Hello.');
 */
export function synthesisCacheKey(scope: string, model: string, parameters: Readonly<Record<string, unknown>>, text: string): string {
  const relevant = Object.fromEntries(Object.entries(parameters).filter(([name]) => !NOT_IN_KEY.has(name)));
  return createHash('sha256').update(canonicalJson(['cosyvoice-react/synthesis-cache/1', scope, model, relevant, text])).digest('hex');
}

/**
 * The cache scope of an API key: a hash that tells keys apart without being the key, so entries of one
 * account (or workspace, or upstream) are never served to another.
 */
export function cacheScopeOfKey(apiKey: string, upstream: string, workspace: string | undefined): string {
  const key = createHash('sha256').update(`cosyvoice-react cache scope\n${apiKey}`).digest('hex').slice(0, 32);
  return `${key}|${upstream}|${workspace ?? ''}`;
}

/**
 * Records one task's upstream frames for the cache, as it is relayed: the `result-generated` events and
 * audio in order, then `task-finished`. What is stored carries no task id and no request id (the
 * replay writes the listener's own task id and a fresh request id) and `usage.characters` of 0 (what a
 * replay bills); the billed count of the original is kept apart, for metrics. Stops (and stores nothing)
 * past `maxBytes`.
 *
 * @example
 * const recording = new SynthesisRecording(cache.maxEntryBytes);
 * recording.event(parsed); recording.audio(bytes); … const entry = recording.finish(parsedTaskFinished);
 */
export class SynthesisRecording {
  readonly #maxBytes: number;
  readonly #parts: Uint8Array[] = [];
  #bytes = 0;
  #overflow = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Whether the recording passed its cap (it is then dropped). */
  get overflow(): boolean {
    return this.#overflow;
  }

  #push(kind: number, body: Uint8Array): void {
    if (this.#overflow) return;
    this.#bytes += 5 + body.byteLength;
    if (this.#bytes > this.#maxBytes) {
      this.#overflow = true;
      this.#parts.length = 0;
      return;
    }
    const head = new Uint8Array(5);
    head[0] = kind;
    new DataView(head.buffer).setUint32(1, body.byteLength);
    this.#parts.push(head, body);
  }

  /** A `result-generated` event (parsed). */
  event(message: Record<string, unknown>): void {
    this.#push(TEXT, Buffer.from(storedEvent(message), 'utf8'));
  }

  /** An audio frame. */
  audio(data: Uint8Array): void {
    this.#push(AUDIO, data);
  }

  /** The task finished: the entry's bytes, or `undefined` when it passed its cap. */
  finish(finished: Record<string, unknown>): Uint8Array | undefined {
    const billed = usageCharacters(finished) ?? 0;
    this.#push(FINISHED, Buffer.from(storedEvent(finished), 'utf8'));
    if (this.#overflow) return undefined;
    const meta = Buffer.from(JSON.stringify({ characters: billed }), 'utf8');
    const head = new Uint8Array(8);
    const view = new DataView(head.buffer);
    view.setUint32(0, MAGIC);
    view.setUint32(4, meta.byteLength);
    return Buffer.concat([head, meta, ...this.#parts]);
  }
}

function usageCharacters(message: Record<string, unknown>): number | undefined {
  const payload = isRecord(message.payload) ? message.payload : undefined;
  const usage = payload && isRecord(payload.usage) ? payload.usage : undefined;
  return typeof usage?.characters === 'number' ? usage.characters : undefined;
}

/** The event as stored (after its task id): no request id, `usage.characters` 0. */
function storedEvent(message: Record<string, unknown>): string {
  const header = isRecord(message.header) ? { ...message.header } : {};
  delete header.task_id;
  if (isRecord(header.attributes)) {
    const attributes = { ...header.attributes };
    delete attributes.request_uuid;
    header.attributes = attributes;
  }
  let payload = message.payload;
  if (isRecord(payload) && isRecord(payload.usage) && 'characters' in payload.usage) {
    payload = { ...payload, usage: { ...payload.usage, characters: 0 } };
  }
  // Starts with EVENT_PREFIX and the empty id: what follows it is what a replay appends to its own id.
  return JSON.stringify({ header: { task_id: '', ...header }, payload }).slice(EVENT_PREFIX.length);
}

/** A frame of a replay: an event's text or audio bytes. */
export type ReplayFrame = { kind: 'text'; text: string } | { kind: 'audio'; data: Uint8Array };

/** What a stored entry holds, ready to be replayed for one task. */
export interface CachedSynthesis {
  /** Characters the original synthesis billed (a replay bills none). */
  readonly characters: number;
  /** The frames for `taskId`: events with that task id, `task-finished` with a fresh `request_uuid` and `cache_hit: true`. */
  frames(taskId: string): Generator<ReplayFrame>;
}

/** Reads a stored entry; `undefined` for bytes that are not one (a store shared with something else). */
export function readCachedSynthesis(entry: Uint8Array): CachedSynthesis | undefined {
  if (entry.byteLength < 8) return undefined;
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  if (view.getUint32(0) !== MAGIC) return undefined;
  const metaLength = view.getUint32(4);
  let meta: { characters?: unknown };
  try {
    meta = JSON.parse(Buffer.from(entry.buffer, entry.byteOffset + 8, metaLength).toString('utf8')) as { characters?: unknown };
  } catch {
    return undefined;
  }
  const start = 8 + metaLength;
  // Walk the records once to check the framing, so a replay never stops half-way on a damaged entry.
  let offset = start;
  let finished = false;
  while (offset < entry.byteLength) {
    if (offset + 5 > entry.byteLength) return undefined;
    const kind = entry[offset]!;
    const length = view.getUint32(offset + 1);
    offset += 5 + length;
    if (offset > entry.byteLength || kind > FINISHED) return undefined;
    finished = kind === FINISHED;
  }
  if (!finished) return undefined;
  return {
    characters: typeof meta.characters === 'number' ? meta.characters : 0,
    *frames(taskId: string): Generator<ReplayFrame> {
      let at = start;
      while (at < entry.byteLength) {
        const kind = entry[at]!;
        const length = view.getUint32(at + 1);
        const body = entry.subarray(at + 5, at + 5 + length);
        at += 5 + length;
        if (kind === AUDIO) {
          yield { kind: 'audio', data: body };
          continue;
        }
        const text = `${EVENT_PREFIX}${taskId}${Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')}`;
        if (kind === TEXT) {
          yield { kind: 'text', text };
          continue;
        }
        const message = JSON.parse(text) as { header: Record<string, unknown> };
        message.header.attributes = { ...(isRecord(message.header.attributes) ? message.header.attributes : {}), request_uuid: randomUUID(), cache_hit: true };
        yield { kind: 'text', text: JSON.stringify(message) };
      }
    },
  };
}
