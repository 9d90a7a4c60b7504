import { useCallback, useState, useSyncExternalStore, type RefObject } from 'react';
import type { SpeechController, SpeechControllerOptions, SpeechOptions, SpeechStatus } from '../core/index';
import { LazySpeechController } from './internal/LazySpeechController';
import { speechControllerSource } from './internal/speechControllerSource';
import type { TextSpan } from '../core/segmentText';
import type { CollectReadableTextOptions } from '../dom/collectReadableText';
import type { HighlightMode } from '../dom/RangeHighlighter';
import type { ReadableText } from '../dom/ReadableText';
import { RegionReading, type RegionContentChangePolicy } from './internal/RegionReading';
import { useIsomorphicLayoutEffect } from './internal/useIsomorphicLayoutEffect';
import { useLatestRef } from './internal/useLatestRef';
import { useSpeechControllerInstance } from './internal/useSpeechControllerInstance';
import { useStableValue } from './internal/useStableValue';
import { isActiveStatus } from './useSpeech';
import { controllerOf, type SpeechSource } from './SpeechSource';

/** Options of {@link useReadAloudRegion}: what is read, how it is highlighted, and the speech options of its own controller. */
export interface UseReadAloudRegionOptions extends SpeechOptions, CollectReadableTextOptions {
  /**
   * Read with this speech (a `useSpeechSynthesis` result or a controller) instead of the region's own,
   * so that one set of controls (a `SpeakButton`, the status) drives it. Its request options win; the
   * speech options given here then only apply to the region's own controller, which stays unused.
   */
  speech?: SpeechSource;
  /**
   * A click on a word (outside links, buttons and other controls, and not at the end of a text
   * selection) reads from that word to the end of the region. @default true
   */
  clickToRead?: boolean;
  /**
   * When the region's text changes during a reading: `'continue'` goes on as long as the part being
   * read is unchanged (an edit before it moves the highlight along, text appended after it is not read
   * by this reading) and stops it cleanly when that part changed; `'stop'` stops it on any change of
   * the text. Changes of the markup alone (same text) never stop it: the highlight moves to the new
   * nodes. @default 'continue'
   */
  onContentChange?: RegionContentChangePolicy;
  /** Wait this long after a change of the region before rebuilding its text, so a burst (streamed tokens) costs one rebuild. @default 50 */
  rebuildDelayMs?: number;
  /** Scroll the window to keep the heard word in view (never moves focus). @default true */
  follow?: boolean;
  /** The highlight name of the heard word, styled with `::highlight(name)`. @default 'cosyvoice-word' */
  wordHighlight?: string;
  /** The highlight name of the current sentence. @default 'cosyvoice-sentence' */
  sentenceHighlight?: string;
  /**
   * `'auto'`: the CSS Custom Highlight API where it exists, else boxes laid over the text (outside the
   * region). @default 'auto'
   */
  highlightMode?: 'auto' | HighlightMode;
}

/** What {@link useReadAloudRegion} returns. Actions keep their identity across renders. */
export interface UseReadAloudRegionResult {
  /** The status of this region's reading (`idle` while the speech reads something else). */
  status: SpeechStatus;
  /** `true` while this region's reading is underway (connecting, buffering, speaking or paused). */
  isActive: boolean;
  /** Reads the whole region, or `[start, end)` of its text (offsets into {@link getText}'s `text`). Returns whether there was text to read. */
  read(start?: number, end?: number): boolean;
  /** Reads from the word at `offset` of the region's text to its end. */
  readFrom(offset: number): boolean;
  /** Reads from the word at a viewport point (what a click on a word does). */
  readAtPoint(x: number, y: number): boolean;
  /** Reads what the user selected in the region; `false` (and nothing happens) when nothing in it is selected. */
  readSelection(): boolean;
  /** Reads on from the start of the next sentence; `false` when nothing of this region is being read. */
  nextSentence(): boolean;
  /** Reads on from the start of the previous sentence. */
  previousSentence(): boolean;
  stop(): void;
  pause(): void;
  resume(): void;
  /** The region's text and its map to the DOM as of now, or `undefined` before the element is mounted. */
  getText(): ReadableText | undefined;
  /** The part of the region's text this reading covers (offsets into the current text). */
  getReadingSpan(): TextSpan | undefined;
  /** The speech controller reading the region (for granular hooks such as `useActiveWord`). */
  controller: SpeechController;
}

// The engine arrives on first intent, as for useSpeechSynthesis (see LazySpeechController).
function createSpeechController(options: SpeechControllerOptions): SpeechController {
  return new LazySpeechController(options, speechControllerSource) as unknown as SpeechController;
}

/**
 * Reads an existing part of the page aloud and highlights the heard word and its sentence in place,
 * without changing its DOM: articles rendered from Markdown or a CMS, documentation, chat messages.
 * What is read follows what a sighted reader sees (hidden parts, `aria-hidden`, scripts, styles and
 * `data-read-aloud="skip"` are left out; alt text and code blocks by option), and the highlight uses
 * the CSS Custom Highlight API (style `::highlight(cosyvoice-word)` and
 * `::highlight(cosyvoice-sentence)`, or import `cosyvoice-react/styles.css`), with an overlay fallback
 * where it is missing.
 *
 * Click a word to read from there; `readSelection()` reads the selected text; `nextSentence()` /
 * `previousSentence()` move by sentence. The region's text is rebuilt when it changes (a
 * `MutationObserver`), and a reading in progress continues or stops by `onContentChange`.
 *
 * Re-render cost: on status changes of its reading only; word changes move the highlight without
 * rendering.
 *
 * @example
 * const article = useRef<HTMLElement>(null);
 * const region = useReadAloudRegion(article, { imageAlt: true, voice: 'longanyang' });
 * <button onClick={() => region.read()} data-state={region.status}>Read the article</button>
 * <article ref={article} dangerouslySetInnerHTML={{ __html: html }} />
 */
export function useReadAloudRegion(ref: RefObject<Element | null>, options: UseReadAloudRegionOptions = {}): UseReadAloudRegionResult {
  const {
    speech,
    clickToRead = true,
    onContentChange = 'continue',
    rebuildDelayMs = 50,
    follow = true,
    wordHighlight,
    sentenceHighlight,
    highlightMode,
    imageAlt,
    codeBlocks,
    inlineCode,
    skip,
    ...speechOptions
  } = options;
  const own = useSpeechControllerInstance('useReadAloudRegion', speechOptions, createSpeechController);
  const controller = speech ? controllerOf(speech) : own;
  const [reading, setReading] = useState<RegionReading | undefined>(undefined);
  // Listeners of the status store, told when the region's reading starts or ends (not only when the
  // controller changes: a shared controller's utterance may stop being this region's).
  const [readingChanges] = useState(() => new Set<() => void>());
  const onReadingChange = useCallback(() => {
    for (const listener of readingChanges) listener();
  }, [readingChanges]);

  const setup = useStableValue({ clickToRead, onContentChange, rebuildDelayMs, follow, wordHighlight, sentenceHighlight, highlightMode, imageAlt, codeBlocks, inlineCode, skip });
  useIsomorphicLayoutEffect(() => {
    const root = ref.current;
    if (!root) return undefined;
    const { wordHighlight, sentenceHighlight, highlightMode, ...rest } = setup;
    const next = new RegionReading(root, controller, { ...rest, highlight: { wordHighlight, sentenceHighlight, mode: highlightMode }, onReadingChange });
    setReading(next);
    return () => {
      const wasReading = next.isReading;
      next.destroy();
      // A reading of an element that is gone (unmounted, or options changed) stops with it.
      if (wasReading) controller.stop();
      setReading(undefined);
    };
  }, [ref, controller, setup, onReadingChange]);

  const subscribe = useCallback(
    (listener: () => void) => {
      readingChanges.add(listener);
      const unsubscribe = controller.subscribe(listener);
      return () => {
        readingChanges.delete(listener);
        unsubscribe();
      };
    },
    [controller, readingChanges],
  );
  const status = useSyncExternalStore(
    subscribe,
    (): SpeechStatus => (reading?.isReading ? controller.getSnapshot().status : 'idle'),
    (): SpeechStatus => 'idle',
  );

  const latest = useLatestRef(reading);
  const [actions] = useState(() => ({
    read: (start?: number, end?: number) => latest.current?.read(start, end) ?? false,
    readFrom: (offset: number) => latest.current?.readFrom(offset) ?? false,
    readAtPoint: (x: number, y: number) => latest.current?.readAtPoint(x, y) ?? false,
    readSelection: () => latest.current?.readSelection() ?? false,
    nextSentence: () => latest.current?.skipSentences(1) ?? false,
    previousSentence: () => latest.current?.skipSentences(-1) ?? false,
    getText: () => latest.current?.readable,
    getReadingSpan: () => (latest.current?.isReading ? latest.current.span : undefined),
  }));
  const controllerActions = useStableActions(controller, reading);
  return { status, isActive: isActiveStatus(status), ...actions, ...controllerActions, controller };
}

/** `stop` / `pause` / `resume` that act only on this region's reading (a shared speech may be reading something else). */
function useStableActions(controller: SpeechController, reading: RegionReading | undefined) {
  const latest = useLatestRef({ controller, reading });
  const [actions] = useState(() => {
    const ifReading = (action: (controller: SpeechController) => void) => () => {
      const { controller, reading } = latest.current;
      if (reading?.isReading) action(controller);
    };
    return { stop: ifReading((c) => c.stop()), pause: ifReading((c) => c.pause()), resume: ifReading((c) => c.resume()) };
  });
  return actions;
}
