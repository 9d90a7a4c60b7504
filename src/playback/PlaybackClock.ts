/**
 * One report of the player: at `time` (seconds on the output clock), `played` source frames had been
 * output, advancing at `rate` frames per second from then on (0 while stalled, paused or ended).
 */
export interface ClockAnchor {
  played: number;
  time: number;
  rate: number;
}

/** The part of an `AudioContext` that tells what is audible now (a subset, so fakes can stand in). */
export interface OutputClockSource {
  readonly currentTime: number;
  readonly baseLatency?: number;
  readonly outputLatency?: number;
  getOutputTimestamp?(): AudioTimestamp;
}

/** A checked `getOutputTimestamp()` reading: context time `contextTime` was audible at `performanceTime`. */
export interface OutputTimestamp {
  contextTime: number;
  performanceTime: number;
}

// What a plausible output timestamp may differ from currentTime beyond the reported latency: the audio
// callback's block (1024 frames at 44.1 kHz is 23 ms) and the steps in which currentTime moves.
const STAMP_SLACK_S = 0.025;

/**
 * The heard-audio clock: a piecewise-linear map from output time to source frames, built from the
 * anchors the worklet reports (frames it actually output) rather than from elapsed time, so a network
 * stall or a pause freezes it instead of letting it run ahead. Pure: the caller supplies the audible
 * output time, which keeps it testable without a browser.
 *
 * @example
 * const clock = new PlaybackClock(24000);
 * clock.addAnchor({ played: 0, time: 1.0, rate: 24000 });
 * clock.setEnqueuedFrames(48000);
 * clock.positionMsAt(1.5); // 500
 */
export class PlaybackClock {
  #anchors: ClockAnchor[] = [];
  #srcRate: number;
  #startFrame = 0;
  #enqueued = Infinity;
  #floor = 0;

  constructor(srcRate: number) {
    this.#srcRate = srcRate;
  }

  /** Source sample rate: frames per second of the audio being counted. */
  get srcRate(): number {
    return this.#srcRate;
  }

  /** Forgets every anchor: a new utterance, a stop or a seek to `startFrame`. */
  reset(startFrame = 0, srcRate = this.#srcRate): void {
    this.#anchors = [];
    this.#srcRate = srcRate;
    this.#startFrame = startFrame;
    this.#floor = startFrame;
    this.#enqueued = Infinity;
  }

  /** Changes the source rate without moving the position (a decoder found the real rate). */
  setSrcRate(srcRate: number): void {
    this.#srcRate = srcRate;
  }

  /** Adds a report; reports arrive in time order. */
  addAnchor(anchor: ClockAnchor): void {
    this.#anchors.push(anchor);
  }

  /** The most recent report, if any. */
  get lastAnchor(): ClockAnchor | undefined {
    return this.#anchors[this.#anchors.length - 1];
  }

  /** Caps the position: the clock never runs past audio that was handed to the player. */
  setEnqueuedFrames(frames: number): void {
    this.#enqueued = frames;
  }

  /** Source frames heard at output time `time` (seconds); never decreases until {@link reset}. */
  framesAt(time: number): number {
    const anchors = this.#anchors;
    let k = -1;
    for (let i = anchors.length - 1; i >= 0; i--) {
      if (anchors[i]!.time <= time) {
        k = i;
        break;
      }
    }
    let frames: number;
    if (k < 0) frames = anchors[0]?.played ?? this.#startFrame;
    else {
      const anchor = anchors[k]!;
      frames = anchor.played + anchor.rate * (time - anchor.time);
      const next = anchors[k + 1];
      if (next !== undefined) frames = Math.min(frames, next.played);
      // Older anchors are no longer needed: the audible time only moves forward.
      if (k > 0) this.#anchors = anchors.slice(k);
    }
    frames = Math.min(frames, this.#enqueued);
    if (frames < this.#floor) frames = this.#floor;
    this.#floor = frames;
    return frames;
  }

  /**
   * `context.getOutputTimestamp()` when it is plausible, else `undefined` (use `currentTime` minus the
   * latency instead). Checked on every reading: it is `{0, 0}` for the first ~40 ms after creation or
   * resume, and WebKitGTK's `performanceTime` is not on the `performance.now()` clock at all (it ran
   * ahead, twice as fast), which froze the heard position near 0. Plausible means: not in the future,
   * and extrapolated to `nowMs` it is behind `currentTime` by no more than the latency (plus one audio
   * block), never ahead of it.
   */
  static plausibleOutputTimestamp(context: OutputClockSource, nowMs: number): OutputTimestamp | undefined {
    const stamp = context.getOutputTimestamp?.();
    const contextTime = stamp?.contextTime ?? 0;
    const performanceTime = stamp?.performanceTime ?? 0;
    if (!(contextTime > 0 && performanceTime > 0) || performanceTime > nowMs + STAMP_SLACK_S * 1000) return undefined;
    const behind = context.currentTime - (contextTime + (nowMs - performanceTime) / 1000);
    const latency = context.outputLatency || context.baseLatency || 0;
    if (behind < -STAMP_SLACK_S || behind > latency + STAMP_SLACK_S) return undefined;
    return { contextTime, performanceTime };
  }

  /** The heard position in ms of source audio at output time `time` (seconds). */
  positionMsAt(time: number): number {
    return (this.framesAt(time) / this.#srcRate) * 1000;
  }
}
