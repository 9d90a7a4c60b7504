import { once } from 'node:events';
import WebSocket from 'ws';
import { findAudioFormat, type ServerEvent } from 'cosyvoice-react/core';
import { AudioDurationCounter } from '../../src/core/AudioDurationCounter';
import { parseServerFrame } from '../../src/core/protocol';

/** One frame as a raw client saw it. */
export type RawFrame = { kind: 'event'; event: ServerEvent; json: Record<string, any> } | { kind: 'audio'; data: Uint8Array };

/** A raw WebSocket client for protocol-level assertions: sends JSON, records every frame in order. */
export class RawClient {
  readonly frames: RawFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  #waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.binaryType = 'arraybuffer';
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.frames.push({ kind: 'audio', data: new Uint8Array(data as ArrayBuffer) });
      else {
        const frame = parseServerFrame(data.toString());
        if (frame.kind === 'event') this.frames.push({ kind: 'event', event: frame.event, json: JSON.parse(data.toString()) });
      }
      this.#wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
    const socket = new WebSocket(url, { headers });
    const client = new RawClient(socket);
    await once(socket, 'open');
    return client;
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  events(): Array<Extract<RawFrame, { kind: 'event' }>> {
    return this.frames.filter((f): f is Extract<RawFrame, { kind: 'event' }> => f.kind === 'event');
  }

  /** Resolves when `predicate` holds over the frames (or rejects after `ms`). */
  async until(predicate: (client: RawClient) => boolean, ms = 8000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(this.events().map((e) => e.json.header.event + ':' + (e.json.payload?.output?.type ?? '')))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for an event of this name for this task. */
  async waitFor(event: string, taskId?: string, ms?: number): Promise<Record<string, any>> {
    await this.until((c) => c.events().some((e) => e.json.header.event === event && (!taskId || e.json.header.task_id === taskId)), ms);
    return this.events().find((e) => e.json.header.event === event && (!taskId || e.json.header.task_id === taskId))!.json;
  }

  async waitClosed(ms = 5000): Promise<{ code: number; reason: string }> {
    await this.until((c) => c.closed !== undefined, ms);
    return this.closed!;
  }

  close(): void {
    this.socket.terminate();
  }
}

/**
 * A task id of the protocol's shape (32 hex digits) that still reads as `label` in a failure: the label's
 * UTF-8 bytes in hex, padded with zeros (labels of up to 16 bytes). Hex keeps prefixes, so
 * `taskId('flood')` is a prefix of `taskId('flood-1')`.
 */
export function taskId(label: string): string {
  const hex = Buffer.from(label, 'utf8').toString('hex');
  if (hex.length > 32) throw new Error(`task label ${label} is over 16 bytes`);
  return hex.padEnd(32, '0');
}

export const MODEL = 'cosyvoice-v3-flash';
export const VOICE = 'longanyang';

/** A full run-task message as the Python SDK sends it. */
export function runTask(taskId: string, parameters: Record<string, unknown> = {}, model = MODEL): Record<string, unknown> {
  return {
    header: { action: 'run-task', task_id: taskId, streaming: 'duplex' },
    payload: {
      task_group: 'audio',
      task: 'tts',
      function: 'SpeechSynthesizer',
      model,
      parameters: { text_type: 'PlainText', voice: VOICE, format: 'pcm', sample_rate: 16000, volume: 50, rate: 1, pitch: 1, seed: 0, type: 0, ...parameters },
      input: {},
    },
  };
}

export function continueTask(taskId: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { header: { action: 'continue-task', task_id: taskId, streaming: 'duplex' }, payload: { ...extra, input: { text } } };
}

export function finishTask(taskId: string, input: Record<string, unknown> = {}): Record<string, unknown> {
  return { header: { action: 'finish-task', task_id: taskId, streaming: 'duplex' }, payload: { input } };
}

/** Concatenates byte chunks. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Audio length in ms as a client counts it. */
export function durationMs(audio: Uint8Array, format: string, sampleRate: number): number {
  const counter = new AudioDurationCounter(findAudioFormat(format, sampleRate)!);
  counter.push(audio);
  return counter.durationMs;
}

/** Every Ogg page in a byte stream (fails on a broken capture pattern or CRC). */
export function oggPages(data: Uint8Array): Array<{ headerType: number; granule: number; sequence: number; body: Uint8Array }> {
  const pages = [];
  let offset = 0;
  while (offset < data.length) {
    const tag = String.fromCharCode(...data.subarray(offset, offset + 4));
    if (tag !== 'OggS') throw new Error(`no Ogg page at ${offset}`);
    const view = new DataView(data.buffer, data.byteOffset + offset);
    const segments = data[offset + 26]!;
    let bodyLength = 0;
    for (let i = 0; i < segments; i++) bodyLength += data[offset + 27 + i]!;
    const length = 27 + segments + bodyLength;
    const page = data.slice(offset, offset + length);
    const expected = view.getUint32(22, true);
    new DataView(page.buffer).setUint32(22, 0, true);
    if (oggCrc(page) !== expected) throw new Error(`bad CRC in page ${pages.length}`);
    pages.push({
      headerType: data[offset + 5]!,
      granule: view.getUint32(6, true) + view.getInt32(10, true) * 2 ** 32,
      sequence: view.getUint32(18, true),
      body: data.slice(offset + 27 + segments, offset + length),
    });
    offset += length;
  }
  return pages;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let r = i << 24;
  for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  return r >>> 0;
});
function oggCrc(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) & 0xff) ^ byte]!) >>> 0;
  return crc >>> 0;
}

/** RMS of 16-bit little-endian PCM. */
export function pcmRms(pcm: Uint8Array): number {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength - (pcm.byteLength % 2));
  let sum = 0;
  const n = view.byteLength / 2;
  for (let i = 0; i < n; i++) sum += (view.getInt16(i * 2, true) / 32768) ** 2;
  return n ? Math.sqrt(sum / n) : 0;
}

/** The HTTP status an upgrade is refused with (rejects if the upgrade succeeds). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('error', () => undefined);
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      socket.terminate();
      reject(new Error(`upgrade to ${url} unexpectedly succeeded`));
    });
  });
}
