import { requireFromHere } from './loadModule';
import { wavHeader } from './wavHeader';

/** A stateful encoder for one task's audio stream. */
export interface StreamEncoder {
  /** Encodes mono float samples at the task's rate; returns the bytes to send now (possibly none). */
  encode(samples: Float32Array): Uint8Array[];
  /** A sentence ended: pushes out everything buffered, so the stream holds the whole sentence. */
  endSentence(): Uint8Array[];
  /** Frees the encoder (safe to call twice). */
  close(): void;
  /**
   * How much later a sample is heard than its position as counted from the stream's frames (mp3
   * encoder + decoder delay, Opus pre-skip remainder), in ms. Word times add it so they match what is heard.
   */
  readonly latencyMs: number;
}

function toPcm16(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    view.setInt16(i * 2, Math.round(s < 0 ? s * 0x8000 : s * 0x7fff), true);
  }
  return out;
}

function pcmEncoder(sampleRate: number, withHeader: boolean): StreamEncoder {
  let first = withHeader;
  return {
    latencyMs: 0,
    encode(samples) {
      if (samples.length === 0 && !first) return [];
      const pcm = toPcm16(samples);
      if (!first) return [pcm];
      first = false;
      const header = wavHeader(sampleRate);
      const out = new Uint8Array(header.length + pcm.length);
      out.set(header, 0);
      out.set(pcm, header.length);
      return [out];
    },
    endSentence: () => [],
    close() {},
  };
}

interface Mp3Encoder {
  configure(params: { sampleRate: number; channels: 1; bitrate: number }): void;
  encode(samples: readonly Float32Array[]): Uint8Array;
  finalize(): Uint8Array;
}

// LAME's encoder delay (576) plus the MP3 decoder's delay (528 + 1): audio starts this many samples into the frames.
const MP3_DELAY_SAMPLES = 1105;

async function mp3Encoder(sampleRate: number, bitRate: number): Promise<StreamEncoder> {
  const { createMp3Encoder } = (await import('wasm-media-encoders')) as unknown as { createMp3Encoder(): Promise<Mp3Encoder> };
  const encoder = await createMp3Encoder();
  const configure = (): void => encoder.configure({ sampleRate, channels: 1, bitrate: bitRate });
  configure();
  let fresh = true;
  const take = (bytes: Uint8Array): Uint8Array[] => (bytes.length ? [bytes.slice()] : []);
  return {
    latencyMs: (MP3_DELAY_SAMPLES / sampleRate) * 1000,
    encode(samples) {
      if (samples.length === 0) return [];
      fresh = false;
      return take(encoder.encode([samples]));
    },
    endSentence() {
      if (fresh) return [];
      // Each sentence is finalized and the encoder restarted, so a sentence's audio is complete in the
      // stream when its sentence-end goes out (MP3 frames of consecutive encodes concatenate cleanly).
      const out = take(encoder.finalize());
      configure();
      fresh = true;
      return out;
    },
    close() {},
  };
}

interface OpusModule {
  isReady: boolean;
  onready?: () => void;
}
interface OggPage {
  page: Uint8Array;
}
interface OggOpusEncoderInstance {
  sampleBufferIndex: number;
  resampleBufferLength: number;
  encoderBufferLength: number;
  resampler: unknown;
  framesInPage: number;
  headerType: number;
  encode(buffers: Float32Array[]): OggPage[];
  generateIdPage(): OggPage;
  generateCommentPage(): OggPage;
  generatePage(): OggPage;
  getChecksum(data: Uint8Array): number;
  destroy(): void;
}
type OggOpusEncoderConstructor = new (config: Record<string, number>, module: OpusModule) => OggOpusEncoderInstance;

let opusModule: Promise<{ Module: OpusModule; OggOpusEncoder: OggOpusEncoderConstructor }> | undefined;

function loadOpus(): Promise<{ Module: OpusModule; OggOpusEncoder: OggOpusEncoderConstructor }> {
  opusModule ??= (async () => {
    const Module = requireFromHere('opus-encdec/dist/libopus-encoder.wasm.js') as OpusModule;
    if (!Module.isReady) await new Promise<void>((resolve) => (Module.onready = resolve));
    const { OggOpusEncoder } = requireFromHere('opus-encdec/src/oggOpusEncoder.js') as { OggOpusEncoder: OggOpusEncoderConstructor };
    return { Module, OggOpusEncoder };
  })();
  return opusModule;
}

const OPUS_RATES = new Set([8000, 12000, 16000, 24000, 48000]);
// libopus lookahead at 48 kHz (2.5 ms + 4 ms delay compensation), and the speex resampler's delay when used.
const OPUS_LOOKAHEAD = 312;
const SPEEX_DELAY = 52;

async function opusEncoder(sampleRate: number, bitRateKbps: number): Promise<StreamEncoder> {
  const { Module, OggOpusEncoder } = await loadOpus();
  const encoderSampleRate = OPUS_RATES.has(sampleRate) ? sampleRate : 48000;
  const encoder = new OggOpusEncoder(
    {
      originalSampleRate: sampleRate,
      encoderSampleRate,
      numberOfChannels: 1,
      encoderApplication: 2048, // voice
      encoderBitRate: bitRateKbps * 1000,
      encoderFrameSize: 20,
      maxFramesPerPage: 40,
    },
    Module,
  );
  const preSkip = OPUS_LOOKAHEAD + (encoderSampleRate === sampleRate ? 0 : SPEEX_DELAY);
  let header: Uint8Array[] | undefined;
  {
    // opus-encdec writes a fixed 80 ms pre-skip; the real encoder delay is much shorter, so patch it
    // (the OpusHead packet starts after the 27-byte page header and 1-byte segment table) and re-sign.
    const id = encoder.generateIdPage().page.slice();
    new DataView(id.buffer).setUint16(28 + 10, preSkip, true);
    new DataView(id.buffer).setUint32(22, 0, true);
    new DataView(id.buffer).setUint32(22, encoder.getChecksum(id), true);
    const comment = encoder.generateCommentPage().page.slice();
    encoder.headerType = 0;
    header = [id, comment];
  }
  let closed = false;
  const pages = (produced: OggPage[]): Uint8Array[] => {
    const out = header ?? [];
    header = undefined;
    for (const page of produced) out.push(page.page.slice());
    // Flush the page now rather than after 40 frames, so audio leaves as soon as it is encoded.
    if (encoder.framesInPage > 0) out.push(encoder.generatePage().page.slice());
    return out;
  };
  return {
    // Readers count (granule − pre-skip); decoded audio starts pre-skip later than that count.
    latencyMs: preSkip / 48,
    encode(samples) {
      if (closed || samples.length === 0) return [];
      return pages(encoder.encode([samples]));
    },
    endSentence() {
      if (closed || encoder.sampleBufferIndex === 0) return pages([]);
      // Pad the current 20 ms frame with silence so the whole sentence is encoded now.
      const frame = encoder.resampler ? encoder.resampleBufferLength : encoder.encoderBufferLength;
      return pages(encoder.encode([new Float32Array(frame - encoder.sampleBufferIndex)]));
    },
    close() {
      if (closed) return;
      closed = true;
      encoder.destroy();
    },
  };
}

/**
 * The encoder for a task's output: `pcm` (s16le), `wav` (header in the first chunk only), `mp3`
 * (LAME via `wasm-media-encoders`) or `opus` (Ogg Opus via `opus-encdec`, honouring `bitRate`).
 *
 * @example
 * const encoder = await createStreamEncoder('mp3', 22050, 256);
 * for (const bytes of encoder.encode(samples)) socket.send(bytes);
 */
export async function createStreamEncoder(format: 'pcm' | 'wav' | 'mp3' | 'opus', sampleRate: number, bitRate: number): Promise<StreamEncoder> {
  switch (format) {
    case 'pcm':
      return pcmEncoder(sampleRate, false);
    case 'wav':
      return pcmEncoder(sampleRate, true);
    case 'mp3':
      return mp3Encoder(sampleRate, bitRate);
    case 'opus':
      return opusEncoder(sampleRate, bitRate);
  }
}
