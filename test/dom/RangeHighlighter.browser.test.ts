import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { segmentText } from '../../src/core/segmentText';
import { collectReadableText } from '../../src/dom/collectReadableText';
import { HIGHLIGHT_OVERLAY_ATTRIBUTE, RangeHighlighter, supportsCustomHighlights } from '../../src/dom/RangeHighlighter';
import { MARKDOWN_ARTICLE, mountRegion, removeMountedRegions } from './regionFixtures';

const highlighters: RangeHighlighter[] = [];

const mount = (html: string) => mountRegion(html, { style: 'font: 20px/1.6 sans-serif; width: 360px;' });

function highlighter(options?: ConstructorParameters<typeof RangeHighlighter>[0]): RangeHighlighter {
  const created = new RangeHighlighter(options);
  highlighters.push(created);
  return created;
}

afterEach(() => {
  for (const created of highlighters.splice(0)) created.clear();
  removeMountedRegions();
});

beforeAll(() => {
  const style = document.createElement('style');
  style.textContent = '::highlight(cosyvoice-word) { background-color: rgb(255, 0, 0); } ::highlight(cosyvoice-sentence) { background-color: rgb(0, 0, 255); }';
  document.head.appendChild(style);
});

type Registry = Map<string, Set<AbstractRange> & { priority: number }> & { highlightsFromPoint?: (x: number, y: number) => { highlight: unknown }[] };
const registry = () => (CSS as unknown as { highlights: Registry }).highlights;

function centre(range: Range): [number, number] {
  const rect = range.getClientRects()[0]!;
  return [rect.left + rect.width / 2, rect.top + rect.height / 2];
}

/** The names of the highlights painted at a point of the viewport. */
function highlightsAt(x: number, y: number): string[] {
  const hits = registry().highlightsFromPoint!(x, y).map((hit) => hit.highlight);
  return [...registry().entries()].filter(([, highlight]) => hits.includes(highlight)).map(([name]) => name).sort();
}

describe('RangeHighlighter with the CSS Custom Highlight API', () => {
  it('is what Chromium uses', () => {
    expect(supportsCustomHighlights()).toBe(true);
    expect(highlighter().mode).toBe('highlight-api');
  });

  it('moves the word highlight from word to word inside the sentence highlight, and CSS.highlights holds exactly those ranges', () => {
    const root = mount('<p>The <b>quick</b> br<i>own</i> fox jumps.</p><p>Another sentence here.</p>');
    const readable = collectReadableText(root);
    const { sentences, words } = segmentText(readable.text);
    const painter = highlighter();
    const sentence = readable.rangesFor(sentences[0]!.start, sentences[0]!.end);
    painter.setSentence(sentence);
    expect([...registry().get('cosyvoice-sentence')!]).toEqual(sentence);

    for (const word of words.slice(0, 5)) {
      const ranges = readable.rangesFor(word.start, word.end);
      painter.setWord(ranges);
      const painted = [...registry().get('cosyvoice-word')!];
      expect(painted).toEqual(ranges);
      expect(painted.map((range) => range.toString()).join('')).toBe(readable.text.slice(word.start, word.end));
    }
    // The last word set is "jumps": painted where it is on the screen, over the sentence; "fox" only in the sentence.
    expect(registry().get('cosyvoice-word')!.priority).toBeGreaterThan(registry().get('cosyvoice-sentence')!.priority);
    const jumps = readable.rangesFor(words[4]!.start, words[4]!.end)[0]!;
    const fox = readable.rangesFor(words[3]!.start, words[3]!.end)[0]!;
    const other = readable.rangesFor(words[5]!.start, words[5]!.end)[0]!;
    // Hit testing of painted highlights (`highlightsFromPoint`) is in Chromium and Firefox, not yet in WebKit.
    if (registry().highlightsFromPoint) {
      expect(highlightsAt(...centre(jumps))).toEqual(['cosyvoice-sentence', 'cosyvoice-word']);
      expect(highlightsAt(...centre(fox))).toEqual(['cosyvoice-sentence']);
      expect(highlightsAt(...centre(other))).toEqual([]);
    } else {
      expect(navigator.userAgent).toMatch(/AppleWebKit(?!.*Chrome)/);
    }
    // "brown" is split by <i>: both pieces are painted.
    painter.setWord(readable.rangesFor(words[2]!.start, words[2]!.end));
    expect([...registry().get('cosyvoice-word')!].map((range) => range.toString())).toEqual(['br', 'own']);
  });

  it('leaves the DOM byte-for-byte unchanged while painting and after clearing, and unregisters its highlights', () => {
    const root = mount(MARKDOWN_ARTICLE);
    const before = document.body.outerHTML;
    const regionBefore = root.outerHTML;
    const readable = collectReadableText(root, { imageAlt: true, codeBlocks: 'read' });
    const { sentences, words } = segmentText(readable.text);
    const painter = highlighter();
    for (const word of words) {
      painter.setSentence(readable.rangesFor(sentences[word.sentenceIndex]!.start, sentences[word.sentenceIndex]!.end));
      painter.setWord(readable.rangesFor(word.start, word.end));
      expect(registry().get('cosyvoice-word')!.size).toBeGreaterThan(0);
      expect(root.outerHTML).toBe(regionBefore);
    }
    expect(document.body.outerHTML).toBe(before);
    painter.clear();
    expect(document.body.outerHTML).toBe(before);
    expect(registry().has('cosyvoice-word')).toBe(false);
    expect(registry().has('cosyvoice-sentence')).toBe(false);
    expect(painter.word).toEqual([]);
  });

  it('shares a highlight name between highlighters, each removing only its own ranges', () => {
    const root = mount('<p>First region.</p><p>Second region.</p>');
    const readable = collectReadableText(root);
    const first = highlighter();
    const second = highlighter();
    const a = readable.rangesFor(0, 5);
    const b = readable.rangesFor(14, 20);
    first.setWord(a);
    second.setWord(b);
    expect([...registry().get('cosyvoice-word')!]).toEqual([...a, ...b]);
    first.clear();
    expect([...registry().get('cosyvoice-word')!]).toEqual(b);
    second.clear();
    expect(registry().has('cosyvoice-word')).toBe(false);
  });

  it('uses the highlight names it is given', () => {
    const root = mount('<p>Named highlights.</p>');
    const readable = collectReadableText(root);
    const painter = highlighter({ wordHighlight: 'my-word', sentenceHighlight: 'my-sentence' });
    painter.setWord(readable.rangesFor(0, 5));
    painter.setSentence(readable.rangesFor(0, readable.length));
    expect(registry().has('my-word') && registry().has('my-sentence')).toBe(true);
    expect(registry().has('cosyvoice-word')).toBe(false);
    painter.clear();
    expect(registry().has('my-word') || registry().has('my-sentence')).toBe(false);
  });

  it('rejects bad options with a clear error', () => {
    expect(() => new RangeHighlighter({ wordHighlight: 'has space' })).toThrow(/wordHighlight must be a CSS identifier.*received "has space"/);
    expect(() => new RangeHighlighter({ wordHighlight: 'same', sentenceHighlight: 'same' })).toThrow(/must differ/);
    expect(() => new RangeHighlighter({ mode: 'paint' as 'overlay' })).toThrow(/mode must be 'auto', 'highlight-api' or 'overlay'; received "paint"/);
  });
});

describe('RangeHighlighter overlay (where the API is missing)', () => {
  function overlayBoxes(layer: 'word' | 'sentence'): HTMLElement[] {
    return [...document.querySelectorAll<HTMLElement>(`[${HIGHLIGHT_OVERLAY_ATTRIBUTE}="${layer}"] > [${HIGHLIGHT_OVERLAY_ATTRIBUTE}="${layer}"]`)];
  }

  function expectBoxesOver(layer: 'word' | 'sentence', ranges: Range[]) {
    const rects = ranges.flatMap((range) => [...range.getClientRects()]).filter((rect) => rect.width > 0);
    const boxes = overlayBoxes(layer).map((box) => box.getBoundingClientRect());
    expect(boxes.length).toBe(rects.length);
    boxes.forEach((box, i) => {
      expect(box.left).toBeCloseTo(rects[i]!.left, 0);
      expect(box.top).toBeCloseTo(rects[i]!.top, 0);
      expect(box.width).toBeCloseTo(rects[i]!.width, 0);
      expect(box.height).toBeCloseTo(rects[i]!.height, 0);
    });
  }

  it('lays boxes over the word and sentence outside the region, and removes them when cleared', () => {
    const root = mount('<p>The <b>quick</b> br<i>own</i> fox jumps over the lazy dog and keeps running across the page.</p>');
    const before = document.body.outerHTML;
    const regionBefore = root.outerHTML;
    const readable = collectReadableText(root);
    const { sentences, words } = segmentText(readable.text);
    const painter = highlighter({ mode: 'overlay' });
    expect(painter.mode).toBe('overlay');
    const sentence = readable.rangesFor(sentences[0]!.start, sentences[0]!.end);
    painter.setSentence(sentence);
    const brown = readable.rangesFor(words[2]!.start, words[2]!.end);
    painter.setWord(brown);
    expectBoxesOver('sentence', sentence);
    expectBoxesOver('word', brown);
    expect(overlayBoxes('sentence').length).toBeGreaterThan(1); // the sentence wraps over several lines
    const container = document.querySelector(`[${HIGHLIGHT_OVERLAY_ATTRIBUTE}=""]`)!;
    expect(root.contains(container)).toBe(false);
    expect(container.getAttribute('aria-hidden')).toBe('true');
    expect(root.outerHTML).toBe(regionBefore);
    expect(registry().has('cosyvoice-word')).toBe(false);

    const lazy = readable.rangesFor(words[7]!.start, words[7]!.end);
    painter.setWord(lazy);
    expectBoxesOver('word', lazy);
    painter.clear();
    expect(document.querySelector(`[${HIGHLIGHT_OVERLAY_ATTRIBUTE}]`)).toBeNull();
    expect(document.body.outerHTML).toBe(before);
  });

  it('follows the text when a scroll container scrolls, and cuts away what the container hides', async () => {
    const root = mount(`<div style="height: 80px; overflow-y: scroll">${'<p>Filler line of text.</p>'.repeat(6)}<p>Target word here.</p>${'<p>After.</p>'.repeat(4)}</div>`);
    const scroller = root.firstElementChild!;
    scroller.scrollIntoView({ block: 'center' });
    const scrollTo = async (top: number) => {
      const scrolled = new Promise((resolve) => scroller.addEventListener('scroll', resolve, { once: true }));
      scroller.scrollTop = top;
      await scrolled;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    };
    const readable = collectReadableText(root);
    const at = readable.text.indexOf('Target');
    const target = readable.rangesFor(at, at + 6);
    const painter = highlighter({ mode: 'overlay' });
    painter.setWord(target);
    // Below the container's visible part: nothing floats over the page.
    expect(target[0]!.getBoundingClientRect().top).toBeGreaterThan(scroller.getBoundingClientRect().bottom);
    expect(overlayBoxes('word')).toHaveLength(0);

    await scrollTo(target[0]!.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 30);
    expectBoxesOver('word', target);
    const topBefore = overlayBoxes('word')[0]!.getBoundingClientRect().top;
    await scrollTo(scroller.scrollTop + 20);
    expect(overlayBoxes('word')[0]!.getBoundingClientRect().top).toBeCloseTo(topBefore - 20, 0);
    expectBoxesOver('word', target);
  });
});
