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
    const data = this.#pending.byteLength ? concat([this.#pending, bytes]) : bytes;
    const packets: Uint8Array[] = [];
    let offset = 0;
    while (offset + 27 <= data.byteLength) {
      if (data[offset] !== 0x4f || data[offset + 1] !== 0x67 || data[offset + 2] !== 0x67 || data[offset + 3] !== 0x53) {
        offset++;
        continue;
      }
      const segments = data[offset + 26]!;
      if (offset + 27 + segments > data.byteLength) break;
      let bodyLength = 0;
      for (let i = 0; i < segments; i++) bodyLength += data[offset + 27 + i]!;
      if (offset + 27 + segments + bodyLength > data.byteLength) break;
      if ((data[offset + 5]! & 0x01) === 0) this.#partial = []; // not a continuation: drop any orphan
      let position = offset + 27 + segments;
      for (let i = 0; i < segments; i++) {
        const lacing = data[offset + 27 + i]!;
        this.#partial.push(data.slice(position, position + lacing));
        position += lacing;
        if (lacing < 255) {
          packets.push(this.#partial.length === 1 ? this.#partial[0]! : concat(this.#partial));
          this.#partial = [];
        }
      }
      offset = position;
    }
    this.#pending = data.slice(offset);
    return packets;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
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
