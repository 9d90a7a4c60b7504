import { describe, expect, it } from 'vitest';
import { AudioFormat } from 'cosyvoice-react/core';
import { AudioDurationCounter, parseMp3FrameHeader, parseWavHeader } from '../../src/core/AudioDurationCounter';

function wavHeader(sampleRate: number): Uint8Array {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const put = (at: number, s: string) => [...s].forEach((c, i) => (header[at + i] = c.charCodeAt(0)));
  put(0, 'RIFF');
  view.setUint32(4, 0xffffffff, true); // streamed: placeholder size
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, 0xffffffff, true);
  return header;
}

/** A silent MPEG-1 Layer III frame at 44.1 kHz, 128 kbps (417 bytes, 1152 samples). */
function mp3Frame(): Uint8Array {
  const frame = new Uint8Array(417);
  frame.set([0xff, 0xfb, 0x90, 0x00]);
  return frame;
}

function oggPage(granule: number, body: Uint8Array): Uint8Array {
  const page = new Uint8Array(27 + 1 + body.byteLength);
  page.set([0x4f, 0x67, 0x67, 0x53]);
  const view = new DataView(page.buffer);
  view.setUint32(6, granule, true);
  view.setUint32(10, 0, true);
  page[26] = 1;
  page[27] = body.byteLength;
  page.set(body, 28);
  return page;
}

describe('AudioDurationCounter', () => {
  it('counts PCM by bytes, carrying an odd byte across chunks', () => {
    const counter = new AudioDurationCounter(AudioFormat.PCM_16000HZ_MONO_16BIT);
    counter.push(new Uint8Array(3201));
    expect(counter.durationMs).toBe(100);
    counter.push(new Uint8Array(1));
    expect(counter.durationMs).toBeCloseTo(100.0625, 6);
  });

  it('counts WAV after a header split across frames, ignoring the placeholder size', () => {
    const counter = new AudioDurationCounter(AudioFormat.WAV_24000HZ_MONO_16BIT);
    const header = wavHeader(24000);
    counter.push(header.subarray(0, 20));
    expect(counter.durationMs).toBe(0);
    counter.push(header.subarray(20));
    counter.push(new Uint8Array(4800));
    expect(counter.durationMs).toBe(100);
    expect(parseWavHeader(header)).toEqual({ sampleRate: 24000, channels: 1, bitsPerSample: 16, dataOffset: 44 });
    expect(parseWavHeader(new Uint8Array(12))).toBe('invalid');
  });

  it('counts MP3 frames, skipping an ID3 tag, and estimates a partial frame', () => {
    expect(parseMp3FrameHeader(mp3Frame(), 0)).toEqual({ length: 417, samples: 1152, sampleRate: 44100 });
    const counter = new AudioDurationCounter(AudioFormat.MP3_44100HZ_MONO_256KBPS);
    const id3 = new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
    const frames = new Uint8Array(id3.byteLength + 417 * 3);
    frames.set(id3);
    for (let i = 0; i < 3; i++) frames.set(mp3Frame(), id3.byteLength + 417 * i);
    counter.push(frames.subarray(0, id3.byteLength + 417 * 2 + 200));
    expect(counter.durationMs).toBeGreaterThan((2 * 1152 * 1000) / 44100);
    expect(counter.durationMs).toBeLessThan((3 * 1152 * 1000) / 44100);
    counter.push(frames.subarray(id3.byteLength + 417 * 2 + 200));
    expect(counter.durationMs).toBeCloseTo((3 * 1152 * 1000) / 44100, 6);
  });

  it('counts Ogg Opus by granule position minus pre-skip', () => {
    const head = new Uint8Array(19);
    head.set([...'OpusHead'].map((c) => c.charCodeAt(0)));
    head[8] = 1;
    head[9] = 1;
    new DataView(head.buffer).setUint16(10, 312, true);
    const counter = new AudioDurationCounter(AudioFormat.OGG_OPUS_24KHZ_MONO_32KBPS);
    counter.push(oggPage(0, head));
    const audioPage = oggPage(312 + 48000, new Uint8Array(50));
    counter.push(audioPage.subarray(0, 30));
    expect(counter.durationMs).toBe(0);
    counter.push(audioPage.subarray(30));
    expect(counter.durationMs).toBe(1000);
  });

  it('treats DEFAULT as mp3', () => {
    const counter = new AudioDurationCounter(AudioFormat.DEFAULT);
    counter.push(mp3Frame());
    expect(counter.durationMs).toBeCloseTo((1152 * 1000) / 44100, 6);
  });
});

describe('AudioDurationCounter against corrupt headers', () => {
  it('does not wait forever for a WAV header that never completes', () => {
    const counter = new AudioDurationCounter(AudioFormat.WAV_16000HZ_MONO_16BIT);
    const header = new Uint8Array(44);
    header.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
    header.set([...'WAVE'].map((c) => c.charCodeAt(0)), 8);
    header.set([...'LIST'].map((c) => c.charCodeAt(0)), 12);
    new DataView(header.buffer).setUint32(16, 0x7fffffff, true); // a chunk claiming 2 GB
    expect(parseWavHeader(header)).toBe('invalid');
    counter.push(header);
    counter.push(new Uint8Array(32_000));
    expect(counter.durationMs).toBeGreaterThan(900);
  });

  it('counts MP3 frames after an ID3 tag that claims an absurd size', () => {
    const counter = new AudioDurationCounter(AudioFormat.MP3_44100HZ_MONO_256KBPS);
    const id3 = new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f]);
    const frames = new Uint8Array(417 * 2);
    frames.set([0xff, 0xfb, 0x90, 0x00], 0);
    frames.set([0xff, 0xfb, 0x90, 0x00], 417);
    counter.push(id3);
    counter.push(frames);
    expect(counter.durationMs).toBeCloseTo((2 * 1152 * 1000) / 44100, 3);
  });
});
