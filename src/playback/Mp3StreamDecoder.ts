import { SynthesisError } from 'cosyvoice-react/core';
import { loadMpegDecoder } from 'cosyvoice-react/wasm-decoders';
import { audioDataToMono } from './audioDataToMono';
import { Mp3FrameSplitter } from './Mp3FrameSplitter';
import { CodecStreamDecoder, type CodecBackend, type CodecDecoderOptions } from './CodecStreamDecoder';
import type { DecoderSink } from './StreamDecoder';

/**
 * Streamed MP3: frame sync → WebCodecs `AudioDecoder('mp3')` one frame per chunk, or the
 * `mpg123-decoder` WASM package (loaded on demand, `cosyvoice-react/wasm-decoders`) where WebCodecs is
 * missing or lacks MP3. Neither trims the encoder delay, so decoded lengths match the frame count the
 * core's `AudioDurationCounter` uses for word times.
 *
 * @example
 * const mp3 = new Mp3StreamDecoder({ samples: play, error: fail });
 * mp3.push(chunk);
 */
export class Mp3StreamDecoder extends CodecStreamDecoder {
  constructor(sink: DecoderSink, options: CodecDecoderOptions & { sampleRate?: number } = {}) {
    super(sink, { label: 'MP3', probe: { codec: 'mp3', sampleRate: options.sampleRate ?? 24000, numberOfChannels: 1 }, webCodecs: webCodecsMp3, wasm: wasmMp3 }, options);
  }
}

function webCodecsMp3(sink: DecoderSink): CodecBackend {
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

async function wasmMp3(sink: DecoderSink): Promise<CodecBackend> {
  const { MPEGDecoder } = await loadMpegDecoder();
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
