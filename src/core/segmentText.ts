/** A span `[start, end)` of a text, in UTF-16 code units (JavaScript string indexes). */
export interface TextSpan {
  /** Index of its first character. */
  start: number;
  /** Index just past its last character. */
  end: number;
}

/** One sentence of a {@link TextSegmentation}: trimmed (no whitespace at either end). */
export interface SentenceSpan extends TextSpan {
  /** 0-based position among the sentences. */
  index: number;
  /** Index of its first word in `words` (the next sentence's `firstWord` when it has none), and how many it has. */
  firstWord: number;
  wordCount: number;
}

/** One word of a {@link TextSegmentation}: letters, digits or ideographs; never whitespace or punctuation alone. */
export interface WordSpan extends TextSpan {
  /** 0-based position among the words. */
  index: number;
  /** The sentence it belongs to. */
  sentenceIndex: number;
}

/** A text cut into sentences and words, each with its offsets into the text. */
export interface TextSegmentation {
  /** The text the offsets point into. */
  text: string;
  /** The sentences, in order, trimmed, none empty. */
  sentences: SentenceSpan[];
  /** The words, in order. */
  words: WordSpan[];
}

/** Options of {@link segmentText}. */
export interface SegmentTextOptions {
  /**
   * The language, for word boundaries of text without spaces (Chinese, Japanese, Thai) and sentence
   * rules. A BCP 47 tag such as the page's `lang`. @default the runtime's default locale
   */
  locale?: string;
}

// Words after which a period does not end an English sentence ("Dr. Smith", "e.g. this"); ICU's
// suppression list is not exposed by Intl.Segmenter.
const ABBREVIATIONS = /* @__PURE__ */ new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'cf', 'fig', 'e.g', 'i.e', 'no', 'vol', 'pp', 'approx']);

function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x3000 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029;
}

function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

function hasLineBreak(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (isLineBreak(text.charCodeAt(i))) return true;
  return false;
}

/** Trims `[start, end)` of whitespace; returns an empty span (start >= end) when nothing is left. */
function trimSpan(text: string, start: number, end: number): TextSpan {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return { start, end };
}

/** Whether the sentence `[start, end)` ends in an abbreviation or an initial, so the next one continues it. */
function endsInAbbreviation(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(end - 1) !== 0x2e /* . */) return false;
  let wordStart = end - 1;
  while (wordStart > start && !isSpace(text.charCodeAt(wordStart - 1)) && text[wordStart - 1] !== '(') wordStart--;
  const word = text.slice(wordStart, end - 1);
  if (word.length === 1 && word >= 'A' && word <= 'Z') return true; // an initial: "J. R. R. Tolkien"
  return ABBREVIATIONS.has(word.toLowerCase());
}

// Text is segmented in chunks cut at sentence ends: Node 20's V8 segments a long string in quadratic
// time (fixed in V8 12.3, crbug 326176949), while a chunk costs browsers only one iterator. Chunks
// are cut at the first safe place after CHUNK_LENGTH characters, or at a space after 4 × CHUNK_LENGTH.
const CHUNK_LENGTH = 2048;
const TERMINALS = /* @__PURE__ */ new Set(['.', '!', '?', '。', '！', '？', '．', '…']);
const CJK_TERMINALS = /* @__PURE__ */ new Set(['。', '！', '？']);
const LOWERCASE = /\p{Ll}/u;
const CLOSERS = /* @__PURE__ */ new Set(['"', "'", '”', '’', '」', '』', '）', ')', '】', '》', '〉', ']']);

/** Calls `visit` with consecutive chunks `[start, end)` covering `text`, cut where a sentence surely ends. */
function forEachChunk(text: string, visit: (start: number, end: number) => void): void {
  let start = 0;
  let safe = -1; // the latest place a new sentence surely starts
  let space = -1; // the latest place after a space (a word boundary)
  let afterTerminal = false; // the last non-space characters were sentence-ending punctuation (+ closers)
  let terminalIsCjk = false;
  let sawSpace = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const code = char.charCodeAt(0);
    if (isLineBreak(code)) {
      safe = i + 1;
      space = i + 1;
      afterTerminal = false;
    } else if (isSpace(code)) {
      sawSpace = true;
      space = i + 1;
    } else {
      const closes = afterTerminal && !sawSpace && CLOSERS.has(char);
      if (afterTerminal && !closes && !TERMINALS.has(char) && (terminalIsCjk || (sawSpace && !LOWERCASE.test(char)))) safe = i;
      if (TERMINALS.has(char)) {
        afterTerminal = true;
        terminalIsCjk = CJK_TERMINALS.has(char);
      } else if (!closes) afterTerminal = false;
      sawSpace = false;
    }
    const length = i + 1 - start;
    let cut = -1;
    if (length >= CHUNK_LENGTH && safe > start) cut = safe;
    else if (length >= 4 * CHUNK_LENGTH) {
      cut = space > start ? space : i + 1;
      // Never between the two halves of a surrogate pair.
      if (cut < text.length && (text.charCodeAt(cut) & 0xfc00) === 0xdc00) cut--;
    }
    if (cut > start) {
      visit(start, cut);
      start = cut;
    }
  }
  if (start < text.length) visit(start, text.length);
}

type Segmenter = { segment(text: string): Iterable<{ segment: string; index: number; isWordLike?: boolean }> };

function createSegmenter(locale: string | undefined, granularity: 'sentence' | 'word'): Segmenter | undefined {
  if (typeof Intl === 'undefined' || typeof Intl.Segmenter !== 'function') return undefined;
  try {
    return new Intl.Segmenter(locale || undefined, { granularity });
  } catch {
    // An invalid locale tag: the default locale still segments correctly for most text.
    return new Intl.Segmenter(undefined, { granularity });
  }
}

/** Sentence ends when Intl.Segmenter is missing: terminal punctuation followed by a space, a line break or the end. */
function fallbackSentences(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const next = text.charCodeAt(i + 1);
    const cjkEnd = char === '。' || char === '！' || char === '？' || char === '…';
    const latinEnd = (char === '.' || char === '!' || char === '?') && (i + 1 === text.length || isSpace(next));
    if (cjkEnd || latinEnd || isLineBreak(char.charCodeAt(0))) {
      spans.push({ start, end: i + 1 });
      start = i + 1;
    }
  }
  if (start < text.length) spans.push({ start, end: text.length });
  return spans;
}

/** Words when Intl.Segmenter is missing: runs of letters and digits, and every ideograph or kana alone. */
function fallbackWords(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  const letter = /[\p{L}\p{N}\p{M}'’]/u;
  const single = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
  let start = -1;
  for (let i = 0; i < text.length; ) {
    const codePoint = text.codePointAt(i)!;
    const width = codePoint > 0xffff ? 2 : 1;
    const char = text.slice(i, i + width);
    if (single.test(char)) {
      if (start >= 0) spans.push({ start, end: i });
      spans.push({ start: i, end: i + width });
      start = -1;
    } else if (letter.test(char)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      spans.push({ start, end: i });
      start = -1;
    }
    i += width;
  }
  if (start >= 0) spans.push({ start, end: text.length });
  return spans;
}

/**
 * Cuts `text` into sentences and words with their offsets, for navigation (previous / next sentence),
 * starting anywhere (the word at a click) and highlighting the current sentence. Uses
 * `Intl.Segmenter` (dictionary word breaks for Chinese, Japanese and Thai) and a simple fallback where
 * it is missing. A line break always ends a sentence, so headings, list items and table cells that
 * end without punctuation are sentences of their own when the text puts a line break after them (as
 * the text of a page region does). Sentences are trimmed and never empty; a sentence may have no
 * words ("—", "***"). Periods after common English abbreviations and initials do not end sentences.
 *
 * The words of the speech service's timestamps (`TimelineWord`) are what the listener hears; these
 * words are for what the reader points at before any audio exists.
 *
 * Linear in the length of the text.
 *
 * @example
 * const { sentences, words } = segmentText('Hello there. 你好，世界。', { locale: 'zh' });
 * const clicked = words[spanIndexAt(words, 14)]; // the word at offset 14
 */
export function segmentText(text: string, options: SegmentTextOptions = {}): TextSegmentation {
  const sentenceSegmenter = createSegmenter(options.locale, 'sentence');
  const wordSegmenter = createSegmenter(options.locale, 'word');

  // Raw sentences, split again at every line break (ICU already does; the fallback relies on it).
  const raw: TextSpan[] = [];
  const addRaw = (start: number, end: number) => {
    let from = start;
    for (let i = start; i < end; i++) {
      if (isLineBreak(text.charCodeAt(i))) {
        raw.push({ start: from, end: i + 1 });
        from = i + 1;
      }
    }
    if (from < end) raw.push({ start: from, end });
  };
  const chunks: number[] = [];
  if (sentenceSegmenter || wordSegmenter) forEachChunk(text, (start) => chunks.push(start));
  chunks.push(text.length);
  if (sentenceSegmenter) {
    for (let c = 0; c + 1 < chunks.length; c++) {
      const start = chunks[c]!;
      for (const segment of sentenceSegmenter.segment(text.slice(start, chunks[c + 1]))) addRaw(start + segment.index, start + segment.index + segment.segment.length);
    }
  } else {
    for (const span of fallbackSentences(text)) addRaw(span.start, span.end);
  }

  const trimmed: TextSpan[] = [];
  for (let i = 0; i < raw.length; i++) {
    const span = trimSpan(text, raw[i]!.start, raw[i]!.end);
    if (span.start >= span.end) continue;
    const previous = trimmed[trimmed.length - 1];
    if (previous && endsInAbbreviation(text, previous.start, previous.end) && !hasLineBreak(text, previous.end, span.start)) {
      previous.end = span.end;
    } else trimmed.push(span);
  }

  const sentences: SentenceSpan[] = trimmed.map((span, index) => ({ start: span.start, end: span.end, index, firstWord: 0, wordCount: 0 }));
  const words: WordSpan[] = [];
  let sentence = 0;
  const addWord = (start: number, end: number) => {
    while (sentence < sentences.length - 1 && start >= sentences[sentence]!.end) sentence++;
    words.push({ start, end, index: words.length, sentenceIndex: sentence });
  };
  if (wordSegmenter) {
    for (let c = 0; c + 1 < chunks.length; c++) {
      const start = chunks[c]!;
      for (const segment of wordSegmenter.segment(text.slice(start, chunks[c + 1]))) {
        if (segment.isWordLike) addWord(start + segment.index, start + segment.index + segment.segment.length);
      }
    }
  } else {
    for (const span of fallbackWords(text)) addWord(span.start, span.end);
  }

  let word = 0;
  for (const current of sentences) {
    while (word < words.length && words[word]!.sentenceIndex < current.index) word++;
    current.firstWord = word;
    while (word < words.length && words[word]!.sentenceIndex === current.index) word++;
    current.wordCount = word - current.firstWord;
  }
  return { text, sentences, words };
}

/**
 * Pays `Intl.Segmenter`'s one-time start-up now: the first segmenter of a page makes ICU load its break
 * rules, which takes tens of milliseconds (the text's size does not matter). Call it when a reading
 * region mounts (in `requestIdleCallback` or an effect) so that `segmentText` in the user's click is
 * fast. Returns whether there was a segmenter to start (`false` where `Intl.Segmenter` is missing).
 *
 * @example
 * useEffect(() => { const id = requestIdleCallback(() => warmUpSegmenter(lang)); return () => cancelIdleCallback(id); }, [lang]);
 */
export function warmUpSegmenter(locale?: string): boolean {
  let started = false;
  for (const granularity of ['sentence', 'word'] as const) {
    const segmenter = createSegmenter(locale, granularity);
    if (!segmenter) continue;
    for (const segment of segmenter.segment('A. B')) void segment;
    started = true;
  }
  return started;
}

/**
 * Binary search over spans in text order: the index of the last span that starts at or before
 * `offset`, or -1 when every span starts after it. The span contains the offset when
 * `offset < spans[index].end`; otherwise the offset lies in the gap after it (a space, punctuation).
 *
 * @example
 * const index = spanIndexAt(segmentation.words, clickedOffset);
 */
export function spanIndexAt(spans: readonly TextSpan[], offset: number): number {
  let low = 0;
  let high = spans.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (spans[mid]!.start <= offset) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}
