import { SynthesisError } from 'cosyvoice-react/core';
import { audioDataToMono } from './audioDataToMono';
import { OggPacketReader, opusPacketSamples } from './OggPacketReader';
import { CodecStreamDecoder, type CodecBackend, type CodecDecoderOptions } from './CodecStreamDecoder';
import type { DecoderSink } from './StreamDecoder';

/**
 * Streamed Ogg Opus: WebCodecs `AudioDecoder('opus')` behind a small Ogg demuxer (OpusHead as the
 * `description`, so the decoder applies the pre-skip), or, behind the same demuxer, the `opus-decoder`
 * WASM package, loaded by dynamic import only where `AudioDecoder` is missing or does not support Opus.
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

// The same demuxer as the WebCodecs path feeding `opus-decoder` packet by packet: a page is decoded as soon
// as it is complete (a whole-file Ogg parser would hold it until the next page begins, a frame late).
async function wasmOpus(sink: DecoderSink): Promise<CodecBackend> {
  const { OpusDecoder } = await import('opus-decoder');
  const reader = new OggPacketReader();
  let decoder: InstanceType<typeof OpusDecoder> | undefined;
  let headers = 0;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  const run = (step: () => Promise<void>): Promise<void> => {
    chain = chain.then(step).catch((cause: unknown) => {
      if (!closed) sink.error(new SynthesisError('AudioFailed', `Ogg Opus decoding failed: ${String(cause)}`, { cause }));
    });
    return chain;
  };
  return {
    push(bytes) {
      for (const packet of reader.push(bytes)) {
        if (headers === 0) {
          if (!isTag(packet, 'OpusHead')) throw new Error('the stream does not start with an OpusHead packet');
          // OpusHead: channel count at byte 9, pre-skip (48 kHz samples to drop) at bytes 10–11.
          decoder = new OpusDecoder({ channels: packet[9] || 1, preSkip: (packet[10] ?? 0) | ((packet[11] ?? 0) << 8) });
          headers = 1;
          continue;
        }
        if (headers === 1 && isTag(packet, 'OpusTags')) {
          headers = 2;
          continue;
        }
        headers = 2;
        const current = decoder!;
        void run(async () => {
          await current.ready;
          if (closed) return;
          const result = current.decodeFrame(packet);
          if (result.errors.length > 0) throw new Error(result.errors[0]!.message);
          const channel = result.channelData[0];
          if (channel && result.samplesDecoded > 0) sink.samples(channel.slice(0, result.samplesDecoded), result.sampleRate);
        });
      }
    },
    flush() {
      // opus-decoder keeps nothing back: every complete packet is already decoded or queued here.
      return run(async () => undefined);
    },
    close() {
      closed = true;
      // Freed once it is ready (freeing a decoder still loading throws); a load that failed has nothing to free.
      const current = decoder;
      void chain
        .then(() => current?.ready)
        .then(() => current?.free())
        .catch(() => undefined);
    },
  };
}

function isTag(packet: Uint8Array, tag: string): boolean {
  if (packet.byteLength < tag.length) return false;
  for (let i = 0; i < tag.length; i++) if (packet[i] !== tag.charCodeAt(i)) return false;
  return true;
}
