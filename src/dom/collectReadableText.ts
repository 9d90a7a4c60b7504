import { ReadableText, type ReadableTextRuns } from './ReadableText';

/** Options of {@link collectReadableText}. */
export interface CollectReadableTextOptions {
  /**
   * Read images by their text alternative: `<img>` by its `alt`, other `role="img"` elements (an SVG
   * chart, an emoji) by their `aria-label`. Images without one (or with `alt=""`) are never read, and
   * the content of a `role="img"` element is never read as text. @default false
   */
  imageAlt?: boolean;
  /** Code blocks (`<pre>`): `'skip'` them (they still end the sentence before them) or `'read'` them line by line. @default 'skip' */
  codeBlocks?: 'skip' | 'read';
  /** Inline `<code>` outside code blocks: `'read'` it as part of its sentence, or `'skip'` it. @default 'read' */
  inlineCode?: 'read' | 'skip';
  /** A selector for more elements to leave out (`'nav, .ad, figure figcaption'`); `data-read-aloud="skip"` is always left out. */
  skip?: string;
}

/** The attribute that keeps an element (and everything in it) out of what is read: `data-read-aloud="skip"`. */
export const READ_ALOUD_ATTRIBUTE = 'data-read-aloud';

// Never read: not text, not visible, or controls rather than content (a screen reader announces those
// as controls; reading a "Copy" button in the middle of an article is noise). `rt`/`rp`: ruby
// annotations would read every annotated word twice.
const SKIPPED_ELEMENTS = /* @__PURE__ */ new Set([
  'script', 'style', 'template', 'noscript', 'head', 'title', 'meta', 'link', 'base',
  'svg', 'math', 'canvas', 'video', 'audio', 'iframe', 'object', 'embed', 'map',
  'input', 'textarea', 'select', 'button', 'datalist', 'output', 'progress', 'meter',
  'rt', 'rp', 'slot',
]);

// Hidden by the user-agent style sheet: no style lookup needed.
const INVISIBLE_ELEMENTS = /* @__PURE__ */ new Set(['script', 'style', 'template', 'noscript', 'head', 'title', 'meta', 'link', 'base', 'datalist']);

type SpaceMode = 'collapse' | 'preserve-breaks';

interface ElementState {
  element: Element;
  /** Its computed style (read lazily: most elements hold no text of their own). */
  style: CSSStyleDeclaration | undefined;
  /**
   * Whether its text is shown (`visibility` is inherited, and a descendant can override it) and how its
   * whitespace collapses, once a text node needs them.
   */
  text: { visible: boolean; spaces: SpaceMode } | undefined;
  /** Ends a line on both sides (block, list item, table cell, flex or grid item…). */
  block: boolean;
  /** A `<details>` that is closed: only its `<summary>` shows. */
  closedDetails: boolean;
  /** Inside a code block that is read. */
  inCodeBlock: boolean;
}

function isBlockDisplay(display: string): boolean {
  return !(display.startsWith('inline') || display === 'contents' || display.startsWith('ruby') || display === 'math' || display === '');
}

function textStyleOf(style: CSSStyleDeclaration): { visible: boolean; spaces: SpaceMode } {
  const visibility = style.visibility;
  return { visible: visibility !== 'hidden' && visibility !== 'collapse', spaces: spaceMode(style) };
}

function spaceMode(style: CSSStyleDeclaration): SpaceMode {
  const collapse = (style as CSSStyleDeclaration & { whiteSpaceCollapse?: string }).whiteSpaceCollapse;
  if (collapse) return collapse === 'collapse' || collapse === 'preserve-spaces' ? 'collapse' : 'preserve-breaks';
  const whiteSpace = style.whiteSpace;
  return whiteSpace === 'normal' || whiteSpace === 'nowrap' || whiteSpace === '' ? 'collapse' : 'preserve-breaks';
}

/**
 * Whether a character is East Asian wide (ideographs, kana, CJK punctuation, fullwidth forms), Hangul
 * excepted: CSS removes a line break in the source between two of them instead of showing a space.
 */
function isEastAsianWide(code: number): boolean {
  return (
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0xd840 && code <= 0xd8bf) // high surrogates of the supplementary ideographic planes
  );
}

const SOFT_HYPHEN = 0xad;
const CLOSING_PUNCTUATION = /* @__PURE__ */ new Set([...'.,!?;:)]}。，、！？；：）」』”’']);

function isCollapsibleSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c || code === 0xa0;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return (value as { constructor?: { name?: string } }).constructor?.name ?? 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * Collects the text a listener should hear from an existing DOM subtree, with the mapping of every
 * spoken character back to the DOM (a {@link ReadableText}), in one pass over the subtree and without
 * changing it.
 *
 * What is read follows what a sighted reader sees and a screen reader reads:
 * - left out: `hidden`, `aria-hidden="true"`, `display: none` (from any style sheet), `visibility:
 *   hidden` text, `content-visibility: hidden`, the content of a closed `<details>` (its `<summary>` is
 *   read), `data-read-aloud="skip"` and `options.skip`; `<script>`, `<style>`, `<template>`,
 *   `<noscript>`, media and embedded content, form controls and buttons, ruby annotations;
 * - code blocks (`<pre>`) left out by default (`codeBlocks: 'read'` reads them), inline `<code>` read
 *   by default; images (`alt`, or `aria-label` of `role="img"`) only with `imageAlt: true`;
 * - whitespace collapsed the way CSS `white-space` shows it (no space at line starts and ends, one
 *   between words, across inline elements too: `<b>Hel</b>lo` is "Hello"); a source line break between
 *   two CJK characters is removed, as CSS does;
 * - a line break `\n` (mapped to no DOM) wherever a line ends: block boundaries (paragraphs, headings,
 *   list items, table cells, any `display` that is not inline), `<br>`, line ends in preformatted text.
 *   So headings and cells end sentences without punctuation;
 * - soft hyphens (U+00AD) are left out of the text but stay inside their word's ranges; a no-break
 *   space is read as a space. Entities are already characters in the DOM.
 *
 * Linear in the size of the subtree: one `getComputedStyle` per element (the first one may make the
 * browser compute styles), one look at each character. The `MutationObserver`-based
 * `observeReadableText` rebuilds it when the region changes.
 *
 * @example
 * const readable = collectReadableText(document.querySelector('article')!, { imageAlt: true });
 * readable.text; // "Title\nFirst paragraph. Second sentence.\nA list item\n…"
 */
export function collectReadableText(root: Element, options: CollectReadableTextOptions = {}): ReadableText {
  return startReadableTextCollection(root, options).run()!;
}

/**
 * A collection of a region's text that runs in slices (see {@link startReadableTextCollection}):
 * `run(shouldYield)` walks on until the text is complete (and returns it) or `shouldYield()` says to stop
 * for now (and returns `undefined`; call `run` again later to go on). The DOM must not change between
 * slices: start a new collection when it did.
 */
export interface ReadableTextCollection {
  run(shouldYield?: () => boolean): ReadableText | undefined;
}

// How many nodes are walked between two `shouldYield()` checks (a check reads the clock).
const NODES_PER_CHECK = 64;

/**
 * {@link collectReadableText} in slices, so a long article is read without one long task: the same
 * walk, the same result, resumable between nodes. Options are checked at once (a bad one throws here).
 *
 * @example
 * const collection = startReadableTextCollection(article);
 * const step = () => {
 *   const start = performance.now();
 *   const readable = collection.run(() => performance.now() - start > 8);
 *   if (readable) use(readable); else setTimeout(step);
 * };
 * step();
 */
export function startReadableTextCollection(root: Element, options: CollectReadableTextOptions = {}): ReadableTextCollection {
  const { imageAlt = false, codeBlocks = 'skip', inlineCode = 'read', skip } = options;
  if (!root || root.nodeType !== 1) throw new TypeError(`collectReadableText needs an Element to read; received ${describe(root)}`);
  if (codeBlocks !== 'skip' && codeBlocks !== 'read') throw new TypeError(`codeBlocks must be 'skip' or 'read'; received ${describe(codeBlocks)}`);
  if (inlineCode !== 'skip' && inlineCode !== 'read') throw new TypeError(`inlineCode must be 'skip' or 'read'; received ${describe(inlineCode)}`);
  if (skip !== undefined) {
    try {
      root.matches(skip);
    } catch {
      throw new TypeError(`skip must be a CSS selector; received ${describe(skip)}`);
    }
  }
  const view = root.ownerDocument.defaultView;
  const getStyle = (element: Element): CSSStyleDeclaration | undefined => view?.getComputedStyle(element);

  const parts: string[] = [];
  let length = 0;
  let lastCode = 0; // the last spoken character (0 at the start)
  const runs: ReadableTextRuns = { runStart: [], runNode: [], runDom: [], nodes: [], nodeFirstRun: [], nodeLastRun: [] };
  const { runStart, runNode, runDom, nodes, nodeFirstRun, nodeLastRun } = runs;

  // What waits for the next spoken character: a space (collapsed whitespace, emitted only if more text
  // follows on the same line) or a line break (emitted only if text follows at all).
  let pendingBreak = false;
  // A line end in preformatted text speaks as that newline character (so a text node's runs stay one
  // after another in the DOM); a block boundary has no DOM source.
  let pendingBreakNode: Text | null = null;
  let pendingBreakOffset = 0;
  let pendingSpaceNode: Text | Element | null | undefined; // undefined: none; null: a space with no DOM source
  let pendingSpaceOffset = 0;
  let pendingSpaceIsSegmentBreak = false;

  const nodeIndexFor = (node: Text | Element): number => {
    const last = nodes.length - 1;
    if (last >= 0 && nodes[last] === node) return last;
    nodes.push(node);
    nodeFirstRun.push(runStart.length);
    nodeLastRun.push(runStart.length);
    return last + 1;
  };

  /** Appends spoken characters that come one for one from `node` at `domOffset` (or from nowhere). */
  const append = (node: Text | Element | null, domOffset: number, chars: string) => {
    const index = node ? nodeIndexFor(node) : -1;
    const lastRun = runStart.length - 1;
    const continues =
      lastRun >= 0 && runNode[lastRun] === index && index >= 0 && node!.nodeType === 3 && runDom[lastRun]! + (length - runStart[lastRun]!) === domOffset;
    if (!continues) {
      runStart.push(length);
      runNode.push(index);
      runDom.push(domOffset);
      if (index >= 0) nodeLastRun[index] = runStart.length - 1;
    }
    parts.push(chars);
    length += chars.length;
    lastCode = chars.charCodeAt(chars.length - 1);
  };

  /** Speaks `chars` (no collapsible whitespace in them), first whatever is pending before them. */
  const speak = (node: Text | Element, domOffset: number, chars: string) => {
    if (pendingBreak) {
      if (length > 0) append(pendingBreakNode, pendingBreakOffset, '\n');
      pendingBreak = false;
      pendingBreakNode = null;
      pendingSpaceNode = undefined;
    } else if (pendingSpaceNode !== undefined) {
      const next = chars.charCodeAt(0);
      const dropped =
        (pendingSpaceIsSegmentBreak && isEastAsianWide(lastCode) && isEastAsianWide(next)) ||
        // The space after an image's alt text is not wanted before closing punctuation.
        (pendingSpaceNode === null && CLOSING_PUNCTUATION.has(chars[0]!));
      if (!dropped) append(pendingSpaceNode, pendingSpaceOffset, ' ');
      pendingSpaceNode = undefined;
    }
    append(node, domOffset, chars);
  };

  const lineBreak = (node: Text | null = null, domOffset = 0) => {
    pendingSpaceNode = undefined;
    if (length === 0 || pendingBreak) return;
    pendingBreak = true;
    pendingBreakNode = node;
    pendingBreakOffset = domOffset;
  };

  const space = (node: Text | Element | null, domOffset: number, isSegmentBreak: boolean) => {
    if (pendingBreak || length === 0 || lastCode === 0x0a) return; // no space at a line start
    if (pendingSpaceNode !== undefined) {
      // CSS drops the spaces around a source line break, then the break itself between CJK characters.
      pendingSpaceIsSegmentBreak ||= isSegmentBreak;
      return;
    }
    pendingSpaceNode = node;
    pendingSpaceOffset = domOffset;
    pendingSpaceIsSegmentBreak = isSegmentBreak;
  };

  const readText = (node: Text, spaces: SpaceMode) => {
    const data = node.data;
    let contentStart = -1;
    const flush = (end: number) => {
      if (contentStart >= 0) speak(node, contentStart, data.slice(contentStart, end));
      contentStart = -1;
    };
    for (let i = 0; i < data.length; i++) {
      const code = data.charCodeAt(i);
      if (code === SOFT_HYPHEN) {
        flush(i);
      } else if (isCollapsibleSpace(code)) {
        flush(i);
        const isNewline = code === 0x0a || code === 0x0d;
        if (isNewline && spaces === 'preserve-breaks') lineBreak(node, i);
        else space(node, i, isNewline);
      } else if (contentStart < 0) contentStart = i;
    }
    flush(data.length);
  };

  const readAlt = (image: Element, label: string) => {
    const alt = label.trim().replace(/\s+/g, ' ');
    if (alt === '') return;
    // An image between two words is a word of its own.
    if (!pendingBreak && pendingSpaceNode === undefined) space(null, 0, false);
    speak(image, 0, alt);
    space(null, 0, false);
  };

  /**
   * Classifies an element: `state: null` to leave its content out (`block` says whether it still ends a
   * line); `label`: an image's text alternative to read instead.
   */
  const enter = (element: Element, parent: ElementState): { state: ElementState | null; block: boolean; label?: string } => {
    const name = element.localName;
    if (INVISIBLE_ELEMENTS.has(name) || element.hasAttribute('hidden')) return { state: null, block: false };
    if (parent.closedDetails && name !== 'summary') return { state: null, block: false };
    const style = getStyle(element);
    const display = style?.display ?? 'inline';
    if (display === 'none') return { state: null, block: false };
    const block = isBlockDisplay(display) || name === 'br';
    const left = { state: null, block };
    if (element.getAttribute('aria-hidden') === 'true') return left;
    // Images: `<img alt>`, and anything with role="img" (an SVG chart, an emoji) by its aria-label.
    const role = element.getAttribute('role');
    if (name === 'img' || role === 'img') {
      const visibility = style?.visibility ?? 'visible';
      const shown = visibility !== 'hidden' && visibility !== 'collapse' && role !== 'presentation' && role !== 'none';
      const label = imageAlt && shown ? (name === 'img' ? element.getAttribute('alt') : element.getAttribute('aria-label')) : null;
      return label ? { state: null, block, label } : left;
    }
    if (
      SKIPPED_ELEMENTS.has(name) ||
      element.getAttribute(READ_ALOUD_ATTRIBUTE) === 'skip' ||
      (skip !== undefined && element.matches(skip)) ||
      (style as (CSSStyleDeclaration & { contentVisibility?: string }) | undefined)?.contentVisibility === 'hidden'
    ) {
      return left;
    }
    const isCodeBlock = name === 'pre';
    if (isCodeBlock && codeBlocks === 'skip') return left;
    if (name === 'code' && !parent.inCodeBlock && inlineCode === 'skip') return left;
    return {
      state: {
        element,
        style,
        text: style ? undefined : parent.text,
        block,
        closedDetails: name === 'details' && !element.hasAttribute('open'),
        inCodeBlock: parent.inCodeBlock || isCodeBlock,
      },
      block,
    };
  };

  let stack: ElementState[] | undefined;
  let node: Node | null = root.firstChild;
  let result: ReadableText | undefined;

  // Iterative pre-order walk with an explicit stack, so deeply nested markup cannot overflow the call
  // stack, and so it can stop between two nodes and go on later.
  const run = (shouldYield?: () => boolean): ReadableText | undefined => {
    if (result) return result;
    if (!stack) {
      const rootStyle = getStyle(root);
      stack = [
        {
          element: root,
          style: rootStyle,
          text: { visible: true, spaces: rootStyle ? spaceMode(rootStyle) : 'collapse' },
          block: true,
          closedDetails: root.localName === 'details' && !root.hasAttribute('open'),
          inCodeBlock: root.localName === 'pre' || root.closest('pre') !== null,
        },
      ];
    }
    let sinceCheck = 0;
    while (node) {
      if (shouldYield && ++sinceCheck >= NODES_PER_CHECK) {
        sinceCheck = 0;
        if (shouldYield()) return undefined;
      }
      walkOne(stack);
    }
    result = new ReadableText(root, parts.join(''), runs);
    return result;
  };

  /** Reads `node` and moves `node` to the next one in document order. */
  const walkOne = (stack: ElementState[]): void => {
    if (!node) return;
    let descend = false;
    const state = stack[stack.length - 1]!;
    if (node.nodeType === 3) {
      if (!state.closedDetails) {
        const text = (state.text ??= textStyleOf(state.style!));
        if (text.visible) readText(node as Text, text.spaces);
      }
    } else if (node.nodeType === 1) {
      const element = node as Element;
      const { state: child, block, label } = enter(element, state);
      if (label !== undefined) {
        if (block) lineBreak();
        readAlt(element, label);
        if (block) lineBreak();
      } else if (!child) {
        if (block) lineBreak();
      } else if (element.localName === 'br') {
        lineBreak();
      } else {
        if (block) lineBreak();
        if (element.firstChild) {
          stack.push(child);
          descend = true;
        } else if (block) lineBreak();
      }
    }
    if (descend) {
      node = node.firstChild;
      return;
    }
    // Next node: the next sibling, or climb out of finished elements (ending their lines).
    while (node && node !== root && !node.nextSibling) {
      node = node.parentNode;
      if (node && node !== root) {
        const finished = stack.pop()!;
        if (finished.block) lineBreak();
      }
    }
    node = node && node !== root ? node.nextSibling : null;
  };
  return { run };
}
