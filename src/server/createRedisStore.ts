import { RedisClientLimiter } from './RedisClientLimiter';
import { RedisConnection } from './RedisConnection';
import { RedisSynthesisCache } from './RedisSynthesisCache';
import type { ProxyStore } from './ProxyStore';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
  url: string;
  /** Prefix of every key, so one Redis can serve several deployments apart. @default 'cosyvoice:' */
  keyPrefix?: string;
  /**
   * How long a connection or task slot lives without renewal, in ms. Each instance renews its slots
   * every third of it, so an instance that dies frees its slots after at most this long. @default 30000
   */
  leaseTtlMs?: number;
  /**
   * Limits while Redis cannot be reached: `'closed'` refuses new connections (HTTP 503) and tasks
   * (`task-failed`, `ServiceUnavailable`) and makes `/readyz` answer 503; `'open'` admits them uncounted.
   * The cache always fails open (a lookup misses, nothing is stored). @default 'closed'
   */
  whenUnavailable?: 'closed' | 'open';
  /** How long one Redis command may take before Redis counts as unreachable, in ms. @default 1000 */
  commandTimeoutMs?: number;
  /** How long connecting may take, in ms. @default 2000 */
  connectTimeoutMs?: number;
  /** One line when Redis becomes unreachable and one when it is back (never the URL's password). @default console.error */
  log?(message: string): void;
}

/** A {@link ProxyStore} in Redis, with `ready()` to await the first connection. */
export interface RedisStore extends ProxyStore {
  readonly kind: 'redis';
  /**
   * Resolves once connected the first time. Rejects when the optional peer `@redis/client` is missing or
   * the first attempt failed (the store keeps retrying in the background either way).
   */
  ready(): Promise<void>;
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`createRedisStore: ${name} must be a positive number; received ${String(value)}`);
  return value;
}

/**
 * A {@link ProxyStore} in Redis (or a Redis-compatible server: Valkey, KeyDB, a managed Redis), through
 * the optional peer `@redis/client` (node-redis), loaded when the store is created. Instances that share
 * the Redis and `keyPrefix` share each client's limits — checks are atomic Lua scripts, connection and
 * task slots are leases renewed while held — and the synthesis cache (entries with a TTL).
 *
 * @example
 * const store = createRedisStore({ url: 'redis://cache.internal:6379', leaseTtlMs: 30_000 });
 * await store.ready();
 * const proxy = createSynthesisProxy({ apiKey, store, cache: { ttlSeconds: 7 * 86_400 } });
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new TypeError(`createRedisStore: url must be a redis:// or rediss:// URL; received ${typeof options?.url === 'string' ? JSON.stringify(options.url.slice(0, 8) + '…') : typeof options?.url}`);
  }
  const whenUnavailable = options.whenUnavailable ?? 'closed';
  if (whenUnavailable !== 'closed' && whenUnavailable !== 'open') throw new TypeError(`createRedisStore: whenUnavailable must be 'closed' or 'open'; received ${String(whenUnavailable)}`);
  const keyPrefix = options.keyPrefix ?? 'cosyvoice:';
  if (typeof keyPrefix !== 'string') throw new TypeError('createRedisStore: keyPrefix must be a string');
  const leaseTtlMs = positive('leaseTtlMs', options.leaseTtlMs, 30_000);
  const redis = new RedisConnection({
    url: options.url,
    commandTimeoutMs: positive('commandTimeoutMs', options.commandTimeoutMs, 1000),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 2000),
    log: options.log ?? ((line) => console.error(line)),
  });
  const limiters = new Set<RedisClientLimiter>();
  return {
    kind: 'redis',
    get available() {
      return redis.available;
    },
    required: whenUnavailable === 'closed',
    ready: () => redis.ready(),
    createLimiter(limits) {
      const limiter = new RedisClientLimiter(redis, { limits, keyPrefix, leaseTtlMs, whenUnavailable });
      limiters.add(limiter);
      return limiter;
    },
    createCache: (limits) => new RedisSynthesisCache(redis, { keyPrefix, maxEntryBytes: limits.maxEntryBytes, ttlSeconds: limits.ttlSeconds }),
    async close() {
      await Promise.all([...limiters].map((limiter) => limiter.close()));
      await redis.close();
    },
  };
}
