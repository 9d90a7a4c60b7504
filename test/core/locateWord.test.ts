import { describe, expect, it } from 'vitest';
import { LOCATE_WORD_WINDOW, locateWord } from '../../src/core/locateWord';

describe('locateWord', () => {
  const text = 'Title\nHello world, hello again.';

  it('uses the reported offsets when the text there is the word', () => {
    expect(locateWord(text, { text: 'world', beginIndex: 12, endIndex: 17 })).toEqual({ start: 12, end: 17 });
    // Offsets that count from where the reading started.
    expect(locateWord(text, { text: 'world', beginIndex: 6, endIndex: 11 }, 6)).toEqual({ start: 12, end: 17 });
  });

  it('finds a word whose offsets drifted, preferring the nearest occurrence', () => {
    // The server dropped the line break: everything after it is one character early.
    expect(locateWord(text, { text: 'again', beginIndex: 24, endIndex: 29 })).toEqual({ start: 25, end: 30 });
    // Two "hello"s (case matters): the one nearest the reported offset wins.
    expect(locateWord(text, { text: 'hello', beginIndex: 17, endIndex: 22 })).toEqual({ start: 19, end: 24 });
    expect(locateWord('ab ab ab', { text: 'ab', beginIndex: 4, endIndex: 6 })).toEqual({ start: 3, end: 5 });
  });

  it('keeps the reported span (clamped) when the word is nowhere near', () => {
    expect(locateWord(text, { text: 'missing', beginIndex: 6, endIndex: 13 })).toEqual({ start: 6, end: 13 });
    expect(locateWord(text, { text: 'x', beginIndex: 500, endIndex: 501 })).toEqual({ start: text.length, end: text.length });
    const far = `${'z'.repeat(LOCATE_WORD_WINDOW + 10)}word`;
    expect(locateWord(far, { text: 'word', beginIndex: 0, endIndex: 4 })).toEqual({ start: 0, end: 4 });
  });
});
