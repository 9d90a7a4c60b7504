import { concatBytes } from '../core/concatBytes';
import { scanOggPages } from '../core/scanOggPages';

/**
 * A minimal Ogg demuxer: bytes in (split anywhere), complete packets out, joined across page
 * boundaries by the lacing values. Only one logical stream is expected (what the service sends).
 *
 * @example
 * const reader = new OggPacketReader();
 * for (const packet of reader.push(chunk)) decode(packet); // OpusHead, OpusTags, then audio packets
 */
export class OggPacketReader {
  #pending: Uint8Array = new Uint8Array(0);
  #partial: Uint8Array[] = [];

  push(bytes: Uint8Array): Uint8Array[] {
    const data = this.#pending.byteLength ? concatBytes([this.#pending, bytes]) : bytes;
    const packets: Uint8Array[] = [];
    const consumed = scanOggPages(data, (headerType, _granule, lacing, bodyStart) => {
      if ((headerType & 0x01) === 0) this.#partial = []; // not a continuation: drop any orphan
      let position = bodyStart;
      for (const size of lacing) {
        this.#partial.push(data.slice(position, position + size));
        position += size;
        if (size < 255) {
          packets.push(this.#partial.length === 1 ? this.#partial[0]! : concatBytes(this.#partial));
          this.#partial = [];
        }
      }
    });
    this.#pending = data.slice(consumed);
    return packets;
  }
}

/** Duration of one Opus packet in 48 kHz samples, from its TOC byte (RFC 6716 §3.1). */
export function opusPacketSamples(packet: Uint8Array): number {
  const toc = packet[0];
  if (toc === undefined) return 0;
  const config = toc >> 3;
  const frame = config < 12 ? [480, 960, 1920, 2880][config & 3]! : config < 16 ? [480, 960][config & 1]! : [120, 240, 480, 960][config & 3]!;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code < 3 ? 2 : (packet[1] ?? 0) & 0x3f;
  return frame * frames;
}
