import { ProtocolError } from './errors';
import { isRecord } from './isRecord';

/** `header.streaming` of every client message. */
export const STREAMING_MODE = 'duplex';

/** The three client actions of the protocol. */
export type ClientAction = 'run-task' | 'continue-task' | 'finish-task';

/** Wire parameters of `run-task` (`payload.parameters`), snake_case as the service expects. */
export type WireParameters = Record<string, unknown> & {
  text_type: 'PlainText';
  voice: string;
  format: string;
  sample_rate: number;
};

/** A client message as sent on the wire. */
export interface ClientMessage {
  header: { action: ClientAction; task_id: string; streaming: typeof STREAMING_MODE };
  payload: Record<string, unknown>;
}

function message(action: ClientAction, taskId: string, payload: Record<string, unknown>): ClientMessage {
  return { header: { action, task_id: taskId, streaming: STREAMING_MODE }, payload };
}

/** Builds the `run-task` message that opens a task. Text is sent later with `continue-task`. */
export function buildRunTask(taskId: string, model: string, parameters: WireParameters): ClientMessage {
  return message('run-task', taskId, { task_group: 'audio', task: 'tts', function: 'SpeechSynthesizer', model, parameters, input: {} });
}

/** Builds a `continue-task` message carrying one text fragment. */
export function buildContinueTask(taskId: string, text: string): ClientMessage {
  return message('continue-task', taskId, { input: { text } });
}

/** Builds the flush message (a `continue-task` with `input.flush: true`): synthesize what is buffered now. */
export function buildFlush(taskId: string): ClientMessage {
  return message('continue-task', taskId, { input: { flush: true } });
}

/** Builds the `finish-task` message: synthesize what is buffered, then send `task-finished`. */
export function buildFinishTask(taskId: string): ClientMessage {
  return message('finish-task', taskId, { input: {} });
}

/** Builds the cancelling `finish-task` (`input.directive: "cancel"`): end now, no further audio. */
export function buildCancelTask(taskId: string): ClientMessage {
  return message('finish-task', taskId, { input: { directive: 'cancel' } });
}

/** One word of a `sentence-end` event (times in ms, indexes into the sentence; `endIndex` exclusive). */
export interface WireWord {
  text: string;
  beginIndex: number;
  endIndex: number;
  beginTime: number;
  endTime: number;
}

/** `payload.usage` of any event. */
export interface Usage {
  /** Billed characters so far in the task (cumulative). */
  characters: number;
}

interface EventBase {
  /** `header.task_id`, echoed from the client. */
  taskId: string;
  /** The frame as parsed JSON, for callers who need a field this type does not name. */
  raw: Record<string, unknown>;
  /** `payload.usage`, on whatever event carries it. */
  usage: Usage | undefined;
}

/** `task-started`: the task accepts text. */
export interface TaskStartedEvent extends EventBase {
  event: 'task-started';
}

/** The sub-type of a `result-generated` event (`payload.output.type`); older servers may omit it. */
export type ResultType = 'sentence-begin' | 'sentence-synthesis' | 'sentence-end';

/** `result-generated`: a sentence began, a chunk of its audio follows, or it ended (with its words). */
export interface ResultGeneratedEvent extends EventBase {
  event: 'result-generated';
  /** `payload.output.type`; `undefined` when the server did not send one. */
  type: ResultType | undefined;
  /** `payload.output.sentence.index` (restarts at 0 for every task); `undefined` when absent. */
  sentenceIndex: number | undefined;
  /** Word timestamps (empty unless `word_timestamp_enabled`). */
  words: WireWord[];
  /** `payload.output.original_text`: the sentence as the server split it. */
  originalText: string | undefined;
}

/** `task-finished`: every sentence is done. */
export interface TaskFinishedEvent extends EventBase {
  event: 'task-finished';
  /** `header.attributes.request_uuid`: the service's id for the request. */
  requestUuid: string | undefined;
}

/** `task-failed`: the task ended with an error (in `header.error_code` / `error_message`). */
export interface TaskFailedEvent extends EventBase {
  event: 'task-failed';
  errorCode: string;
  errorMessage: string;
}

/** An event name this client does not know; kept so callers can see it, ignored by the synthesizer. */
export interface UnknownEvent extends EventBase {
  event: 'unknown';
  name: string;
}

/** Every JSON event the server sends. */
export type ServerEvent = TaskStartedEvent | ResultGeneratedEvent | TaskFinishedEvent | TaskFailedEvent | UnknownEvent;

/** One incoming WebSocket frame, classified. Parsing never throws: bad frames become `invalid`. */
export type ServerFrame =
  | { kind: 'event'; event: ServerEvent }
  | { kind: 'audio'; data: Uint8Array }
  | { kind: 'invalid'; error: ProtocolError };


/**
 * Binary frame data as bytes. Checks the tag rather than `instanceof`, because a socket from another
 * realm (jsdom, an iframe, a worker polyfill) hands over buffers of another `ArrayBuffer` class.
 */
export function binaryToBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const tag = Object.prototype.toString.call(data);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(data as ArrayBuffer);
  if (tag === '[object Uint8Array]' || tag === '[object DataView]' || tag === '[object Buffer]') {
    const view = data as ArrayBufferView;
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  return undefined;
}

function readUsage(payload: Record<string, unknown>): Usage | undefined {
  const usage = payload.usage;
  if (!isRecord(usage)) return undefined;
  const characters = usage.characters;
  return typeof characters === 'number' && Number.isFinite(characters) ? { characters } : undefined;
}

function readWords(value: unknown): WireWord[] {
  if (!Array.isArray(value)) return [];
  const words: WireWord[] = [];
  for (const item of value) {
    if (!isRecord(item)) continue;
    const { text, begin_index, end_index, begin_time, end_time } = item;
    if (typeof text !== 'string') continue;
    if (![begin_time, end_time].every((n) => typeof n === 'number' && Number.isFinite(n))) continue;
    const beginIndex = typeof begin_index === 'number' && Number.isFinite(begin_index) ? begin_index : -1;
    const endIndex = typeof end_index === 'number' && Number.isFinite(end_index) ? end_index : -1;
    words.push({ text, beginIndex, endIndex, beginTime: begin_time as number, endTime: end_time as number });
  }
  return words;
}

const RESULT_TYPES: ReadonlySet<string> = /* @__PURE__ */ new Set(['sentence-begin', 'sentence-synthesis', 'sentence-end']);

function invalid(message: string, frame: string): ServerFrame {
  return { kind: 'invalid', error: new ProtocolError(message, frame) };
}

/**
 * Classifies one frame from the server: binary frames are audio, text frames are JSON events.
 * Tolerant where the protocol is loose (`output: null`, missing `type`, `usage` on any event, extra keys);
 * anything unusable becomes `{ kind: 'invalid', error: ProtocolError }`. Never throws.
 *
 * @example
 * const frame = parseServerFrame(messageEvent.data);
 * if (frame.kind === 'event' && frame.event.event === 'task-started') sendText();
 */
export function parseServerFrame(data: unknown): ServerFrame {
  if (typeof data !== 'string') {
    const bytes = binaryToBytes(data);
    if (bytes) return { kind: 'audio', data: bytes };
    const tag = Object.prototype.toString.call(data);
    // `String(data)` can throw (a null-prototype object); the tag cannot.
    return invalid(`Unsupported frame type: ${tag}`, tag);
  }
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return invalid('Server frame is not valid JSON', data);
  }
  if (!isRecord(json)) return invalid('Server frame is not a JSON object', data);
  const header = json.header;
  if (!isRecord(header)) return invalid('Server frame has no "header" object', data);
  const name = header.event;
  if (typeof name !== 'string') return invalid('Server frame header has no "event" string', data);
  const taskId = typeof header.task_id === 'string' ? header.task_id : '';
  const payload = isRecord(json.payload) ? json.payload : {};
  if (json.payload !== undefined && json.payload !== null && !isRecord(json.payload)) {
    return invalid('Server frame "payload" is not an object', data);
  }
  const base = { taskId, raw: json, usage: readUsage(payload) };
  switch (name) {
    case 'task-started':
      return { kind: 'event', event: { ...base, event: 'task-started' } };
    case 'result-generated': {
      const output = isRecord(payload.output) ? payload.output : {};
      const sentence = isRecord(output.sentence) ? output.sentence : {};
      const type = typeof output.type === 'string' && RESULT_TYPES.has(output.type) ? (output.type as ResultType) : undefined;
      const index = sentence.index;
      return {
        kind: 'event',
        event: {
          ...base,
          event: 'result-generated',
          type,
          sentenceIndex: typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : undefined,
          words: readWords(sentence.words),
          originalText: typeof output.original_text === 'string' ? output.original_text : undefined,
        },
      };
    }
    case 'task-finished': {
      const attributes = isRecord(header.attributes) ? header.attributes : {};
      return {
        kind: 'event',
        event: {
          ...base,
          event: 'task-finished',
          requestUuid: typeof attributes.request_uuid === 'string' ? attributes.request_uuid : undefined,
        },
      };
    }
    case 'task-failed':
      return {
        kind: 'event',
        event: {
          ...base,
          event: 'task-failed',
          errorCode: typeof header.error_code === 'string' ? header.error_code : '',
          errorMessage: typeof header.error_message === 'string' ? header.error_message : 'task failed without a message',
        },
      };
    default:
      return { kind: 'event', event: { ...base, event: 'unknown', name } };
  }
}

/** Serialises a client message for the socket. */
export function serializeClientMessage(message: ClientMessage): string {
  return JSON.stringify(message);
}

/**
 * A random 32-hex-character task id, as the Python SDK makes (`uuid4().hex`).
 * Uses `crypto.getRandomValues` (Node ≥ 19, browsers, workers).
 */
export function createTaskId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
