import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { createClient } from '@redis/client';

/** Debian's `redis-server` (installed by `npm test`), or the one `REDIS_SERVER_PATH` names. */
export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';

/**
 * Why the Redis tests cannot run here, or `undefined` when they can. In CI a missing server is a
 * failure, not a skip: `npm test` installs it.
 */
export function redisUnavailableReason(): string | undefined {
  if (existsSync(REDIS_SERVER)) return undefined;
  const reason = `${REDIS_SERVER} not found (npm test installs Debian's redis-server; or set REDIS_SERVER_PATH)`;
  if (process.env.CI) throw new Error(`Redis tests cannot be skipped in CI: ${reason}`);
  console.warn(`Skipping the Redis tests: ${reason}`);
  return reason;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `ZRANGE … WITHSCORES` as `[member, score]` pairs, whether the reply came flat (RESP2) or paired (RESP3). */
function pairs(reply: unknown): Array<[string, number]> {
  const items = reply as unknown[];
  if (items.length > 0 && Array.isArray(items[0])) return (items as Array<[string, unknown]>).map(([member, score]) => [String(member), Number(score)]);
  const out: Array<[string, number]> = [];
  for (let i = 0; i < items.length; i += 2) out.push([String(items[i]), Number(items[i + 1])]);
  return out;
}

/** A real `redis-server` on a loopback port, with no persistence, that a test can stop and start again. */
export class RedisServer {
  #child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    for (let attempt = 0; ; attempt++) {
      const server = new RedisServer(await freePort());
      try {
        await server.resume();
        return server;
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
  }

  /** Starts (again) on the same port; resolves once it accepts connections. */
  async resume(): Promise<void> {
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}: ${output}`);
      const client = createClient({ url: this.url, socket: { connectTimeout: 500, reconnectStrategy: false } });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.sendCommand(['PING']);
        client.destroy();
        return;
      } catch {
        client.destroy();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${this.port}: ${output}`);
  }

  /** Stops the server (SIGKILL: as sudden as a crash) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Every key under `prefix` with its value as text (strings, and sorted sets as `[[member, score], …]`). */
  async dump(prefix = ''): Promise<Array<{ key: string; type: string; value: string }>> {
    const client = createClient({ url: this.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const keys = (await client.sendCommand(['KEYS', `${prefix}*`])) as string[];
      const out = [];
      for (const key of keys) {
        const type = (await client.sendCommand(['TYPE', key])) as string;
        const value = type === 'zset' ? JSON.stringify(pairs(await client.sendCommand(['ZRANGE', key, '0', '-1', 'WITHSCORES']))) : type === 'string' ? ((await client.withTypeMapping({ [36]: Buffer }).sendCommand(['GET', key])) as Buffer).toString('latin1') : type;
        out.push({ key, type, value });
      }
      return out;
    } finally {
      client.destroy();
    }
  }

  /** A command against the server (for checks the proxy does not expose). */
  async command(args: string[]): Promise<unknown> {
    const client = createClient({ url: this.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await client.sendCommand(args);
    } finally {
      client.destroy();
    }
  }
}
