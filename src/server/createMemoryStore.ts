import type { ClientLimiter } from './ClientLimiter';
import { MemoryClientLimiter } from './MemoryClientLimiter';
import { MemorySynthesisCache } from '../core/MemorySynthesisCache';
import type { ProxyStore } from './ProxyStore';
import type { SynthesisCache } from '../core/SynthesisCache';

/**
 * The default {@link ProxyStore}: limits and cache in this process's memory (the cache a least recently
 * used map capped in bytes). Proxies in one process given the same store share its cache (sized by the
 * first one that asks) and, when their limits are equal, their counts. Right for one instance; with
 * several behind a load balancer each keeps its own counts (a client gets each instance's quota) — use
 * {@link createRedisStore} there.
 *
 * @example
 * createSynthesisProxy({ apiKey, store: createMemoryStore(), cache: { maxBytes: 256 << 20 } });
 */
export function createMemoryStore(): ProxyStore {
  const limiters = new Map<string, ClientLimiter>();
  let cache: SynthesisCache | undefined;
  return {
    kind: 'memory',
    available: true,
    required: false,
    createLimiter(limits) {
      const key = `${limits.maxConnections}/${limits.maxConcurrentTasks}/${limits.maxTasksPerMinute}`;
      let limiter = limiters.get(key);
      if (!limiter) limiters.set(key, (limiter = new MemoryClientLimiter(limits)));
      return limiter;
    },
    createCache(limits) {
      cache ??= new MemorySynthesisCache(limits);
      return cache;
    },
    close: async () => undefined,
  };
}
