// Worker thread for bench/scale.bench.mjs: one synthesis proxy on its own thread (its own event loop, as
// a separate server would), with the store and cache the bench asks for. Posts { url } when listening;
// 'close' shuts it down.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { createMemoryStore, createRedisStore, createSynthesisProxy } = await import('../src/server/index.ts');
const { upstream, redisUrl, keyPrefix, cache } = workerData;
const store = redisUrl ? createRedisStore({ url: redisUrl, keyPrefix, log: () => undefined }) : createMemoryStore();
if (redisUrl) await store.ready();
const proxy = createSynthesisProxy({
  apiKey: 'sk-bench-not-a-real-key',
  upstream,
  port: 0,
  host: '127.0.0.1',
  store,
  cache,
  limits: { maxConcurrentTasks: 100_000, maxTasksPerMinute: 10_000_000, maxConnections: 100_000, maxBufferedBytes: 64 * 1024 * 1024 },
});
const url = await proxy.listen();
parentPort.postMessage({ url });
parentPort.on('message', async (message) => {
  if (message === 'close') {
    await proxy.close();
    await store.close();
    parentPort.postMessage({ closed: true });
    parentPort.close();
  }
});
