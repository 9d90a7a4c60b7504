// Playback bench: bundles bench/playbackPage.ts, serves it on 127.0.0.1 (a secure context, needed for
// AudioWorklet), runs it in Debian's Chromium and writes bench/results/playback.json.
// Run: node bench/playback.bench.mjs   (CHROMIUM_PATH overrides /usr/bin/chromium)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBenchPage } from './support-page.mjs';

const root = path.join(import.meta.dirname, '..');
const FIXTURES = '/fixtures/';
// A development build with the WASM decoders bundled: it measures them too.
const bench = await openBenchPage('bench/playbackPage.ts', {
  title: 'playback bench',
  production: false,
  external: [],
  autoplay: true,
  // Only the fixture names the page asks for, straight from the folder (no path beyond it).
  serveFile: (url) => {
    const name = url.startsWith(FIXTURES) ? url.slice(FIXTURES.length) : '';
    return name && !name.includes('/') && !name.includes('..') ? readFileSync(path.join(root, 'test/fixtures/audio', name)) : undefined;
  },
});
const { browser } = bench;
try {
  const page = await browser.newPage();
  await page.goto(bench.url);
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
  await bench.close();
}
