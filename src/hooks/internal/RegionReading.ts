import { locateWord } from '../../core/locateWord';
import { segmentText, segmentWords, spanIndexAt, warmUpSegmenter, type SentenceSpan, type TextSpan } from '../../core/segmentText';
import type { SpeechController } from '../../core/SpeechController';
import type { CollectReadableTextOptions } from '../../dom/collectReadableText';
import { observeReadableText, type ReadableTextChange, type ReadableTextObserver } from '../../dom/observeReadableText';
import type { RangeHighlighter, RangeHighlighterOptions } from '../../dom/RangeHighlighter';
import type { ReadableText } from '../../dom/ReadableText';

/** What a reading region does when its text changes while it is being read. */
export type RegionContentChangePolicy = 'continue' | 'stop';

/** Options of a {@link RegionReading}. */
export interface RegionReadingOptions extends CollectReadableTextOptions {
  highlight: Pick<RangeHighlighterOptions, 'wordHighlight' | 'sentenceHighlight' | 'mode'>;
  onContentChange: RegionContentChangePolicy;
  rebuildDelayMs: number;
  clickToRead: boolean;
  follow: boolean;
  /** Called when this region's reading starts or ends (the hook re-renders on it). */
  onReadingChange(): void;
}

/** The part of the region's text being read: `[start, end)` of the current text; the utterance says which. */
interface Reading {
  utterance: number;
  start: number;
  end: number;
}

// Each slice of the text's walk (see observeReadableText's sliceMs): well below the 50 ms that counts as a long task.
const TEXT_SLICE_MS = 8;

// Clicks on these are theirs (follow the link, press the button), not a request to read.
const INTERACTIVE = 'a[href], button, input, select, textarea, label, summary, [contenteditable=""], [contenteditable="true"], [role="button"], [role="link"], [tabindex]:not([tabindex="-1"])';

/**
 * A region's reading, outside React: its live text (`observeReadableText`), the highlighter, and the
 * speech controller's words mapped back to the page. The word highlight follows the controller through
 * `subscribe`, never through a render.
 */
export class RegionReading {
  readonly #root: Element;
  readonly #controller: SpeechController;
  readonly #options: RegionReadingOptions;
  readonly #observer: ReadableTextObserver;
  /** Loaded on demand (before any audio can play): apps that never read a region do not load it. */
  #highlighter: RangeHighlighter | undefined;
  #scrollIntoView: ((range: Range) => void) | undefined;
  #destroyed = false;
  readonly #unsubscribe: () => void;
  #sentences: { readable: ReadableText; spans: SentenceSpan[] } | undefined;
  #reading: Reading | undefined;
  /** The span of the heard word in the current text (`undefined` when none is highlighted). */
  #heard: TextSpan | undefined;
  #heardIndex = -1;
  #heardSentence = -1;
  #idleCallback = 0;
  /** Inside `read`'s `speak`: the snapshot published there is the new reading's, not another text's. */
  #starting = false;

  constructor(root: Element, controller: SpeechController, options: RegionReadingOptions) {
    this.#root = root;
    this.#controller = controller;
    this.#options = options;
    const { imageAlt, codeBlocks, inlineCode, skip } = options;
    // In slices: a long article's text is walked without one long task at mount; a reading asked for
    // before it is done finishes it at once.
    this.#observer = observeReadableText(root, {
      imageAlt,
      codeBlocks,
      inlineCode,
      skip,
      delayMs: options.rebuildDelayMs,
      sliceMs: TEXT_SLICE_MS,
      onChange: (change) => this.#onContentChange(change),
    });
    import('./rangeHighlighting').then(
      ({ RangeHighlighter, scrollRangeIntoView }) => {
        if (this.#destroyed) return;
        this.#highlighter = new RangeHighlighter({ ...options.highlight, document: root.ownerDocument });
        this.#scrollIntoView = scrollRangeIntoView;
        if (this.#heard) this.#highlightWord(this.#heard, true);
      },
      (error: unknown) => reportError(error),
    );
    this.#unsubscribe = controller.subscribe(this.#onSpeech);
    if (options.clickToRead) root.addEventListener('click', this.#onClick);
    // Intl.Segmenter's one-time start-up (tens of ms) in an idle moment, not in the reader's click.
    const view = root.ownerDocument.defaultView as (Window & typeof globalThis) | null;
    const lang = root.closest('[lang]')?.getAttribute('lang') || undefined;
    if (view && typeof view.requestIdleCallback === 'function') this.#idleCallback = view.requestIdleCallback(() => warmUpSegmenter(lang));
  }

  /** The region's text as of now (rebuilt first when a change is pending). */
  get readable(): ReadableText {
    return this.#observer.current;
  }

  /** Whether the controller's current utterance is this region's reading. */
  get isReading(): boolean {
    return this.#reading !== undefined && this.#controller.getSnapshot().utterance === this.#reading.utterance;
  }

  /** The span being read, in the current text. */
  get span(): TextSpan | undefined {
    return this.#reading && { start: this.#reading.start, end: this.#reading.end };
  }

  /** Reads `[start, end)` of the region's text (trimmed); returns whether there was anything to read. */
  read(start = 0, end = Infinity): boolean {
    const { text } = this.readable;
    start = Math.max(0, Math.min(text.length, Math.floor(start)));
    end = Math.max(start, Math.min(text.length, end));
    while (start < end && /\s/.test(text[start]!)) start++;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (start >= end) return false;
    this.#clearHighlight();
    // Set before speaking: the controller publishes the new utterance synchronously.
    this.#reading = { utterance: Number.NaN, start, end };
    this.#starting = true;
    try {
      this.#controller.speak(text.slice(start, end));
    } finally {
      this.#starting = false;
    }
    const { utterance } = this.#controller.getSnapshot();
    if (this.#reading) this.#reading.utterance = utterance;
    this.#options.onReadingChange();
    this.#onSpeech();
    return true;
  }

  /** Reads from the word at (or the first word after) `offset` to the end of the region. */
  readFrom(offset: number): boolean {
    const start = this.#wordStartAt(offset);
    return start !== undefined && this.read(start);
  }

  /** Reads from the word at a viewport point (a click's `clientX` / `clientY`). */
  readAtPoint(x: number, y: number): boolean {
    const offset = this.readable.offsetAtPoint(x, y);
    return offset !== null && this.readFrom(offset);
  }

  /** Reads the part of the region the user selected; returns `false` when nothing in it is selected. */
  readSelection(): boolean {
    const span = this.readable.spanOfSelection();
    return span !== null && this.read(span.start, span.end);
  }

  /** Moves the reading `by` sentences from the heard one (or from where it started) and reads on from there. */
  skipSentences(by: number): boolean {
    if (!this.isReading || !this.#reading) return false;
    const sentences = this.#sentenceSpans();
    const at = this.#heard?.start ?? this.#reading.start;
    const current = Math.max(0, spanIndexAt(sentences, at));
    const target = sentences[Math.max(0, Math.min(sentences.length - 1, current + by))];
    if (!target) return false;
    return this.read(target.start, target.start >= this.#reading.end ? Infinity : this.#reading.end);
  }

  /** Stops listening, un-highlights, and leaves the page as it was (the controller is not stopped). */
  destroy(): void {
    this.#unsubscribe();
    this.#observer.disconnect();
    this.#root.removeEventListener('click', this.#onClick);
    const view = this.#root.ownerDocument.defaultView as (Window & typeof globalThis) | null;
    if (this.#idleCallback && view) view.cancelIdleCallback(this.#idleCallback);
    this.#destroyed = true;
    this.#highlighter?.clear();
    this.#reading = undefined;
  }

  #sentenceSpans(): SentenceSpan[] {
    const readable = this.readable;
    if (this.#sentences?.readable !== readable) this.#sentences = { readable, spans: segmentText(readable.text, { locale: readable.lang || undefined, words: false }).sentences };
    return this.#sentences.spans;
  }

  /** The start of the word containing `offset`, else of the first word after it; `undefined` past the last. */
  #wordStartAt(offset: number): number | undefined {
    const readable = this.readable;
    const sentences = this.#sentenceSpans();
    for (let index = Math.max(0, spanIndexAt(sentences, offset)); index < sentences.length; index++) {
      const sentence = sentences[index]!;
      const words = segmentWords(readable.text, { locale: readable.lang || undefined, start: sentence.start, end: sentence.end });
      const word = words.find((candidate) => candidate.end > offset);
      if (word) return word.start;
    }
    return undefined;
  }

  readonly #onClick = (event: Event): void => {
    const click = event as MouseEvent;
    if (click.defaultPrevented || click.button !== 0 || click.altKey || click.ctrlKey || click.metaKey || click.shiftKey) return;
    const target = click.target as Element | null;
    const interactive = target && typeof target.closest === 'function' ? target.closest(INTERACTIVE) : null;
    if (interactive && this.#root.contains(interactive)) return;
    // A drag that selected text is a selection (read it with "read the selection"), not a click on a word.
    const selection = this.#root.ownerDocument.getSelection();
    if (selection && !selection.isCollapsed) return;
    this.readAtPoint(click.clientX, click.clientY);
  };

  readonly #onSpeech = (): void => {
    if (!this.#reading || this.#starting) return;
    // First: a pending change of the region is applied now, and may end the reading.
    const readable = this.readable;
    const reading = this.#reading;
    if (!reading) return;
    const snapshot = this.#controller.getSnapshot();
    if (snapshot.utterance !== reading.utterance) {
      // Another text took the controller (shared speech): this reading is over.
      this.#reading = undefined;
      this.#clearHighlight();
      this.#options.onReadingChange();
      return;
    }
    const word = snapshot.activeWordIndex >= 0 ? snapshot.words[snapshot.activeWordIndex] : undefined;
    const showing = snapshot.status === 'speaking' || snapshot.status === 'paused' || snapshot.status === 'buffering';
    if (!word || !showing) {
      this.#clearHighlight();
      return;
    }
    if (snapshot.activeWordIndex === this.#heardIndex) return;
    this.#heardIndex = snapshot.activeWordIndex;
    this.#highlightWord(locateWord(readable.text, word, reading.start));
  };

  #highlightWord(span: TextSpan, force = false): void {
    const readable = this.readable;
    const reading = this.#reading!;
    this.#heard = span;
    const highlighter = this.#highlighter;
    if (!highlighter) return;
    highlighter.setWord(readable.rangesFor(span.start, span.end));
    const sentences = this.#sentenceSpans();
    const sentenceIndex = spanIndexAt(sentences, span.start);
    if (sentenceIndex !== this.#heardSentence || force) {
      this.#heardSentence = sentenceIndex;
      const sentence = sentences[sentenceIndex];
      // Clipped to what is read (a selection may start or end inside a sentence).
      highlighter.setSentence(sentence ? readable.rangesFor(Math.max(sentence.start, reading.start), Math.min(sentence.end, reading.end)) : []);
    }
    if (this.#options.follow) {
      const range = readable.rangeFor(span.start, span.end);
      if (range) this.#scrollIntoView?.(range);
    }
  }

  #clearHighlight(): void {
    this.#heard = undefined;
    this.#heardIndex = -1;
    this.#heardSentence = -1;
    this.#highlighter?.clear();
  }

  /**
   * How far the part being read moved in a change, or `undefined` when it changed. The change is
   * reported as one edit from the first to the last difference, so two separate edits (a line
   * inserted above, a token appended below) look like one across the reading: then the read text is
   * looked for in the new text, nearest to where it was.
   */
  #unchangedShift(change: ReadableTextChange, reading: Reading): number | undefined {
    if (change.changedAt === null || change.changedAt >= reading.end) return 0;
    if (change.previousEnd <= reading.start) return change.currentEnd - change.previousEnd;
    const spoken = change.previous.text.slice(reading.start, reading.end);
    const text = change.current.text;
    let best: number | undefined;
    for (let at = text.indexOf(spoken); at >= 0; at = text.indexOf(spoken, at + 1)) {
      if (best === undefined || Math.abs(at - reading.start) < Math.abs(best - reading.start)) best = at;
      if (at > reading.start) break;
    }
    return best === undefined ? undefined : best - reading.start;
  }

  #onContentChange(change: ReadableTextChange): void {
    this.#sentences = undefined;
    const reading = this.#reading;
    if (!reading || !this.isReading) return;
    if (change.changedAt !== null) {
      const shift = this.#options.onContentChange === 'continue' ? this.#unchangedShift(change, reading) : undefined;
      if (shift === undefined) {
        // What is being read changed under the listener: stop cleanly rather than read stale text.
        this.#reading = undefined;
        this.#clearHighlight();
        this.#controller.stop();
        this.#options.onReadingChange();
        return;
      }
      reading.start += shift;
      reading.end += shift;
      if (this.#heard) this.#heard = { start: this.#heard.start + shift, end: this.#heard.end + shift };
    }
    // The nodes under the text may be new: the highlight's ranges come from the new text.
    if (this.#heard) this.#highlightWord(this.#heard, true);
  }
}
