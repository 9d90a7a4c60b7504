import { describe, expect, it } from 'vitest';
import { AudioFormat, audioMimeType, findAudioFormat, resolveAudioFormat } from 'cosyvoice-react/core';

// The table of reference §9 (Python SDK AudioFormat), written out independently of the source.
const TABLE: Array<[string, string, number, number]> = [
  ['DEFAULT', 'Default', 0, 0],
  ['WAV_8000HZ_MONO_16BIT', 'wav', 8000, 0],
  ['WAV_16000HZ_MONO_16BIT', 'wav', 16000, 16],
  ['WAV_22050HZ_MONO_16BIT', 'wav', 22050, 16],
  ['WAV_24000HZ_MONO_16BIT', 'wav', 24000, 16],
  ['WAV_44100HZ_MONO_16BIT', 'wav', 44100, 16],
  ['WAV_48000HZ_MONO_16BIT', 'wav', 48000, 16],
  ['MP3_8000HZ_MONO_128KBPS', 'mp3', 8000, 128],
  ['MP3_16000HZ_MONO_128KBPS', 'mp3', 16000, 128],
  ['MP3_22050HZ_MONO_256KBPS', 'mp3', 22050, 256],
  ['MP3_24000HZ_MONO_256KBPS', 'mp3', 24000, 256],
  ['MP3_44100HZ_MONO_256KBPS', 'mp3', 44100, 256],
  ['MP3_48000HZ_MONO_256KBPS', 'mp3', 48000, 256],
  ['PCM_8000HZ_MONO_16BIT', 'pcm', 8000, 16],
  ['PCM_16000HZ_MONO_16BIT', 'pcm', 16000, 16],
  ['PCM_22050HZ_MONO_16BIT', 'pcm', 22050, 16],
  ['PCM_24000HZ_MONO_16BIT', 'pcm', 24000, 16],
  ['PCM_44100HZ_MONO_16BIT', 'pcm', 44100, 16],
  ['PCM_48000HZ_MONO_16BIT', 'pcm', 48000, 16],
  ['OGG_OPUS_8KHZ_MONO_32KBPS', 'opus', 8000, 32],
  ['OGG_OPUS_8KHZ_MONO_16KBPS', 'opus', 8000, 16],
  ['OGG_OPUS_16KHZ_MONO_16KBPS', 'opus', 16000, 16],
  ['OGG_OPUS_16KHZ_MONO_32KBPS', 'opus', 16000, 32],
  ['OGG_OPUS_16KHZ_MONO_64KBPS', 'opus', 16000, 64],
  ['OGG_OPUS_24KHZ_MONO_16KBPS', 'opus', 24000, 16],
  ['OGG_OPUS_24KHZ_MONO_32KBPS', 'opus', 24000, 32],
  ['OGG_OPUS_24KHZ_MONO_64KBPS', 'opus', 24000, 64],
  ['OGG_OPUS_48KHZ_MONO_16KBPS', 'opus', 48000, 16],
  ['OGG_OPUS_48KHZ_MONO_32KBPS', 'opus', 48000, 32],
  ['OGG_OPUS_48KHZ_MONO_64KBPS', 'opus', 48000, 64],
];

describe('AudioFormat', () => {
  it('has the 29 concrete members of the SDK plus DEFAULT under the SDK names, and nothing else', () => {
    expect(Object.keys(AudioFormat).sort()).toEqual(TABLE.map(([name]) => name).sort());
  });

  it.each(TABLE)('%s is %s at %i Hz, bit rate %i, mono', (name, format, sampleRate, bitRate) => {
    expect(AudioFormat[name as keyof typeof AudioFormat]).toEqual({ format, sampleRate, channels: 'mono', bitRate });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(AudioFormat)).toBe(true);
    expect(Object.isFrozen(AudioFormat.PCM_24000HZ_MONO_16BIT)).toBe(true);
  });

  it('resolves DEFAULT to mp3 at 22 050 Hz like the service', () => {
    expect(resolveAudioFormat(AudioFormat.DEFAULT)).toMatchObject({ format: 'mp3', sampleRate: 22050 });
    expect(resolveAudioFormat(AudioFormat.WAV_16000HZ_MONO_16BIT)).toBe(AudioFormat.WAV_16000HZ_MONO_16BIT);
  });

  it('finds members by wire values and gives MIME types', () => {
    expect(findAudioFormat('opus', 24000, 32)).toBe(AudioFormat.OGG_OPUS_24KHZ_MONO_32KBPS);
    expect(findAudioFormat('pcm', 44100)).toBe(AudioFormat.PCM_44100HZ_MONO_16BIT);
    expect(findAudioFormat('mp3', 11025)).toBeUndefined();
    expect(audioMimeType(AudioFormat.DEFAULT)).toBe('audio/mpeg');
    expect(audioMimeType(AudioFormat.OGG_OPUS_48KHZ_MONO_16KBPS)).toBe('audio/ogg; codecs=opus');
    expect(audioMimeType(AudioFormat.WAV_8000HZ_MONO_16BIT)).toBe('audio/wav');
  });
});
