import type { ClientLimiter } from './ClientLimiter';
import type { ClientLimits } from './MemoryClientLimiter';
import type { SynthesisCache } from '../core/SynthesisCache';

/** Sizes of the synthesis cache a store is asked for. */
export interface SynthesisCacheLimits {
  /** Bytes kept in all (a store of its own, such as memory; Redis uses its own `maxmemory`). */
  maxBytes: number;
  /** Largest entry stored, in bytes. */
  maxEntryBytes: number;
  /** How long an entry is served, in seconds. */
  ttlSeconds: number;
}

/**
 * Where a synthesis proxy keeps the state that instances may share: the per-client limits and the
 * synthesis cache. {@link createMemoryStore} (the default) keeps them in this process;
 * {@link createRedisStore} in Redis, so several instances behind a load balancer enforce one quota per
 * client and share one cache. A store may be shared by several proxies; a proxy never closes the store
 * it was given.
 *
 * @example
 * const store = createRedisStore({ url: process.env.REDIS_URL! });
 * const proxy = createSynthesisProxy({ apiKey, store, cache: true });
 */
export interface ProxyStore {
  /** `'memory'`, `'redis'`, or your own. */
  readonly kind: string;
  /**
   * Whether the store currently answers. While it does not, limits fail open or closed as the store
   * was told, cache lookups miss and `/readyz` reports not ready when `required`.
   */
  readonly available: boolean;
  /** Whether the proxy is unready while the store is down (limits that fail closed need it). */
  readonly required: boolean;
  /** A limiter enforcing these limits per client, counted in this store. */
  createLimiter(limits: ClientLimits): ClientLimiter;
  /** A synthesis cache in this store. */
  createCache(limits: SynthesisCacheLimits): SynthesisCache;
  /** Closes the store's connections (after every proxy using it closed). */
  close(): Promise<void>;
}
