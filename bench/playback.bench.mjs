// Playback bench: bundles bench/playbackPage.ts, serves it on 127.0.0.1 (a secure context, needed for
// AudioWorklet), runs it in Debian's Chromium and writes bench/results/playback.json.
// Run: node bench/playback.bench.mjs   (CHROMIUM_PATH overrides /usr/bin/chromium)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const root = path.join(import.meta.dirname, '..');
const bundle = await build({
  entryPoints: [path.join(root, 'bench/playbackPage.ts')],
  bundle: true,
  format: 'esm',
  write: false,
  target: 'es2022',
  alias: {
    'cosyvoice-react/core': path.join(root, 'src/core/index.ts'),
    'cosyvoice-react/playback': path.join(root, 'src/playback/index.ts'),
  },
});
const script = bundle.outputFiles[0].text;
const html = '<!doctype html><meta charset="utf-8"><title>playback bench</title><script type="module" src="/bench.js"></script>';

const server = http.createServer((req, res) => {
  const fixture = /^\/fixtures\/([\w.-]+)$/.exec(req.url ?? '');
  if (fixture) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(path.join(root, 'test/fixtures/audio', fixture[1])));
  else if (req.url === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
  else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => typeof window.runBench === 'function');
  const result = await page.evaluate(() => window.runBench());
  const round = (v) =>
    typeof v === 'number' ? Math.round(v * 100) / 100 : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)])) : v;
  const out = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, round(v)]));
  const budgets = {
    ttfaOverheadMs: `<= ${round(10 + out.renderQuantumMs)} (10 ms + one render quantum)`,
    highlightErrorMeanMs: '<= 20',
    highlightErrorMaxMs: '<= 50',
    playbackRates: 'highlight error and word-onset error <= 20 mean, <= 50 max at 0.75x, 1.5x and 2x (same as at 1x)',
  };
  // Other work on the machine makes the timings noisy: the 1, 5 and 15 minute load averages when it finished.
  const report = { date: new Date().toISOString(), chromium: browser.version(), loadAverage: os.loadavg().map((v) => Math.round(v * 10) / 10), ...out, budgets };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/playback.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
} finally {
  await browser.close();
  server.close();
}
