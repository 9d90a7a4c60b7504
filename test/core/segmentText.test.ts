import { describe, expect, it } from 'vitest';
import { segmentText, segmentWords, spanIndexAt, warmUpSegmenter, type TextSegmentation } from '../../src/core/segmentText';

const sentencesOf = (result: TextSegmentation) => result.sentences.map((s) => result.text.slice(s.start, s.end));
const wordsOf = (result: TextSegmentation) => result.words.map((w) => result.text.slice(w.start, w.end));

/** Runs `body` as in a runtime without Intl.Segmenter (older browsers, Node built with small ICU). */
function withoutSegmenter<T>(body: () => T): T {
  const saved = Intl.Segmenter;
  delete (Intl as { Segmenter?: unknown }).Segmenter;
  try {
    return body();
  } finally {
    (Intl as { Segmenter?: unknown }).Segmenter = saved;
  }
}

describe('segmentText', () => {
  it('cuts English into trimmed sentences and words with offsets into the text', () => {
    const text = '  Hello there, world! How are you?  Fine.';
    const result = segmentText(text, { locale: 'en' });
    expect(sentencesOf(result)).toEqual(['Hello there, world!', 'How are you?', 'Fine.']);
    expect(wordsOf(result)).toEqual(['Hello', 'there', 'world', 'How', 'are', 'you', 'Fine']);
    expect(result.words.map((w) => w.sentenceIndex)).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(result.sentences.map((s) => [s.firstWord, s.wordCount])).toEqual([[0, 3], [3, 3], [6, 1]]);
    expect(result.words.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('ends a sentence at every line break, so lines without punctuation are sentences', () => {
    const result = segmentText('Heading\nA paragraph that goes on. And on\n\nList item\nCell', { locale: 'en' });
    expect(sentencesOf(result)).toEqual(['Heading', 'A paragraph that goes on.', 'And on', 'List item', 'Cell']);
  });

  it('does not end sentences after common abbreviations and initials', () => {
    const result = segmentText('Dr. Smith met J. R. R. Tolkien, e.g. at noon. Then he left.', { locale: 'en' });
    expect(sentencesOf(result)).toEqual(['Dr. Smith met J. R. R. Tolkien, e.g. at noon.', 'Then he left.']);
  });

  it('keeps contractions, numbers and code-like words whole, and leaves punctuation out of words', () => {
    const result = segmentText("Don't call speak() with 3.14 — it's well-known.", { locale: 'en' });
    expect(wordsOf(result)).toEqual(["Don't", 'call', 'speak', 'with', '3.14', "it's", 'well', 'known']);
  });

  it('finds words in Chinese and Japanese text without spaces and ends sentences at CJK punctuation', () => {
    const zh = segmentText('床前明月光，疑是地上霜。举头望明月，低头思故乡。', { locale: 'zh' });
    expect(sentencesOf(zh)).toEqual(['床前明月光，疑是地上霜。', '举头望明月，低头思故乡。']);
    // Words partition the ideographs (the exact dictionary breaks depend on the ICU version).
    expect(wordsOf(zh).join('')).toBe('床前明月光疑是地上霜举头望明月低头思故乡');
    expect(zh.words.length).toBeGreaterThan(5);
    expect(zh.words.length).toBeLessThan(20);
    const ja = segmentText('吾輩は猫である。名前はまだ無い。', { locale: 'ja' });
    expect(sentencesOf(ja)).toEqual(['吾輩は猫である。', '名前はまだ無い。']);
    expect(wordsOf(ja).join('')).toBe('吾輩は猫である名前はまだ無い');
  });

  it('keeps sentences without words, and gives nothing for empty or blank text', () => {
    const result = segmentText('Before.\n***\nAfter.');
    expect(sentencesOf(result)).toEqual(['Before.', '***', 'After.']);
    expect(result.sentences[1]).toMatchObject({ wordCount: 0, firstWord: 1 });
    expect(segmentText('')).toEqual({ text: '', sentences: [], words: [] });
    expect(segmentText(' \n\t ')).toMatchObject({ sentences: [], words: [] });
  });

  it('falls back to an invalid locale without throwing', () => {
    expect(sentencesOf(segmentText('One. Two.', { locale: 'not a locale!' }))).toEqual(['One.', 'Two.']);
  });

  it('segments without Intl.Segmenter: punctuation and line breaks end sentences, ideographs are words alone', () => {
    const result = withoutSegmenter(() => segmentText('Hello world. Second one!\nHeading\n你好，世界。'));
    expect(sentencesOf(result)).toEqual(['Hello world.', 'Second one!', 'Heading', '你好，世界。']);
    expect(wordsOf(result)).toEqual(['Hello', 'world', 'Second', 'one', 'Heading', '你', '好', '世', '界']);
    expect(result.words.map((w) => w.sentenceIndex)).toEqual([0, 0, 1, 1, 2, 3, 3, 3, 3]);
  });

  it('gives the same sentences and words for a long text as segmenting it whole (it is segmented in chunks)', () => {
    const pieces = [
      'Plain sentence with words.',
      '"Quoted sentence!" She said it.',
      'A number 3.14 and version 2.0 stay.',
      'lowercase after a period. stays one sentence?',
      '床前明月光，疑是地上霜。',
      '「引用。」次の文。',
      'Line without punctuation\n',
      'Ellipsis… then more.',
    ];
    let text = '';
    for (let i = 0; text.length < 12_000; i++) text += `${pieces[i % pieces.length]}${i % 5 === 0 ? '' : ' '}`;
    const whole = (granularity: 'sentence' | 'word') => [...new Intl.Segmenter('en', { granularity }).segment(text)];
    const expectedWords = whole('word')
      .filter((s) => s.isWordLike)
      .map((s) => [s.index, s.index + s.segment.length]);
    const expectedSentences = whole('sentence')
      .map((s) => [s.index, s.index + s.segment.length])
      .map(([start, end]) => [start! + (text.slice(start, end).length - text.slice(start, end).trimStart().length), end! - (text.slice(start, end).length - text.slice(start, end).trimEnd().length)])
      .filter(([start, end]) => start! < end!);
    const result = segmentText(text, { locale: 'en' });
    expect(result.words.map((w) => [w.start, w.end])).toEqual(expectedWords);
    expect(result.sentences.map((s) => [s.start, s.end])).toEqual(expectedSentences);
  });

  it('is linear: a long text segments in one pass', () => {
    const text = 'A sentence of several words here. '.repeat(20_000);
    const result = segmentText(text, { locale: 'en' });
    expect(result.sentences).toHaveLength(20_000);
    expect(result.words).toHaveLength(120_000);
    expect(result.words.at(-1)!.sentenceIndex).toBe(19_999);
  });
});

describe('segmentText without words', () => {
  it('finds the same sentences and no words', () => {
    const text = 'Title\nOne sentence here. Another one!';
    const result = segmentText(text, { locale: 'en', words: false });
    expect(result.sentences).toEqual(segmentText(text, { locale: 'en' }).sentences.map((s) => ({ ...s, firstWord: 0, wordCount: 0 })));
    expect(result.words).toEqual([]);
  });
});

describe('segmentWords', () => {
  const text = 'Title\nOne sentence here. 你好，世界。';
  it('gives the words of a part of the text, with offsets into the whole text', () => {
    const start = text.indexOf('One');
    const end = text.indexOf('你');
    const words = segmentWords(text, { locale: 'en', start, end });
    expect(words.map((w) => text.slice(w.start, w.end))).toEqual(['One', 'sentence', 'here']);
    expect(segmentWords(text, { locale: 'zh', start: end }).map((w) => text.slice(w.start, w.end)).join('')).toBe('你好世界');
  });

  it('gives the words segmentText finds, and clamps the part to the text', () => {
    expect(segmentWords(text, { locale: 'en' })).toEqual(segmentText(text, { locale: 'en' }).words.map(({ start, end }) => ({ start, end })));
    expect(segmentWords(text, { start: -5, end: 5 }).map((w) => text.slice(w.start, w.end))).toEqual(['Title']);
    expect(segmentWords(text, { start: 500 })).toEqual([]);
    expect(withoutSegmenter(() => segmentWords(text, { start: 6, end: 9 }))).toEqual([{ start: 6, end: 9 }]);
  });
});

describe('warmUpSegmenter', () => {
  it('starts the segmenters where Intl.Segmenter exists, and is harmless where it does not', () => {
    expect(warmUpSegmenter('en')).toBe(true);
    expect(warmUpSegmenter('not a locale!')).toBe(true);
    expect(withoutSegmenter(() => warmUpSegmenter('en'))).toBe(false);
  });
});

describe('spanIndexAt', () => {
  const { words } = segmentText('one two  three');
  it('finds the span containing an offset, or the one before a gap', () => {
    expect(spanIndexAt(words, 0)).toBe(0);
    expect(spanIndexAt(words, 2)).toBe(0);
    expect(spanIndexAt(words, 3)).toBe(0); // the space after "one"
    expect(spanIndexAt(words, 4)).toBe(1);
    expect(spanIndexAt(words, 8)).toBe(1); // between "two" and "three"
    expect(spanIndexAt(words, 9)).toBe(2);
    expect(spanIndexAt(words, 100)).toBe(2);
    expect(spanIndexAt(words, -1)).toBe(-1);
    expect(spanIndexAt([], 0)).toBe(-1);
  });
});
