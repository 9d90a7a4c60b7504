import { concatBytes } from './concatBytes';
import { isRecord } from './isRecord';

const MAGIC = 0x43565231; // "CVR1"
const TEXT = 0;
const AUDIO = 1;
const FINISHED = 2;
/** Every stored event starts like this, then the task id, then the stored rest. */
const EVENT_PREFIX = '{"header":{"task_id":"';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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
 * What a synthesis cache key is a SHA-256 of: the scope (whose account, which endpoint), the model, every
 * parameter sent (keys sorted at every level) except `pre_task_id`, and the exact text. Anything that
 * can change the audio is in it. The proxy's cache and the browser's utterance cache hash the same
 * material, so a key means the same synthesis on both sides.
 *
 * @example
 * const material = synthesisKeyMaterial(scope, 'cosyvoice-v3-flash', { voice: 'longanyang', format: 'mp3' }, 'Hello.');
 */
export function synthesisKeyMaterial(scope: string, model: string, parameters: Readonly<Record<string, unknown>>, text: string): string {
  const relevant = Object.fromEntries(Object.entries(parameters).filter(([name]) => !NOT_IN_KEY.has(name)));
  return canonicalJson(['cosyvoice-react/synthesis-cache/1', scope, model, relevant, text]);
}

/**
 * Records one task's frames for a synthesis cache as they pass: the `result-generated` events and audio
 * in order, then `task-finished`. What is stored carries no task id and no request id (a replay writes
 * the listener's own task id and a fresh request id) and `usage.characters` of 0 (what a replay bills);
 * the billed count of the original is kept apart. Stops, and stores nothing, past `maxBytes`.
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
    // A copy: the caller may hand its buffer on (e.g. transfer it to an audio worklet).
    this.#parts.push(head, body.slice());
  }

  /** A `result-generated` event (parsed). */
  event(message: Record<string, unknown>): void {
    this.#push(TEXT, encoder.encode(storedEvent(message)));
  }

  /** An audio frame. */
  audio(data: Uint8Array): void {
    this.#push(AUDIO, data);
  }

  /** The task finished: the entry's bytes, or `undefined` when it passed its cap. */
  finish(finished: Record<string, unknown>): Uint8Array | undefined {
    const billed = usageCharacters(finished) ?? 0;
    this.#push(FINISHED, encoder.encode(storedEvent(finished)));
    if (this.#overflow) return undefined;
    const meta = encoder.encode(JSON.stringify({ characters: billed }));
    const head = new Uint8Array(8);
    const view = new DataView(head.buffer);
    view.setUint32(0, MAGIC);
    view.setUint32(4, meta.byteLength);
    return concatBytes([head, meta, ...this.#parts]);
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
  /**
   * The frames for `taskId`: events with that task id, `task-finished` with `requestId` (a fresh one
   * by default: there was no service request) and `cache_hit: true`. Audio frames are copies.
   */
  frames(taskId: string, requestId?: string): Generator<ReplayFrame>;
}

/** A random UUID (v4 layout) from `crypto.getRandomValues`, which every runtime here has. */
function randomUuid(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Reads a stored entry; `undefined` for bytes that are not one (a store shared with something else, or damaged). */
export function readCachedSynthesis(entry: Uint8Array): CachedSynthesis | undefined {
  if (entry.byteLength < 8) return undefined;
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  if (view.getUint32(0) !== MAGIC) return undefined;
  const metaLength = view.getUint32(4);
  if (8 + metaLength > entry.byteLength) return undefined;
  let meta: { characters?: unknown };
  try {
    meta = JSON.parse(decoder.decode(entry.subarray(8, 8 + metaLength))) as { characters?: unknown };
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
    characters: isRecord(meta) && typeof meta.characters === 'number' ? meta.characters : 0,
    *frames(taskId: string, requestId: string = randomUuid()): Generator<ReplayFrame> {
      let at = start;
      while (at < entry.byteLength) {
        const kind = entry[at]!;
        const length = view.getUint32(at + 1);
        const body = entry.subarray(at + 5, at + 5 + length);
        at += 5 + length;
        if (kind === AUDIO) {
          yield { kind: 'audio', data: body.slice() };
          continue;
        }
        const text = `${EVENT_PREFIX}${taskId}${decoder.decode(body)}`;
        if (kind === TEXT) {
          yield { kind: 'text', text };
          continue;
        }
        const message = JSON.parse(text) as { header: Record<string, unknown> };
        message.header.attributes = { ...(isRecord(message.header.attributes) ? message.header.attributes : {}), request_uuid: requestId, cache_hit: true };
        yield { kind: 'text', text: JSON.stringify(message) };
      }
    },
  };
}
