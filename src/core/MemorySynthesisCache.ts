import type { SynthesisCache } from './SynthesisCache';

/** Options of {@link MemorySynthesisCache}. */
export interface MemorySynthesisCacheOptions {
  /** Bytes kept in all; the least recently used entries go first. */
  maxBytes: number;
  /** Largest entry kept, in bytes. */
  maxEntryBytes: number;
  /** How long an entry is served, in seconds. */
  ttlSeconds: number;
  now?: () => number;
}

interface Entry {
  data: Uint8Array;
  expiresAt: number;
}

/**
 * The synthesis cache in this process's memory: least recently used entries are dropped once the
 * entries pass `maxBytes`; entries over `maxEntryBytes` are not kept; each lives `ttlSeconds`.
 *
 * @example
 * const cache = new MemorySynthesisCache({ maxBytes: 64 << 20, maxEntryBytes: 8 << 20, ttlSeconds: 86_400 });
 */
export class MemorySynthesisCache implements SynthesisCache {
  readonly maxEntryBytes: number;
  readonly #maxBytes: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(options: MemorySynthesisCacheOptions) {
    this.#maxBytes = options.maxBytes;
    this.maxEntryBytes = Math.min(options.maxEntryBytes, options.maxBytes);
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) {
      this.#bytes -= entry.data.byteLength;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.data;
  }

  async set(key: string, data: Uint8Array): Promise<void> {
    if (data.byteLength > this.maxEntryBytes) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.data.byteLength;
    }
    this.#entries.set(key, { data, expiresAt: this.#now() + this.#ttlMs });
    this.#bytes += data.byteLength;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.data.byteLength;
    }
  }
}
