import type { RedisConnection } from './RedisConnection';
import type { SynthesisCache } from '../core/SynthesisCache';

/**
 * The synthesis cache in Redis, shared by the instances that use the same Redis and key prefix: one
 * string per entry under `<prefix>cache:<key>`, living `ttlSeconds` (Redis's own eviction policy applies
 * on top). Entries over `maxEntryBytes` are not stored. While Redis is unreachable every lookup is a miss
 * and nothing is stored.
 *
 * @example
 * const cache = new RedisSynthesisCache(redis, { keyPrefix: 'cosyvoice:', maxEntryBytes: 8 << 20, ttlSeconds: 86_400 });
 */
export class RedisSynthesisCache implements SynthesisCache {
  readonly maxEntryBytes: number;
  readonly #redis: RedisConnection;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: RedisConnection, options: { keyPrefix: string; maxEntryBytes: number; ttlSeconds: number }) {
    this.#redis = redis;
    this.#prefix = `${options.keyPrefix}cache:`;
    this.maxEntryBytes = options.maxEntryBytes;
    this.#ttlMs = Math.round(options.ttlSeconds * 1000);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const reply = await this.#redis.command(['GET', this.#prefix + key], { buffers: true });
      return reply instanceof Uint8Array ? reply : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, data: Uint8Array): Promise<void> {
    if (data.byteLength > this.maxEntryBytes) return;
    try {
      await this.#redis.command(['SET', this.#prefix + key, Buffer.from(data.buffer, data.byteOffset, data.byteLength), 'PX', String(this.#ttlMs)]);
    } catch {
      // not stored: the next reading synthesizes again
    }
  }
}
