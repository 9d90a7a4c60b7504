// Region bench: a 10 000-word article rendered as Markdown renderers write it, read and highlighted in
// place in Debian's Chromium; writes bench/results/region.json (setup as one task, cost per word
// change, hit testing). Run: node bench/region.bench.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openBenchPage } from './support-page.mjs';

const root = path.join(import.meta.dirname, '..');
const bench = await openBenchPage('bench/regionPage.ts', { title: 'region bench' });
const { browser } = bench;
const PAGES = 7;
try {
  // Setup is measured on fresh pages (first use of everything: JIT, Intl.Segmenter data), the rest on the first.
  const cold = [];
  let result;
  for (let i = 0; i < PAGES; i++) {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(bench.url);
    await page.waitForFunction(() => typeof window.runBench === 'function');
    const run = await page.evaluate((full) => window.runBench({ full }), i === 0);
    if (i === 0) result = run;
    cold.push(run);
    await page.close();
  }
  // The region's mount as the hook does it (the text walked in 8 ms slices), on fresh pages too.
  const mounts = [];
  for (let i = 0; i < PAGES; i++) {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(bench.url);
    await page.waitForFunction(() => typeof window.runBench === 'function');
    mounts.push(await page.evaluate(() => window.runBench({ mount: true })));
    await page.close();
  }
  const medianOf = (runs, key) => runs.map((run) => run[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  const median = (key) => cold.map((run) => run[key]).sort((a, b) => a - b)[Math.floor(PAGES / 2)];
  Object.assign(result, {
    setupMs: median('setupMs'),
    setupMinMs: Math.min(...cold.map((run) => run.setupMs)),
    collectMinMs: Math.min(...cold.map((run) => run.collectMs)),
    segmentMinMs: Math.min(...cold.map((run) => run.segmentMs)),
    collectMs: median('collectMs'),
    segmentMs: median('segmentMs'),
    segmenterStartupMs: median('segmenterStartupMs'),
    segmentWithWordsMs: median('segmentWithWordsMs'),
    mountLongestTaskMs: medianOf(mounts, 'mountLongestTaskMs'),
    mountLongestTaskMaxMs: Math.max(...mounts.map((run) => run.mountLongestTaskMs)),
    mountCallMs: medianOf(mounts, 'mountCallMs'),
    mountTotalMs: medianOf(mounts, 'mountTotalMs'),
    mountTasks: medianOf(mounts, 'mountTasks'),
    mountLongTasks: Math.max(...mounts.map((run) => run.mountLongTasks)),
  });
  const rounded = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1000) / 1000 : v]));
  const report = {
    date: new Date().toISOString(),
    chromium: browser.version(),
    // Other work on this 2-core machine inflates every figure; this says how much was going on.
    loadAverage: (await import('node:os')).loadavg()[0],
    ...rounded,
    notes: {
      mount: `the region's mount as useReadAloudRegion does it (observeReadableText with sliceMs 8: the text walked in slices, one per task) on ${PAGES} fresh pages: mountLongestTaskMs is the longest gap between two of the bench's own tasks run between the slices, median (and max), which bounds the longest task; mountLongTasks the most long tasks (> 50 ms, PerformanceObserver 'longtask') a mount made; sentences are segmented at the first reading (segmentMs), and Intl.Segmenter is started in an idle task (segmenterStartupMs)`,
      setupMs: `collectReadableText(text, { words: false }) (the sentences) on the rendered article, as one task: median (and min) over ${PAGES} fresh pages (cold code), after warmUpSegmenter ran in an earlier task`,
      segmentWithWordsMs: 'segmentText with the words too (10 000 words), in a later task, cold code',
      segmenterStartupMs: "Intl.Segmenter's one-time start-up in a page (ICU loading its break rules), whatever the text's size: warmUpSegmenter pays it when the region mounts",
      warm: 'the same on a page where it ran before (a rebuild after a change, a second region)',
      wordChange: 'rangesFor(word) (+ the sentence when it changes) into CSS.highlights; JavaScript time, rendering not included',
      overlayWordChange: 'the fallback: getClientRects() of the ranges and absolutely positioned boxes',
    },
    budgets: { mountLongestTaskMs: '<= 50 ms (setup as one task)', wordChangeMedianMs: '<= 1 ms' },
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/region.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
} finally {
  await bench.close();
}
