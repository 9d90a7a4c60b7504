// This class is also shipped as a string (`TIME_STRETCHER_SOURCE`, generated from this file by
// scripts/generate-time-stretcher-source.mjs) to be pasted into the AudioWorklet's source. So it stays
// self-contained: no imports, no module-level helpers, no `#private` fields or class-field initialisers
// (a transpiler would turn them into calls to helpers that the worklet does not have).

/** Options of {@link TimeStretcher}; the defaults suit speech. */
export interface TimeStretcherOptions {
  /**
   * Output ms between two segment joins at rates up to 1 (also the crossfade length); above 1 it shrinks
   * as 1/∛rate (15 → 11.9 ms at 2×), so the heard position never runs far ahead of the reported one.
   * Longer repeats whole pitch periods of low voices more cleanly at slow rates.
   * @default 15
   */
  hopMs?: number;
  /**
   * How far (ms) either side of its nominal place a segment may be taken from, to join it in phase with
   * what precedes it. Should cover half the longest pitch period expected (8 ms: voices down to ~65 Hz).
   * @default 8
   */
  searchMs?: number;
}

/**
 * A streaming time-stretcher for mono speech (WSOLA): changes the speed of audio while keeping its
 * pitch. Push source samples, pull output samples at the current rate (0.5–2, changeable between any
 * two pulls without a click), and read which source position each output sample plays — the position
 * the heard-audio clock and the word highlight follow.
 *
 * At rate 1 it is an exact passthrough: the output is the input, bit for bit, with no added latency.
 * Otherwise the output is a chain of source segments, a new one every hop (15 ms of output, less above
 * 1×), each taken where it best continues the one before (normalised cross-correlation within ±8 ms of
 * its nominal place, never behind it) and faded in over one hop (sin²/cos², the halves of a Hann
 * window) while the one before fades out. A rate change applies from the next join (at most one hop of
 * output later). The position is exact at every join and linear in between.
 *
 * @example
 * const stretcher = new TimeStretcher(24000);
 * stretcher.setRate(1.5);
 * stretcher.push(samples);             // Float32Array at 24 kHz; copied
 * const out = new Float32Array(128);
 * const written = stretcher.pull(out); // fewer than 128 while more input is needed
 * stretcher.position;                  // the source frame the next output sample plays
 */
export class TimeStretcher {
  /** Source (and output) samples per second. */
  declare readonly sampleRate: number;
  /** How many samples either side of its nominal place a segment may be taken from. */
  declare readonly searchRadius: number;
  // Hop length (samples) at rates up to 1, the longest there is.
  declare private baseHop: number;

  // Source samples kept: buffer[i] is source frame base + i, valid for i < length.
  declare private buffer: Float32Array;
  declare private base: number;
  declare private length: number;
  // First source frame of the stream (a seek starts elsewhere than 0): nothing exists before it.
  declare private origin: number;
  declare private ended: boolean;
  declare private done: boolean;
  declare private speed: number;
  declare private stretching: boolean;
  // Passthrough: the next source frame to output.
  declare private readAt: number;
  // Stretching: where the current segment has got to at the end of its fade-in (the source frame the
  // next hop continues from), the length of that hop, and the segment's nominal start.
  declare private segmentEnd: number;
  declare private lastHop: number;
  declare private nominal: number;
  // Stretching: the current hop's output, the source frame its first sample plays, how far the position
  // moves over the whole hop, and the hop's length (a last hop may be cut shorter: hopLength).
  declare private hop: Float32Array;
  declare private hopFrom: number;
  declare private hopAdvance: number;
  declare private hopSpan: number;
  declare private hopLength: number;
  declare private hopIndex: number;
  // The search's grid (samples) and its running sums of squares.
  declare private searchStep: number;
  declare private sums: Float64Array;
  // What nextHop started from, to prepare the same hop again at another rate.
  declare private preparedFromHop: number;
  declare private preparedFromNominal: number;
  // sin² over `fadeLength` samples.
  declare private fade: Float32Array;
  declare private fadeLength: number;

  /**
   * @param sampleRate Samples per second of the audio that will be pushed.
   * @param options Hop and search lengths; the defaults suit speech.
   */
  constructor(sampleRate: number, options: TimeStretcherOptions = {}) {
    if (!(sampleRate >= 1000 && sampleRate <= 384000)) {
      throw new RangeError(`TimeStretcher sampleRate must be between 1000 and 384000 Hz, received ${sampleRate}`);
    }
    const hopMs = options.hopMs === undefined ? 15 : options.hopMs;
    const searchMs = options.searchMs === undefined ? 8 : options.searchMs;
    if (!(hopMs >= 2 && hopMs <= 100)) throw new RangeError(`TimeStretcher hopMs must be between 2 and 100, received ${hopMs}`);
    if (!(searchMs >= 0 && searchMs <= 50)) throw new RangeError(`TimeStretcher searchMs must be between 0 and 50, received ${searchMs}`);
    this.sampleRate = sampleRate;
    this.baseHop = Math.max(8, Math.round((sampleRate * hopMs) / 1000));
    this.searchRadius = Math.round((sampleRate * searchMs) / 1000);
    this.fade = new Float32Array(this.baseHop);
    this.fadeLength = 0;
    this.hop = new Float32Array(this.baseHop);
    this.searchStep = Math.max(1, Math.round(sampleRate / 12000));
    this.sums = new Float64Array(2 * this.searchRadius + this.baseHop + 2);
    this.buffer = new Float32Array(Math.max(4096, 4 * (this.baseHop + this.searchRadius)));
    this.speed = 1;
    this.reset(0);
  }

  /** Playback rate: source seconds per output second (2 = twice as fast). */
  get rate(): number {
    return this.speed;
  }

  /**
   * Sets the rate, from 0.5 to 2. Takes effect at once when leaving rate 1, else at the next segment
   * join (at most one hop of output later); the output stays continuous either way.
   */
  setRate(rate: number): void {
    if (!(rate >= 0.5 && rate <= 2)) throw new RangeError(`TimeStretcher rate must be between 0.5 and 2, received ${rate}`);
    if (rate === this.speed) return;
    this.speed = rate;
    if (this.stretching && this.hopIndex === 0 && this.hopLength > 0) {
      // The next hop was prepared at the old rate and nothing of it was heard yet: prepare it again.
      this.segmentEnd = this.hopFrom;
      this.lastHop = this.preparedFromHop;
      this.nominal = this.preparedFromNominal;
      this.hopLength = 0;
      this.done = false;
    }
    this.prepare();
  }

  /** Output samples between segment joins at the current rate (0 at rate 1: no joins). */
  get hopSize(): number {
    return this.speed === 1 ? 0 : this.hopFor(this.speed);
  }

  /**
   * The source frame (fractional while stretching) that the next output sample plays: frames of the
   * stream heard so far, counted from the `startFrame` of the last {@link reset}. It moves by
   * {@link slope} per output sample for the next {@link framesToJoin} samples.
   */
  get position(): number {
    if (!this.stretching) return this.readAt;
    const position = this.hopFrom + (this.hopAdvance * this.hopIndex) / this.hopSpan;
    return this.done ? Math.min(position, this.base + this.length) : position;
  }

  /**
   * Source frames per output sample from {@link position} on, until the next join: 1 at rate 1, the
   * current segment's own advance while stretching (near the rate), 0 once finished. Where the next
   * segment cannot be chosen yet (its look-ahead has not arrived), the rate.
   */
  get slope(): number {
    if (!this.stretching) return this.finished ? 0 : 1;
    if (this.hopIndex < this.hopLength) return this.hopAdvance / this.hopSpan;
    return this.done ? 0 : this.speed;
  }

  /**
   * Output samples for which {@link slope} holds: up to the next segment join (Infinity at rate 1, where
   * there are none; 0 where the next segment cannot be chosen yet). A clock anchored at every join, with
   * the position and slope read there, follows the heard source position exactly.
   */
  get framesToJoin(): number {
    if (!this.stretching) return Infinity;
    return this.hopLength - this.hopIndex;
  }

  /** Source frames pushed and not yet played (from {@link position} to the last frame pushed). */
  get buffered(): number {
    return Math.max(0, this.base + this.length - this.position);
  }

  /** True once {@link end} was called and every output sample has been pulled. */
  get finished(): boolean {
    if (!this.ended) return false;
    if (!this.stretching) return this.readAt >= this.base + this.length;
    return this.done && this.hopIndex >= this.hopLength;
  }

  /** Forgets all audio and starts a new stream whose first frame is `startFrame`; keeps the rate. */
  reset(startFrame = 0): void {
    this.base = startFrame;
    this.origin = startFrame;
    this.length = 0;
    this.ended = false;
    this.done = false;
    this.stretching = false;
    this.readAt = startFrame;
    this.segmentEnd = startFrame;
    this.lastHop = this.baseHop;
    this.nominal = startFrame;
    this.preparedFromHop = this.baseHop;
    this.preparedFromNominal = startFrame;
    this.hopFrom = startFrame;
    this.hopAdvance = 0;
    this.hopSpan = 1;
    this.hopLength = 0;
    this.hopIndex = 0;
    this.prepare();
  }

  /** Appends source samples (copied: the array can be reused or transferred afterwards). */
  push(samples: Float32Array): void {
    if (this.ended) throw new Error('TimeStretcher.push after end(): reset() starts a new stream');
    const n = samples.length;
    if (n === 0) return;
    this.reserve(n);
    this.buffer.set(samples, this.length);
    this.length += n;
    this.prepare();
  }

  /** Marks the end of the stream: the tail that was held back for look-ahead can now be pulled. */
  end(): void {
    if (this.ended) return;
    // Silence after the end, so look-ahead reads past it need no bounds checks.
    const pad = 2 * (this.baseHop + this.searchRadius) + 2;
    this.reserve(pad);
    this.buffer.fill(0, this.length, this.length + pad);
    this.ended = true;
    this.prepare();
  }

  /**
   * Writes up to `count` output samples into `out` from `offset`, and returns how many it wrote: fewer
   * while more input is needed (or none is left after {@link end}). When `positions` is given, it
   * receives at the same offsets the source frame each written sample plays.
   */
  pull(out: Float32Array, offset = 0, count = out.length - offset, positions?: Float64Array): number {
    let written = 0;
    while (written < count) {
      this.prepare();
      if (!this.stretching) {
        const from = this.readAt - this.base;
        const n = Math.min(count - written, this.length - from);
        if (n <= 0) break;
        const at = offset + written;
        for (let i = 0; i < n; i++) out[at + i] = this.buffer[from + i]!;
        if (positions) for (let i = 0; i < n; i++) positions[at + i] = this.readAt + i;
        this.readAt += n;
        written += n;
        continue;
      }
      if (this.hopIndex >= this.hopLength) break;
      const n = Math.min(count - written, this.hopLength - this.hopIndex);
      const at = offset + written;
      const start = this.hopIndex;
      for (let i = 0; i < n; i++) out[at + i] = this.hop[start + i]!;
      if (positions) {
        const step = this.hopAdvance / this.hopSpan;
        for (let i = 0; i < n; i++) positions[at + i] = this.hopFrom + step * (start + i);
      }
      this.hopIndex += n;
      written += n;
    }
    // Choose the next segment now (when its look-ahead is there), so slope and framesToJoin describe
    // the next sample; setRate prepares it again if the rate changes before it is heard.
    this.prepare();
    return written;
  }

  // Brings the state to "the next output sample is known" where the input allows: leaves or returns to
  // passthrough as the rate says, or chooses the next segment at a join.
  private prepare(): void {
    if (!this.stretching) {
      if (this.speed !== 1) this.startStretching();
      else return;
    }
    if (this.hopIndex < this.hopLength || this.done) return;
    if (this.speed === 1) {
      // The current segment simply continues in the source: back to passthrough, seamlessly.
      this.stretching = false;
      this.readAt = this.segmentEnd;
      return;
    }
    this.nextHop();
  }

  private hopFor(rate: number): number {
    return rate <= 1 ? this.baseHop : Math.max(8, Math.round(this.baseHop / Math.cbrt(rate)));
  }

  // Leaves passthrough as if a segment had just been faded in whose continuation is the next frame.
  private startStretching(): void {
    const hop = this.hopFor(this.speed);
    this.stretching = true;
    this.segmentEnd = this.readAt;
    this.lastHop = hop;
    this.nominal = this.readAt - hop;
    this.hopFrom = this.readAt;
    this.hopAdvance = 0;
    this.hopSpan = 1;
    this.hopLength = 0;
    this.hopIndex = 0;
  }

  // Picks the next segment and renders one hop: the current segment's continuation fading out while
  // the new segment fades in. Does nothing while the look-ahead it needs has not arrived.
  private nextHop(): void {
    const hop = this.hopFor(this.speed);
    const radius = this.searchRadius;
    const end = this.base + this.length;
    const from = this.segmentEnd;
    if (this.ended && from >= end) {
      this.done = true;
      this.hopFrom = from;
      this.hopAdvance = 0;
      this.hopLength = 0;
      this.hopIndex = 0;
      return;
    }
    this.preparedFromHop = this.lastHop;
    this.preparedFromNominal = this.nominal;
    const nominal = this.nominal + this.speed * this.lastHop;
    const center = Math.round(nominal);
    // Hard limits: from `from - hop` on (the position never moves backwards over the hop), nothing before
    // the stream or after its end.
    const first = Math.max(from - hop, this.origin);
    const last = this.ended ? Math.max(first, end) : Infinity;
    const lo = Math.min(Math.max(center - radius, first), last);
    const hi = Math.min(Math.max(center + radius, first), last);
    if (!this.ended && Math.max(from, hi) + hop > end) return;

    const buffer = this.buffer;
    const base = this.base;
    const target = from - base;
    let best = Math.min(Math.max(center, lo), hi);
    if (hi > lo) best = this.search(target, lo - base, hi - base, hop, nominal - base) + base;

    const out = this.hop;
    if (best === from) {
      for (let j = 0; j < hop; j++) out[j] = buffer[target + j]!;
    } else {
      if (this.fadeLength !== hop) {
        for (let j = 0; j < hop; j++) this.fade[j] = Math.sin((Math.PI * j) / (2 * hop)) ** 2;
        this.fadeLength = hop;
      }
      const fade = this.fade;
      const fresh = best - base;
      for (let j = 0; j < hop; j++) {
        const a = buffer[target + j]!;
        out[j] = a + (buffer[fresh + j]! - a) * fade[j]!;
      }
    }
    this.hopFrom = from;
    this.hopAdvance = best + hop - from;
    this.hopSpan = hop;
    this.hopIndex = 0;
    this.hopLength = hop;
    if (this.ended && this.hopAdvance > 0 && from + this.hopAdvance >= end) {
      // The last hop: stop where the position reaches the end of the source.
      this.hopLength = Math.min(hop, Math.ceil(((end - from) * hop) / this.hopAdvance));
      this.done = true;
    }
    this.segmentEnd = best + hop;
    this.lastHop = hop;
    this.nominal = nominal;
  }

  // The start (buffer index, lo…hi) of the segment that best continues the one at `target`: normalised
  // cross-correlation over one hop, slightly favouring the nominal place so that equally good joins (a
  // pitch period apart) keep the segments close to where they belong. Coarse to fine: every `step`-th
  // candidate on every `step`-th sample (a 12 kHz grid), then every candidate around the best of those.
  private search(target: number, lo: number, hi: number, hop: number, nominal: number): number {
    const buffer = this.buffer;
    const sums = this.sums;
    // sums[i] = energy of buffer[lo … lo + i): any candidate's energy in O(1).
    sums[0] = 0;
    for (let i = 0, n = hi - lo + hop; i < n; i++) sums[i + 1] = sums[i]! + buffer[lo + i]! * buffer[lo + i]!;
    let targetEnergy = 0;
    for (let i = 0; i < hop; i++) targetEnergy += buffer[target + i]! * buffer[target + i]!;
    if (targetEnergy < 1e-9) return Math.min(Math.max(Math.round(nominal), lo), hi);
    const bias = 0.02 / (this.searchRadius || 1);
    const step = this.searchStep;
    let best = lo;
    for (let pass = step === 1 ? 1 : 0; pass < 2; pass++) {
      // Pass 0: the coarse grid over lo…hi; pass 1: every candidate around its best (or all, at step 1).
      const grid = pass === 0 ? step : 1;
      const first = pass === 0 || step === 1 ? lo : Math.max(lo, best - step + 1);
      const last = pass === 0 || step === 1 ? hi : Math.min(hi, best + step - 1);
      let bestScore = -Infinity;
      for (let c = first; c <= last; c += grid) {
        const energy = (sums[c - lo + hop]! - sums[c - lo]!) * targetEnergy;
        const score = (energy > 1e-18 ? (this.correlate(c, target, hop, grid) * grid) / Math.sqrt(energy) : 0) - bias * Math.abs(c - nominal);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
    }
    return best;
  }

  // Σ buffer[a + i]·buffer[b + i] over i = 0, step, 2·step … < n, in two sums (half the dependency
  // chain: about twice as fast in V8).
  private correlate(a: number, b: number, n: number, step: number): number {
    const buffer = this.buffer;
    let even = 0;
    let odd = 0;
    let i = 0;
    for (const last = n - step; i < last; i += 2 * step) {
      even += buffer[a + i]! * buffer[b + i]!;
      odd += buffer[a + i + step]! * buffer[b + i + step]!;
    }
    for (; i < n; i += step) even += buffer[a + i]! * buffer[b + i]!;
    return even + odd;
  }

  // Makes room for n more samples: drops what no future hop can read, then grows if still short.
  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    // Enough to choose the next segment, or the prepared one again at another rate.
    const keepFrom = this.stretching
      ? Math.min(this.hopFrom - this.baseHop, Math.floor(this.preparedFromNominal) - this.searchRadius)
      : this.readAt - this.baseHop;
    const drop = Math.min(this.length, Math.max(0, keepFrom - this.base));
    if (drop > 0) {
      this.buffer.copyWithin(0, drop, this.length);
      this.base += drop;
      this.length -= drop;
    }
    if (this.length + n > this.buffer.length) {
      const grown = new Float32Array(Math.max(2 * this.buffer.length, this.length + n));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
  }
}
