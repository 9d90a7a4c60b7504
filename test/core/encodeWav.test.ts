import { describe, expect, it } from 'vitest';
import { encodeWav } from 'cosyvoice-react/core';
import { parseWavHeader } from '../../src/core/AudioDurationCounter';

describe('encodeWav', () => {
  it('wraps 16-bit mono PCM chunks in a canonical 44-byte WAV header, dropping an odd trailing byte', () => {
    const file = encodeWav([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6, 7])], 24000);
    expect(file.byteLength).toBe(44 + 6);
    const text = (from: number) => String.fromCharCode(...file.subarray(from, from + 4));
    expect([text(0), text(8), text(12), text(36)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    const view = new DataView(file.buffer);
    expect(view.getUint32(4, true)).toBe(36 + 6);
    expect(view.getUint32(16, true)).toBe(16);
    expect(view.getUint16(20, true)).toBe(1); // PCM
    expect(view.getUint16(22, true)).toBe(1); // mono
    expect(view.getUint32(24, true)).toBe(24000);
    expect(view.getUint32(28, true)).toBe(48000);
    expect(view.getUint16(32, true)).toBe(2);
    expect(view.getUint16(34, true)).toBe(16);
    expect(view.getUint32(40, true)).toBe(6);
    expect([...file.subarray(44)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parseWavHeader(file)).toMatchObject({ sampleRate: 24000, channels: 1, bitsPerSample: 16, dataOffset: 44 });
  });
});
