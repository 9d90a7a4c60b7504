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
 *
 * Messages out: `{ type: 'pos', epoch, played, ctxTime, state, rate, wall }` — at context time `ctxTime`,
 * `played` source frames of this epoch had been output, advancing at `rate` source frames per second
 * from then on (0 while idle, underrun, paused or ended). Sent on every state change (with the exact
 * in-quantum time) and every ~25 ms while playing. `state` is `'idle' | 'playing' | 'underrun' |
 * 'paused' | 'ended'`; `wall` is `Date.now()` at a state change (0 otherwise).
 *
 * @example
 * const url = URL.createObjectURL(new Blob([PLAYER_WORKLET_SOURCE], { type: 'text/javascript' }));
 * await context.audioWorklet.addModule(url);
 */
// The processor name inside is written out, not interpolated: a template with an expression counts as a
// side effect, and bundlers would then keep this string in apps that never create a player.
export const PLAYER_WORKLET_SOURCE = `
class CosyVoicePlayerProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.chunks = [];
    this.offset = 0;
    this.frac = 0;
    this.srcRate = sampleRate;
    this.step = 1;
    this.epoch = 0;
    this.played = 0;
    this.eos = false;
    this.paused = false;
    this.state = 'idle';
    this.sinceReport = 0;
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
        break;
      case 'pcm':
        if (m.epoch === this.epoch && m.samples.length > 0) this.chunks.push(m.samples);
        break;
      case 'eos':
        if (m.epoch === this.epoch) this.eos = true;
        break;
      case 'flush':
        this.chunks = [];
        this.offset = 0;
        this.frac = 0;
        this.epoch = m.epoch;
        this.played = m.startFrame || 0;
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
        if (this.state === 'paused') this.setState(this.chunks.length ? 'playing' : this.eos ? 'ended' : 'idle', 0);
        break;
    }
  }

  report(at, change) {
    const message = {
      // Wall clock (ms) when this quantum was rendered, on state changes only: the real render moment
      // for time-to-first-audio (performance.now() does not exist in AudioWorkletGlobalScope).
      wall: change ? Date.now() : 0,
      type: 'pos',
      epoch: this.epoch,
      played: this.played,
      ctxTime: currentTime + at / sampleRate,
      state: this.state,
      rate: this.state === 'playing' ? this.srcRate : 0,
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

  setState(state, at) {
    if (state === this.state) return;
    this.state = state;
    this.report(at, true);
  }

  // One output sample, or undefined when the queue cannot supply it (underrun or end).
  next() {
    const head = this.chunks[0];
    if (head === undefined) return undefined;
    const cur = head[this.offset];
    let value = cur;
    if (this.frac > 0) {
      // Linear interpolation needs one frame of look-ahead; at the end of the stream fade to 0.
      let following = this.offset + 1 < head.length ? head[this.offset + 1] : this.chunks[1] ? this.chunks[1][0] : undefined;
      if (following === undefined) {
        if (!this.eos) return undefined;
        following = 0;
      }
      value = cur + (following - cur) * this.frac;
    }
    this.frac += this.step;
    while (this.frac >= 1) {
      this.frac -= 1;
      this.played++;
      this.offset++;
      const chunk = this.chunks[0];
      if (chunk !== undefined && this.offset >= chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      if (this.chunks.length === 0) {
        this.frac = 0;
        break;
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
    for (let i = 0; i < n; i++) {
      const value = this.next();
      if (value === undefined) {
        if (this.eos && this.chunks.length === 0) {
          // From idle too: an epoch whose end of stream arrived while nothing was left to play.
          if (this.state !== 'ended' && this.state !== 'paused') this.setState('ended', i);
        } else if (this.state === 'playing') this.setState('underrun', i);
        break;
      }
      if (this.state !== 'playing') this.setState('playing', i);
      channel[i] = value;
    }
    if (this.eos && this.chunks.length === 0 && this.state === 'playing') this.setState('ended', n);
    for (let c = 1; c < output.length; c++) output[c].set(channel);
    if (this.state === 'playing' && ++this.sinceReport >= this.reportEvery) this.report(n, false);
    return true;
  }
}
registerProcessor('cosyvoice-player', CosyVoicePlayerProcessor);
`;
