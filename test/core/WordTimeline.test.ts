import { describe, expect, it } from 'vitest';
import { WordTimeline, timelineToWebVTT, type WireWord } from 'cosyvoice-react/core';

const w = (text: string, beginIndex: number, beginTime: number, endTime: number): WireWord => ({ text, beginIndex, endIndex: beginIndex + text.length, beginTime, endTime });

describe('WordTimeline', () => {
  it('adds sentence offsets to sentence-relative times and detects the time base', () => {
    const timeline = new WordTimeline();
    timeline.addSentence({ text: 'Hello world. ', audioOffsetMs: 0, words: [w('Hello', 0, 50, 400), w('world', 6, 420, 800)] });
    timeline.addSentence({ text: 'Again.', audioOffsetMs: 1000, words: [w('Again', 0, 30, 500)] });
    expect(timeline.timeBase).toBe('sentence');
    expect(timeline.words).toEqual([
      { text: 'Hello', beginIndex: 0, endIndex: 5, beginMs: 50, endMs: 400, sentenceIndex: 0 },
      { text: 'world', beginIndex: 6, endIndex: 11, beginMs: 420, endMs: 800, sentenceIndex: 0 },
      { text: 'Again', beginIndex: 13, endIndex: 18, beginMs: 1030, endMs: 1500, sentenceIndex: 1 },
    ]);
    expect(timeline.text).toBe('Hello world. Again.');
    expect(timeline.sentences[1]).toMatchObject({ index: 1, textOffset: 13, beginMs: 1000, endMs: 1500, firstWord: 2, wordCount: 1 });
  });

  it('reads a sentence-relative time inside the leading silence as sentence-relative, not task-relative', () => {
    const timeline = new WordTimeline();
    // Sentence 2 begins at 300 ms of audio; its first word starts 260 ms into its own audio (a long pause).
    timeline.addSentence({ text: 'Hi. ', audioOffsetMs: 0, words: [w('Hi', 0, 20, 290)] });
    timeline.addSentence({ text: 'Later.', audioOffsetMs: 300, words: [w('Later', 0, 260, 700)] });
    expect(timeline.timeBase).toBe('sentence');
    expect(timeline.words.map((x) => x.beginMs)).toEqual([20, 560]);
  });

  it('keeps task-relative times as they are', () => {
    const timeline = new WordTimeline();
    timeline.addSentence({ text: '一。', audioOffsetMs: 0, words: [w('一', 0, 40, 300)] });
    timeline.addSentence({ text: '二。', audioOffsetMs: 800, words: [w('二', 0, 840, 1100)] });
    expect(timeline.timeBase).toBe('task');
    expect(timeline.words.map((x) => x.beginMs)).toEqual([40, 840]);
  });

  it('appends a following task after the previous audio (streaming continuation)', () => {
    const timeline = new WordTimeline();
    timeline.addSentence({ text: 'One. ', audioOffsetMs: 0, words: [w('One', 0, 0, 300)] });
    timeline.beginTask(2000);
    timeline.addSentence({ text: 'Two.', audioOffsetMs: 0, words: [w('Two', 0, 100, 400)] });
    expect(timeline.words.map((x) => [x.beginMs, x.beginIndex, x.sentenceIndex])).toEqual([[0, 0, 0], [2100, 5, 1]]);
  });

  it('finds the heard word, staying on a word through the pause after it', () => {
    const timeline = new WordTimeline();
    timeline.addSentence({ text: 'a b c', audioOffsetMs: 0, words: [w('a', 0, 100, 200), w('b', 2, 300, 400), w('c', 4, 500, 600)] });
    expect([0, 99, 100, 250, 300, 599, 5000].map((ms) => timeline.wordIndexAt(ms))).toEqual([-1, -1, 0, 0, 1, 2, 2]);
  });

  it('finds word spans in the text when a server omits indexes', () => {
    const timeline = new WordTimeline();
    timeline.addSentence({ text: 'go go gadget', audioOffsetMs: 0, words: [{ text: 'go', beginIndex: -1, endIndex: -1, beginTime: 0, endTime: 1 }, { text: 'go', beginIndex: -1, endIndex: -1, beginTime: 2, endTime: 3 }, { text: 'gadget', beginIndex: -1, endIndex: -1, beginTime: 4, endTime: 5 }] });
    expect(timeline.words.map((x) => [x.beginIndex, x.endIndex])).toEqual([[0, 2], [3, 5], [6, 12]]);
  });

  it('writes WebVTT with a cue per sentence and word timestamps', () => {
    const timeline = new WordTimeline();
    timeline.addSentence({ text: 'Hi <you>. ', audioOffsetMs: 0, words: [w('Hi', 0, 0, 300), w('you', 4, 1500, 2100)] });
    timeline.addSentence({ text: 'Bye.', audioOffsetMs: 3_661_000, words: [] });
    expect(timelineToWebVTT(timeline.sentences, timeline.words)).toBe(['WEBVTT', '', '00:00:00.000 --> 00:00:02.100', 'Hi &lt;<00:00:01.500>you&gt;.', '', '01:01:01.000 --> 01:01:01.001', 'Bye.', ''].join('\n'));
  });

  it('clear() empties it and bumps the version', () => {
    const timeline = new WordTimeline();
    timeline.addSentence({ text: 'x', audioOffsetMs: 0, words: [w('x', 0, 0, 1)] });
    const version = timeline.version;
    timeline.clear();
    expect(timeline.words).toHaveLength(0);
    expect(timeline.version).toBeGreaterThan(version);
  });
});
