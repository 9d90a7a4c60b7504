import { describe, expect, it } from 'vitest';
import { countCharacters, splitText } from 'cosyvoice-react/core';

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('Hello world.')).toEqual(['Hello world.']);
  });

  it('cuts after sentence ends, keeps every piece under the limit, and loses nothing', () => {
    const text = 'One two. Three four five. Six seven eight nine. Ten.';
    const pieces = splitText(text, 20);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(countCharacters(piece)).toBeLessThanOrEqual(20);
    expect(pieces[0]).toBe('One two. ');
  });

  it('counts CJK ideographs as two', () => {
    const text = '床前明月光。疑是地上霜。举头望明月。';
    const pieces = splitText(text, 12);
    expect(pieces).toEqual(['床前明月光。', '疑是地上霜。', '举头望明月。']);
  });

  it('falls back to spaces, then to a hard cut, and never splits a surrogate pair', () => {
    expect(splitText('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb ', 'cccc']);
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    const emoji = '😀😀😀';
    expect(splitText(emoji, 2)).toEqual(['😀😀', '😀']);
  });

  it('splits 200 000 characters into messages of at most 20 000 quickly', () => {
    const text = 'This is a sentence of moderate length. '.repeat(5200);
    const started = performance.now();
    const pieces = splitText(text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(pieces.join('')).toBe(text);
    expect(pieces.every((p) => countCharacters(p) <= 20_000)).toBe(true);
    // Pieces are full: each but the last is within one sentence of the limit.
    expect(pieces.slice(0, -1).every((p) => countCharacters(p) > 20_000 - 40)).toBe(true);
  });
});
