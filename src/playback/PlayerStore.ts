import { findWordIndexAt, type EndedReason, type PlayerSnapshot, type PlayerState, type SynthesisError, type TimelineSource, type TimelineWord } from 'cosyvoice-react/core';
import { bindMethods } from '../core/bindMethods';
import { IndexedListeners } from '../core/IndexedListeners';
import { defaultFrameScheduler, type FrameScheduler } from './FrameScheduler';

/** The snapshot of a player before its first playthrough, and at the start of each. */
export const INITIAL_PLAYER_SNAPSHOT: PlayerSnapshot = /* @__PURE__ */ Object.freeze({
  state: 'idle',
  activeWordIndex: -1,
  underruns: 0,
  timeToFirstAudioMs: undefined,
  endedReason: undefined,
  error: undefined,
  canSeek: false,
  playbackRate: 1,
});

// After playback stops moving, audio already rendered is still heard for about the output latency.
const SETTLE_MS = 120;

/**
 * The framework-agnostic store both players share: a cached snapshot that changes only when the state,
 * the active word or a metric changes, per-word listeners, `ended` listeners, and the frame loop that
 * maps the heard position onto the word timeline while audio moves (and stops when it does not).
 *
 * @example
 * const store = new PlayerStore(() => clock.positionMsAt(now()));
 * store.setWords(timeline.words);
 * store.update({ state: 'playing' }); // starts the frame loop
 * const unsubscribe = store.subscribe(() => console.log(store.getSnapshot().activeWordIndex));
 */
export class PlayerStore {
  #snapshot: PlayerSnapshot = INITIAL_PLAYER_SNAPSHOT;
  #listeners = new Set<() => void>();
  #wordListeners = new IndexedListeners();
  #endedListeners = new Set<(reason: EndedReason) => void>();
  #words: readonly TimelineWord[] = [];
  #positionMs: () => number;
  #scheduler: FrameScheduler;
  #frame: unknown = undefined;
  #settle: ReturnType<typeof setTimeout> | undefined;

  constructor(positionMs: () => number, scheduler: FrameScheduler = defaultFrameScheduler) {
    this.#positionMs = positionMs;
    this.#scheduler = scheduler;
    bindMethods(this, ['subscribe', 'getSnapshot']);
  }

  getSnapshot(): PlayerSnapshot {
    return this.#snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  subscribeActiveWord(index: number, listener: (active: boolean) => void): () => void {
    return this.#wordListeners.subscribe(index, () => listener(this.#snapshot.activeWordIndex === index));
  }

  onEnded(listener: (reason: EndedReason) => void): () => void {
    this.#endedListeners.add(listener);
    return () => this.#endedListeners.delete(listener);
  }

  emitEnded(reason: EndedReason): void {
    for (const listener of [...this.#endedListeners]) listener(reason);
  }

  /**
   * The end of a playthrough, for both players: the snapshot shows it (`idle` after a stop, `error` with
   * `error` after a failure, else `ended`; no active word) and then the `onEnded` listeners hear it.
   */
  end(reason: EndedReason, error?: SynthesisError): void {
    this.update(
      reason === 'error'
        ? { state: 'error', error, endedReason: reason, activeWordIndex: -1, canSeek: false }
        : { state: reason === 'stopped' ? 'idle' : 'ended', endedReason: reason, activeWordIndex: -1 },
    );
    this.emitEnded(reason);
  }

  get state(): PlayerState {
    return this.#snapshot.state;
  }

  setWords(source: TimelineSource): void {
    this.#words = Array.isArray(source) ? (source as readonly TimelineWord[]) : (source as { words: readonly TimelineWord[] }).words;
    if (this.#moving()) this.tick();
  }

  get words(): readonly TimelineWord[] {
    return this.#words;
  }

  /** Applies changes; publishes a new snapshot only if a field really changed. */
  update(patch: Partial<PlayerSnapshot>): void {
    const previous = this.#snapshot;
    let changed = false;
    for (const key of Object.keys(patch) as (keyof PlayerSnapshot)[]) {
      if (!Object.is(previous[key], patch[key])) {
        changed = true;
        break;
      }
    }
    if (!changed) return;
    const next: PlayerSnapshot = Object.freeze({ ...previous, ...patch });
    this.#snapshot = next;
    if (previous.activeWordIndex !== next.activeWordIndex) {
      this.#wordListeners.notify(previous.activeWordIndex);
      this.#wordListeners.notify(next.activeWordIndex);
    }
    if (previous.state !== next.state) this.#onStateChange(next.state);
    for (const listener of [...this.#listeners]) listener();
  }

  /** Maps the heard position onto the timeline now. */
  tick(): void {
    const { state, timeToFirstAudioMs } = this.#snapshot;
    // Position 0 is inside a first word that begins at 0: before anything was heard, no word is.
    const nothingHeardYet = timeToFirstAudioMs === undefined && state !== 'playing';
    if (state === 'ended' || state === 'idle' || state === 'error' || nothingHeardYet) {
      this.update({ activeWordIndex: -1 });
      return;
    }
    const position = this.#positionMs();
    this.update({ activeWordIndex: findWordIndexAt(this.#words, position) });
  }

  /** Stops the frame loop and timers (dispose). */
  close(): void {
    this.#stopLoop();
    if (this.#settle !== undefined) clearTimeout(this.#settle);
    this.#settle = undefined;
  }

  #moving(): boolean {
    const state = this.#snapshot.state;
    return state === 'playing' || state === 'buffering';
  }

  #onStateChange(state: PlayerState): void {
    if (this.#settle !== undefined) clearTimeout(this.#settle);
    this.#settle = undefined;
    if (this.#moving()) {
      if (this.#frame === undefined) this.#loop();
      return;
    }
    this.#stopLoop();
    this.tick();
    if (state === 'paused' || state === 'interrupted') {
      this.#settle = setTimeout(() => {
        this.#settle = undefined;
        this.tick();
      }, SETTLE_MS);
    }
  }

  #loop = (): void => {
    this.#frame = this.#scheduler.request(this.#loop);
    this.tick();
  };

  #stopLoop(): void {
    if (this.#frame !== undefined) this.#scheduler.cancel(this.#frame);
    this.#frame = undefined;
  }
}
