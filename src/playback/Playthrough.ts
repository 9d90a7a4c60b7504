import type { PlayerState, SynthesisError } from 'cosyvoice-react/core';
import { INITIAL_PLAYER_SNAPSHOT, type PlayerStore } from './PlayerStore';

/**
 * Where a player's playthrough is, from the audio's point of view.
 * - `empty`: none (before the first, or after one was stopped before all its audio came): `enqueue()`
 *   starts one
 * - `streaming`: audio is arriving; more may come
 * - `draining`: `endOfStream()` was called; the decoder is delivering its last samples
 * - `complete`: every sample is here and the rest is playing; `seek()` and `replay()` work
 * - `ended`: played to the end, or stopped once all audio was here. The audio is kept: `seek()` and
 *   `replay()` play it again (back to `complete`); `enqueue()` starts a new playthrough
 * - `failed`: ended by an error; `enqueue()` is ignored until `reset()`
 *
 * Whether the listener holds it (`paused`) is kept beside the phase: a pause lasts across phases (a
 * stream may end while paused) until `resume()`, `stop()` or a new playthrough.
 */
export type PlaythroughPhase = 'empty' | 'streaming' | 'draining' | 'complete' | 'ended' | 'failed';

/**
 * The lifecycle both players share: the playthrough's phase, its named transitions, and what each
 * transition shows in the player's store. The players do the media work (decoders, worklet, timers)
 * around these transitions and never set a phase themselves, so the rules — a playthrough ends once,
 * an error ends it for good, complete audio survives a stop — live here once.
 *
 * @example
 * const playthrough = new Playthrough(store);
 * playthrough.begin(speakStartedAt);      // streaming
 * if (playthrough.requestEnd()) flushDecoder().then(() => playthrough.complete());
 * playthrough.end('finished');            // ended: onEnded listeners hear 'finished' once
 */
export class Playthrough {
  readonly store: PlayerStore;
  #phase: PlaythroughPhase = 'empty';
  #paused = false;
  #speakStartedAt = 0;
  #underruns = 0;

  constructor(store: PlayerStore) {
    this.store = store;
  }

  get phase(): PlaythroughPhase {
    return this.#phase;
  }

  /** The listener holds playback (`pause()` until `resume()`). */
  get paused(): boolean {
    return this.#paused;
  }

  /** A playthrough is underway: pausing, stopping and ending apply to it. */
  get isLive(): boolean {
    return this.#phase === 'streaming' || this.#phase === 'draining' || this.#phase === 'complete';
  }

  /** Audio of this playthrough may still arrive. */
  get isReceiving(): boolean {
    return this.#phase === 'streaming' || this.#phase === 'draining';
  }

  /** All of the playthrough's audio is here, so it can be sought and replayed. */
  get hasCompleteAudio(): boolean {
    return this.#phase === 'complete' || this.#phase === 'ended';
  }

  /** Something of this playthrough has been heard (its time to first audio is known). */
  get heard(): boolean {
    return this.store.getSnapshot().timeToFirstAudioMs !== undefined;
  }

  /** When speaking was asked for: the zero of time to first audio. */
  get speakStartedAt(): number {
    return this.#speakStartedAt;
  }

  set speakStartedAt(at: number) {
    this.#speakStartedAt = at;
  }

  /** Whether `pause()` applies now: a live playthrough, not held already, not showing an error. */
  get canPause(): boolean {
    return this.isLive && !this.#paused && this.store.state !== 'error';
  }

  // ---- transitions -----------------------------------------------------------------------------

  /** A new playthrough: `streaming`, nothing heard, no words, not held; the playback rate stays. */
  begin(speakStartedAt: number): void {
    this.#phase = 'streaming';
    this.#paused = false;
    this.#underruns = 0;
    this.#speakStartedAt = speakStartedAt;
    this.store.setWords([]);
    this.store.update({ ...INITIAL_PLAYER_SNAPSHOT, playbackRate: this.store.getSnapshot().playbackRate });
  }

  /** `endOfStream()`: `streaming` → `draining`. `false` when there is no stream to end. */
  requestEnd(): boolean {
    if (this.#phase !== 'streaming') return false;
    this.#phase = 'draining';
    return true;
  }

  /** Every sample is here: → `complete`, and the store says seeking works. */
  complete(): void {
    if (!this.isReceiving) return;
    this.#phase = 'complete';
    this.store.update({ canSeek: true });
  }

  /** The first sample was heard (`at`, in the clock of `speakStartedAt`). */
  firstAudio(at: number): void {
    this.store.update({ timeToFirstAudioMs: Math.max(0, at - this.#speakStartedAt) });
  }

  /** Playback ran dry while more audio was expected: one more underrun, and the store shows `state`. */
  stalled(state: PlayerState = 'buffering'): void {
    this.#underruns++;
    this.store.update({ state, underruns: this.#underruns });
  }

  /** The listener holds playback: the store shows `paused`. Check {@link canPause} first. */
  pause(): void {
    this.#paused = true;
    this.store.update({ state: 'paused' });
  }

  /** The listener lets go; `false` when playback was not held. The player decides what plays next. */
  resume(): boolean {
    if (!this.#paused) return false;
    this.#paused = false;
    return true;
  }

  /**
   * The playthrough ends, once: `finished` (heard to the end) or `stopped`. With all its audio here it
   * becomes `ended` and stays for replay; stopped before that, it is dropped (`empty`).
   */
  end(reason: 'finished' | 'stopped'): void {
    if (!this.isLive) return;
    this.#phase = this.#phase === 'complete' ? 'ended' : 'empty';
    this.store.end(reason);
  }

  /** `stop()`: lets go of a hold and ends a live playthrough as `stopped`. */
  stop(): void {
    this.#paused = false;
    this.end('stopped');
  }

  /**
   * A failure. During a playthrough it is its end (`failed`, ended with `'error'`, once); otherwise (no
   * playthrough, or one that is over) the store shows the error and nothing else changes.
   */
  fail(error: SynthesisError): void {
    if (!this.isLive) {
      this.store.update({ state: 'error', error });
      return;
    }
    this.#phase = 'failed';
    this.store.end('error', error);
  }

  /** A seek or replay after the end: `ended` → `complete` (it will end again, once). */
  reopen(): void {
    if (this.#phase !== 'ended') return;
    this.#phase = 'complete';
    this.store.update({ endedReason: undefined });
  }
}
