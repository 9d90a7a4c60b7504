// Page script of bench/region.bench.mjs: a 10 000-word article in the shape a Markdown renderer
// writes, read and highlighted in place. Exposes window.runBench().
import { segmentText, warmUpSegmenter } from '../src/core/segmentText';
import { collectReadableText } from '../src/dom/collectReadableText';
import { RangeHighlighter } from '../src/dom/RangeHighlighter';

const VOCABULARY =
  'the reader hears every word of this article while the page stays exactly as its author wrote it with links emphasis code lists and tables a region of text is read aloud sentence by sentence and highlighted in place'.split(
    ' ',
  );

/** Deterministic article HTML with about `wordCount` words. */
function articleHtml(wordCount: number): string {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const word = () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!;
  let words = 0;
  const sentence = () => {
    const length = 8 + Math.floor(random() * 12);
    const parts: string[] = [];
    for (let i = 0; i < length; i++) {
      const w = word();
      const roll = random();
      if (roll < 0.04) parts.push(`<a href="#w${words}">${w}</a>`);
      else if (roll < 0.07) parts.push(`<em>${w}</em>`);
      else if (roll < 0.09) parts.push(`<code>${w}()</code>`);
      else if (roll < 0.1) parts.push(`<strong>${w.slice(0, 2)}</strong>${w.slice(2)}`); // a word split by an element
      else parts.push(w);
    }
    words += length;
    const text = parts.join(' ');
    return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
  };
  const blocks: string[] = [];
  let paragraph = 0;
  while (words < wordCount) {
    if (paragraph % 8 === 0) {
      blocks.push(`<h2>${word()} ${word()} ${word()}</h2>`);
      words += 3;
    }
    if (paragraph % 11 === 5) {
      const items: string[] = [];
      for (let i = 0; i < 4; i++) items.push(`<li>${sentence()}</li>`);
      blocks.push(`<ul>\n${items.join('\n')}\n</ul>`);
    } else if (paragraph % 23 === 17) {
      const rows: string[] = [];
      for (let r = 0; r < 4; r++) rows.push(`<tr><td>${word()}</td><td>${word()} ${word()}</td><td>${Math.floor(random() * 100)}</td></tr>`);
      words += 16;
      blocks.push(`<table>\n<thead><tr><th>Name</th><th>Value</th><th>Count</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`);
    } else {
      const count = 3 + Math.floor(random() * 4);
      const sentences: string[] = [];
      for (let i = 0; i < count; i++) sentences.push(sentence());
      blocks.push(`<p>${sentences.join(' ')}</p>`);
    }
    paragraph++;
  }
  return blocks.join('\n');
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
}

async function runBench({ full = true }: { full?: boolean } = {}) {
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
