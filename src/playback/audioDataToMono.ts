/**
 * The first channel of a WebCodecs `AudioData` as a new Float32Array (the service only sends mono;
 * a stereo stream plays its left channel).
 *
 * @example
 * decoder = new AudioDecoder({ output: (data) => { play(audioDataToMono(data), data.sampleRate); data.close(); }, error });
 */
export function audioDataToMono(data: AudioData): Float32Array {
  const out = new Float32Array(data.numberOfFrames);
  data.copyTo(out, { planeIndex: 0, format: 'f32-planar' });
  return out;
}
