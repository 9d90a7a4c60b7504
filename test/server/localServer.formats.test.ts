import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MPEGDecoder } from 'mpg123-decoder';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import {
  AudioFormat,
  SpeechSynthesizer,
  directTransport,
  memoryTransport,
  type AudioFormatName,
  type SynthesisCallback,
} from 'cosyvoice-react/core';
import { parseMp3FrameHeader, parseWavHeader } from '../../src/core/AudioDurationCounter';
import { createLocalVoiceServer, type LocalVoiceServer } from 'cosyvoice-react/server';
import { durationMs, oggPages, pcmRms } from './helpers';

let server: LocalVoiceServer;
beforeAll(async () => {
  server = createLocalVoiceServer({ engine: 'tone', port: 0 });
  await server.listen();
});
afterAll(() => server.close());

const TEXT = 'Hello world. 你好，世界！';

function synthesizer(format: (typeof AudioFormat)[AudioFormatName], callback?: SynthesisCallback) {
  return new SpeechSynthesizer({
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format,
    wordTimestampEnabled: true,
    transport: directTransport({ url: server.url, apiKey: 'sk-local', WebSocket: WebSocket as never }),
    callback,
    onWarning: () => undefined,
  });
}

function mp3Frames(audio: Uint8Array): Array<{ samples: number; sampleRate: number }> {
  const frames = [];
  let offset = 0;
  while (offset < audio.length) {
    const frame = parseMp3FrameHeader(audio, offset);
    if (!frame) throw new Error(`no MP3 frame header at ${offset}`);
    frames.push(frame);
    offset += frame.length;
  }
  return frames;
}

describe('every AudioFormat through the core SpeechSynthesizer, decoded', () => {
  const names = Object.keys(AudioFormat) as AudioFormatName[];
  it.each(names)('%s', async (name) => {
    const format = AudioFormat[name];
    const synth = synthesizer(format);
    const audio = (await synth.call(TEXT, { timeoutMillis: 10_000 }))!;
    const container = format.format === 'Default' ? 'mp3' : format.format;
    const rate = format.sampleRate || 22050;
    const words = synth.getTimeline().words;
    expect(words.map((w) => w.text)).toEqual(['Hello', 'world', '你', '好', '世', '界']);
    const ms = durationMs(audio, container, rate);
    expect(ms).toBeGreaterThan(1500);
    expect(words.at(-1)!.endMs).toBeLessThanOrEqual(ms + 1);
    switch (container) {
      case 'pcm':
        expect(audio.length % 2).toBe(0);
        expect(pcmRms(audio)).toBeGreaterThan(0.05);
        break;
      case 'wav': {
        const header = parseWavHeader(audio);
        if (typeof header === 'string') throw new Error(header);
        expect(header).toMatchObject({ sampleRate: rate, channels: 1, bitsPerSample: 16, dataOffset: 44 });
        // header in the first frame only: the rest is plain samples
        expect(Buffer.from(audio.subarray(44)).includes('RIFF')).toBe(false);
        expect(pcmRms(audio.subarray(44))).toBeGreaterThan(0.05);
        break;
      }
      case 'mp3': {
        const frames = mp3Frames(audio);
        expect(new Set(frames.map((f) => f.sampleRate))).toEqual(new Set([rate]));
        const decoder = new MPEGDecoder();
        await decoder.ready;
        const decoded = decoder.decode(audio);
        decoder.free();
        expect(decoded.sampleRate).toBe(rate);
        expect(Math.abs((decoded.samplesDecoded / rate) * 1000 - ms)).toBeLessThan(60);
        break;
      }
      case 'opus': {
        const pages = oggPages(audio);
        expect(pages[0]!.headerType & 2).toBe(2); // beginning of stream
        const head = pages[0]!.body;
        expect(String.fromCharCode(...head.subarray(0, 8))).toBe('OpusHead');
        expect(new DataView(head.buffer).getUint32(12, true)).toBe(rate); // original rate
        expect(String.fromCharCode(...pages[1]!.body.subarray(0, 8))).toBe('OpusTags');
        const granules = pages.slice(2).map((p) => p.granule);
        expect(granules).toEqual([...granules].sort((a, b) => a - b));
        const decoder = new OggOpusDecoder();
        await decoder.ready;
        const decoded = await decoder.decodeFile(audio);
        decoder.free();
        expect(Math.abs((decoded.samplesDecoded / 48000) * 1000 - ms)).toBeLessThan(30);
        break;
      }
    }
  });

  it('opus honours bit_rate: 64 kbps is larger than 16 kbps for the same text', async () => {
    const low = (await synthesizer(AudioFormat.OGG_OPUS_48KHZ_MONO_16KBPS).call(TEXT))!;
    const high = (await synthesizer(AudioFormat.OGG_OPUS_48KHZ_MONO_64KBPS).call(TEXT))!;
    expect(high.length).toBeGreaterThan(low.length * 2);
  });

  it('every format has the same duration within codec framing', async () => {
    const pcm = durationMs((await synthesizer(AudioFormat.PCM_24000HZ_MONO_16BIT).call(TEXT))!, 'pcm', 24000);
    const wav = durationMs((await synthesizer(AudioFormat.WAV_8000HZ_MONO_16BIT).call(TEXT))!, 'wav', 8000);
    const mp3 = durationMs((await synthesizer(AudioFormat.MP3_44100HZ_MONO_256KBPS).call(TEXT))!, 'mp3', 44100);
    const opus = durationMs((await synthesizer(AudioFormat.OGG_OPUS_16KHZ_MONO_32KBPS).call(TEXT))!, 'opus', 16000);
    expect(Math.abs(wav - pcm)).toBeLessThan(2);
    // mp3: each sentence adds encoder delay and frame padding (< 3 frames); opus pads to 20 ms frames
    expect(mp3 - pcm).toBeGreaterThanOrEqual(0);
    expect(mp3 - pcm).toBeLessThan(3 * 3 * 26.2);
    expect(Math.abs(opus - pcm)).toBeLessThan(3 * 20 + 1);
  });
});

describe('the three call modes', () => {
  it('call() with a callback streams chunks and sentences, resolving to null', async () => {
    const chunks: Uint8Array[] = [];
    const sentences: string[] = [];
    let completed = false;
    const synth = synthesizer(AudioFormat.PCM_16000HZ_MONO_16BIT, {
      onData: (chunk) => chunks.push(chunk),
      onSentence: (sentence) => sentences.push(sentence.text),
      onComplete: () => (completed = true),
    });
    expect(await synth.call(TEXT)).toBeNull();
    expect(completed).toBe(true);
    expect(sentences).toEqual(['Hello world. ', '你好，', '世界！']);
    expect(chunks.length).toBeGreaterThan(3);
    expect(synth.getRequestUuid()).toMatch(/^[0-9a-f-]{36}$/);
    expect(synth.getFirstPackageDelay()).toBeGreaterThanOrEqual(0);
    expect(synth.getUsageCharacters()).toBe(13 + 5 + 5);
  });

  it('streamingCall fragments + streamingComplete give the same audio as call()', async () => {
    const whole = (await synthesizer(AudioFormat.PCM_22050HZ_MONO_16BIT).call('Hello there. How are you?'))!;
    const streamed = synthesizer(AudioFormat.PCM_22050HZ_MONO_16BIT);
    for (const fragment of ['Hel', 'lo the', 're. How', ' are', ' you?']) streamed.streamingCall(fragment);
    const audio = (await streamed.streamingComplete({ timeoutMillis: 10_000 }))!;
    expect(Buffer.from(audio).equals(Buffer.from(whole))).toBe(true);
    expect(streamed.getTimeline().sentences.map((s) => s.text)).toEqual(['Hello there. ', 'How are you?']);
  });

  it('streamingFlush speaks the held tail before completion', async () => {
    const sentences: string[] = [];
    const synth = synthesizer(AudioFormat.PCM_16000HZ_MONO_16BIT, { onSentence: (s) => sentences.push(s.text) });
    synth.streamingCall('No terminator here');
    synth.streamingFlush();
    await vi_waitFor(() => sentences.length === 1);
    expect(sentences).toEqual(['No terminator here']);
    await synth.streamingComplete();
  });

  it('streamingCancel stops the task (Cancelled) and the server answers no more for it', async () => {
    const synth = synthesizer(AudioFormat.PCM_16000HZ_MONO_16BIT, { onData: () => undefined });
    synth.streamingCall('A long text. '.repeat(50));
    await vi_waitFor(() => synth.getAudioDurationMs() > 0);
    const done = synth.streamingComplete();
    synth.streamingCancel();
    await expect(done).rejects.toMatchObject({ code: 'Cancelled' });
    expect(synth.state).toBe('cancelled');
  });

  it('works in-process through memoryTransport(server.handleMemoryConnection), including task-failed', async () => {
    const transport = memoryTransport(server.handleMemoryConnection);
    const synth = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.WAV_24000HZ_MONO_16BIT, wordTimestampEnabled: true, transport });
    const audio = (await synth.call('In memory.'))!;
    expect(parseWavHeader(audio)).toMatchObject({ sampleRate: 24000 });
    expect(synth.getTimeline().words.map((w) => w.text)).toEqual(['In', 'memory']);
    const wrong = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longxiaochun_v2', transport, onWarning: () => undefined });
    await expect(wrong.call('Nope.')).rejects.toMatchObject({ code: 'TaskFailed', serverMessage: '[tts:]Engine return error code: 418' });
  });
});

async function vi_waitFor(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}
