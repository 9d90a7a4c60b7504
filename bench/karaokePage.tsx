// Page for bench/karaoke.bench.mjs: KaraokeText over 10 000 words, with an explicit timeline, in a
// production React build. Measures the first render and the cost of each word change (wall time of a
// synchronous render + commit). How many word elements re-render per change is not measured here: tests
// in test/components count the `renderWord` calls per word change (at most the two words involved).
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { KaraokeText, type TimelineWord } from 'cosyvoice-react';

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

function App() {
  const [active, set] = useState(-1);
  setActive = set;
  return (
    <KaraokeText text={TEXT} timeline={timeline} activeWordIndex={active} follow={false} />
  );
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
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const median = (values: number[]) => sorted(values)[Math.floor(values.length / 2)]!;
  const p95 = (values: number[]) => sorted(values)[Math.floor(values.length * 0.95)]!;
  const activeElements = container.querySelectorAll('[data-active]').length;
  root.unmount();
  return {
    words: WORDS,
    firstRenderMs,
    wordChangeWallMedianMs: median(wallTimes),
    wordChangeWallP95Ms: p95(wallTimes),
    activeElementsAfterRun: activeElements,
  };
};
