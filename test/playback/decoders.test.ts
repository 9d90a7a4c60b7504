import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudioFormat } from 'cosyvoice-react/core';
import { AudioDurationCounter } from '../../src/core/AudioDurationCounter';
import { Mp3FrameSplitter } from '../../src/playback/Mp3FrameSplitter';
import { OggPacketReader, opusPacketSamples } from '../../src/playback/OggPacketReader';
import { Pcm16Decoder } from '../../src/playback/Pcm16Decoder';
import { WavDecoder } from '../../src/playback/WavDecoder';

const fixture = (name: string) => new Uint8Array(readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'audio', name)));

function collect() {
  const out: number[] = [];
  const rates: number[] = [];
  return {
    out,
    rates,
    sink: {
      samples: (s: Float32Array, rate: number) => {
        out.push(...s);
        rates.push(rate);
      },
      error: (e: Error) => {
        throw e;
      },
    },
  };
}

describe('Pcm16Decoder', () => {
  it('decodes little-endian samples and carries a byte split across chunks', () => {
    const c = collect();
    const decoder = new Pcm16Decoder(24000, c.sink);
    // 0x4000 = 0.5, 0xC000 = -0.5, 0x7FFF ≈ 1
    decoder.push(new Uint8Array([0x00, 0x40, 0x00]));
    decoder.push(new Uint8Array([0xc0]));
    decoder.push(new Uint8Array([0xff]));
    decoder.push(new Uint8Array([0x7f]));
    expect(c.out).toEqual([0.5, -0.5, 32767 / 32768]);
    expect(new Set(c.rates)).toEqual(new Set([24000]));
  });

  it('reads a view with a byteOffset correctly', () => {
    const c = collect();
    const backing = new Uint8Array([9, 9, 9, 0x00, 0x40]);
    new Pcm16Decoder(16000, c.sink).push(backing.subarray(3));
    expect(c.out).toEqual([0.5]);
  });
});

describe('WavDecoder', () => {
  it('reads the header split across chunks, uses its rate, and ignores the placeholder data size', () => {
    const header = new Uint8Array(44);
    const view = new DataView(header.buffer);
    header.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
    view.setUint32(4, 0xffffffff, true);
    header.set([...'WAVEfmt '].map((c) => c.charCodeAt(0)), 8);
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true);
    view.setUint16(22, 1, true);
    view.setUint32(24, 22050, true);
    view.setUint32(28, 44100, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    header.set([...'data'].map((c) => c.charCodeAt(0)), 36);
    view.setUint32(40, 0xffffffff, true);
    const c = collect();
    const decoder = new WavDecoder(c.sink);
    decoder.push(header.subarray(0, 20));
    decoder.push(new Uint8Array([...header.subarray(20), 0x00, 0x40, 0x00]));
    decoder.push(new Uint8Array([0xc0]));
    expect(c.out).toEqual([0.5, -0.5]);
    expect(c.rates[0]).toBe(22050);
  });
});

describe('OggPacketReader', () => {
  it('splits the Ogg Opus fixture into OpusHead, OpusTags and audio packets whatever the chunking', () => {
    const bytes = fixture('sine440-48k.opus');
    const whole = new OggPacketReader().push(bytes);
    const reader = new OggPacketReader();
    const chunked: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 97) chunked.push(...reader.push(bytes.subarray(i, i + 97)));
    expect(chunked.length).toBe(whole.length);
    expect(String.fromCharCode(...whole[0]!.subarray(0, 8))).toBe('OpusHead');
    expect(String.fromCharCode(...whole[1]!.subarray(0, 8))).toBe('OpusTags');
    const audio = whole.slice(2);
    const samples = audio.reduce((sum, p) => sum + opusPacketSamples(p), 0);
    // 1 s of 20 ms packets plus the encoder's padding.
    expect(samples).toBeGreaterThanOrEqual(48000);
    expect(samples).toBeLessThan(48000 + 960 * 4);
  });
});

describe('Mp3FrameSplitter', () => {
  it('finds every frame of the MP3 fixture across arbitrary chunk boundaries, matching the core counter', () => {
    const bytes = fixture('sine440-24k.mp3');
    const splitter = new Mp3FrameSplitter();
    let samples = 0;
    let frames = 0;
    for (let i = 0; i < bytes.length; i += 113) {
      for (const frame of splitter.push(bytes.subarray(i, i + 113))) {
        samples += frame.samples;
        frames++;
        expect(frame.sampleRate).toBe(24000);
        expect(frame.channels).toBe(1);
      }
    }
    const counter = new AudioDurationCounter(AudioFormat.MP3_24000HZ_MONO_256KBPS);
    counter.push(bytes);
    expect(frames).toBeGreaterThan(40);
    expect((samples / 24000) * 1000).toBeCloseTo(counter.durationMs, 6);
  });
});
