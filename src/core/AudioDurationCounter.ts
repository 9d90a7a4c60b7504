import { resolveAudioFormat, type AudioFormatSpec } from './AudioFormat';
import { concatBytes } from './concatBytes';
import { scanOggPages } from './scanOggPages';

/**
 * Measures how much audio a stream of encoded chunks holds without decoding it: PCM by bytes, WAV after
 * its header, MP3 by frame headers, Ogg Opus by page granule positions. The synthesizer uses it to know
 * where each sentence's audio begins, which word times are relative to.
 *
 * @example
 * const counter = new AudioDurationCounter(AudioFormat.PCM_24000HZ_MONO_16BIT);
 * counter.push(chunk);
 * counter.durationMs; // audio so far
 */
export class AudioDurationCounter {
  readonly #container: 'wav' | 'mp3' | 'pcm' | 'opus';
  #sampleRate: number;
  #samples = 0;
  #pending: Uint8Array = new Uint8Array(0);
  #headerDone = false;
  #bytesPerFrame = 2;
  #opusPreSkip = 0;
  #opusGranule = 0;
  #partialMs = 0;

  constructor(format: AudioFormatSpec) {
    const resolved = resolveAudioFormat(format);
    this.#container = resolved.format;
    this.#sampleRate = resolved.sampleRate;
  }

  /** Audio counted so far, in milliseconds. */
  get durationMs(): number {
    if (this.#container === 'opus') return Math.max(0, this.#opusGranule - this.#opusPreSkip) / 48 + this.#partialMs;
    return (this.#samples / this.#sampleRate) * 1000 + this.#partialMs;
  }

  /** Adds one chunk as received from the service. */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    const data = this.#pending.byteLength ? concatBytes([this.#pending, chunk]) : chunk;
    switch (this.#container) {
      case 'pcm':
        this.#pending = this.#countPcm(data);
        break;
      case 'wav':
        this.#pending = this.#countWav(data);
        break;
      case 'mp3':
        this.#pending = this.#countMp3(data);
        break;
      case 'opus':
        this.#pending = this.#countOgg(data);
        break;
    }
  }

  #countPcm(data: Uint8Array): Uint8Array {
    const whole = data.byteLength - (data.byteLength % this.#bytesPerFrame);
    this.#samples += whole / this.#bytesPerFrame;
    return data.byteLength === whole ? new Uint8Array(0) : data.slice(whole);
  }

  #countWav(data: Uint8Array): Uint8Array {
    if (this.#headerDone) return this.#countPcm(data);
    const header = parseWavHeader(data);
    // A header that never completes (hostile or corrupt sizes) must not make us buffer forever.
    if (header === 'need-more' && data.byteLength <= MAX_HEADER_BYTES) return data.slice();
    if (header === 'need-more') {
      this.#headerDone = true;
      return this.#countPcm(data.subarray(Math.min(44, data.byteLength)));
    }
    if (header === 'invalid') {
      this.#headerDone = true;
      return this.#countPcm(data);
    }
    this.#headerDone = true;
    this.#sampleRate = header.sampleRate;
    this.#bytesPerFrame = Math.max(1, (header.bitsPerSample / 8) * header.channels);
    return this.#countPcm(data.subarray(header.dataOffset));
  }

  #countMp3(data: Uint8Array): Uint8Array {
    let offset = 0;
    this.#partialMs = 0;
    if (!this.#headerDone && data.byteLength >= 10 && data[0] === 0x49 && data[1] === 0x44 && data[2] === 0x33) {
      const size = ((data[6]! & 0x7f) << 21) | ((data[7]! & 0x7f) << 14) | ((data[8]! & 0x7f) << 7) | (data[9]! & 0x7f);
      if (size <= MAX_HEADER_BYTES) {
        if (data.byteLength < 10 + size) return data.slice();
        offset = 10 + size;
      }
    }
    this.#headerDone = true;
    while (offset + 4 <= data.byteLength) {
      const frame = parseMp3FrameHeader(data, offset);
      if (!frame) {
        offset++;
        continue;
      }
      if (offset + frame.length > data.byteLength) {
        // Count the part of a frame already here so sentence offsets do not lag by up to a frame.
        this.#partialMs = (((data.byteLength - offset) / frame.length) * frame.samples * 1000) / frame.sampleRate;
        break;
      }
      this.#sampleRate = frame.sampleRate;
      this.#samples += frame.samples;
      offset += frame.length;
    }
    return data.slice(offset);
  }

  #countOgg(data: Uint8Array): Uint8Array {
    const consumed = scanOggPages(data, (_type, granule, _lacing, bodyStart, end) => {
      if (end - bodyStart >= 12 && data[bodyStart] === 0x4f && data[bodyStart + 1] === 0x70 && data[bodyStart + 4] === 0x48 && data[bodyStart + 5] === 0x65) {
        this.#opusPreSkip = new DataView(data.buffer, data.byteOffset + bodyStart).getUint16(10, true); // "OpusHead"
      }
      this.#opusGranule = Math.max(this.#opusGranule, granule);
    });
    return data.slice(consumed);
  }

}

// Streamed TTS headers are tiny; anything claiming more is treated as corrupt rather than waited for.
const MAX_HEADER_BYTES = 64 * 1024;

/** Fields of a WAV header and where its sample data starts. */
export interface WavHeader {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  dataOffset: number;
}

/**
 * Reads a RIFF/WAVE header (the streamed `data` size may be a placeholder, so it is not used).
 * Returns `'need-more'` when the header is not complete yet, `'invalid'` when it is not WAV.
 */
export function parseWavHeader(data: Uint8Array): WavHeader | 'need-more' | 'invalid' {
  if (data.byteLength < 12) return 'need-more';
  const tag = (at: number): string => String.fromCharCode(data[at]!, data[at + 1]!, data[at + 2]!, data[at + 3]!);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return 'invalid';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 12;
  let sampleRate = 0;
  let channels = 1;
  let bitsPerSample = 16;
  while (offset + 8 <= data.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    if (id === 'data') return sampleRate ? { sampleRate, channels, bitsPerSample, dataOffset: offset + 8 } : 'invalid';
    if (size > MAX_HEADER_BYTES) return 'invalid';
    if (id === 'fmt ') {
      if (offset + 24 > data.byteLength) return 'need-more';
      channels = view.getUint16(offset + 10, true);
      sampleRate = view.getUint32(offset + 12, true);
      bitsPerSample = view.getUint16(offset + 22, true);
    }
    offset += 8 + size + (size % 2);
  }
  return 'need-more';
}

const MP3_BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MP3_BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MP3_SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** One MPEG audio Layer III frame header: its byte length, sample count and sample rate. */
export function parseMp3FrameHeader(data: Uint8Array, offset: number): { length: number; samples: number; sampleRate: number } | undefined {
  if (data[offset] !== 0xff || (data[offset + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (data[offset + 1]! >> 3) & 0x03; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
  const layer = (data[offset + 1]! >> 1) & 0x03; // 1 = Layer III
  if (version === 1 || layer !== 1) return undefined;
  const bitrateIndex = data[offset + 2]! >> 4;
  const rateIndex = (data[offset + 2]! >> 2) & 0x03;
  const padding = (data[offset + 2]! >> 1) & 0x01;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const sampleRate = MP3_SAMPLE_RATES[version]![rateIndex]!;
  const bitrate = (version === 3 ? MP3_BITRATES_V1_L3 : MP3_BITRATES_V2_L3)[bitrateIndex]! * 1000;
  const samples = version === 3 ? 1152 : 576;
  const length = Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  return length > 4 ? { length, samples, sampleRate } : undefined;
}
