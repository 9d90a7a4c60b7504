// Page for bench/karaoke.bench.mjs: KaraokeText over 10 000 words, with an explicit timeline, in a
// production React build. Measures the first render and the cost of each word change (wall time of a
// synchronous render + commit). How many word elements re-render per change is not measured here: tests
// in test/components count the `renderWord` calls per word change (at most the two words involved).
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { KaraokeText, SpeechProvider, createSilentPlayer, proxyTransport, useReadAloudRegion, type TimelineWord } from 'cosyvoice-react';
import { articleHtml } from './articleHtml';

const WORDS = 10_000;
const vocabulary = ['read', 'aloud', 'every', 'word', 'lights', 'up', 'when', 'you', 'hear', 'it'];
const parts: string[] = [];
const timeline: TimelineWord[] = [];
let offset = 0;
for (let i = 0; i < WORDS; i++) {
  const text = vocabulary[i % vocabulary.length]!;
  timeline.push({ text, beginIndex: offset, endIndex: offset + text.length, beginMs: i * 250, endMs: i * 250 + 200, sentenceIndex: Math.floor(i / 12) });
  parts.push(text);
  offset += text.length + 1;
}
const TEXT = parts.join(' ');

declare global {
  interface Window {
    runBench(): Promise<Record<string, number>>;
  }
}

let setActive: (index: number) => void = () => undefined;

function App({ highlight = 'elements' }: { highlight?: 'elements' | 'ranges' }) {
  const [active, set] = useState(-1);
  setActive = set;
  return (
    <KaraokeText text={TEXT} timeline={timeline} activeWordIndex={active} follow={false} highlight={highlight} />
  );
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => sorted(values)[Math.floor(values.length / 2)]!;
const p95 = (values: number[]) => sorted(values)[Math.floor(values.length * 0.95)]!;

/** KaraokeText highlight="ranges": first render (its code already loaded) and word changes through `activeWordIndex`. */
async function benchRanges() {
  const container = document.createElement('div');
  document.body.append(container);
  // Loads the mode's code (lazy), as the first use on a page does; measured below on a fresh mount.
  const warm = createRoot(container);
  flushSync(() => warm.render(<App highlight="ranges" />));
  for (let i = 0; i < 100 && !container.querySelector('[data-state]'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  warm.unmount();
  const root = createRoot(container);
  const start = performance.now();
  flushSync(() => root.render(<StrictMode><App highlight="ranges" /></StrictMode>));
  const firstRenderMs = performance.now() - start;
  await nextFrame();
  const wallTimes: number[] = [];
  for (let i = 0; i < 300; i++) {
    const begin = performance.now();
    flushSync(() => setActive((i * 31) % WORDS));
    wallTimes.push(performance.now() - begin);
    if (i % 10 === 0) await nextFrame();
  }
  const highlighted = (CSS as unknown as { highlights: Map<string, { size: number }> }).highlights.get('cosyvoice-word')?.size ?? 0;
  root.unmount();
  container.remove();
  return { rangesFirstRenderMs: firstRenderMs, rangesWordChangeWallMedianMs: median(wallTimes), rangesWordChangeWallP95Ms: p95(wallTimes), rangesHighlightedRanges: highlighted };
}

/** useReadAloudRegion on a rendered 10 000-word article: the hook's setup (its layout effect) as one task. */
async function benchRegion() {
  const article = document.createElement('article');
  article.style.cssText = 'font: 16px/1.5 sans-serif; width: 700px;';
  article.innerHTML = articleHtml(10_000);
  document.body.append(article);
  await nextFrame();
  await nextFrame();
  const ref = { current: article };
  function Region() {
    useReadAloudRegion(ref);
    return null;
  }
  const container = document.createElement('div');
  document.body.append(container);
  const tree = (
    <SpeechProvider transport={proxyTransport({ url: 'ws://127.0.0.1:9/unused' })} model="cosyvoice-v3-flash" voice="longanyang" createPlayer={() => createSilentPlayer()}>
      <Region />
    </SpeechProvider>
  );
  // The first mount runs cold code; the later ones are what a second region (or a remount) costs.
  const setups: number[] = [];
  for (let i = 0; i < 6; i++) {
    const root = createRoot(container);
    const start = performance.now();
    flushSync(() => root.render(tree));
    setups.push(performance.now() - start);
    root.unmount();
    await nextFrame();
  }
  article.remove();
  const regionSetupMs = setups[0]!;
  const regionSetupWarmMinMs = Math.min(...setups.slice(1));
  return { regionWords: 10_000, regionSetupMs, regionSetupWarmMinMs };
}

window.runBench = async () => {
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  const start = performance.now();
  flushSync(() => root.render(<StrictMode><App /></StrictMode>));
  const firstRenderMs = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const changes = 300;
  const wallTimes: number[] = [];
  for (let i = 0; i < changes; i++) {
    const begin = performance.now();
    flushSync(() => setActive(i * 31 % WORDS));
    wallTimes.push(performance.now() - begin);
  }
  const activeElements = container.querySelectorAll('[data-active]').length;
  root.unmount();
  return {
    words: WORDS,
    firstRenderMs,
    wordChangeWallMedianMs: median(wallTimes),
    wordChangeWallP95Ms: p95(wallTimes),
    activeElementsAfterRun: activeElements,
    ...(await benchRanges()),
    ...(await benchRegion()),
  };
};
