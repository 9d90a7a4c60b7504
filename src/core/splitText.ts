import { MAX_CHARACTERS_PER_MESSAGE, isCjkIdeograph } from './countCharacters';

const SENTENCE_ENDS = /* @__PURE__ */ new Set(['。', '！', '？', '!', '?', '；', ';', '…', '\n']);

function endsSentence(text: string, index: number): boolean {
  const char = text[index]!;
  if (SENTENCE_ENDS.has(char)) return true;
  return char === '.' && (index + 1 === text.length || /\s/.test(text[index + 1]!));
}

/**
 * Splits text into pieces of at most `maxCharacters` counted characters (CJK ideographs count 2),
 * cutting after sentence ends where possible, then after spaces, then anywhere. Joined, the pieces
 * give back the text. Used to send long text as several `continue-task` messages.
 *
 * @example
 * splitText(longArticle).forEach((piece) => synthesizer.streamingCall(piece));
 */
export function splitText(text: string, maxCharacters: number = MAX_CHARACTERS_PER_MESSAGE): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let counted = 0;
    let end = start;
    let lastSentence = -1;
    let lastSentenceCount = 0;
    let lastSpace = -1;
    while (end < text.length) {
      const codePoint = text.codePointAt(end)!;
      const width = isCjkIdeograph(codePoint) ? 2 : 1;
      if (counted + width > maxCharacters) break;
      counted += width;
      end += codePoint > 0xffff ? 2 : 1;
      if (endsSentence(text, end - 1)) {
        lastSentence = end;
        lastSentenceCount = counted;
      } else if (/\s/.test(text[end - 1]!)) lastSpace = end;
    }
    if (end < text.length) {
      if (lastSentence > start) {
        end = lastSentence;
        // Keep the spaces after a sentence end with it, so the next piece starts with a word.
        while (end < text.length && lastSentenceCount < maxCharacters && /\s/.test(text[end]!)) {
          end++;
          lastSentenceCount++;
        }
      } else if (lastSpace > start) end = lastSpace;
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
