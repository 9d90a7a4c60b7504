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
  /**
   * Find the words too. Without them (`words: []`) a long text segments several times faster: a
   * region's setup needs its sentences, and the words of one sentence can come later from
   * {@link segmentWords} (the sentence a reader clicked). @default true
   */
  words?: boolean;
}

/** Options of {@link segmentWords}. */
export interface SegmentWordsOptions {
  /** The language, as for {@link segmentText}. @default the runtime's default locale */
  locale?: string;
  /** Where the part to segment starts. @default 0 */
  start?: number;
  /** Where it ends. @default the text's length */
  end?: number;
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
// time (fixed in V8 12.3, crbug 326176949), while a chunk costs browsers only one more iterator. A
// chunk ends at the first sure sentence start after CHUNK_LENGTH characters (only that window is
// scanned), else at a space before 4 × CHUNK_LENGTH.
const CHUNK_LENGTH = 2048;
// Sentence-ending punctuation (. ! ? and their fullwidth forms, …), and what may close a sentence after it.
const TERMINALS = /* @__PURE__ */ new Set([0x2e, 0x21, 0x3f, 0x3002, 0xff01, 0xff1f, 0xff0e, 0x2026]);
const CJK_TERMINALS = /* @__PURE__ */ new Set([0x3002, 0xff01, 0xff1f]);
const CLOSERS = /* @__PURE__ */ new Set([0x22, 0x27, 0x29, 0x5d, 0x2019, 0x201d, 0x3009, 0x300b, 0x300d, 0x300f, 0x3011, 0xff09]);
// A sentence surely starts with a capital or a letter of a script without case (CJK).
const SENTENCE_START = /[\p{Lu}\p{Lt}\p{Lo}]/u;

/** The first place in `[from, limit)` where a new sentence surely starts, or -1. */
function findSentenceStart(text: string, from: number, limit: number): number {
  for (let i = from; i < limit; i++) {
    const code = text.charCodeAt(i);
    if (isLineBreak(code)) return i + 1;
    if (!TERMINALS.has(code)) continue;
    let next = i + 1;
    while (next < text.length && (TERMINALS.has(text.charCodeAt(next)) || CLOSERS.has(text.charCodeAt(next)))) next++;
    const afterPunctuation = next;
    while (next < text.length && isSpace(text.charCodeAt(next)) && !isLineBreak(text.charCodeAt(next))) next++;
    if (next >= text.length) return -1;
    if (CJK_TERMINALS.has(text.charCodeAt(next - 1)) || (CJK_TERMINALS.has(code) && next === afterPunctuation)) return next;
    if (next > afterPunctuation && SENTENCE_START.test(text[next]!)) return next;
    i = next - 1;
  }
  return -1;
}

/** Calls `visit` with consecutive chunks `[start, end)` covering `text`, cut where a sentence surely starts. */
function forEachChunk(text: string, visit: (start: number, end: number) => void): void {
  let start = 0;
  while (text.length - start > CHUNK_LENGTH) {
    const limit = Math.min(text.length, start + 4 * CHUNK_LENGTH);
    let cut = findSentenceStart(text, start + CHUNK_LENGTH, limit);
    if (cut < 0 && limit === text.length) break;
    if (cut < 0) {
      // One very long sentence: cut after a space (a word boundary), or anywhere but inside a surrogate pair.
      cut = limit;
      while (cut > start + CHUNK_LENGTH && !isSpace(text.charCodeAt(cut - 1))) cut--;
      if (cut === start + CHUNK_LENGTH) cut = (text.charCodeAt(limit) & 0xfc00) === 0xdc00 ? limit - 1 : limit;
    }
    visit(start, cut);
    start = cut;
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
 * `Intl.Segmenter` (dictionary word breaks for Chinese, Japanese and Thai; Chrome 87+, Firefox 125+,
 * Safari 14.1+, Node 16+) and a simple fallback where it is missing. A line break always ends a sentence, so headings, list items and table cells that
 * end without punctuation are sentences of their own when the text puts a line break after them (as
 * the text of a page region does). Sentences are trimmed and never empty; a sentence may have no
 * words ("—", "***"). Periods after common English abbreviations and initials do not end sentences.
 *
 * The words of the speech service's timestamps (`TimelineWord`) are what the listener hears; these
 * words are for what the reader points at before any audio exists. With `words: false` only the
 * sentences are found (several times faster on long texts; see {@link segmentWords}).
 *
 * Linear in the length of the text.
 *
 * @example
 * const { sentences, words } = segmentText('Hello there. 你好，世界。', { locale: 'zh' });
 * const clicked = words[spanIndexAt(words, 14)]; // the word at offset 14
 */
export function segmentText(text: string, options: SegmentTextOptions = {}): TextSegmentation {
  const sentenceSegmenter = createSegmenter(options.locale, 'sentence');

  // Raw sentences: both ICU (rule SB4) and the fallback end one after every line break.
  const raw: TextSpan[] = [];
  const addRaw = (start: number, end: number) => raw.push({ start, end });
  if (sentenceSegmenter) {
    forEachChunk(text, (start, end) => {
      for (const segment of sentenceSegmenter.segment(text.slice(start, end))) addRaw(start + segment.index, start + segment.index + segment.segment.length);
    });
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
  if (options.words !== false) for (const span of segmentWords(text, { locale: options.locale })) addWord(span.start, span.end);

  let word = 0;
  for (const current of sentences) {
    while (word < words.length && words[word]!.sentenceIndex < current.index) word++;
    current.firstWord = word;
    while (word < words.length && words[word]!.sentenceIndex === current.index) word++;
    current.wordCount = word - current.firstWord;
  }
  return { text, sentences, words };
}

// Firefox's segmenter (ICU4X) reports `isWordLike: false` for some ideograph words, e.g. the one before
// a full stop ("光" in "明月光，"): a segment with any letter or digit is a word whatever the flag says.
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * The words of `text` (or of its part `[start, end)`), with offsets into `text`: letters, digits or
 * ideographs, never whitespace or punctuation alone; dictionary breaks for text without spaces. Linear
 * in the length of the part.
 *
 * @example
 * const sentence = segmentation.sentences[clicked];
 * const words = segmentWords(text, { locale: 'en', start: sentence.start, end: sentence.end });
 */
export function segmentWords(text: string, options: SegmentWordsOptions = {}): TextSpan[] {
  const start = Math.max(0, Math.min(text.length, options.start ?? 0));
  const end = Math.max(start, Math.min(text.length, options.end ?? text.length));
  const part = start === 0 && end === text.length ? text : text.slice(start, end);
  const segmenter = createSegmenter(options.locale, 'word');
  const words: TextSpan[] = [];
  if (!segmenter) {
    for (const span of fallbackWords(part)) words.push({ start: start + span.start, end: start + span.end });
    return words;
  }
  forEachChunk(part, (chunkStart, chunkEnd) => {
    const offset = start + chunkStart;
    for (const segment of segmenter.segment(part.slice(chunkStart, chunkEnd))) {
      if (segment.isWordLike || LETTER_OR_DIGIT.test(segment.segment)) words.push({ start: offset + segment.index, end: offset + segment.index + segment.segment.length });
    }
  });
  return words;
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
