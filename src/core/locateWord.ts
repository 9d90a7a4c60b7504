import type { TextSpan } from './segmentText';

/** What {@link locateWord} needs of a word: a `TimelineWord` fits. */
export interface LocatableWord {
  /** The word as the service reported it. */
  text: string;
  /** Its first character's index in the text the service was sent. */
  beginIndex: number;
  /** Just past its last character. */
  endIndex: number;
}

/** How far from its reported offsets {@link locateWord} looks for a word, in characters. */
export const LOCATE_WORD_WINDOW = 64;

/**
 * Where a word of the service's timestamps lies in `text`, the text it was sent (or a longer text in
 * which the sent text starts at `textOffset`). The service's `begin_index` / `end_index` count into the
 * sentences it split (`original_text`), which are the sent text when it keeps every character; when a
 * server drops or rewrites some (whitespace, Markdown filtering), the offsets drift. So the reported
 * span is used when the text there is the word, else the occurrence of the word nearest to it within
 * {@link LOCATE_WORD_WINDOW} characters, else the reported span as it is (clamped to the text).
 *
 * Constant time when the offsets are right; at most a window's worth of comparisons otherwise.
 *
 * @example
 * const span = locateWord(readable.text, timelineWord, readingStartOffset);
 * highlighter.setWord(readable.rangesFor(span.start, span.end));
 */
export function locateWord(text: string, word: LocatableWord, textOffset = 0): TextSpan {
  const begin = Math.max(0, Math.min(text.length, textOffset + word.beginIndex));
  const end = Math.max(begin, Math.min(text.length, textOffset + Math.max(word.beginIndex, word.endIndex)));
  const wanted = word.text;
  if (wanted === '' || text.startsWith(wanted, begin)) return { start: begin, end: wanted === '' ? end : begin + wanted.length };
  for (let distance = 1; distance <= LOCATE_WORD_WINDOW; distance++) {
    if (begin + distance <= text.length && text.startsWith(wanted, begin + distance)) return { start: begin + distance, end: begin + distance + wanted.length };
    if (begin - distance >= 0 && text.startsWith(wanted, begin - distance)) return { start: begin - distance, end: begin - distance + wanted.length };
  }
  return { start: begin, end };
}
