import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFormat, SpeechSynthesizer, memoryTransport, type SynthesisParameters } from 'cosyvoice-react/core';
import { createLocalVoiceServer, SentenceSplitter, type LocalVoiceServer } from 'cosyvoice-react/server';
import { durationMs, pcmRms } from './helpers';

let server: LocalVoiceServer;
let taskBased: LocalVoiceServer;
beforeAll(() => {
  server = createLocalVoiceServer({ engine: 'tone' });
  taskBased = createLocalVoiceServer({ engine: 'tone', wordTimeBase: 'task' });
});
afterAll(async () => {
  await server.close();
  await taskBased.close();
});

async function speak(text: string, params: Partial<SynthesisParameters> = {}, target = server) {
  const synth = new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: AudioFormat.PCM_16000HZ_MONO_16BIT,
    wordTimestampEnabled: true,
    transport: memoryTransport(target.handleMemoryConnection),
    onWarning: () => undefined,
    ...params,
  });
  const audio = (await synth.call(text))!;
  return { audio, timeline: synth.getTimeline(), ms: durationMs(audio, 'pcm', 16000) };
}

const LONG = 'The first sentence is here. 第二句话在这里。And a third one, with a comma!';

describe('word timestamps', () => {
  it('are monotonic, inside the audio, and index the text they name', async () => {
    const { timeline, ms } = await speak(LONG);
    const words = timeline.words;
    expect(words.length).toBe(5 + 7 + 7);
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      expect(word.endMs).toBeGreaterThan(word.beginMs);
      expect(word.endMs).toBeLessThanOrEqual(ms + 1);
      if (i > 0) expect(word.beginMs).toBeGreaterThanOrEqual(words[i - 1]!.endMs);
      expect(timeline.text.slice(word.beginIndex, word.endIndex)).toBe(word.text);
    }
    expect(timeline.timeBase).toBe('sentence');
  });

  it('land on the tones: the audio is loud inside a word and silent in the gaps', async () => {
    const { audio, timeline } = await speak('Alpha beta gamma.');
    const at = (ms: number) => audio.subarray(Math.round(ms * 16) * 2, Math.round(ms * 16) * 2 + 160);
    for (const word of timeline.words) {
      expect(pcmRms(at((word.beginMs + word.endMs) / 2))).toBeGreaterThan(0.1);
      expect(pcmRms(at(word.endMs + 10))).toBeLessThan(0.01);
    }
  });

  it("wordTimeBase 'task' sends task-relative times, which the client detects and still places correctly", async () => {
    const a = await speak(LONG);
    const b = await speak(LONG, {}, taskBased);
    expect(b.timeline.timeBase).toBe('task');
    expect(b.timeline.words.map((w) => Math.round(w.beginMs))).toEqual(a.timeline.words.map((w) => Math.round(w.beginMs)));
  });
});

describe('parameters', () => {
  it('seed: the same seed gives the same bytes, another seed different ones', async () => {
    const one = await speak('Seeded words.', { seed: 7 });
    const again = await speak('Seeded words.', { seed: 7 });
    const other = await speak('Seeded words.', { seed: 8 });
    expect(Buffer.from(one.audio).equals(Buffer.from(again.audio))).toBe(true);
    expect(Buffer.from(one.audio).equals(Buffer.from(other.audio))).toBe(false);
  });

  it('rate shortens the audio, volume scales it, pitch changes it', async () => {
    const normal = await speak('Speed test words.');
    const fast = await speak('Speed test words.', { speechRate: 2 });
    expect(fast.ms).toBeLessThan(normal.ms * 0.6);
    const quiet = await speak('Speed test words.', { volume: 10 });
    expect(pcmRms(quiet.audio)).toBeLessThan(pcmRms(normal.audio) * 0.3);
    const high = await speak('Speed test words.', { pitchRate: 1.5 });
    expect(high.ms).toBe(normal.ms);
    expect(Buffer.from(high.audio).equals(Buffer.from(normal.audio))).toBe(false);
  });

  it('SSML: <break> inserts silence, other tags degrade to their text', async () => {
    const plain = await speak('<speak>Hello world</speak>');
    const paused = await speak('<speak>Hello<break time="500ms"/> <prosody rate="fast">world</prosody></speak>');
    expect(paused.timeline.words.map((w) => w.text)).toEqual(['Hello', 'world']);
    expect(paused.ms - plain.ms).toBeCloseTo(500, -1);
    expect(paused.timeline.words[1]!.beginMs - plain.timeline.words[1]!.beginMs).toBeCloseTo(500, -1);
  });

  it('hot_fix replace is applied before synthesis while indexes still refer to the text sent', async () => {
    const replaced = await speak('今天好。', { hotFix: { replace: [{ 今天: '金天' }] } });
    const reference = await speak('金天好。');
    expect(Buffer.from(replaced.audio).equals(Buffer.from(reference.audio))).toBe(true);
    expect(replaced.timeline.words.map((w) => w.text)).toEqual(['今', '天', '好']);
  });
});

describe('SentenceSplitter', () => {
  it('splits on the service’s marks, keeps decimals whole and holds the tail', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Pi is 3.')).toEqual([]);
    expect(splitter.push('14. Next')).toEqual(['Pi is 3.14. ']);
    expect(splitter.push('?! 床前明月光，疑')).toEqual(['Next?! ', '床前明月光，']);
    expect(splitter.push('是地上霜')).toEqual([]);
    expect(splitter.flush()).toEqual(['疑是地上霜']);
    expect(splitter.push('He said "yes." Then\nleft')).toEqual(['He said "yes." ', 'Then\n']);
  });
});
