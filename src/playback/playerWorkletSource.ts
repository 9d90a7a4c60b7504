import { TIME_STRETCHER_SOURCE } from './timeStretcherSource';

/** The name the player's processor registers under (`registerProcessor`). */
export const PLAYER_PROCESSOR_NAME = 'cosyvoice-player';

/**
 * Source of the AudioWorklet processor behind {@link createAudioPlayer}, as a string so it can be loaded
 * from a Blob URL without a separate file. Self-host it (write this string to a `.js` file served from
 * your origin and pass `workletUrl`) when a strict CSP forbids `blob:` and `data:` script URLs.
 *
 * Messages in (`port.postMessage`):
 * - `{ type: 'format', srcRate }` — sample rate of the following `pcm` samples
 * - `{ type: 'pcm', epoch, samples: Float32Array }` — mono samples at `srcRate` (transfer the buffer)
 * - `{ type: 'eos', epoch }` — no more samples for this epoch: play the tail, then report `ended` (if
 *   nothing is left — it came during a stall, or while paused — at once, or on `resume`)
 * - `{ type: 'flush', epoch, startFrame }` — drop everything queued at once; the new epoch's
 *   position starts at `startFrame` source frames (0, or where a seek goes)
 * - `{ type: 'pause' }`, `{ type: 'resume' }`
 * - `{ type: 'speed', rate }` — playback rate, 0.5–2, pitch kept (a WSOLA time-stretch before the
 *   resampler; exact passthrough at 1); applies from the next segment join (≤ 15 ms) and stays across
 *   epochs
 *
 * Messages out: `{ type: 'pos', epoch, played, ctxTime, state, rate, wall }` — at context time `ctxTime`,
 * `played` source frames of this epoch had been output, advancing at `rate` source frames per second
 * from then on (0 while idle, underrun, paused or ended). Sent on every state change (with the exact
 * in-quantum time), every ~25 ms while playing, and at every segment join of a stretch where the
 * speed of the source position changes (so the clock is exact between two reports at any rate). `state` is `'idle' | 'playing' | 'underrun' |
 * 'paused' | 'ended'`; `wall` is `Date.now()` at a state change (0 otherwise).
 *
 * @example
 * const url = URL.createObjectURL(new Blob([PLAYER_WORKLET_SOURCE], { type: 'text/javascript' }));
 * await context.audioWorklet.addModule(url);
 */
// The processor name inside is written out, not interpolated: a template with an expression counts as a
// side effect, and bundlers would then keep this string in apps that never create a player. For the
// same reason the stretcher's class is joined with a pure-annotated concat.
export const PLAYER_WORKLET_SOURCE = /* @__PURE__ */ TIME_STRETCHER_SOURCE.concat(`
class CosyVoicePlayerProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    // Source samples go through the time-stretcher (a passthrough at rate 1) into a short window of
    // stretched frames, each with the source position it plays and how fast that position moves;
    // the resampler reads that window. It holds about one quantum, so a rate change is heard at once.
    this.speed = 1;
    this.stretcher = new TimeStretcher(sampleRate);
    this.window = new Float32Array(1024);
    this.positions = new Float64Array(1024);
    this.slopes = new Float64Array(1024);
    this.head = 0;
    this.tail = 0;
    this.frac = 0;
    this.startFrame = 0;
    this.srcRate = sampleRate;
    this.step = 1;
    this.epoch = 0;
    this.eos = false;
    this.paused = false;
    this.state = 'idle';
    this.sinceReport = 0;
    this.reportedSlope = 1;
    this.reportEvery = Math.max(1, Math.round(0.025 * sampleRate / 128));
    // Reports held until the second quantum: Chromium gives a new processor's first process() call a
    // stale currentTime (the worklet scope's time when it last ran, e.g. when the module loaded, up to
    // hundreds of ms ago on a busy machine), which would stamp the start of playback in the past and run
    // the heard-audio clock ahead. From the second call on it is current, so they are stamped from that.
    this.held = [];
    this.calls = 0;
    this.quantum = 128;
    this.port.onmessage = (event) => this.onMessage(event.data);
  }

  onMessage(m) {
    switch (m.type) {
      case 'format':
        this.srcRate = m.srcRate;
        this.step = m.srcRate / sampleRate;
        // Sent before the first samples of an epoch: a stretcher at the new rate starts where it would.
        if (this.stretcher.sampleRate !== m.srcRate) {
          this.stretcher = new TimeStretcher(m.srcRate);
          this.stretcher.setRate(this.speed);
          this.stretcher.reset(this.startFrame);
        }
        break;
      case 'pcm':
        if (m.epoch === this.epoch && !this.eos && m.samples.length > 0) this.stretcher.push(m.samples);
        break;
      case 'eos':
        if (m.epoch === this.epoch && !this.eos) {
          this.eos = true;
          this.stretcher.end();
        }
        break;
      case 'speed':
        this.speed = m.rate;
        this.stretcher.setRate(m.rate);
        break;
      case 'flush':
        this.startFrame = m.startFrame || 0;
        this.stretcher.reset(this.startFrame);
        this.head = 0;
        this.tail = 0;
        this.frac = 0;
        this.epoch = m.epoch;
        this.eos = false;
        this.setState(this.paused ? 'paused' : 'idle', 0);
        break;
      case 'pause':
        this.paused = true;
        if (this.state !== 'ended' && this.state !== 'idle') this.setState('paused', 0);
        break;
      case 'resume':
        this.paused = false;
        // The stream may have ended while paused (eos during a stall): nothing left to play is the end.
        if (this.state === 'paused') this.setState(!this.drained() ? 'playing' : this.eos ? 'ended' : 'idle', 0);
        break;
    }
  }

  // Nothing left to play: the window is empty and the stretcher has nothing it could output now.
  drained() {
    if (this.head < this.tail) return false;
    const stretcher = this.stretcher;
    return this.eos ? stretcher.finished : stretcher.buffered <= 0;
  }

  // The source frame the next output sample plays, and how fast it moves (source frames per stretched frame).
  position() {
    return this.head < this.tail ? this.positions[this.head] + this.frac * this.slopes[this.head] : this.stretcher.position;
  }

  slope() {
    return this.head < this.tail ? this.slopes[this.head] : this.stretcher.slope;
  }

  // Tops the window up to at least \`need\` frames after head, pulling at most up to the stretcher's next
  // segment join at a time, so each frame's slope is the one that holds there.
  fill(need) {
    if (this.tail - this.head >= need) return;
    if (this.head > 0) {
      this.window.copyWithin(0, this.head, this.tail);
      this.positions.copyWithin(0, this.head, this.tail);
      this.slopes.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    if (need + 2 > this.window.length) {
      const size = 2 * (need + 2);
      const grow = (Type, old) => {
        const array = new Type(size);
        array.set(old.subarray(0, this.tail));
        return array;
      };
      this.window = grow(Float32Array, this.window);
      this.positions = grow(Float64Array, this.positions);
      this.slopes = grow(Float64Array, this.slopes);
    }
    const stretcher = this.stretcher;
    while (this.tail < need) {
      const count = Math.min(need - this.tail, stretcher.framesToJoin);
      if (!(count > 0)) break;
      const slope = stretcher.slope;
      const written = stretcher.pull(this.window, this.tail, count, this.positions);
      this.slopes.fill(slope, this.tail, this.tail + written);
      this.tail += written;
      if (written < count) break;
    }
  }

  // played, slope: the position and its slope at output sample "at" when not those of the next sample.
  report(at, change, played = this.position(), slope = this.slope()) {
    this.reportedSlope = slope;
    const message = {
      // Wall clock (ms) when this quantum was rendered, on state changes only: the real render moment
      // for time-to-first-audio (performance.now() does not exist in AudioWorkletGlobalScope).
      wall: change ? Date.now() : 0,
      type: 'pos',
      epoch: this.epoch,
      played,
      ctxTime: currentTime + at / sampleRate,
      state: this.state,
      rate: this.state === 'playing' ? slope * this.srcRate : 0,
    };
    if (this.held) this.held.push([message, at]);
    else this.port.postMessage(message);
    this.sinceReport = 0;
  }

  // The first quantum started one quantum before the current (now trustworthy) currentTime.
  releaseHeld() {
    const start = currentTime - this.quantum / sampleRate;
    for (const [message, at] of this.held) {
      message.ctxTime = start + at / sampleRate;
      this.port.postMessage(message);
    }
    this.held = null;
  }

  setState(state, at, played, slope) {
    if (state === this.state) return;
    this.state = state;
    this.report(at, true, played, slope);
  }

  // One output sample, or undefined when nothing can supply it (underrun or end).
  next() {
    if (this.head >= this.tail) {
      this.fill(2);
      if (this.head >= this.tail) return undefined;
    }
    const cur = this.window[this.head];
    let value = cur;
    if (this.frac > 0) {
      // Linear interpolation needs one frame of look-ahead; at the end of the stream fade to 0.
      if (this.head + 1 >= this.tail) this.fill(2);
      let following = this.head + 1 < this.tail ? this.window[this.head + 1] : undefined;
      if (following === undefined) {
        if (!this.eos) return undefined;
        following = 0;
      }
      value = cur + (following - cur) * this.frac;
    }
    this.frac += this.step;
    while (this.frac >= 1) {
      this.frac -= 1;
      this.head++;
      if (this.head >= this.tail) {
        this.fill(2);
        if (this.head >= this.tail) {
          this.frac = 0;
          break;
        }
      }
    }
    return value;
  }

  process(inputs, outputs) {
    if (this.held && this.calls > 0) this.releaseHeld();
    this.calls++;
    const output = outputs[0];
    const channel = output && output[0];
    if (!channel) return true;
    const n = channel.length;
    this.quantum = n;
    if (this.paused) return true;
    this.fill(Math.ceil(n * this.step) + 2);
    for (let i = 0; i < n; i++) {
      // Where a playthrough starts (or starts again) is where sample i plays: read before it is taken.
      const starting = this.state !== 'playing';
      const played = starting ? this.position() : 0;
      const slope = starting ? this.slope() : 0;
      const value = this.next();
      if (value === undefined) {
        if (this.eos && this.drained()) {
          // From idle too: an epoch whose end of stream arrived while nothing was left to play.
          if (this.state !== 'ended' && this.state !== 'paused') this.setState('ended', i);
        } else if (this.state === 'playing') this.setState('underrun', i);
        break;
      }
      if (starting) this.setState('playing', i, played, slope);
      // A segment join of the stretch changed how fast the position moves: anchor the clock there.
      else if (this.slope() !== this.reportedSlope) this.report(i + 1, false);
      channel[i] = value;
    }
    if (this.eos && this.drained() && this.state === 'playing') this.setState('ended', n);
    for (let c = 1; c < output.length; c++) output[c].set(channel);
    if (this.state === 'playing' && ++this.sinceReport >= this.reportEvery) this.report(n, false);
    return true;
  }
}
registerProcessor('cosyvoice-player', CosyVoicePlayerProcessor);
`);
