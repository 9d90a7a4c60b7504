import { parseMp3FrameHeader } from '../core/AudioDurationCounter';

/** One complete MPEG Layer III frame. */
export interface Mp3Frame {
  data: Uint8Array;
  samples: number;
  sampleRate: number;
  channels: number;
}

/**
 * Splits a streamed MP3 into whole frames by frame sync (skipping an ID3v2 tag at the start and any
 * bytes that are not a frame header), so each can go to WebCodecs as one `EncodedAudioChunk`.
 *
 * @example
 * const splitter = new Mp3FrameSplitter();
 * for (const frame of splitter.push(chunk)) decoder.decode(toChunk(frame));
 */
export class Mp3FrameSplitter {
  #pending: Uint8Array = new Uint8Array(0);
  #started = false;

  push(bytes: Uint8Array): Mp3Frame[] {
    let data = bytes;
    if (this.#pending.byteLength) {
      data = new Uint8Array(this.#pending.byteLength + bytes.byteLength);
      data.set(this.#pending, 0);
      data.set(bytes, this.#pending.byteLength);
    }
    let offset = 0;
    if (!this.#started) {
      if (data.byteLength < 10) {
        this.#pending = data.slice();
        return [];
      }
      if (data[0] === 0x49 && data[1] === 0x44 && data[2] === 0x33) {
        const size = ((data[6]! & 0x7f) << 21) | ((data[7]! & 0x7f) << 14) | ((data[8]! & 0x7f) << 7) | (data[9]! & 0x7f);
        if (data.byteLength < 10 + size) {
          this.#pending = data.slice();
          return [];
        }
        offset = 10 + size;
      }
      this.#started = true;
    }
    const frames: Mp3Frame[] = [];
    while (offset + 4 <= data.byteLength) {
      const header = parseMp3FrameHeader(data, offset);
      if (!header) {
        offset++;
        continue;
      }
      if (offset + header.length > data.byteLength) break;
      frames.push({
        data: data.slice(offset, offset + header.length),
        samples: header.samples,
        sampleRate: header.sampleRate,
        channels: data[offset + 3]! >> 6 === 3 ? 1 : 2,
      });
      offset += header.length;
    }
    this.#pending = data.slice(offset);
    return frames;
  }
}
