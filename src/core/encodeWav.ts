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
  // The 44-byte header as eleven little-endian 32-bit words (the four-letter tags read backwards).
  [
    0x46464952, // "RIFF"
    36 + dataLength,
    0x45564157, // "WAVE"
    0x20746d66, // "fmt "
    16, // fmt chunk size
    0x00010001, // PCM, mono
    sampleRate,
    sampleRate * 2, // bytes per second
    0x00100002, // block align 2, 16 bits per sample
    0x61746164, // "data"
    dataLength,
  ].forEach((word, index) => view.setUint32(index * 4, word, true));
  out.set(samples.subarray(0, dataLength), 44);
  return out;
}
