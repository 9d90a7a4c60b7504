const HALF_TAPS = 16;

/**
 * Band-limited (windowed-sinc) sample-rate conversion for a stream of mono float chunks. Downsampling
 * low-passes below the new Nyquist frequency, so 22 050 Hz speech becomes clean 8 000 Hz audio. `end()`
 * drains the filter so the output has exactly `round(inputSamples × outRate / inRate)` samples, which
 * keeps sentence lengths (and word times) exact.
 *
 * @example
 * const resampler = new StreamingResampler(22050, 48000);
 * const a = resampler.push(chunk);
 * const tail = resampler.end();
 */
export class StreamingResampler {
  readonly #step: number; // input samples per output sample
  readonly #cutoff: number;
  readonly #width: number;
  #input = new Float32Array(0);
  #inputStart = 0; // absolute index of #input[0]
  #received = 0;
  #produced = 0;

  constructor(readonly inRate: number, readonly outRate: number) {
    this.#step = inRate / outRate;
    this.#cutoff = Math.min(1, outRate / inRate) * 0.95;
    this.#width = Math.ceil(HALF_TAPS / this.#cutoff);
  }

  /** Adds input; returns the output samples that can be computed so far. */
  push(samples: Float32Array): Float32Array {
    if (this.inRate === this.outRate) {
      this.#received += samples.length;
      this.#produced += samples.length;
      return samples;
    }
    const merged = new Float32Array(this.#input.length + samples.length);
    merged.set(this.#input, 0);
    merged.set(samples, this.#input.length);
    this.#input = merged;
    this.#received += samples.length;
    return this.#run(this.#received - this.#width, Number.POSITIVE_INFINITY);
  }

  /** Drains the filter: the remaining output, so the total is exact. */
  end(): Float32Array {
    if (this.inRate === this.outRate) return new Float32Array(0);
    const total = Math.round((this.#received * this.outRate) / this.inRate);
    return this.#run(Number.POSITIVE_INFINITY, total);
  }

  #run(availableUntil: number, limit: number): Float32Array {
    const out: number[] = [];
    const input = this.#input;
    const start = this.#inputStart;
    const width = this.#width;
    const cutoff = this.#cutoff;
    while (this.#produced < limit) {
      const t = this.#produced * this.#step;
      const center = Math.floor(t);
      if (center + width >= availableUntil) break;
      let sum = 0;
      for (let j = center - width + 1; j <= center + width; j++) {
        const index = j - start;
        if (index < 0 || index >= input.length) continue;
        const x = t - j;
        const windowed = 0.5 + 0.5 * Math.cos((Math.PI * x) / width); // Hann
        const arg = Math.PI * cutoff * x;
        const sinc = arg === 0 ? 1 : Math.sin(arg) / arg;
        sum += input[index]! * cutoff * sinc * windowed;
      }
      out.push(sum);
      this.#produced++;
    }
    // Drop input no future output sample needs.
    const keepFrom = Math.floor(this.#produced * this.#step) - width;
    if (keepFrom > start) {
      const drop = Math.min(input.length, keepFrom - start);
      this.#input = input.subarray(drop).slice();
      this.#inputStart = start + drop;
    }
    return Float32Array.from(out);
  }
}
