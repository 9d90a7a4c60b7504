// A proxy instance in a process of its own, for the test that kills one mid-task: started by
// proxy.redis.test.ts with `node --import tsx`, configured through the environment, prints its URL.
import { createRedisStore, createSynthesisProxy } from '../../src/server/index.ts';

const env = process.env;
const store = createRedisStore({ url: env.REDIS_URL!, keyPrefix: env.REDIS_PREFIX, leaseTtlMs: Number(env.LEASE_TTL_MS), log: (line) => process.stderr.write(`${line}\n`) });
await store.ready();
const proxy = createSynthesisProxy({
  apiKey: env.PROXY_KEY!,
  upstream: env.UPSTREAM_URL,
  port: 0,
  store,
  limits: { maxConcurrentTasks: Number(env.MAX_CONCURRENT), maxTasksPerMinute: 1000, maxConnections: 100 },
});
process.stdout.write(`${await proxy.listen()}\n`);
