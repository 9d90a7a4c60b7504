// Page script of bench/region.bench.mjs: a 10 000-word article in the shape a Markdown renderer
// writes, read and highlighted in place. Exposes window.runBench().
import { segmentText, warmUpSegmenter } from '../src/core/segmentText';
import { collectReadableText } from '../src/dom/collectReadableText';
import { observeReadableText } from '../src/dom/observeReadableText';
import { RangeHighlighter } from '../src/dom/RangeHighlighter';
import { articleHtml } from './articleHtml';

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
}

/**
 * The region's mount as `useReadAloudRegion` does it: the text walked in 8 ms slices (observeReadableText's
 * sliceMs), on a fresh page (cold code, styles not yet read). The longest task is bounded by the gap
 * between two tasks of ours that run between the slices.
 */
async function runMountBench(article: HTMLElement) {
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(entry.duration);
  });
  observer.observe({ type: 'longtask' });
  const t0 = performance.now();
  const live = observeReadableText(article, { sliceMs: 8, onChange: () => undefined });
  const callMs = performance.now() - t0;
  let longestGapMs = callMs;
  let tasks = 0;
  while (live.building) {
    const before = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 0));
    longestGapMs = Math.max(longestGapMs, performance.now() - before);
    tasks++;
  }
  const totalMs = performance.now() - t0;
  const words = live.current.text.split(/\s+/).length;
  live.disconnect();
  await nextFrame();
  observer.disconnect();
  return { mountCallMs: callMs, mountLongestTaskMs: longestGapMs, mountTotalMs: totalMs, mountTasks: tasks, mountLongTasks: longTasks.length, words };
}

async function runBench({ full = true, mount = false }: { full?: boolean; mount?: boolean } = {}) {
  const style = document.createElement('style');
  style.textContent = 'article { font: 16px/1.5 sans-serif; width: 700px; } ::highlight(cosyvoice-word) { background: #fd0; } ::highlight(cosyvoice-sentence) { background: #def; }';
  document.head.appendChild(style);
  const article = document.createElement('article');
  article.innerHTML = articleHtml(10_000);
  document.body.appendChild(article);
  const htmlBefore = article.outerHTML;
  // The page is rendered (styles computed, laid out) before the region is set up, as on a real page.
  await nextFrame();
  await nextFrame();

  if (mount) return runMountBench(article);

  // Intl.Segmenter's one-time start-up, paid in an idle task when the region mounts (warmUpSegmenter).
  const w0 = performance.now();
  warmUpSegmenter('en');
  const segmenterStartupMs = performance.now() - w0;
  await nextFrame();

  // Setup as one task: the text and its map, and the sentences (navigation, the sentence highlight).
  const t0 = performance.now();
  const readable = collectReadableText(article);
  const t1 = performance.now();
  segmentText(readable.text, { locale: 'en', words: false });
  const t2 = performance.now();
  await nextFrame();
  // The words too (click-to-read needs only the clicked sentence's: segmentWords), in a later task.
  const w1 = performance.now();
  const segmentation = segmentText(readable.text, { locale: 'en' });
  const withWordsMs = performance.now() - w1;

  if (!full) return { setupMs: t2 - t0, collectMs: t1 - t0, segmentMs: t2 - t1, segmenterStartupMs, segmentWithWordsMs: withWordsMs };

  // Warm setups (a rebuild after a change, or a second region of the same size).
  const warmCollect: number[] = [];
  const warmSegment: number[] = [];
  const warmSegmentWithWords: number[] = [];
  for (let i = 0; i < 15; i++) {
    const a = performance.now();
    const again = collectReadableText(article);
    const b = performance.now();
    segmentText(again.text, { locale: 'en', words: false });
    const c = performance.now();
    segmentText(again.text, { locale: 'en' });
    warmCollect.push(b - a);
    warmSegment.push(c - b);
    warmSegmentWithWords.push(performance.now() - c);
  }

  // Word changes: the ranges of the next word (and of its sentence when it changes) into the highlight.
  const measureWordChanges = async (highlighter: RangeHighlighter, count: number, first: number) => {
    const samples: number[] = [];
    let sentence = -1;
    for (let i = first; i < first + count; i++) {
      const word = segmentation.words[i % segmentation.words.length]!;
      const start = performance.now();
      if (word.sentenceIndex !== sentence) {
        sentence = word.sentenceIndex;
        const s = segmentation.sentences[sentence]!;
        highlighter.setSentence(readable.rangesFor(s.start, s.end));
      }
      highlighter.setWord(readable.rangesFor(word.start, word.end));
      samples.push(performance.now() - start);
      // One change per frame, as during playback, so each change also gets painted.
      if (i % 10 === 0) await nextFrame();
    }
    highlighter.clear();
    return samples;
  };
  const api = await measureWordChanges(new RangeHighlighter(), 3000, 0);
  // The overlay is meant for a word or two on screen; measure it on words in view.
  const overlay = await measureWordChanges(new RangeHighlighter({ mode: 'overlay' }), 300, 0);

  // Hit testing: the word under a point, and a selection's span.
  const hits: number[] = [];
  for (let i = 0; i < 200; i++) {
    const word = segmentation.words[(i * 7) % 400]!;
    const rect = readable.rangesFor(word.start, word.end)[0]!.getBoundingClientRect();
    const start = performance.now();
    readable.offsetAtPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    hits.push(performance.now() - start);
  }

  return {
    words: segmentation.words.length,
    sentences: segmentation.sentences.length,
    characters: readable.length,
    domTextNodes: readable.nodes.length,
    elements: article.querySelectorAll('*').length,
    segmenterStartupMs,
    setupMs: t2 - t0,
    collectMs: t1 - t0,
    segmentMs: t2 - t1,
    segmentWithWordsMs: withWordsMs,
    warmCollectMedianMs: stats(warmCollect).median,
    // The least disturbed run: on a busy machine, the closest to the cost on an idle one.
    warmCollectMinMs: Math.min(...warmCollect),
    warmSegmentMinMs: Math.min(...warmSegment),
    warmSegmentWithWordsMinMs: Math.min(...warmSegmentWithWords),
    warmSegmentMedianMs: stats(warmSegment).median,
    warmSegmentWithWordsMedianMs: stats(warmSegmentWithWords).median,
    wordChangeMedianMs: stats(api).median,
    wordChangeP95Ms: stats(api).p95,
    wordChangeMaxMs: stats(api).max,
    overlayWordChangeMedianMs: stats(overlay).median,
    overlayWordChangeP95Ms: stats(overlay).p95,
    hitTestMedianMs: stats(hits).median,
    domUnchanged: article.outerHTML === htmlBefore,
  };
}

(window as unknown as { runBench: typeof runBench }).runBench = runBench;
