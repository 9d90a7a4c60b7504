import { MemoryClientLimiter } from './MemoryClientLimiter';
import { MemorySynthesisCache } from './MemorySynthesisCache';
import type { ProxyStore } from './ProxyStore';

/**
 * The default {@link ProxyStore}: limits and cache in this process's memory (the cache a least recently
 * used map capped in bytes). Right for one instance; with several behind a load balancer each keeps its
 * own counts (a client gets each instance's quota) — use {@link createRedisStore} there.
 *
 * @example
 * createSynthesisProxy({ apiKey, store: createMemoryStore(), cache: { maxBytes: 256 << 20 } });
 */
export function createMemoryStore(): ProxyStore {
  return {
    kind: 'memory',
    available: true,
    required: false,
    createLimiter: (limits) => new MemoryClientLimiter(limits),
    createCache: (limits) => new MemorySynthesisCache(limits),
    close: async () => undefined,
  };
}
