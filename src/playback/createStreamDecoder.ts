import { resolveAudioFormat, type AudioFormatSpec } from 'cosyvoice-react/core';
import { Mp3StreamDecoder } from './Mp3StreamDecoder';
import type { CodecDecoderOptions } from './CodecStreamDecoder';
import { OpusStreamDecoder } from './OpusStreamDecoder';
import { Pcm16Decoder } from './Pcm16Decoder';
import type { DecoderSink, StreamDecoder } from './StreamDecoder';
import { WavDecoder } from './WavDecoder';

/**
 * The decoder for a service format: PCM16 and WAV in JS, Ogg Opus and MP3 through WebCodecs with a
 * WASM fallback. `AudioFormat.DEFAULT` resolves to MP3 at 22 050 Hz, as the service does.
 *
 * @example
 * const decoder = createStreamDecoder(AudioFormat.OGG_OPUS_24KHZ_MONO_32KBPS, { samples: play, error: fail });
 */
export function createStreamDecoder(format: AudioFormatSpec, sink: DecoderSink, options: CodecDecoderOptions = {}): StreamDecoder {
  const resolved = resolveAudioFormat(format);
  switch (resolved.format) {
    case 'pcm':
      return new Pcm16Decoder(resolved.sampleRate, sink);
    case 'wav':
      return new WavDecoder(sink, resolved.sampleRate);
    case 'opus':
      return new OpusStreamDecoder(sink, options);
    case 'mp3':
      return new Mp3StreamDecoder(sink, { ...options, sampleRate: resolved.sampleRate });
  }
}
