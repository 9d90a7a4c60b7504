import { SynthesisError } from 'cosyvoice-react/core';
import { loadOpusDecoder } from 'cosyvoice-react/wasm-decoders';
import { audioDataToMono } from './audioDataToMono';
import { OggPacketReader, opusPacketSamples } from './OggPacketReader';
import { CodecStreamDecoder, type CodecBackend, type CodecDecoderOptions } from './CodecStreamDecoder';
import type { DecoderSink } from './StreamDecoder';

/**
 * Streamed Ogg Opus: WebCodecs `AudioDecoder('opus')` behind a small Ogg demuxer (OpusHead as the
 * `description`, so the decoder applies the pre-skip), or, behind the same demuxer, the `opus-decoder`
 * WASM package, loaded on demand (`cosyvoice-react/wasm-decoders`) where `AudioDecoder` is missing, does
 * not support Opus, fails on the data, or is WebKit's (it killed WebKitGTK's web process on real data, so it
 * is never tried in WebKit engines: Safari, every iOS browser, WebKitGTK).
 *
 * @example
 * const opus = new OpusStreamDecoder({ samples: play, error: fail });
 * opus.push(chunk);
 * await opus.flush();
 */
export class OpusStreamDecoder extends CodecStreamDecoder {
  constructor(sink: DecoderSink, options: CodecDecoderOptions = {}) {
    super(
      sink,
      { label: 'Ogg Opus', probe: { codec: 'opus', sampleRate: 48000, numberOfChannels: 1 }, webCodecsCrashes: isWebKitEngine, webCodecs: webCodecsOpus, wasm: wasmOpus },
      options,
    );
  }
}

// WebKitGTK 2.50 says it supports Opus, then decoding with the OpusHead description and copying the
// AudioData out crashed the web process (3 of 3); Safari shares the engine. A crash cannot be caught or
// probed from the page, so WebKit is told by its user agent: AppleWebKit without Chrome (every iOS
// browser is WebKit too, whatever its name).
function isWebKitEngine(): boolean {
  const userAgent = typeof navigator === 'undefined' ? '' : navigator.userAgent;
  return userAgent.includes('AppleWebKit/') && !/\b(?:Headless)?Chrom(?:e|ium)\//.test(userAgent);
}

/**
 * Ogg Opus bytes in; the OpusHead once, then the audio packets (OpusTags skipped) out. The part both
 * backends share.
 */
class OpusPacketStream {
  #reader = new OggPacketReader();
  #headers: 'none' | 'head' | 'done' = 'none';

  push(bytes: Uint8Array, onHead: (head: Uint8Array) => void, onAudio: (packet: Uint8Array) => void): void {
    for (const packet of this.#reader.push(bytes)) {
      if (this.#headers === 'none') {
        if (!isTag(packet, 'OpusHead')) throw new Error('the stream does not start with an OpusHead packet');
        this.#headers = 'head';
        onHead(packet);
      } else if (this.#headers === 'head' && isTag(packet, 'OpusTags')) {
        this.#headers = 'done';
      } else {
        this.#headers = 'done';
        onAudio(packet);
      }
    }
  }
}

function webCodecsOpus(sink: DecoderSink): CodecBackend {
  const packets = new OpusPacketStream();
  let decoder: AudioDecoder | undefined;
  let position = 0;
  return {
    push(bytes) {
      packets.push(
        bytes,
        (head) => {
          decoder = new AudioDecoder({
            output: (data) => {
              sink.samples(audioDataToMono(data), data.sampleRate);
              data.close();
            },
            error: (cause) => sink.error(new SynthesisError('AudioFailed', `Opus decoding failed: ${cause.message}`, { cause })),
          });
          decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: head[9] ?? 1, description: head });
        },
        (packet) => {
          const samples = opusPacketSamples(packet);
          decoder!.decode(
            new EncodedAudioChunk({ type: 'key', timestamp: Math.round((position * 1e6) / 48000), duration: Math.round((samples * 1e6) / 48000), data: packet }),
          );
          position += samples;
        },
      );
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
  const { OpusDecoder } = await loadOpusDecoder();
  const packets = new OpusPacketStream();
  let decoder: InstanceType<typeof OpusDecoder> | undefined;
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
      packets.push(
        bytes,
        // OpusHead: channel count at byte 9, pre-skip (48 kHz samples to drop) at bytes 10–11.
        (head) => (decoder = new OpusDecoder({ channels: head[9] || 1, preSkip: (head[10] ?? 0) | ((head[11] ?? 0) << 8) })),
        (packet) => {
          const current = decoder!;
          void run(async () => {
            await current.ready;
            if (closed) return;
            const result = current.decodeFrame(packet);
            if (result.errors.length > 0) throw new Error(result.errors[0]!.message);
            const channel = result.channelData[0];
            if (channel && result.samplesDecoded > 0) sink.samples(channel.slice(0, result.samplesDecoded), result.sampleRate);
          });
        },
      );
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
