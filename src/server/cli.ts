#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createLocalVoiceServer } from './createLocalVoiceServer';
import { createRedisStore, type RedisStore } from './createRedisStore';
import { createSynthesisProxy, type SynthesisProxy } from './createSynthesisProxy';
import { redactRedisUrl } from './RedisConnection';

const USAGE = `Usage: cosyvoice-react serve [--host 127.0.0.1] [--port 8765] [--engine auto|espeak|tone]
                            [--upstream cn|intl|URL] [--allowed-origin ORIGIN]... [--allow-anonymous-tokens]
                            [--redis URL] [--redis-prefix PREFIX] [--redis-when-down closed|open]
                            [--cache] [--cache-max-mb 64] [--cache-entry-max-mb 8] [--cache-ttl SECONDS]
                            [--metrics] [--upstream-pool N] [--workspace ID] [--drain-seconds 30]

Without DASHSCOPE_API_KEY: a local DashScope-compatible voice server (offline speech).
With DASHSCOPE_API_KEY:    a proxy to --upstream (default: the real service, cn) holding the key.
                           POST /api/v1/tokens answers 403 unless --allow-anonymous-tokens is given
                           (then anyone who can reach it gets temporary keys: development only).
  --redis URL              share limits (and the cache) with every instance using this Redis
                           (needs the optional package @redis/client); --redis-when-down: refuse
                           (closed, default) or admit uncounted (open) while Redis is unreachable
  --cache                  answer repeated whole texts from the cache (in Redis with --redis, else
                           in memory, --cache-max-mb); entries live --cache-ttl seconds (default 86400)
  --metrics                Prometheus metrics at /metrics (needs the optional package prom-client)
  --upstream-pool N        keep N upstream connections open ahead of need (default 0)
GET /healthz and /readyz answer on the proxy's port. SIGTERM drains: running tasks get
--drain-seconds to finish, new ones are refused (retryable); SIGINT closes at once.
The first line printed is the WebSocket URL.`;

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new RangeError(`--${name} must be a positive number; received ${value}`);
  return number;
}

/**
 * The `cosyvoice-react` command: `serve` starts the local voice server, or the proxy when
 * `DASHSCOPE_API_KEY` is set (with `--redis`, `--cache`, `--metrics`, `--upstream-pool`). Prints the
 * WebSocket URL first; SIGINT closes every socket, SIGTERM drains the proxy first; both exit 0.
 *
 * @example
 * // npx cosyvoice-react serve --port 0 --engine tone
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'serve') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8765' },
        engine: { type: 'string', default: 'auto' },
        upstream: { type: 'string' },
        'allowed-origin': { type: 'string', multiple: true },
        'allow-anonymous-tokens': { type: 'boolean', default: false },
        redis: { type: 'string' },
        'redis-prefix': { type: 'string' },
        'redis-when-down': { type: 'string' },
        cache: { type: 'boolean', default: false },
        'cache-max-mb': { type: 'string' },
        'cache-entry-max-mb': { type: 'string' },
        'cache-ttl': { type: 'string' },
        metrics: { type: 'boolean', default: false },
        'upstream-pool': { type: 'string' },
        workspace: { type: 'string' },
        'drain-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be 0–65535; received ${values.port}\n`);
    return 2;
  }
  const engine = values.engine as 'auto' | 'espeak' | 'tone';
  if (!['auto', 'espeak', 'tone'].includes(engine)) {
    process.stderr.write(`--engine must be auto, espeak or tone; received ${values.engine}\n`);
    return 2;
  }
  const apiKey = env.DASHSCOPE_API_KEY;
  let running: { listen(): Promise<string>; close(): Promise<void> };
  let proxy: SynthesisProxy | undefined;
  let store: RedisStore | undefined;
  let description: string;
  let drainMs = 30_000;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    if (apiKey) {
      drainMs = (positiveNumber('drain-seconds', values['drain-seconds']) ?? 30) * 1000;
      const whenDown = values['redis-when-down'] ?? 'closed';
      if (whenDown !== 'closed' && whenDown !== 'open') throw new TypeError(`--redis-when-down must be closed or open; received ${whenDown}`);
      if (values.redis) store = createRedisStore({ url: values.redis, keyPrefix: values['redis-prefix'], whenUnavailable: whenDown, log });
      const megabytes = (name: string): number | undefined => {
        const value = positiveNumber(name, values[name as 'cache-max-mb']);
        return value === undefined ? undefined : Math.round(value * 1024 * 1024);
      };
      const cache = values.cache ? { maxBytes: megabytes('cache-max-mb'), maxEntryBytes: megabytes('cache-entry-max-mb'), ttlSeconds: positiveNumber('cache-ttl', values['cache-ttl']) } : false;
      const pool = values['upstream-pool'] === undefined ? 0 : Number(values['upstream-pool']);
      if (!Number.isInteger(pool) || pool < 0) throw new RangeError(`--upstream-pool must be a whole number; received ${values['upstream-pool']}`);
      proxy = createSynthesisProxy({
        apiKey,
        upstream: values.upstream,
        port,
        host: values.host,
        allowedOrigins: values['allowed-origin'],
        allowAnonymousTokens: values['allow-anonymous-tokens'],
        store,
        cache,
        metrics: values.metrics,
        upstreamPool: { size: pool },
        workspace: values.workspace,
        log,
      });
      running = proxy;
      const tokens = values['allow-anonymous-tokens'] ? 'tokens for any caller' : 'token minting off';
      const shared = store ? `limits${values.cache ? ' and cache' : ''} in Redis at ${redactRedisUrl(values.redis!)}` : `limits${values.cache ? ' and cache' : ''} in memory`;
      description = `proxy to ${values.upstream ?? 'cn'} (API key from DASHSCOPE_API_KEY; ${tokens}; ${shared}${values.metrics ? '; metrics at /metrics' : ''})`;
    } else {
      const server = createLocalVoiceServer({ engine, port, host: values.host });
      running = server;
      description = `local voice server, engine ${server.engine.name}`;
    }
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    await store?.close();
    return 1;
  }
  if (store) {
    // Not fatal: the proxy serves (failing closed or open, as told) and the store keeps retrying.
    await store.ready().catch((error: Error) => log(`cosyvoice-react: Redis not reachable yet (${error.message})`));
  }
  const url = await running.listen();
  process.stdout.write(`${url}\n`);
  process.stderr.write(`cosyvoice-react: ${description}. Ctrl-C to stop.\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  if (proxy && signal === 'SIGTERM') {
    process.stderr.write(`cosyvoice-react: SIGTERM, draining (up to ${drainMs / 1000} s)\n`);
    // A second signal during the drain closes at once.
    const now = (): void => void proxy!.close();
    process.once('SIGTERM', now);
    process.once('SIGINT', now);
    await proxy.drain({ deadlineMs: drainMs });
  } else await running.close();
  await store?.close();
  return 0;
}

// Run when executed directly (bin or `tsx src/server/cli.ts`), not when imported.
const invoked = process.argv[1] ?? '';
if (/cli\.(ts|js|cjs|mjs)$/.test(invoked) || /cosyvoice-react$/.test(invoked)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
