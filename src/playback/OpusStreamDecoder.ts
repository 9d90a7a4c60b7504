import { SynthesisError } from 'cosyvoice-react/core';
import { audioDataToMono } from './audioDataToMono';
import { OggPacketReader, opusPacketSamples } from './OggPacketReader';
import { CodecStreamDecoder, type CodecBackend, type CodecDecoderOptions } from './CodecStreamDecoder';
import type { DecoderSink } from './StreamDecoder';

/**
 * Streamed Ogg Opus: WebCodecs `AudioDecoder('opus')` behind a small Ogg demuxer (OpusHead as the
 * `description`, so the decoder applies the pre-skip), or the `ogg-opus-decoder` WASM package, loaded by
 * dynamic import only where `AudioDecoder` is missing or does not support Opus.
 *
 * @example
 * const opus = new OpusStreamDecoder({ samples: play, error: fail });
 * opus.push(chunk);
 * await opus.flush();
 */
export class OpusStreamDecoder extends CodecStreamDecoder {
  constructor(sink: DecoderSink, options: CodecDecoderOptions = {}) {
    super(sink, { label: 'Ogg Opus', probe: { codec: 'opus', sampleRate: 48000, numberOfChannels: 1 }, webCodecs: webCodecsOpus, wasm: wasmOpus }, options);
  }
}

function webCodecsOpus(sink: DecoderSink): CodecBackend {
  const reader = new OggPacketReader();
  let decoder: AudioDecoder | undefined;
  let headers = 0;
  let position = 0;
  return {
    push(bytes) {
      for (const packet of reader.push(bytes)) {
        if (headers === 0) {
          if (!isTag(packet, 'OpusHead')) throw new Error('the stream does not start with an OpusHead packet');
          decoder = new AudioDecoder({
            output: (data) => {
              sink.samples(audioDataToMono(data), data.sampleRate);
              data.close();
            },
            error: (cause) => sink.error(new SynthesisError('AudioFailed', `Opus decoding failed: ${cause.message}`, { cause })),
          });
          decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: packet[9] ?? 1, description: packet });
          headers = 1;
          continue;
        }
        if (headers === 1 && isTag(packet, 'OpusTags')) {
          headers = 2;
          continue;
        }
        headers = 2;
        const samples = opusPacketSamples(packet);
        decoder!.decode(
          new EncodedAudioChunk({ type: 'key', timestamp: Math.round((position * 1e6) / 48000), duration: Math.round((samples * 1e6) / 48000), data: packet }),
        );
        position += samples;
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

async function wasmOpus(sink: DecoderSink): Promise<CodecBackend> {
  const { OggOpusDecoder } = await import('ogg-opus-decoder');
  const decoder = new OggOpusDecoder();
  await decoder.ready;
  let closed = false;
  // decode() is asynchronous in this package (its typings say otherwise): keep calls in order.
  let chain: Promise<void> = Promise.resolve();
  const deliver = (result: { channelData: Float32Array[]; samplesDecoded: number; sampleRate: number }): void => {
    const channel = result.channelData[0];
    if (!closed && channel && result.samplesDecoded > 0) sink.samples(channel.slice(0, result.samplesDecoded), result.sampleRate);
  };
  const run = (step: () => Promise<unknown> | unknown): Promise<void> => {
    chain = chain
      .then(async () => {
        if (!closed) deliver((await step()) as Parameters<typeof deliver>[0]);
      })
      .catch((cause: unknown) => {
        if (!closed) sink.error(new SynthesisError('AudioFailed', `Ogg Opus decoding failed: ${String(cause)}`, { cause }));
      });
    return chain;
  };
  return {
    push(bytes) {
      const copy = bytes.slice();
      void run(() => decoder.decode(copy));
    },
    flush() {
      return run(() => decoder.flush());
    },
    close() {
      closed = true;
      void chain.then(() => decoder.free());
    },
  };
}

function isTag(packet: Uint8Array, tag: string): boolean {
  if (packet.byteLength < tag.length) return false;
  for (let i = 0; i < tag.length; i++) if (packet[i] !== tag.charCodeAt(i)) return false;
  return true;
}
