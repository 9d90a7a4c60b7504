// Ends a sentence at once. ，ends one too: the service's own example splits "床前明月光，疑是地上霜" there.
const HARD_ENDS = new Set(['。', '！', '？', '；', '，', '!', '?', ';', '\n', '…']);
// Ends a sentence only when followed by whitespace (so "3.14" and "e.g.x" stay whole).
const SOFT_ENDS = new Set(['.']);
// Closing marks that belong to the sentence they follow.
const CLOSERS = new Set(['"', "'", '”', '’', '」', '』', '）', ')', '】', '》', '〉', ']']);

function isSpace(char: string): boolean {
  return /\s/.test(char) && char !== '\n';
}

/**
 * Splits streamed text fragments into sentences the way the service does: complete sentences come out
 * as soon as their end is seen; the unfinished tail is held until more text arrives, `flush()` or the
 * end of the task. The sentences partition the input exactly (whitespace after a sentence end belongs
 * to that sentence), so indexes and character counts add up.
 *
 * @example
 * const splitter = new SentenceSplitter();
 * splitter.push('Hello there. How'); // ['Hello there. ']
 * splitter.push(' are you?');        // ['How are you?']
 * splitter.flush();                  // []
 */
export class SentenceSplitter {
  #buffer = '';

  /** Text held back because its sentence has not ended yet. */
  get pending(): string {
    return this.#buffer;
  }

  /** Adds a fragment; returns the sentences it completed. */
  push(fragment: string): string[] {
    this.#buffer += fragment;
    const sentences: string[] = [];
    let start = 0;
    let i = 0;
    const text = this.#buffer;
    while (i < text.length) {
      const char = text[i]!;
      let end = -1;
      if (HARD_ENDS.has(char)) {
        end = i + 1;
      } else if (SOFT_ENDS.has(char)) {
        const next = text[i + 1];
        if (next === undefined) break; // undecided until more text arrives
        if (/\s/.test(next) || CLOSERS.has(next)) end = i + 1;
      }
      if (end < 0) {
        i++;
        continue;
      }
      // Take repeated end marks ("?!", "……"), closing quotes and trailing spaces along.
      while (end < text.length && (HARD_ENDS.has(text[end]!) || SOFT_ENDS.has(text[end]!) || CLOSERS.has(text[end]!)) && text[end] !== '\n') end++;
      while (end < text.length && isSpace(text[end]!)) end++;
      if (end === text.length && end > 0 && !isSpace(text[end - 1]!) && !HARD_ENDS.has(text[end - 1]!) && !CLOSERS.has(text[end - 1]!)) {
        // A trailing "." (or "..") whose follower has not arrived yet.
        break;
      }
      sentences.push(text.slice(start, end));
      start = end;
      i = end;
    }
    this.#buffer = text.slice(start);
    return sentences;
  }

  /** Returns the held tail as a sentence (if any) and empties the buffer. */
  flush(): string[] {
    const rest = this.#buffer;
    this.#buffer = '';
    return rest === '' ? [] : [rest];
  }
}
