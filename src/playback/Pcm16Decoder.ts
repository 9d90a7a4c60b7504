import type { DecoderSink, StreamDecoder } from './StreamDecoder';

/**
 * Little-endian 16-bit mono PCM → Float32. A byte split across two chunks is carried over, and samples
 * are read with `DataView.getInt16(…, true)` so the host's byte order does not matter.
 *
 * @example
 * const pcm = new Pcm16Decoder(24000, { samples: (s, rate) => play(s, rate), error: console.error });
 * pcm.push(new Uint8Array([0x00, 0x40, 0x00])); // one sample (0.5), one byte carried
 */
export class Pcm16Decoder implements StreamDecoder {
  readonly kind = 'pcm' as const;
  #sampleRate: number;
  #sink: DecoderSink;
  #carry: number | undefined;
  #closed = false;

  constructor(sampleRate: number, sink: DecoderSink) {
    this.#sampleRate = sampleRate;
    this.#sink = sink;
  }

  /** Changes the rate of the following samples (a WAV header was read). */
  setSampleRate(sampleRate: number): void {
    this.#sampleRate = sampleRate;
  }

  push(bytes: Uint8Array): void {
    if (this.#closed || bytes.byteLength === 0) return;
    const carry = this.#carry;
    const total = bytes.byteLength + (carry === undefined ? 0 : 1);
    const count = total >> 1;
    const out = new Float32Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let read = 0;
    let i = 0;
    if (carry !== undefined && count > 0) {
      const value = (bytes[0]! << 8) | carry;
      out[i++] = (value >= 0x8000 ? value - 0x10000 : value) / 32768;
      read = 1;
    }
    for (; i < count; i++, read += 2) out[i] = view.getInt16(read, true) / 32768;
    this.#carry = read < bytes.byteLength ? bytes[read] : undefined;
    if (count > 0) this.#sink.samples(out, this.#sampleRate);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.#closed = true;
  }
}
