import { SynthesisError } from 'cosyvoice-react/core';
import { parseWavHeader, type WavHeader } from '../core/AudioDurationCounter';
import { concatBytes } from '../core/concatBytes';
import { Pcm16Decoder } from './Pcm16Decoder';
import type { DecoderSink, StreamDecoder } from './StreamDecoder';

/**
 * The header of the WAV at the start of `data` (`'need-more'` until it is complete), or the error for a
 * WAV the players cannot play (anything but 16-bit mono). Shared by the WAV decoder and the silent player.
 */
export function readPlayableWavHeader(data: Uint8Array): WavHeader | 'need-more' | SynthesisError {
  const header = parseWavHeader(data);
  if (header === 'need-more') return header;
  if (header === 'invalid' || header.bitsPerSample !== 16 || header.channels !== 1) {
    return new SynthesisError('AudioFailed', 'The audio is not 16-bit mono WAV; cannot play it.');
  }
  return header;
}

/**
 * Streamed WAV: the RIFF header arrives once, in the first bytes (possibly split across chunks); its
 * `data` size is a placeholder in a stream and is ignored. Everything after it is 16-bit PCM.
 *
 * @example
 * const wav = new WavDecoder({ samples: play, error: fail });
 * wav.push(firstChunk); // header + samples
 */
export class WavDecoder implements StreamDecoder {
  readonly kind = 'pcm' as const;
  #pcm: Pcm16Decoder;
  #sink: DecoderSink;
  #head: Uint8Array | undefined = new Uint8Array(0);

  constructor(sink: DecoderSink, fallbackSampleRate = 24000) {
    this.#sink = sink;
    this.#pcm = new Pcm16Decoder(fallbackSampleRate, sink);
  }

  push(bytes: Uint8Array): void {
    if (this.#head === undefined) {
      this.#pcm.push(bytes);
      return;
    }
    const data = concatBytes([this.#head, bytes]);
    const header = readPlayableWavHeader(data);
    if (header === 'need-more') {
      this.#head = data;
      return;
    }
    this.#head = undefined;
    if (header instanceof SynthesisError) {
      this.#sink.error(header);
      this.close();
      return;
    }
    this.#pcm.setSampleRate(header.sampleRate);
    this.#pcm.push(data.subarray(header.dataOffset));
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.#pcm.close();
  }
}

