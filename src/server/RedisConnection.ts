import { createHash } from 'node:crypto';
import { quoteForLog } from './quoteForLog';

/** The optional peer the Redis store is built on (loaded only when a Redis store is created). */
export const REDIS_CLIENT_PACKAGE = '@redis/client';

/** The part of a node-redis client this store uses. */
interface RedisClientLike {
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: 'error' | 'ready' | 'end', listener: (error?: Error) => void): unknown;
  sendCommand(args: Array<string | Buffer>): Promise<unknown>;
  withTypeMapping(mapping: Record<number, unknown>): { sendCommand(args: Array<string | Buffer>): Promise<unknown> };
  readonly isReady: boolean;
}

/** Options of {@link RedisConnection}. */
export interface RedisConnectionOptions {
  url: string;
  /** How long one command may take before the store counts as unreachable. */
  commandTimeoutMs: number;
  /** How long connecting may take. */
  connectTimeoutMs: number;
  /** One line per outage and per recovery (never the URL's password). */
  log(message: string): void;
}

/** A Lua script run by SHA, loaded on first use (and again after a Redis restart forgot it). */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

/** A script for {@link RedisConnection.run}. */
export function redisScript(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** The URL with its password replaced, for log lines. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

type Loader = () => Promise<{ createClient(options: Record<string, unknown>): RedisClientLike }>;

const loadRedisClient: Loader = async () => {
  try {
    return (await import(REDIS_CLIENT_PACKAGE)) as Awaited<ReturnType<Loader>>;
  } catch (error) {
    throw new Error(`The Redis store needs the optional peer ${REDIS_CLIENT_PACKAGE}: npm install ${REDIS_CLIENT_PACKAGE}@6 (${(error as Error).message})`);
  }
};

/**
 * One connection to Redis for the proxy's store: commands fail fast while it is down (no offline queue,
 * so a limit check never waits for a reconnect), each command has a deadline, and the state is logged
 * once per change (`unreachable`, then `reachable again`), not once per command. Reconnects in the
 * background with a capped backoff.
 *
 * @example
 * const redis = new RedisConnection({ url, commandTimeoutMs: 1000, connectTimeoutMs: 2000, log });
 * await redis.command(['SET', key, value, 'PX', '60000']);
 */
export class RedisConnection {
  readonly #options: RedisConnectionOptions;
  #client: RedisClientLike | undefined;
  #buffers: { sendCommand(args: Array<string | Buffer>): Promise<unknown> } | undefined;
  readonly #connecting: Promise<void>;
  #available = false;
  /** Whether the last state change was logged as down (so recovery is logged once too). */
  #reportedDown = false;
  #closed = false;

  constructor(options: RedisConnectionOptions, loader: Loader = loadRedisClient) {
    this.#options = options;
    this.#connecting = this.#connect(loader);
    // An unhandled rejection here would crash the process; the state is read through `available` and `ready()`.
    this.#connecting.catch(() => undefined);
  }

  async #connect(loader: Loader): Promise<void> {
    const { createClient } = await loader();
    if (this.#closed) return;
    const client = createClient({
      url: this.#options.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: this.#options.connectTimeoutMs,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
      },
    });
    this.#client = client;
    this.#buffers = client.withTypeMapping({ [36]: Buffer });
    client.on('error', (error) => this.#down(error));
    client.on('ready', () => this.#up());
    client.on('end', () => this.#down(undefined));
    await client.connect();
  }

  /** Whether commands currently reach Redis. */
  get available(): boolean {
    return this.#available && !this.#closed;
  }

  /** Resolves once connected the first time; rejects when the client package is missing or the first connect failed. */
  ready(): Promise<void> {
    return this.#connecting;
  }

  #up(): void {
    this.#available = true;
    if (this.#reportedDown) {
      this.#reportedDown = false;
      this.#options.log(`Redis store at ${redactRedisUrl(this.#options.url)} is reachable again`);
    }
  }

  #down(error: Error | undefined): void {
    this.#available = false;
    if (this.#closed || this.#reportedDown) return;
    this.#reportedDown = true;
    const why = error ? quoteForLog((error as NodeJS.ErrnoException).code ?? error.message, 120) : 'connection ended';
    this.#options.log(`Redis store at ${redactRedisUrl(this.#options.url)} is unreachable (${why}); retrying in the background`);
  }

  /** Runs a command (bulk replies as strings, or as Buffers with `buffers`); rejects while Redis is down or past the deadline. */
  async command(args: Array<string | Buffer>, { buffers = false } = {}): Promise<unknown> {
    const client = this.#client;
    if (!client || this.#closed) throw new Error('Redis store not connected');
    const target = buffers ? this.#buffers! : client;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis command took over ${this.#options.commandTimeoutMs} ms`)), this.#options.commandTimeoutMs);
      timer.unref?.();
    });
    try {
      const reply = await Promise.race([target.sendCommand(args), deadline]);
      if (!this.#available && client.isReady) this.#up();
      return reply;
    } catch (error) {
      if (!client.isReady || /took over/.test((error as Error).message)) this.#down(error as Error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a Lua script by SHA, sending its source once when Redis does not have it yet. */
  async run(script: RedisScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    try {
      return await this.command(['EVALSHA', script.sha, ...tail]);
    } catch (error) {
      if (!/NOSCRIPT/.test((error as Error).message)) throw error;
      return this.command(['EVAL', script.source, ...tail]);
    }
  }

  /** Closes the connection (pending commands are rejected). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#available = false;
    await this.#connecting.catch(() => undefined);
    this.#client?.destroy();
  }
}
