import {
  createContext,
  forwardRef,
  lazy,
  memo,
  Suspense,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type FocusEvent,
  type ForwardedRef,
  type HTMLAttributes,
  type KeyboardEvent,
  type MouseEvent,
  type ReactNode,
} from 'react';
import type { ReadAloudController, SpeechController, SpeechStatus, TimelineWord } from '../core/index';
import { IndexedListeners } from '../core/IndexedListeners';
import { useIsomorphicLayoutEffect } from '../hooks/internal/useIsomorphicLayoutEffect';
import { composeEventHandlers } from './composeEventHandlers';
import { prefersReducedMotion } from './prefersReducedMotion';
import { warnOnce } from './warnOnce';
import { useAnnouncer } from './useAnnouncer';

const KARAOKE_TEXT_NAME = 'KaraokeText';

/** The attribute every word element carries: its index in the timeline. */
export const WORD_INDEX_ATTRIBUTE = 'data-word-index';

/** Whether a word is still to come, being heard, or heard already. */
export type WordState = 'pending' | 'active' | 'spoken';

/** What {@link KaraokeText} needs from a speech hook: a `useSpeechSynthesis` or `useStreamingSynthesis` result fits. */
export interface KaraokeTextSpeech {
  controller: SpeechController;
  status: SpeechStatus;
  words: readonly TimelineWord[];
  text: string;
  isComplete: boolean;
  seek(ms: number): boolean;
}

/**
 * What {@link KaraokeText} needs from a reading: a `useReadAloud` result fits. Its words are the text's
 * own words, the current sentence is marked, and a word starts the reading from itself.
 */
export interface KaraokeTextReading {
  controller: ReadAloudController;
  status: SpeechStatus;
  text: string;
}

/** A piece of the rendered text: plain text between words, or a word of the timeline. */
export type KaraokeSegment = { kind: 'text'; text: string; key: string } | { kind: 'word'; text: string; index: number; word: TimelineWord };

/** Messages {@link KaraokeText} announces; override for other languages. */
export interface KaraokeTextLabels {
  /** Announced when a word is chosen before the audio can be sought. @default 'Seeking is available once the audio has loaded' */
  seekUnavailable: string;
}

/** The default (English) {@link KaraokeTextLabels}. */
export const DEFAULT_KARAOKE_TEXT_LABELS: KaraokeTextLabels = /* @__PURE__ */ Object.freeze({
  seekUnavailable: 'Seeking is available once the audio has loaded',
});

/* -------------------------------------------------------------------------------------------------
 * splitIntoSegments
 * -----------------------------------------------------------------------------------------------*/

/**
 * Cuts `text` into plain runs and words using each word's `beginIndex` / `endIndex` (the service's
 * character offsets into the spoken text), so CJK text without spaces splits correctly. Words that
 * fall outside the text or overlap an earlier word stay plain text.
 *
 * @example
 * splitIntoSegments('你好，世界', speech.words) // [{kind:'word',text:'你好'}, {kind:'text',text:'，'}, {kind:'word',text:'世界'}]
 */
export function splitIntoSegments(text: string, words: readonly TimelineWord[]): KaraokeSegment[] {
  const segments: KaraokeSegment[] = [];
  let cursor = 0;
  words.forEach((word, index) => {
    const begin = word.beginIndex;
    const end = word.endIndex;
    if (!(begin >= cursor && end > begin && end <= text.length)) {
      return;
    }
    if (begin > cursor) {
      segments.push({ kind: 'text', text: text.slice(cursor, begin), key: `t${index}` });
    }
    segments.push({ kind: 'word', text: text.slice(begin, end), index, word });
    cursor = end;
  });
  if (cursor < text.length) {
    segments.push({ kind: 'text', text: text.slice(cursor), key: 'tail' });
  }
  return segments;
}

/* -------------------------------------------------------------------------------------------------
 * Stores (per-word subscriptions, so a word change re-renders two words)
 * -----------------------------------------------------------------------------------------------*/

/** Per-word state with per-word subscriptions: the controller has this shape, and so does the local store below. */
interface WordStateStore {
  subscribeWord(index: number, listener: () => void): () => void;
  getWordState(index: number): WordState;
}

/** An index (the heard word, or the roving tab stop) whose change notifies only the words concerned. */
class IndexStore implements WordStateStore {
  #index: number;
  #listeners = new IndexedListeners();
  readonly subscribeWord = this.#listeners.subscribe;

  constructor(index: number) {
    this.#index = index;
  }

  get index(): number {
    return this.#index;
  }

  /** `range`: every index between changes (the heard word); `ends`: only the old and new (the tab stop). */
  set(next: number, notify: 'range' | 'ends' | 'silent'): void {
    const previous = this.#index;
    if (previous === next) {
      return;
    }
    this.#index = next;
    if (notify === 'range') {
      this.#listeners.notifyBetween(previous, next);
    } else if (notify === 'ends') {
      this.#listeners.notify(previous);
      this.#listeners.notify(next);
    }
  }

  getWordState(index: number): WordState {
    return index === this.#index ? 'active' : index < this.#index ? 'spoken' : 'pending';
  }
}

interface KaraokeContextValue {
  words: WordStateStore;
  /** The words' state comes from props (`timeline` + `activeWordIndex`), so the server can render it too. */
  isLocal: boolean;
  tabStop: IndexStore;
  /** Latest props that word components read without re-rendering when they change. */
  latest: { current: { follow: boolean; renderWord: KaraokeTextProps['renderWord']; userScrolledAway: boolean } };
  /** With a reading: which sentence is the current one (per-sentence subscriptions). */
  sentences: SentenceStore | undefined;
}

/** The current sentence of a reading, with per-sentence subscriptions. */
interface SentenceStore {
  subscribeSentence(index: number, listener: () => void): () => void;
  isSentenceActive(index: number): boolean;
}

const KaraokeContext = /* @__PURE__ */ createContext<KaraokeContextValue | null>(null);

const SCROLL_KEYS = /* @__PURE__ */ new Set(['PageUp', 'PageDown', 'ArrowUp', 'ArrowDown', 'Home', 'End', ' ']);

function isInViewport(element: Element): boolean {
  const rect = element.getBoundingClientRect();
  return rect.bottom >= 0 && rect.top <= (window.innerHeight || document.documentElement.clientHeight);
}

/* -------------------------------------------------------------------------------------------------
 * KaraokeText
 * -----------------------------------------------------------------------------------------------*/

/** Props of {@link KaraokeText}. */
export interface KaraokeTextProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** The text shown. @default string `children`, else the speech's text (which grows while streaming) */
  text?: string;
  /** The text as string children (same as `text`). */
  children?: string;
  /**
   * A `useSpeechSynthesis` / `useStreamingSynthesis` result: its timeline, heard word and seeking. It
   * may be shared with other texts: its words are shown only while its text is this `text`.
   */
  speech?: KaraokeTextSpeech;
  /**
   * A `useReadAloud` result (instead of `speech`): the words are the text's own words from the start,
   * the current sentence's words carry `data-sentence-active`, and clicking a word or pressing Enter or
   * Space on it reads from that word at any time (before its audio exists too); text selected with the
   * mouse reads from the first word selected. Elements mode only.
   */
  reading?: KaraokeTextReading;
  /** An explicit timeline (instead of `speech`), e.g. from `SpeechSynthesizer` or stored captions. */
  timeline?: readonly TimelineWord[];
  /** With `timeline`: the heard word, or -1. @default -1 */
  activeWordIndex?: number;
  /** Keep the heard word scrolled into view (never moves focus). @default true */
  follow?: boolean;
  /**
   * Words are buttons (`role="button"`, one tab stop; arrow keys, Home and End move between words) and
   * clicking a word or pressing Enter/Space on it seeks there. When false, words are plain text with no
   * role and no tab stop. @default true with `speech` or `onWordSelect`
   */
  seekable?: boolean;
  /** Called when a word is chosen by click or key, before seeking; `preventDefault()` skips the seek. */
  onWordSelect?: (word: TimelineWord, index: number, event: { preventDefault(): void; defaultPrevented: boolean }) => void;
  /** Messages, merged over {@link DEFAULT_KARAOKE_TEXT_LABELS}. */
  labels?: Partial<KaraokeTextLabels>;
  /** Custom content inside each word's `<span>` (e.g. `<ruby>`). Read when the word renders. Elements mode only. */
  renderWord?: (text: string, index: number, state: WordState) => ReactNode;
  /**
   * How the heard word is shown. `'elements'`: one `<span>` per word (`data-state`, `data-active`,
   * `data-spoken`), words are buttons in one tab stop when seekable. `'ranges'`: the text is one plain
   * text node and the heard word and its sentence are drawn with the CSS Custom Highlight API (style
   * `::highlight(cosyvoice-word)` and `::highlight(cosyvoice-sentence)`; an overlay where the API is
   * missing), so a word change renders nothing, whatever the text's length: for long texts. In ranges
   * mode a click on a word seeks (pointer only: there is no element per word to focus, so keyboard
   * users seek with the player's controls; use the elements mode where words must be keyboard
   * operable), `renderWord` is not used, and the speech's controller is read directly (only
   * `speech.controller` matters). @default 'elements'
   */
  highlight?: 'elements' | 'ranges';
}

/**
 * Renders text with the heard word marked. Each word of the timeline is a `<span data-word-index>`
 * with `data-active` while it is heard and `data-spoken` once heard (`data-state` has the same
 * information); the text between words is plain text, and before any word arrives the whole text is
 * plain. Word boundaries come from the service's timestamps, so CJK works. A word change re-renders
 * only the two words involved, whatever the length of the text.
 *
 * Keyboard: seekable words are buttons (`role="button"`) forming one tab stop; arrow keys, Home and
 * End move between words, Enter or Space (or a click) seeks there once the audio is complete — before
 * that, the shared status region says so. The heard word is kept in view with
 * `scrollIntoView({ block: 'nearest' })` (smooth only without `prefers-reduced-motion: reduce`); focus
 * never moves by itself. Words that cannot seek (`seekable={false}`, or a `timeline` without
 * `onWordSelect`) have no role and no tab stop.
 *
 * Style with the class names `cosyvoice-karaoke` / `cosyvoice-karaoke-word` and the data attributes,
 * or import the optional `cosyvoice-react/styles.css`.
 *
 * @example
 * const speech = useSpeechSynthesis();
 * <button onClick={() => speech.speak(text)}>Read</button>
 * <KaraokeText text={text} speech={speech} />
 *
 * @example
 * <KaraokeText timeline={words} activeWordIndex={index}>{text}</KaraokeText>
 */
export const KaraokeText = /* @__PURE__ */ forwardRef<HTMLDivElement, KaraokeTextProps>(function KaraokeText(props, forwardedRef) {
  if (process.env.NODE_ENV !== 'production' && props.reading && props.highlight === 'ranges') {
    warnOnce(`${KARAOKE_TEXT_NAME} shows a \`reading\` in elements mode only; \`highlight="ranges"\` is ignored.`);
  }
  return props.highlight === 'ranges' && !props.reading ? <KaraokeRangesMode props={props} forwardedRef={forwardedRef} /> : <KaraokeElementsText {...props} ref={forwardedRef} />;
});

const KaraokeElementsText = /* @__PURE__ */ forwardRef<HTMLDivElement, KaraokeTextProps>(function KaraokeText(props, forwardedRef) {
  const {
    text: textProp,
    children,
    speech,
    reading,
    timeline,
    activeWordIndex = -1,
    follow = true,
    seekable: seekableProp,
    onWordSelect,
    labels: labelOverrides,
    renderWord,
    highlight: _highlight,
    onClick,
    onKeyDown,
    onFocus,
    className,
    ...divProps
  } = props;

  if (process.env.NODE_ENV !== 'production') {
    if (textProp !== undefined && children !== undefined) {
      warnOnce(`${KARAOKE_TEXT_NAME} received both \`text\` and string children; \`text\` is shown.`);
    }
    if (speech && timeline) {
      warnOnce(`${KARAOKE_TEXT_NAME} received both \`speech\` and \`timeline\`; the speech's timeline is used.`);
    }
    if (children !== undefined && typeof children !== 'string') {
      warnOnce(`${KARAOKE_TEXT_NAME} takes a string as children (got ${typeof children}); pass the text as \`text\`.`);
    }
  }

  const text = textProp ?? (typeof children === 'string' ? children : undefined) ?? speech?.text ?? reading?.text ?? '';
  const readingController = reading?.controller;
  // A shared speech may be reading another text (as in SpeakButton): its offsets are not into this one.
  const words = (reading ? reading.text === text && reading.controller.textTimeline : speech ? speech.text === text && speech.words : timeline) || EMPTY_WORDS;
  const segments = useMemo(() => splitIntoSegments(text, words), [text, words]);
  const seekable = seekableProp ?? (speech !== undefined || reading !== undefined || onWordSelect !== undefined);
  const labels = { ...DEFAULT_KARAOKE_TEXT_LABELS, ...labelOverrides };

  const [localWords] = useState(() => new IndexStore(activeWordIndex));
  const [tabStop] = useState(() => new IndexStore(-1));
  useIsomorphicLayoutEffect(() => {
    localWords.set(activeWordIndex, 'range');
  }, [localWords, activeWordIndex]);
  const firstWordIndex = segments.find((segment) => segment.kind === 'word')?.index ?? -1;
  // Until the reader focuses a word, the tab stop is the first word. Set before the words render (no
  // notification needed: they read it as they mount), so mounting costs no second render.
  if (tabStop.index < 0 && firstWordIndex >= 0) {
    tabStop.set(firstWordIndex, 'silent');
  }
  useIsomorphicLayoutEffect(() => {
    if (tabStop.index >= words.length) {
      tabStop.set(firstWordIndex, 'ends');
    }
  }, [tabStop, firstWordIndex, words.length]);

  const latest = useRef({ follow, renderWord, userScrolledAway: false });
  latest.current.follow = follow;
  latest.current.renderWord = renderWord;
  const rootRef = useRef<HTMLDivElement | null>(null);
  const setRoot = useCallback(
    (node: HTMLDivElement | null) => {
      rootRef.current = node;
      if (typeof forwardedRef === 'function') forwardedRef(node);
      else if (forwardedRef) forwardedRef.current = node;
    },
    [forwardedRef],
  );
  useEffect(() => {
    // A reader who scrolls elsewhere is not pulled back: following pauses until the heard word is in
    // view again. Only the user's own scrolling counts (wheel, touch, scroll keys outside the text).
    const away = (event: Event): void => {
      if (event.type === 'keydown') {
        const key = (event as globalThis.KeyboardEvent).key;
        if (!SCROLL_KEYS.has(key) || rootRef.current?.contains(event.target as Node)) return;
      }
      latest.current.userScrolledAway = true;
    };
    const options = { passive: true, capture: true } as const;
    const types = ['wheel', 'touchmove', 'keydown'] as const;
    for (const type of types) document.addEventListener(type, away, options);
    return () => {
      for (const type of types) document.removeEventListener(type, away, options);
    };
  }, []);
  const readingStores = useMemo(
    () =>
      readingController && {
        words: { subscribeWord: readingController.subscribeReadingWord, getWordState: readingController.getReadingWordState },
        sentences: { subscribeSentence: readingController.subscribeReadingSentence, isSentenceActive: readingController.isReadingSentence },
      },
    [readingController],
  );
  const wordStore: WordStateStore = readingStores ? readingStores.words : speech ? speech.controller : localWords;
  const isLocal = !speech && !reading;
  const context = useMemo<KaraokeContextValue>(() => ({ words: wordStore, isLocal, tabStop, latest, sentences: readingStores?.sentences }), [wordStore, isLocal, tabStop, readingStores]);

  const announce = useAnnouncer();
  const selectWord = (index: number) => {
    const word = words[index];
    if (!word) {
      return;
    }
    let prevented = false;
    const selection = {
      preventDefault() {
        prevented = true;
      },
      get defaultPrevented() {
        return prevented;
      },
    };
    onWordSelect?.(word, index, selection);
    if (prevented) {
      return;
    }
    if (readingController) {
      // From this word, at any time: its audio is played if it has arrived, else requested from here.
      readingController.seekToWord(index);
      return;
    }
    if (!speech) {
      return;
    }
    // Asked even before the audio is complete: the click also starts an audio output the browser blocked.
    if (!speech.seek(word.beginMs)) {
      announce(labels.seekUnavailable);
    }
  };

  const moveFocus = (container: HTMLElement, index: number) => {
    const target = container.querySelector<HTMLElement>(`[${WORD_INDEX_ATTRIBUTE}="${index}"]`);
    if (target) {
      tabStop.set(index, 'ends');
      target.focus();
    }
  };

  const handleClick = composeEventHandlers(onClick, (event: MouseEvent<HTMLDivElement>) => {
    if (!seekable) {
      return;
    }
    // A drag that selected text starts from the first word selected (its click lands on the container).
    const selected = firstSelectedWordIndex(event.currentTarget);
    if (selected !== undefined) {
      selectWord(selected);
      return;
    }
    const index = wordIndexOf(event.target);
    if (index !== undefined) {
      selectWord(index);
    }
  });

  const handleKeyDown = composeEventHandlers(onKeyDown, (event: KeyboardEvent<HTMLDivElement>) => {
    if (!seekable) {
      return;
    }
    const index = wordIndexOf(event.target);
    if (index === undefined) {
      return;
    }
    const wordIndexes = segments.flatMap((segment) => (segment.kind === 'word' ? [segment.index] : []));
    const position = wordIndexes.indexOf(index);
    let next: number | undefined;
    switch (event.key) {
      case 'Enter':
      case ' ':
        event.preventDefault();
        selectWord(index);
        return;
      case 'ArrowRight':
      case 'ArrowDown':
        next = wordIndexes[position + 1];
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        next = wordIndexes[position - 1];
        break;
      case 'Home':
        next = wordIndexes[0];
        break;
      case 'End':
        next = wordIndexes[wordIndexes.length - 1];
        break;
      default:
        return;
    }
    event.preventDefault();
    if (next !== undefined) {
      moveFocus(event.currentTarget, next);
    }
  });

  const handleFocus = composeEventHandlers(onFocus, (event: FocusEvent<HTMLDivElement>) => {
    const index = wordIndexOf(event.target);
    if (index !== undefined) {
      tabStop.set(index, 'ends');
    }
  });

  const status: SpeechStatus = reading ? reading.status : speech ? speech.status : activeWordIndex >= 0 ? 'speaking' : 'idle';
  return (
    <div
      className={className === undefined ? 'cosyvoice-karaoke' : `cosyvoice-karaoke ${className}`}
      data-state={status}
      data-seekable={speech?.isComplete ? '' : undefined}
      {...divProps}
      ref={setRoot}
      onClick={handleClick}
      onKeyDown={handleKeyDown}
      onFocus={handleFocus}
    >
      <KaraokeContext.Provider value={context}>
        <KaraokeSegments segments={segments} focusable={seekable} />
      </KaraokeContext.Provider>
    </div>
  );
});

const EMPTY_WORDS: readonly TimelineWord[] = /* @__PURE__ */ Object.freeze([]);

const noop = (): void => undefined;

/** The index of the first word in the text selected inside `root`, or `undefined` without a selection there. */
function firstSelectedWordIndex(root: HTMLElement): number | undefined {
  const selection = root.ownerDocument.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
    return undefined;
  }
  const range = selection.getRangeAt(0);
  if (!root.contains(range.commonAncestorContainer)) {
    return undefined;
  }
  const start = range.startContainer.nodeType === 1 ? (range.startContainer as Element) : range.startContainer.parentElement;
  const own = start?.closest(`[${WORD_INDEX_ATTRIBUTE}]`);
  if (own && root.contains(own)) {
    return wordIndexOf(own);
  }
  // The selection starts in the space between words: the first word it covers.
  for (const element of root.querySelectorAll(`[${WORD_INDEX_ATTRIBUTE}]`)) {
    if (range.intersectsNode(element)) {
      return wordIndexOf(element);
    }
  }
  return undefined;
}

function wordIndexOf(target: EventTarget | null): number | undefined {
  if (!target || typeof (target as Element).closest !== 'function') {
    return undefined;
  }
  const element = (target as Element).closest(`[${WORD_INDEX_ATTRIBUTE}]`);
  const value = element?.getAttribute(WORD_INDEX_ATTRIBUTE);
  return value == null ? undefined : Number(value);
}

/* -------------------------------------------------------------------------------------------------
 * Segments and words (memoized: the container's re-renders stop here)
 * -----------------------------------------------------------------------------------------------*/

// Words are rendered in fixed chunks of memoized components: when one word re-renders, React walks
// (and clones) the sibling list it sits in, so one flat list of 10 000 words would cost O(n) per word
// change; chunks make it O(√n).
const CHUNK_SIZE = 128;

const KaraokeSegments = /* @__PURE__ */ memo(function KaraokeSegments({ segments, focusable }: { segments: KaraokeSegment[]; focusable: boolean }) {
  const chunks: ReactNode[] = [];
  for (let start = 0; start < segments.length; start += CHUNK_SIZE) {
    chunks.push(<KaraokeChunk key={start} segments={segments.slice(start, start + CHUNK_SIZE)} focusable={focusable} />);
  }
  return <>{chunks}</>;
});

const KaraokeChunk = /* @__PURE__ */ memo(
  function KaraokeChunk({ segments, focusable }: { segments: KaraokeSegment[]; focusable: boolean }) {
    return (
      <>
        {segments.map((segment) =>
          segment.kind === 'text' ? (
            <TextRun key={segment.key} text={segment.text} />
          ) : (
            <KaraokeWord key={`w${segment.index}`} index={segment.index} sentence={segment.word.sentenceIndex} text={segment.text} focusable={focusable} />
          ),
        )}
      </>
    );
  },
  // Segments are rebuilt whenever words arrive; a chunk whose pieces are unchanged skips rendering.
  (previous, next) => previous.focusable === next.focusable && sameSegments(previous.segments, next.segments),
);

function sameSegments(a: KaraokeSegment[], b: KaraokeSegment[]): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.kind !== y.kind || x.text !== y.text || (x.kind === 'word' && y.kind === 'word' ? x.index !== y.index : x.kind === 'text' && y.kind === 'text' && x.key !== y.key)) {
      return false;
    }
  }
  return true;
}

function TextRun({ text }: { text: string }) {
  return <>{text}</>;
}

const KaraokeWord = /* @__PURE__ */ memo(function KaraokeWord({ index, sentence, text, focusable }: { index: number; sentence: number; text: string; focusable: boolean }) {
  const context = useContext(KaraokeContext);
  if (!context) {
    throw new Error('`KaraokeWord` must be used within `KaraokeText`');
  }
  const { words, isLocal, tabStop, latest, sentences } = context;
  const subscribeState = useCallback((listener: () => void) => words.subscribeWord(index, listener), [words, index]);
  const state = useSyncExternalStore(
    subscribeState,
    () => words.getWordState(index),
    () => (isLocal ? words.getWordState(index) : 'pending'),
  );
  const subscribeTabStop = useCallback((listener: () => void) => tabStop.subscribeWord(index, listener), [tabStop, index]);
  const isTabStop = useSyncExternalStore(
    subscribeTabStop,
    () => tabStop.index === index,
    () => index === 0,
  );
  const subscribeSentence = useCallback((listener: () => void) => (sentences ? sentences.subscribeSentence(sentence, listener) : noop), [sentences, sentence]);
  const inActiveSentence = useSyncExternalStore(
    subscribeSentence,
    () => sentences?.isSentenceActive(sentence) ?? false,
    () => false,
  );
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (state !== 'active' || !element || !latest.current.follow || typeof element.scrollIntoView !== 'function') {
      return;
    }
    if (latest.current.userScrolledAway) {
      if (!isInViewport(element)) return;
      latest.current.userScrolledAway = false;
    }
    element.scrollIntoView({ block: 'nearest', inline: 'nearest', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
  }, [state, latest]);
  const renderWord = latest.current.renderWord;
  return (
    <span
      ref={ref}
      className="cosyvoice-karaoke-word"
      data-word-index={index}
      data-state={state}
      data-active={state === 'active' ? '' : undefined}
      data-spoken={state === 'spoken' ? '' : undefined}
      data-sentence-active={inActiveSentence ? '' : undefined}
      // Seekable words are operable (click, Enter, Space), so they need a role (WCAG 4.1.2): each is a
      // button in the words' roving tab stop. Only while seekable, so plain reading stays plain text.
      {...(focusable && { role: 'button', tabIndex: isTabStop ? 0 : -1 })}
    >
      {renderWord ? renderWord(text, index, state) : text}
    </span>
  );
});

/* -------------------------------------------------------------------------------------------------
 * Ranges mode (KaraokeRangesText, loaded on first use)
 * -----------------------------------------------------------------------------------------------*/

// Loaded on first use, so apps that never use this mode do not carry it; meanwhile the text shows as it
// will (without `data-state`, which the loaded component sets).
const LazyKaraokeRangesText = /* @__PURE__ */ lazy(() => import('./KaraokeRangesText').then((module) => ({ default: module.KaraokeRangesText })));

function KaraokeRangesMode({ props, forwardedRef }: { props: KaraokeTextProps; forwardedRef: ForwardedRef<HTMLDivElement> }) {
  // What the lazy part would otherwise import from modules of this chunk (which would then be split out
  // of it into a shared chunk): the announcer and the default label.
  const announce = useAnnouncer();
  return (
    <Suspense
      fallback={
        <div className={props.className === undefined ? 'cosyvoice-karaoke' : `cosyvoice-karaoke ${props.className}`} style={props.style} data-highlight="ranges" ref={forwardedRef}>
          {props.text ?? (typeof props.children === 'string' ? props.children : undefined) ?? props.speech?.text}
        </div>
      }
    >
      <LazyKaraokeRangesText props={props} forwardedRef={forwardedRef} announce={announce} seekUnavailable={DEFAULT_KARAOKE_TEXT_LABELS.seekUnavailable} />
    </Suspense>
  );
}
