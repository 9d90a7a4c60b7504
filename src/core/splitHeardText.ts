import type { TimelineWord } from './WordTimeline';

/** What the listener heard of an utterance when it stopped (barge-in) or ended. */
export interface HeardText {
  /** The text up to the end of the last word heard in full (what an assistant keeps in its context). */
  heardText: string;
  /** The rest, never heard (what it drops, or says again later). */
  unheardText: string;
  /** Whole words heard. */
  heardWords: number;
  /** The heard position, in ms of the utterance's audio. */
  positionMs: number;
}

// How far past the previous word a word's text is looked for in the source text: a bounded window keeps
// the split linear in the text's length whatever the service's words are (normalised, or missing).
const SEARCH_WINDOW = 256;

/**
 * Splits `text` into what was heard and what was not at `positionMs`: heard are the whole words whose
 * audio ended by then (word timestamps), found in order in `text` so the split falls on the source's own
 * characters (the service's sentence text can differ in whitespace). A word not found there falls back to
 * its timeline index.
 *
 * @example
 * splitHeardText('Hello there. How are you?', words, 700); // { heardText: 'Hello there', unheardText: '. How are you?', heardWords: 2, positionMs: 700 }
 */
export function splitHeardText(text: string, words: readonly TimelineWord[], positionMs: number): HeardText {
  let cursor = 0;
  let heardWords = 0;
  for (const word of words) {
    if (word.endMs > positionMs) break;
    heardWords++;
    const found = word.text ? text.slice(cursor, cursor + SEARCH_WINDOW + word.text.length).indexOf(word.text) : -1;
    cursor = found >= 0 ? cursor + found + word.text.length : Math.max(cursor, Math.min(text.length, word.endIndex));
  }
  return { heardText: text.slice(0, cursor), unheardText: text.slice(cursor), heardWords, positionMs: Math.max(0, positionMs) };
}
