/**
 * Where the proxy keeps completed syntheses (see `CachedSynthesis` for what an entry holds): in this
 * process ({@link MemorySynthesisCache}) or in a store several instances share (Redis). Lookups that fail
 * (the store is down) are misses and stores that fail are skipped: the cache never fails a task.
 *
 * @example
 * const entry = await cache.get(key);
 * if (entry) replay(entry); else { synthesize(); await cache.set(key, recorded); }
 */
export interface SynthesisCache {
  /** The entry stored under `key`, or `undefined`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores an entry (one over the entry cap is not stored). */
  set(key: string, entry: Uint8Array): Promise<void>;
  /** Largest entry stored, in bytes: a recording stops (and is dropped) past it. */
  readonly maxEntryBytes: number;
}
