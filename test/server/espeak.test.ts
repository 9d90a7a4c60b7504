import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, SpeechSynthesizer, directTransport, type AudioFormatName } from 'cosyvoice-react/core';
import { createLocalVoiceServer, isEspeakAvailable, type LocalVoiceServer } from 'cosyvoice-react/server';
import { durationMs, pcmRms } from './helpers';

describe.skipIf(!isEspeakAvailable())('espeak engine (real speech in a worker thread)', () => {
  let server: LocalVoiceServer;
  beforeAll(async () => {
    server = createLocalVoiceServer({ engine: 'espeak', port: 0 });
    await server.listen();
  });
  afterAll(() => server.close());

  async function speak(text: string, name: AudioFormatName = 'PCM_22050HZ_MONO_16BIT', languageHints?: ['en' | 'zh']) {
    const format = AudioFormat[name];
    const order: string[] = [];
    const chunks: Uint8Array[] = [];
    const synth = new SpeechSynthesizer({
      model: 'cosyvoice-v3-flash',
      voice: 'longanyang',
      format,
      wordTimestampEnabled: true,
      languageHints,
      transport: directTransport({ url: server.url, apiKey: 'sk-local', WebSocket: WebSocket as never }),
      callback: {
        onData: (chunk) => (chunks.push(chunk), order.push('audio')),
        onEvent: (event) => order.push(event.event === 'result-generated' ? (event.type ?? event.event) : event.event),
      },
    });
    await synth.call(text, { timeoutMillis: 15_000 });
    const audio = Buffer.concat(chunks);
    return { audio, timeline: synth.getTimeline(), ms: durationMs(audio, format.format, format.sampleRate), order };
  }

  it('speaks English with word timestamps on the words', async () => {
    const { audio, timeline, ms } = await speak('Hello world, in the browser. This is a test!');
    expect(ms).toBeGreaterThan(1500);
    expect(pcmRms(audio)).toBeGreaterThan(0.02);
    expect(timeline.words.map((w) => w.text)).toEqual(['Hello', 'world', 'in', 'the', 'browser', 'This', 'is', 'a', 'test']);
    let previous = -1;
    for (const word of timeline.words) {
      expect(word.beginMs).toBeGreaterThanOrEqual(previous);
      expect(word.endMs).toBeGreaterThan(word.beginMs);
      expect(word.endMs).toBeLessThanOrEqual(ms + 1);
      previous = word.beginMs;
    }
  });

  it('speaks Mandarin (detected from the hanzi) with one timed word per ideograph', async () => {
    const { timeline, ms, audio } = await speak('今天天气很好，我们一起去公园吧。');
    expect(ms).toBeGreaterThan(2000);
    expect(pcmRms(audio)).toBeGreaterThan(0.02);
    expect(timeline.words.map((w) => w.text).join('')).toBe('今天天气很好我们一起去公园吧');
    expect(timeline.words.every((w, i, all) => i === 0 || w.beginMs >= all[i - 1]!.beginMs)).toBe(true);
  });

  it('resamples to every rate and encodes mp3 and opus', async () => {
    for (const name of ['PCM_8000HZ_MONO_16BIT', 'WAV_48000HZ_MONO_16BIT', 'MP3_16000HZ_MONO_128KBPS', 'OGG_OPUS_24KHZ_MONO_32KBPS'] as const) {
      const { ms, timeline } = await speak('Good morning.', name, ['en']);
      expect(ms, name).toBeGreaterThan(500);
      expect(timeline.words.map((w) => w.text), name).toEqual(['Good', 'morning']);
    }
  });

  it('streams a long sentence in several chunks as espeak produces them, not as one block at its end', async () => {
    const { order } = await speak('This single sentence is long enough that espeak hands it over in several pieces of audio, one after another.');
    const sentenceEnd = order.indexOf('sentence-end');
    expect(sentenceEnd).toBeGreaterThan(0);
    expect(order.slice(0, sentenceEnd).filter((entry) => entry === 'audio').length).toBeGreaterThanOrEqual(2);
  });
});
