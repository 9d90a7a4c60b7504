import { createHash, randomBytes } from 'node:crypto';
import type { ClientLimiter, LimitDecision } from './ClientLimiter';
import type { ClientLimits } from './MemoryClientLimiter';
import { redisScript, type RedisConnection } from './RedisConnection';

/** The window of `maxTasksPerMinute`. */
const RATE_WINDOW_MS = 60_000;

// Every script reads the clock of Redis itself (TIME), so instances whose clocks disagree still agree on
// when a lease expires and which starts are in the window.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: leases. ARGV: lease id, TTL ms, max. Drops expired leases; admits and records the lease when under max. */
const ACQUIRE_CONNECTION = redisScript(`${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 'connections' end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 'ok'`);

/** KEYS: leases, starts. ARGV: lease id, TTL ms, max concurrent, max per window, window ms. */
const ACQUIRE_TASK = redisScript(`${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 'concurrency' end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 'rate' end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 'ok'`);

/**
 * KEYS: leases. ARGV: TTL ms, lease ids… Extends each lease to now + TTL; a lease Redis lost (a restart,
 * or an instance paused past the TTL) is recorded again, since its connection or task is still running.
 */
const RENEW = redisScript(`${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return #ARGV - 1`);

/** Options of {@link RedisClientLimiter}. */
export interface RedisClientLimiterOptions {
  limits: ClientLimits;
  /** Key prefix shared by the instances that share limits. */
  keyPrefix: string;
  /** How long a lease lives without renewal: an instance that dies frees its slots after this long. */
  leaseTtlMs: number;
  /** When Redis cannot be reached: refuse (`'closed'`) or admit uncounted (`'open'`). */
  whenUnavailable: 'closed' | 'open';
}

interface Held {
  connections: string[];
  tasks: string[];
}

/**
 * The proxy's {@link ClientLimiter} over Redis, so instances sharing one Redis share each client's limits:
 * connections and running tasks are leases in a sorted set per client (member = lease id, score = expiry
 * by Redis's clock), task starts a sorted set over the last minute; checking and counting are one Lua
 * script (atomic). This instance renews its leases every third of the TTL while they are held, so the
 * slots of an instance that died come free after `leaseTtlMs`. Client ids are hashed into the keys.
 *
 * When Redis is unreachable, `whenUnavailable: 'closed'` refuses (`'unavailable'`) and `'open'` admits
 * without counting; leases admitted before an outage are recorded again by the next renewal.
 *
 * @example
 * const limiter = new RedisClientLimiter(redis, { limits, keyPrefix: 'cosyvoice:', leaseTtlMs: 30_000, whenUnavailable: 'closed' });
 */
export class RedisClientLimiter implements ClientLimiter {
  readonly #redis: RedisConnection;
  readonly #options: RedisClientLimiterOptions;
  readonly #held = new Map<string, Held>();
  /** Ids of this instance's leases: random per process, counted per lease. */
  readonly #instance = randomBytes(6).toString('hex');
  #sequence = 0;
  #renewTimer: ReturnType<typeof setInterval> | undefined;

  constructor(redis: RedisConnection, options: RedisClientLimiterOptions) {
    this.#redis = redis;
    this.#options = options;
  }

  get size(): number {
    return this.#held.size;
  }

  #keys(clientId: string): { connections: string; tasks: string; starts: string } {
    const hash = createHash('sha256').update(clientId).digest('hex').slice(0, 32);
    // The hash tag keeps a client's keys in one slot, should the Redis be a cluster.
    const base = `${this.#options.keyPrefix}limits:{${hash}}`;
    return { connections: `${base}:connections`, tasks: `${base}:tasks`, starts: `${base}:starts` };
  }

  #lease(): string {
    return `${this.#instance}:${(this.#sequence++).toString(36)}`;
  }

  #hold(clientId: string, kind: keyof Held, lease: string): void {
    let held = this.#held.get(clientId);
    if (!held) this.#held.set(clientId, (held = { connections: [], tasks: [] }));
    held[kind].push(lease);
    this.#renewTimer ??= setInterval(() => this.#renew(), Math.max(50, Math.floor(this.#options.leaseTtlMs / 3)));
    this.#renewTimer.unref?.();
  }

  #unhold(clientId: string, kind: keyof Held): string | undefined {
    const held = this.#held.get(clientId);
    const lease = held?.[kind].pop();
    if (held && held.connections.length === 0 && held.tasks.length === 0) this.#held.delete(clientId);
    if (this.#held.size === 0 && this.#renewTimer !== undefined) {
      clearInterval(this.#renewTimer);
      this.#renewTimer = undefined;
    }
    return lease;
  }

  async #acquire(clientId: string, kind: keyof Held): Promise<LimitDecision> {
    const { limits, leaseTtlMs, whenUnavailable } = this.#options;
    const keys = this.#keys(clientId);
    const lease = this.#lease();
    let decision: LimitDecision;
    try {
      decision =
        kind === 'connections'
          ? ((await this.#redis.run(ACQUIRE_CONNECTION, [keys.connections], [lease, leaseTtlMs, limits.maxConnections])) as LimitDecision)
          : ((await this.#redis.run(ACQUIRE_TASK, [keys.tasks, keys.starts], [lease, leaseTtlMs, limits.maxConcurrentTasks, limits.maxTasksPerMinute, RATE_WINDOW_MS])) as LimitDecision);
    } catch {
      if (whenUnavailable === 'closed') return 'unavailable';
      decision = 'ok';
    }
    if (decision === 'ok') this.#hold(clientId, kind, lease);
    return decision;
  }

  openConnection(clientId: string): Promise<LimitDecision> {
    return this.#acquire(clientId, 'connections');
  }

  startTask(clientId: string): Promise<LimitDecision> {
    return this.#acquire(clientId, 'tasks');
  }

  closeConnection(clientId: string): void {
    this.#release(clientId, 'connections');
  }

  endTask(clientId: string): void {
    this.#release(clientId, 'tasks');
  }

  #release(clientId: string, kind: keyof Held): void {
    const lease = this.#unhold(clientId, kind);
    if (lease === undefined) return;
    const key = this.#keys(clientId)[kind];
    // Not awaited: a release that cannot reach Redis is done by the lease's TTL.
    this.#redis.command(['ZREM', key, lease]).catch(() => undefined);
  }

  #renew(): void {
    const ttl = String(this.#options.leaseTtlMs);
    for (const [clientId, held] of this.#held) {
      const keys = this.#keys(clientId);
      for (const kind of ['connections', 'tasks'] as const) {
        if (held[kind].length === 0) continue;
        this.#redis.run(RENEW, [keys[kind]], [ttl, ...held[kind]]).catch(() => undefined);
      }
    }
  }

  /** Stops renewing and gives back every lease this instance holds. */
  async close(): Promise<void> {
    if (this.#renewTimer !== undefined) clearInterval(this.#renewTimer);
    this.#renewTimer = undefined;
    const releases: Array<Promise<unknown>> = [];
    for (const [clientId, held] of this.#held) {
      const keys = this.#keys(clientId);
      for (const kind of ['connections', 'tasks'] as const) {
        if (held[kind].length > 0) releases.push(this.#redis.command(['ZREM', keys[kind], ...held[kind]]).catch(() => undefined));
      }
    }
    this.#held.clear();
    await Promise.all(releases);
  }
}
