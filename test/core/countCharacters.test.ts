import { describe, expect, it } from 'vitest';
import { MAX_CHARACTERS_PER_MESSAGE, MAX_CHARACTERS_PER_TASK, countCharacters, isSsml, stripSsml } from 'cosyvoice-react/core';

describe('countCharacters', () => {
  it.each([
    ['你好', 4],
    ['中A文123', 8],
    ['中文。', 5],
    ['中 文。', 6],
    ['<speak>你好</speak>', 4],
  ])('counts %j as %i (the service examples)', (text, expected) => {
    expect(countCharacters(text)).toBe(expected);
  });

  it('counts kana, hangul, emoji and punctuation as 1 and every ideograph block as 2', () => {
    expect(countCharacters('かな')).toBe(2);
    expect(countCharacters('한글')).toBe(2);
    expect(countCharacters('😀')).toBe(1);
    expect(countCharacters('𠀀')).toBe(2); // Extension B, outside the BMP
    expect(countCharacters('㐀')).toBe(2); // Extension A
    expect(countCharacters('豈')).toBe(2); // compatibility ideograph
    expect(countCharacters('，！')).toBe(2);
  });

  it('ignores SSML tags only when the text is SSML', () => {
    expect(countCharacters('<speak rate="2">你好<break time="500ms"/>世界</speak>')).toBe(8);
    expect(countCharacters('<b>hi</b>')).toBe(9);
    expect(countCharacters('<speak>a &amp; b</speak>')).toBe(5);
    expect(isSsml('  <speak>x</speak>')).toBe(true);
    expect(isSsml('<speaker>')).toBe(false);
    expect(stripSsml('<speak><!-- note -->A<break/>B</speak>')).toBe('AB');
  });

  it('exposes the limits', () => {
    expect(MAX_CHARACTERS_PER_MESSAGE).toBe(20_000);
    expect(MAX_CHARACTERS_PER_TASK).toBe(200_000);
  });
});
