import { SynthesisError } from 'cosyvoice-react/core';
import { audioDataToMono } from './audioDataToMono';
import { Mp3FrameSplitter } from './Mp3FrameSplitter';
import type { CodecDecoderOptions } from './OpusStreamDecoder';
import type { DecoderSink, StreamDecoder } from './StreamDecoder';

interface Backend {
  push(bytes: Uint8Array): void;
  flush(): Promise<void>;
  close(): void;
}

/**
 * Streamed MP3: frame sync → WebCodecs `AudioDecoder('mp3')` one frame per chunk, or the
 * `mpg123-decoder` WASM package (dynamic import) where WebCodecs is missing or lacks MP3. Neither trims
 * the encoder delay, so decoded lengths match the frame count the core's `AudioDurationCounter` uses
 * for word times.
 *
 * @example
 * const mp3 = new Mp3StreamDecoder({ samples: play, error: fail });
 * mp3.push(chunk);
 */
export class Mp3StreamDecoder implements StreamDecoder {
  #kind: 'webcodecs' | 'wasm';
  #sink: DecoderSink;
  #backend: Backend | undefined;
  #ready: Promise<Backend | undefined>;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(sink: DecoderSink, options: CodecDecoderOptions & { sampleRate?: number } = {}) {
    this.#sink = sink;
    const webCodecs = !options.forceWasm && typeof AudioDecoder !== 'undefined';
    this.#kind = webCodecs ? 'webcodecs' : 'wasm';
    this.#ready = this.#open(webCodecs, options.sampleRate ?? 24000).then(
      (backend) => {
        if (this.#closed) backend.close();
        else this.#backend = backend;
        return this.#closed ? undefined : backend;
      },
      (cause: unknown) => {
        this.#fail(cause);
        return undefined;
      },
    );
  }

  get kind(): 'webcodecs' | 'wasm' {
    return this.#kind;
  }

  async #open(webCodecs: boolean, sampleRate: number): Promise<Backend> {
    if (webCodecs) {
      const support = await AudioDecoder.isConfigSupported({ codec: 'mp3', sampleRate, numberOfChannels: 1 }).catch(() => undefined);
      if (support?.supported) return webCodecsMp3(this.#sink);
      this.#kind = 'wasm';
    }
    return wasmMp3(this.#sink);
  }

  #fail(cause: unknown): void {
    if (this.#closed) return;
    this.#sink.error(new SynthesisError('AudioFailed', `MP3 decoding failed: ${String(cause)}`, { cause }));
  }

  push(bytes: Uint8Array): void {
    if (this.#closed) return;
    if (this.#backend) {
      try {
        this.#backend.push(bytes);
      } catch (cause) {
        this.#fail(cause);
      }
      return;
    }
    const copy = bytes.slice();
    this.#chain = this.#chain.then(async () => (await this.#ready)?.push(copy)).catch((cause: unknown) => this.#fail(cause));
  }

  flush(): Promise<void> {
    this.#chain = this.#chain.then(async () => (await this.#ready)?.flush()).catch((cause: unknown) => this.#fail(cause));
    return this.#chain;
  }

  close(): void {
    this.#closed = true;
    this.#backend?.close();
  }
}

function webCodecsMp3(sink: DecoderSink): Backend {
  const splitter = new Mp3FrameSplitter();
  let decoder: AudioDecoder | undefined;
  let configured = '';
  let position = 0;
  return {
    push(bytes) {
      for (const frame of splitter.push(bytes)) {
        const key = `${frame.sampleRate}/${frame.channels}`;
        if (!decoder) {
          decoder = new AudioDecoder({
            output: (data) => {
              sink.samples(audioDataToMono(data), data.sampleRate);
              data.close();
            },
            error: (cause) => sink.error(new SynthesisError('AudioFailed', `MP3 decoding failed: ${cause.message}`, { cause })),
          });
        }
        if (key !== configured) {
          decoder.configure({ codec: 'mp3', sampleRate: frame.sampleRate, numberOfChannels: frame.channels });
          configured = key;
        }
        decoder.decode(
          new EncodedAudioChunk({
            type: 'key',
            timestamp: Math.round((position * 1e6) / frame.sampleRate),
            duration: Math.round((frame.samples * 1e6) / frame.sampleRate),
            data: frame.data,
          }),
        );
        position += frame.samples;
      }
    },
    async flush() {
      if (decoder && decoder.state === 'configured') await decoder.flush();
    },
    close() {
      if (decoder && decoder.state !== 'closed') decoder.close();
    },
  };
}

async function wasmMp3(sink: DecoderSink): Promise<Backend> {
  const { MPEGDecoder } = await import('mpg123-decoder');
  // Gapless trimming would make decoded audio shorter than the frame count word times are based on.
  const decoder = new MPEGDecoder({ enableGapless: false });
  await decoder.ready;
  return {
    push(bytes) {
      const result = decoder.decode(bytes);
      const channel = result.channelData[0];
      if (channel && result.samplesDecoded > 0) sink.samples(channel.slice(0, result.samplesDecoded), result.sampleRate);
    },
    async flush() {},
    close() {
      decoder.free();
    },
  };
}
