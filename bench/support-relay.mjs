// Worker thread for bench/proxy.bench.mjs: runs the relay under test on its own thread (its own event
// loop, as a separate server would), either the library's synthesis proxy or a bare `ws` relay that
// pipes frames both ways with no checks. Posts { url } when listening; answers 'elu' with the thread's
// event-loop utilization and active (busy) milliseconds since the last ask; 'close' shuts it down.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { register } from 'tsx/esm/api';
import WebSocket, { WebSocketServer } from 'ws';

const { mode, upstream } = workerData;
let close;
let url;

if (mode === 'proxy') {
  register();
  const { createSynthesisProxy } = await import('../src/server/index.ts');
  const proxy = createSynthesisProxy({
    apiKey: 'sk-bench-not-a-real-key',
    upstream,
    port: 0,
    host: '127.0.0.1',
    limits: { maxConcurrentTasks: 100_000, maxTasksPerMinute: 1_000_000, maxConnections: 100_000 },
  });
  url = await proxy.listen();
  close = () => proxy.close();
} else {
  const target = `${upstream}/api-ws/v1/inference`;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (downstream) => {
    const pending = [];
    const up = new WebSocket(target, { headers: { Authorization: 'Bearer sk-bench-not-a-real-key' } });
    up.on('open', () => {
      for (const [data, binary] of pending.splice(0)) up.send(data, { binary });
    });
    up.on('message', (data, binary) => downstream.readyState === WebSocket.OPEN && downstream.send(data, { binary }));
    up.on('close', () => downstream.readyState === WebSocket.OPEN && downstream.close());
    up.on('error', () => downstream.terminate());
    downstream.on('message', (data, binary) => {
      if (up.readyState === WebSocket.OPEN) up.send(data, { binary });
      else pending.push([data, binary]);
    });
    downstream.on('close', () => (up.readyState === WebSocket.CONNECTING ? up.terminate() : up.close()));
    downstream.on('error', () => up.terminate());
  });
  url = `ws://127.0.0.1:${wss.address().port}/api-ws/v1/inference`;
  close = async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  };
}

let elu = performance.eventLoopUtilization();
parentPort.on('message', async (message) => {
  if (message === 'elu') {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, elu);
    parentPort.postMessage({ elu: { utilization: delta.utilization, activeMs: delta.active } });
    elu = now;
  } else if (message === 'close') {
    await close();
    parentPort.postMessage({ closed: true });
  }
});
parentPort.postMessage({ url });
