import { locateWord, type LocatableWord } from '../core/locateWord';
import type { TextSpan } from '../core/segmentText';

/** A place in the DOM: a text node and a character offset in it, or an element (an image read by its `alt`) and 0. */
export interface DomPosition {
  node: Text | Element;
  offset: number;
}

/** Which way a DOM boundary that falls between spoken characters (in skipped or collapsed text) is resolved. */
export type OffsetBias = 'forward' | 'backward';

/**
 * How spoken characters map to the DOM, as runs: run `r` covers the spoken characters
 * `[runStart[r], runStart[r + 1])` (the last one up to the text's end), which are the characters of
 * `nodes[runNode[r]]` from `runDom[r]` on, one for one. `runNode[r]` is -1 for characters with no
 * DOM source (the line break between two blocks). A node's runs are consecutive and in DOM order, and
 * the nodes are in document order. Made by `collectReadableText`.
 */
export interface ReadableTextRuns {
  runStart: number[];
  runNode: number[];
  runDom: number[];
  nodes: (Text | Element)[];
  /** First and last run of each node. */
  nodeFirstRun: number[];
  nodeLastRun: number[];
}

/** Binary search in the sorted `values[low..high]`: the last index whose value is at most `target`, or -1. */
function lastAtOrBefore(values: readonly number[], target: number, low: number, high: number): number {
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (values[mid]! <= target) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/**
 * The text a listener hears from a region of the page, with the way back from any span of it to the
 * DOM: `rangesFor(start, end)` gives the `Range`s that show those characters on the page, and
 * `offsetAt`, `offsetAtPoint` and `spanOfSelection` go the other way (clicks and selections to text
 * offsets). Made by {@link collectReadableText}; it never changes the DOM, and it describes the DOM as
 * it was when it was made (rebuild after changes: `observeReadableText`).
 *
 * The spoken text is what a sighted reader sees, whitespace collapsed as CSS shows it, with a line break
 * `\n` at every block boundary and `<br>` (mapped to no DOM) and at line ends of preformatted text
 * (mapped to the newline), so a sentence segmenter and the speech service end sentences there. Soft
 * hyphens are left out but lie inside the ranges of their words. The spaces that set an image's alt
 * text apart from its neighbours are mapped to no DOM either.
 *
 * @example
 * const readable = collectReadableText(article);
 * const { words } = segmentText(readable.text, { locale: readable.lang });
 * highlighter.setWord(readable.rangesFor(words[0].start, words[0].end));
 */
export class ReadableText {
  /** The region the text was collected from. */
  readonly root: Element;
  /** The text to speak. */
  readonly text: string;
  /** The region's language (the nearest `lang` attribute), or `''`: pass it to `segmentText` and as a language hint. */
  readonly lang: string;
  readonly #runs: ReadableTextRuns;
  #nodeIndex: Map<Node, number> | undefined;

  /** @internal Use `collectReadableText`. */
  constructor(root: Element, text: string, runs: ReadableTextRuns) {
    this.root = root;
    this.text = text;
    this.#runs = runs;
    this.lang = root.closest('[lang]')?.getAttribute('lang') ?? '';
  }

  /** Number of spoken characters. */
  get length(): number {
    return this.text.length;
  }

  /** The DOM nodes the text comes from (text nodes, and images read by their `alt`), in document order. */
  get nodes(): readonly (Text | Element)[] {
    return this.#runs.nodes;
  }

  #runEnd(run: number): number {
    const { runStart } = this.#runs;
    return run + 1 < runStart.length ? runStart[run + 1]! : this.text.length;
  }

  /** The run containing spoken offset `offset` (the last run starting at or before it). */
  #runAt(offset: number): number {
    return lastAtOrBefore(this.#runs.runStart, offset, 0, this.#runs.runStart.length - 1);
  }

  /**
   * The DOM position of the spoken character at `offset`, or `null` for a character with no DOM source
   * (a block break) or an offset outside the text.
   */
  positionAt(offset: number): DomPosition | null {
    if (!(offset >= 0 && offset < this.text.length)) return null;
    const run = this.#runAt(offset);
    const nodeIndex = this.#runs.runNode[run]!;
    if (nodeIndex < 0) return null;
    const node = this.#runs.nodes[nodeIndex]!;
    return { node, offset: node.nodeType === 3 ? this.#runs.runDom[run]! + offset - this.#runs.runStart[run]! : 0 };
  }

  /**
   * The ranges that show the spoken characters `[start, end)` on the page: one per text node they come
   * from (so `<b>Hel</b>lo` gives two), each covering exactly those characters (and the soft hyphens or
   * collapsed spaces between them within one text node), and a range around each image whose `alt` text
   * is part of the span. Block breaks have no range. Costs the number of runs in the span plus a binary
   * search, never the size of the document.
   */
  rangesFor(start: number, end: number): Range[] {
    const ranges: Range[] = [];
    this.#forEachPiece(start, end, (node, from, to) => {
      const range = this.root.ownerDocument.createRange();
      if (node.nodeType === 3) {
        range.setStart(node, from);
        range.setEnd(node, to);
      } else range.selectNode(node);
      ranges.push(range);
    });
    return ranges;
  }

  /**
   * One range from the first to the last DOM character of `[start, end)` (whatever lies between, skipped
   * content included): for `scrollIntoView`-like measuring with `getBoundingClientRect()`, or a
   * `Selection`. `null` when the span has no DOM characters.
   */
  rangeFor(start: number, end: number): Range | null {
    let first: [Text | Element, number] | undefined;
    let last: [Text | Element, number] | undefined;
    this.#forEachPiece(start, end, (node, from, to) => {
      first ??= [node, from];
      last = [node, to];
    });
    if (!first || !last) return null;
    const range = this.root.ownerDocument.createRange();
    const [startNode, startOffset] = first;
    const [endNode, endOffset] = last;
    if (startNode.nodeType === 3) range.setStart(startNode, startOffset);
    else range.setStartBefore(startNode);
    if (endNode.nodeType === 3) range.setEnd(endNode, endOffset);
    else range.setEndAfter(endNode);
    return range;
  }

  /** Calls `visit` once per node with the DOM offsets `[from, to)` of the span's characters in it. */
  #forEachPiece(start: number, end: number, visit: (node: Text | Element, from: number, to: number) => void): void {
    start = Math.max(0, start);
    end = Math.min(this.text.length, end);
    if (!(start < end)) return;
    const { runStart, runNode, runDom, nodes } = this.#runs;
    let pieceNode = -1;
    let pieceFrom = 0;
    let pieceTo = 0;
    for (let run = this.#runAt(start); run < runStart.length && runStart[run]! < end; run++) {
      const nodeIndex = runNode[run]!;
      if (nodeIndex < 0) continue;
      const from = runDom[run]! + Math.max(start, runStart[run]!) - runStart[run]!;
      const to = runDom[run]! + Math.min(end, this.#runEnd(run)) - runStart[run]!;
      if (nodeIndex === pieceNode) {
        pieceTo = to;
        continue;
      }
      if (pieceNode >= 0) visit(nodes[pieceNode]!, pieceFrom, pieceTo);
      pieceNode = nodeIndex;
      pieceFrom = from;
      pieceTo = to;
    }
    if (pieceNode >= 0) visit(nodes[pieceNode]!, pieceFrom, pieceTo);
  }

  /**
   * The ranges of a word of the service's timestamps (a `TimelineWord`), whose offsets count into the
   * text that was sent; `textOffset` is where that text starts in this text (the offset a reading
   * started from). Tolerates offsets that drifted (see `locateWord`).
   *
   * @example
   * highlighter.setWord(readable.rangesForTimelineWord(words[activeIndex], startedAt));
   */
  rangesForTimelineWord(word: LocatableWord, textOffset = 0): Range[] {
    const span = locateWord(this.text, word, textOffset);
    return this.rangesFor(span.start, span.end);
  }

  /**
   * The spoken offset of a DOM boundary `(node, offset)` (as in a `Range` or `Selection`): the offset of
   * the first spoken character at or after it (`'forward'`), or just past the last one before it
   * (`'backward'`). The two differ only when the boundary lies in text that is not spoken (hidden,
   * skipped, collapsed at a line end) next to a block break. Boundaries before the region give 0, after
   * it the text's length. Logarithmic in the number of nodes.
   */
  offsetAt(node: Node, offset: number, bias: OffsetBias = 'forward'): number {
    const { nodes, nodeFirstRun, nodeLastRun, runStart, runDom } = this.#runs;
    if (nodes.length === 0) return 0;
    const index = this.#indexOfNode(node);
    if (index !== undefined) {
      if (node.nodeType !== 3) return bias === 'forward' || offset === 0 ? runStart[nodeFirstRun[index]!]! : this.#runEnd(nodeLastRun[index]!);
      const run = lastAtOrBefore(runDom, offset, nodeFirstRun[index]!, nodeLastRun[index]!);
      if (run < 0) return bias === 'forward' ? runStart[nodeFirstRun[index]!]! : this.#endOfNode(index - 1);
      const within = offset - runDom[run]!;
      const runLength = this.#runEnd(run) - runStart[run]!;
      if (within < runLength) return runStart[run]! + within;
      if (run === nodeLastRun[index]! && bias === 'forward') return this.#startOfNode(index + 1);
      return this.#runEnd(run);
    }
    // A boundary in unspoken content: find the first spoken node after it.
    const probe = this.root.ownerDocument.createRange();
    try {
      probe.setStart(node, offset);
    } catch {
      return bias === 'forward' ? this.text.length : 0;
    }
    let low = 0;
    let high = nodes.length - 1;
    let after = nodes.length;
    try {
      while (low <= high) {
        const mid = (low + high) >> 1;
        if (probe.comparePoint(nodes[mid]!, 0) >= 0) {
          after = mid;
          high = mid - 1;
        } else low = mid + 1;
      }
    } catch {
      // A node of this text left the document (the text is stale): nothing to compare with.
      return bias === 'forward' ? this.text.length : 0;
    }
    return bias === 'forward' ? this.#startOfNode(after) : this.#endOfNode(after - 1);
  }

  /** Spoken offset of node `index`'s first character (the text's length past the last node). */
  #startOfNode(index: number): number {
    return index < this.#runs.nodes.length ? this.#runs.runStart[this.#runs.nodeFirstRun[index]!]! : this.text.length;
  }

  /** Spoken offset just past node `index`'s last character (0 before the first node). */
  #endOfNode(index: number): number {
    return index >= 0 ? this.#runEnd(this.#runs.nodeLastRun[index]!) : 0;
  }

  #indexOfNode(node: Node): number | undefined {
    if (!this.#nodeIndex) {
      // Built on first use: setup stays a single pass, and most regions are never clicked.
      this.#nodeIndex = new Map();
      this.#runs.nodes.forEach((mapped, index) => this.#nodeIndex!.set(mapped, index));
    }
    return this.#nodeIndex.get(node);
  }

  /**
   * The spoken character at the viewport point `(x, y)` (a click's `clientX` / `clientY`), or the one
   * nearest to it when the point is beside the text (past a line's end, in a margin): the caret position
   * there (`caretPositionFromPoint`, or `caretRangeFromPoint` where only that exists) gives two
   * candidates, the characters on either side of it, and the one whose box is nearer wins. `null` when
   * the point is not over the region. The word clicked is `words[spanIndexAt(words, offset)]`.
   * (`caretPositionFromPoint`: Chrome 128+, Firefox, Safari 26.2+; `caretRangeFromPoint`: Chrome,
   * Safari, Firefox 150+.)
   */
  offsetAtPoint(x: number, y: number): number | null {
    const document = this.root.ownerDocument as Document & {
      caretPositionFromPoint?: (x: number, y: number) => { offsetNode: Node; offset: number } | null;
    };
    let node: Node | undefined;
    let offset = 0;
    if (typeof document.caretPositionFromPoint === 'function') {
      const position = document.caretPositionFromPoint(x, y);
      if (position) ({ offsetNode: node, offset } = position);
    } else if (typeof document.caretRangeFromPoint === 'function') {
      const range = document.caretRangeFromPoint(x, y);
      if (range) ({ startContainer: node, startOffset: offset } = range);
    }
    if (!node || !this.root.contains(node) || this.text.length === 0) return null;
    const after = this.offsetAt(node, offset, 'forward');
    const before = this.offsetAt(node, offset, 'backward') - 1;
    const afterDistance = after < this.text.length ? this.#distanceToCharacter(after, x, y) : Infinity;
    if (afterDistance === 0) return after;
    const beforeDistance = before >= 0 ? this.#distanceToCharacter(before, x, y) : Infinity;
    if (beforeDistance < afterDistance) return before;
    return Math.min(after, this.text.length - 1);
  }

  /** How far the point is from the boxes of character `offset` (0 inside one; Infinity without boxes). */
  #distanceToCharacter(offset: number, x: number, y: number): number {
    let best = Infinity;
    for (const range of this.rangesFor(offset, offset + 1)) {
      for (const rect of range.getClientRects()) {
        const dx = Math.max(rect.left - x, 0, x - rect.right);
        const dy = Math.max(rect.top - y, 0, y - rect.bottom);
        best = Math.min(best, Math.hypot(dx, dy));
      }
    }
    return best;
  }

  /**
   * The spoken span a DOM range covers (a selection's range), trimmed of whitespace; `null` when it
   * covers no spoken character. Parts outside the region are ignored.
   */
  spanOfRange(range: AbstractRange): TextSpan | null {
    return this.#trim(this.offsetAt(range.startContainer, range.startOffset, 'forward'), this.offsetAt(range.endContainer, range.endOffset, 'backward'));
  }

  /**
   * The spoken span of the user's selection ("read the selection"): from the start of its first range
   * to the end of its last, trimmed; `null` when nothing spoken in this region is selected.
   *
   * @example
   * const span = readable.spanOfSelection(); // document.getSelection() by default
   * if (span) read(readable.text.slice(span.start, span.end));
   */
  spanOfSelection(selection: Selection | null = this.root.ownerDocument.getSelection()): TextSpan | null {
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const first = selection.getRangeAt(0);
    const last = selection.getRangeAt(selection.rangeCount - 1);
    return this.#trim(this.offsetAt(first.startContainer, first.startOffset, 'forward'), this.offsetAt(last.endContainer, last.endOffset, 'backward'));
  }

  #trim(start: number, end: number): TextSpan | null {
    while (start < end && /\s/.test(this.text[start]!)) start++;
    while (end > start && /\s/.test(this.text[end - 1]!)) end--;
    return start < end ? { start, end } : null;
  }
}
