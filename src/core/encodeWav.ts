import { concatBytes } from './concatBytes';

/**
 * Wraps 16-bit mono PCM in a WAV header, so raw `pcm` audio can be downloaded and played as a file.
 *
 * @example
 * const file = encodeWav(pcmChunks, 24000); // Uint8Array of a .wav file
 */
export function encodeWav(chunks: readonly Uint8Array[], sampleRate: number): Uint8Array {
  const samples = concatBytes(chunks);
  const dataLength = samples.byteLength - (samples.byteLength % 2);
  const out = new Uint8Array(44 + dataLength);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string): void => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataLength, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataLength, true);
  out.set(samples.subarray(0, dataLength), 44);
  return out;
}
