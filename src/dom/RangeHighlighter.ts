/** The two things highlighted while reading: the word being heard and its sentence. */
export type HighlightLayer = 'word' | 'sentence';

/** How a {@link RangeHighlighter} paints: the CSS Custom Highlight API, or boxes laid over the text. */
export type HighlightMode = 'highlight-api' | 'overlay';

/** Options of {@link RangeHighlighter}. */
export interface RangeHighlighterOptions {
  /** The highlight name of the heard word, styled with `::highlight(name)`. @default 'cosyvoice-word' */
  wordHighlight?: string;
  /** The highlight name of the current sentence. @default 'cosyvoice-sentence' */
  sentenceHighlight?: string;
  /**
   * `'auto'` uses the CSS Custom Highlight API where it exists and the overlay elsewhere; the others
   * force one (the overlay can be forced to test it where the API exists). @default 'auto'
   */
  mode?: 'auto' | HighlightMode;
  /** The document whose highlights are set. @default the global `document` */
  document?: Document;
}

/** The default highlight names. */
export const DEFAULT_HIGHLIGHT_NAMES: Readonly<Record<HighlightLayer, string>> = /* @__PURE__ */ Object.freeze({
  word: 'cosyvoice-word',
  sentence: 'cosyvoice-sentence',
});

/** The attribute of the overlay's container (fallback mode), and of each box in it (`="word"` / `="sentence"`). */
export const HIGHLIGHT_OVERLAY_ATTRIBUTE = 'data-cosyvoice-highlight';

type HighlightLike = { add(range: AbstractRange): unknown; delete(range: AbstractRange): boolean; readonly size: number; priority: number };
type HighlightRegistryLike = { get(name: string): HighlightLike | undefined; set(name: string, highlight: HighlightLike): unknown; delete(name: string): boolean };
type HighlightWindow = Window & { CSS?: { highlights?: HighlightRegistryLike }; Highlight?: new (...ranges: AbstractRange[]) => HighlightLike };

function registryOf(view: Window | null): HighlightRegistryLike | undefined {
  const highlightWindow = view as HighlightWindow | null;
  return highlightWindow?.CSS?.highlights && typeof highlightWindow.Highlight === 'function' ? highlightWindow.CSS.highlights : undefined;
}

/**
 * Whether the CSS Custom Highlight API (`CSS.highlights`, `Highlight`, `::highlight()`) is there:
 * Chrome and Edge 105+, Safari 17.2+, Firefox 140+ (Firefox styles `text-decoration` in highlights from
 * 146 and `text-shadow` from 149).
 */
export function supportsCustomHighlights(view: Window | null = typeof window === 'undefined' ? null : window): boolean {
  return registryOf(view) !== undefined;
}

const LAYERS: readonly HighlightLayer[] = ['sentence', 'word'];

// Overlay boxes are translucent and multiply with the text under them, so the text stays readable on
// light and dark pages alike; pages restyle them through these custom properties.
const OVERLAY_BOX_STYLE: Record<HighlightLayer, string> = {
  word: 'background:var(--cosyvoice-word-overlay,rgba(255,196,0,.45));outline:var(--cosyvoice-word-overlay-outline,2px solid rgba(180,120,0,.9));',
  sentence: 'background:var(--cosyvoice-sentence-overlay,rgba(120,170,255,.22));',
};

/**
 * Shows the heard word and the current sentence on the page's own text without changing its DOM. With
 * the CSS Custom Highlight API it puts the ranges in `CSS.highlights` under two names (style them with
 * `::highlight(cosyvoice-word)` and `::highlight(cosyvoice-sentence)`); a word change swaps the word's
 * one or two ranges, whatever the size of the page. Several highlighters on one page share the
 * highlights by name and each removes only its own ranges; a name with no ranges left is unregistered.
 *
 * Where the API is missing, it lays translucent boxes over the ranges' client rectangles, in a
 * container appended to `<body>` (outside the region, `aria-hidden`, ignoring the pointer), moved on
 * resize and scroll and removed when nothing is highlighted. Style them with the custom properties
 * `--cosyvoice-word-overlay`, `--cosyvoice-word-overlay-outline` and `--cosyvoice-sentence-overlay`.
 *
 * @example
 * const highlighter = new RangeHighlighter();
 * highlighter.setSentence(readable.rangesFor(sentence.start, sentence.end));
 * highlighter.setWord(readable.rangesFor(word.start, word.end));
 * highlighter.clear(); // when the reading ends
 * // CSS: ::highlight(cosyvoice-word) { background: Mark; color: MarkText; }
 */
export class RangeHighlighter {
  /** How this highlighter paints. */
  readonly mode: HighlightMode;
  /** The highlight names in use. */
  readonly names: Readonly<Record<HighlightLayer, string>>;
  readonly #document: Document;
  readonly #ranges: Record<HighlightLayer, readonly AbstractRange[]> = { word: [], sentence: [] };
  #overlay: HighlightOverlay | undefined;

  constructor(options: RangeHighlighterOptions = {}) {
    const { wordHighlight = DEFAULT_HIGHLIGHT_NAMES.word, sentenceHighlight = DEFAULT_HIGHLIGHT_NAMES.sentence, mode = 'auto' } = options;
    for (const [option, name] of [['wordHighlight', wordHighlight], ['sentenceHighlight', sentenceHighlight]] as const) {
      // A highlight name is a CSS <custom-ident> in `::highlight(name)`.
      if (typeof name !== 'string' || !/^-?[A-Za-z_][\w-]*$/.test(name)) throw new TypeError(`${option} must be a CSS identifier such as 'cosyvoice-word'; received ${JSON.stringify(name)}`);
    }
    if (wordHighlight === sentenceHighlight) throw new TypeError(`wordHighlight and sentenceHighlight must differ; both are ${JSON.stringify(wordHighlight)}`);
    if (mode !== 'auto' && mode !== 'highlight-api' && mode !== 'overlay') throw new TypeError(`mode must be 'auto', 'highlight-api' or 'overlay'; received ${JSON.stringify(mode)}`);
    const document = options.document ?? (typeof window === 'undefined' ? undefined : window.document);
    if (!document) throw new TypeError('RangeHighlighter needs a document: create it in the browser (an effect), not during server rendering');
    this.#document = document;
    const hasApi = registryOf(document.defaultView) !== undefined;
    if (mode === 'highlight-api' && !hasApi) throw new TypeError("mode 'highlight-api' was asked for, but this browser has no CSS Custom Highlight API");
    this.mode = mode === 'auto' ? (hasApi ? 'highlight-api' : 'overlay') : mode;
    this.names = Object.freeze({ word: wordHighlight, sentence: sentenceHighlight });
  }

  /** The ranges highlighted as the heard word (empty when none). */
  get word(): readonly AbstractRange[] {
    return this.#ranges.word;
  }

  /** The ranges highlighted as the current sentence. */
  get sentence(): readonly AbstractRange[] {
    return this.#ranges.sentence;
  }

  /** Highlights `ranges` as the heard word (replacing the previous word); an empty list clears it. */
  setWord(ranges: readonly AbstractRange[]): void {
    this.set('word', ranges);
  }

  /** Highlights `ranges` as the current sentence (replacing the previous one); an empty list clears it. */
  setSentence(ranges: readonly AbstractRange[]): void {
    this.set('sentence', ranges);
  }

  /** Replaces the ranges of one layer. Costs the number of ranges replaced, never the size of the page. */
  set(layer: HighlightLayer, ranges: readonly AbstractRange[]): void {
    const previous = this.#ranges[layer];
    if (previous.length === ranges.length && previous.every((range, i) => range === ranges[i])) return;
    const next = Object.freeze([...ranges]);
    this.#ranges[layer] = next;
    if (this.mode === 'highlight-api') this.#applyHighlight(layer, previous, next);
    else {
      this.#overlay ??= new HighlightOverlay(this.#document);
      this.#overlay.paint(layer, next);
      if (this.#ranges.word.length === 0 && this.#ranges.sentence.length === 0) {
        this.#overlay.destroy();
        this.#overlay = undefined;
      }
    }
  }

  #applyHighlight(layer: HighlightLayer, previous: readonly AbstractRange[], next: readonly AbstractRange[]): void {
    const registry = registryOf(this.#document.defaultView)!;
    const name = this.names[layer];
    let highlight = registry.get(name);
    if (!highlight && next.length > 0) {
      const HighlightClass = (this.#document.defaultView as HighlightWindow).Highlight!;
      highlight = new HighlightClass();
      // The word is painted over the sentence that contains it.
      highlight.priority = layer === 'word' ? 1 : 0;
      registry.set(name, highlight);
    }
    if (!highlight) return;
    for (const range of previous) highlight.delete(range);
    for (const range of next) highlight.add(range);
    if (highlight.size === 0) registry.delete(name);
  }

  /**
   * Measures the overlay again (fallback mode only; the Highlight API follows layout by itself). It
   * already follows window resizes and scrolling; call it after other layout changes (fonts loading,
   * content above the region growing).
   */
  refresh(): void {
    this.#overlay?.measure();
  }

  /** Removes both highlights (and the overlay): nothing of this highlighter is left in the page. */
  clear(): void {
    for (const layer of LAYERS) this.set(layer, []);
  }
}

/** The fallback: absolutely positioned boxes over the ranges' client rectangles, outside the region. */
class HighlightOverlay {
  readonly #document: Document;
  readonly #container: HTMLElement;
  readonly #layers: Record<HighlightLayer, { element: HTMLElement; ranges: readonly AbstractRange[]; boxes: HTMLElement[] }>;
  #frame = 0;

  constructor(document: Document) {
    this.#document = document;
    const container = document.createElement('div');
    container.setAttribute(HIGHLIGHT_OVERLAY_ATTRIBUTE, '');
    container.setAttribute('aria-hidden', 'true');
    container.style.cssText = 'position:absolute;left:0;top:0;width:0;height:0;overflow:visible;pointer-events:none;z-index:2147483000;';
    this.#container = container;
    const layer = (name: HighlightLayer) => {
      const element = document.createElement('div');
      element.setAttribute(HIGHLIGHT_OVERLAY_ATTRIBUTE, name);
      container.appendChild(element);
      return { element, ranges: [] as readonly AbstractRange[], boxes: [] as HTMLElement[] };
    };
    // Sentence first, so the word's boxes lie on top.
    this.#layers = { sentence: layer('sentence'), word: layer('word') };
    (document.body ?? document.documentElement).appendChild(container);
    document.defaultView?.addEventListener('resize', this.#schedule, { passive: true });
    // Capture: scrolling of any scroll container moves the text under the boxes.
    document.addEventListener('scroll', this.#schedule, { passive: true, capture: true });
  }

  readonly #schedule = (): void => {
    const view = this.#document.defaultView;
    if (this.#frame || !view) return;
    this.#frame = view.requestAnimationFrame(() => {
      this.#frame = 0;
      this.measure();
    });
  };

  paint(layer: HighlightLayer, ranges: readonly AbstractRange[]): void {
    this.#layers[layer].ranges = ranges;
    this.#measureLayer(layer, this.#container.getBoundingClientRect());
  }

  measure(): void {
    const origin = this.#container.getBoundingClientRect();
    for (const layer of LAYERS) this.#measureLayer(layer, origin);
  }

  #measureLayer(name: HighlightLayer, origin: DOMRect): void {
    const layer = this.#layers[name];
    const rects: DOMRect[] = [];
    for (const range of layer.ranges) {
      // A StaticRange has no geometry; measure a live copy of it.
      const live = range instanceof Range ? range : this.#toLiveRange(range);
      if (!live) continue;
      const clip = this.#visibleArea(live.commonAncestorContainer);
      for (const rect of live.getClientRects()) {
        const left = Math.max(rect.left, clip.left);
        const top = Math.max(rect.top, clip.top);
        const right = Math.min(rect.right, clip.right);
        const bottom = Math.min(rect.bottom, clip.bottom);
        if (right > left && bottom > top) rects.push(new DOMRect(left, top, right - left, bottom - top));
      }
    }
    while (layer.boxes.length < rects.length) {
      const box = this.#document.createElement('div');
      box.setAttribute(HIGHLIGHT_OVERLAY_ATTRIBUTE, name);
      layer.element.appendChild(box);
      layer.boxes.push(box);
    }
    while (layer.boxes.length > rects.length) layer.boxes.pop()!.remove();
    rects.forEach((rect, i) => {
      layer.boxes[i]!.style.cssText =
        `position:absolute;left:${rect.left - origin.left}px;top:${rect.top - origin.top}px;width:${rect.width}px;height:${rect.height}px;` +
        `mix-blend-mode:multiply;border-radius:2px;${OVERLAY_BOX_STYLE[name]}`;
    });
  }

  /**
   * The part of the viewport where text under `node` can be seen: the boxes of its scrolling (or
   * clipping) ancestors intersected, so the boxes of a word scrolled out of its container are cut away
   * instead of floating over the page.
   */
  #visibleArea(node: Node): { left: number; top: number; right: number; bottom: number } {
    const area = { left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity };
    const view = this.#document.defaultView;
    const { body, documentElement } = this.#document;
    for (let element = node.nodeType === 1 ? (node as Element) : node.parentElement; element; element = element.parentElement) {
      // The root's and body's overflow belongs to the viewport, which scrolls the overlay along.
      if (element === body || element === documentElement) break;
      const style = view?.getComputedStyle(element);
      if (!style || (style.overflowX === 'visible' && style.overflowY === 'visible')) continue;
      const box = element.getBoundingClientRect();
      area.left = Math.max(area.left, box.left + element.clientLeft);
      area.top = Math.max(area.top, box.top + element.clientTop);
      area.right = Math.min(area.right, box.left + element.clientLeft + element.clientWidth);
      area.bottom = Math.min(area.bottom, box.top + element.clientTop + element.clientHeight);
    }
    return area;
  }

  #toLiveRange(range: AbstractRange): Range | undefined {
    try {
      const live = this.#document.createRange();
      live.setStart(range.startContainer, range.startOffset);
      live.setEnd(range.endContainer, range.endOffset);
      return live;
    } catch {
      return undefined; // its nodes changed under it: nothing to show
    }
  }

  destroy(): void {
    const view = this.#document.defaultView;
    if (this.#frame && view) view.cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    view?.removeEventListener('resize', this.#schedule);
    this.#document.removeEventListener('scroll', this.#schedule, { capture: true });
    this.#container.remove();
  }
}
