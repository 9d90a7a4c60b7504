import { bindMethods } from './bindMethods';

/**
 * Listeners kept per index (a word of a timeline, a tab stop among words), so that a change concerning
 * a few indexes calls only their listeners: a word change in a text of 10 000 words notifies two words,
 * not 10 000. The speech controller, `KaraokeText` and the players' stores share it.
 *
 * @example
 * const words = new IndexedListeners();
 * const unsubscribe = words.subscribe(3, () => render(3));
 * words.notifyBetween(previousWord, nextWord); // every word whose state changed
 */
export class IndexedListeners {
  #byIndex = new Map<number, Set<() => void>>();

  constructor() {
    bindMethods(this, ['subscribe']);
  }

  /** Calls `listener` whenever `index` is notified; returns the unsubscribe function. */
  subscribe(index: number, listener: () => void): () => void {
    let set = this.#byIndex.get(index);
    if (!set) this.#byIndex.set(index, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#byIndex.delete(index);
    };
  }

  /** Calls the listeners of `index`. */
  notify(index: number): void {
    const set = this.#byIndex.get(index);
    if (set) for (const listener of [...set]) listener();
  }

  /**
   * Calls the listeners of every index from `a` to `b` (either order, both included; negative indexes
   * are skipped). Visits whichever is smaller: the range, or the indexes that have listeners.
   */
  notifyBetween(a: number, b: number): void {
    const low = Math.max(0, Math.min(a, b));
    const high = Math.max(a, b);
    if (high - low <= this.#byIndex.size) {
      for (let index = low; index <= high; index++) this.notify(index);
    } else {
      for (const index of [...this.#byIndex.keys()]) if (index >= low && index <= high) this.notify(index);
    }
  }
}
