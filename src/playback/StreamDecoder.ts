import type { SynthesisError } from 'cosyvoice-react/core';

/** Where a decoder delivers mono Float32 samples (at the source rate) and failures. */
export interface DecoderSink {
  samples(samples: Float32Array, sampleRate: number): void;
  error(error: SynthesisError): void;
}

/**
 * Turns a stream of encoded chunks (split anywhere, as the WebSocket delivers them) into mono Float32
 * samples, in order. One decoder per utterance; `close()` it on stop so late outputs go nowhere.
 *
 * @example
 * const decoder = createStreamDecoder(AudioFormat.PCM_24000HZ_MONO_16BIT, { samples: play, error: fail });
 * decoder.push(chunk);
 * await decoder.flush();
 */
export interface StreamDecoder {
  /** Which implementation decodes: raw PCM, WebCodecs `AudioDecoder`, or the WASM fallback. */
  readonly kind: 'pcm' | 'webcodecs' | 'wasm';
  push(bytes: Uint8Array): void;
  /** Resolves when everything pushed so far has been delivered to the sink. */
  flush(): Promise<void>;
  close(): void;
}
