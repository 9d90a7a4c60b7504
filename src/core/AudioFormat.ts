/** The container/codec names the service accepts in `parameters.format`. `Default` lets the service choose (mp3 at 22 050 Hz). */
export type AudioContainer = 'Default' | 'wav' | 'mp3' | 'pcm' | 'opus';

/** Sample rates the service produces. `0` only appears with `AudioFormat.DEFAULT`. */
export type AudioSampleRate = 0 | 8000 | 16000 | 22050 | 24000 | 44100 | 48000;

/**
 * One output format: the same tuple as the Python SDK's `AudioFormat` enum
 * (`format`, `sample_rate`, `channels`, `bit_rate`).
 * Only `format`, `sampleRate` and, for opus, `bitRate` reach the wire.
 */
export interface AudioFormatSpec {
  /** Wire value of `parameters.format`. */
  readonly format: AudioContainer;
  /** Wire value of `parameters.sample_rate` in Hz (`0` for `DEFAULT`). */
  readonly sampleRate: AudioSampleRate;
  /** Always mono (the SDK's `DEFAULT` says `"0"`; kept as `'mono'` here since the service only produces mono). */
  readonly channels: 'mono';
  /** kbps for mp3 and opus, bits per sample (16) for wav and pcm, `0` for `DEFAULT` and the SDK's `WAV_8000HZ_MONO_16BIT`. */
  readonly bitRate: number;
}

/* @__NO_SIDE_EFFECTS__ */
function spec(format: AudioContainer, sampleRate: AudioSampleRate, bitRate: number): AudioFormatSpec {
  return Object.freeze({ format, sampleRate, channels: 'mono', bitRate });
}

/**
 * `AudioFormat.DEFAULT` on its own: `format: "Default"`, `sample_rate: 0`, which the service answers
 * with mp3 at 22 050 Hz. (Code that needs only this one does not pull in the whole table.)
 */
export const DEFAULT_AUDIO_FORMAT: AudioFormatSpec = /* @__PURE__ */ spec('Default', 0, 0);

/**
 * Every output format the service offers: the 31 members of the Python SDK's `AudioFormat`
 * (plus `DEFAULT`), with the same names.
 *
 * @example
 * new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_24000HZ_MONO_16BIT })
 */
export const AudioFormat = /* @__PURE__ */ Object.freeze({
  DEFAULT: DEFAULT_AUDIO_FORMAT,
  // The Python SDK has bit_rate 0 for this one member (the Java SDK says 16); it never reaches the wire.
  WAV_8000HZ_MONO_16BIT: spec('wav', 8000, 0),
  WAV_16000HZ_MONO_16BIT: spec('wav', 16000, 16),
  WAV_22050HZ_MONO_16BIT: spec('wav', 22050, 16),
  WAV_24000HZ_MONO_16BIT: spec('wav', 24000, 16),
  WAV_44100HZ_MONO_16BIT: spec('wav', 44100, 16),
  WAV_48000HZ_MONO_16BIT: spec('wav', 48000, 16),
  MP3_8000HZ_MONO_128KBPS: spec('mp3', 8000, 128),
  MP3_16000HZ_MONO_128KBPS: spec('mp3', 16000, 128),
  MP3_22050HZ_MONO_256KBPS: spec('mp3', 22050, 256),
  MP3_24000HZ_MONO_256KBPS: spec('mp3', 24000, 256),
  MP3_44100HZ_MONO_256KBPS: spec('mp3', 44100, 256),
  MP3_48000HZ_MONO_256KBPS: spec('mp3', 48000, 256),
  PCM_8000HZ_MONO_16BIT: spec('pcm', 8000, 16),
  PCM_16000HZ_MONO_16BIT: spec('pcm', 16000, 16),
  PCM_22050HZ_MONO_16BIT: spec('pcm', 22050, 16),
  PCM_24000HZ_MONO_16BIT: spec('pcm', 24000, 16),
  PCM_44100HZ_MONO_16BIT: spec('pcm', 44100, 16),
  PCM_48000HZ_MONO_16BIT: spec('pcm', 48000, 16),
  OGG_OPUS_8KHZ_MONO_32KBPS: spec('opus', 8000, 32),
  OGG_OPUS_8KHZ_MONO_16KBPS: spec('opus', 8000, 16),
  OGG_OPUS_16KHZ_MONO_16KBPS: spec('opus', 16000, 16),
  OGG_OPUS_16KHZ_MONO_32KBPS: spec('opus', 16000, 32),
  OGG_OPUS_16KHZ_MONO_64KBPS: spec('opus', 16000, 64),
  OGG_OPUS_24KHZ_MONO_16KBPS: spec('opus', 24000, 16),
  OGG_OPUS_24KHZ_MONO_32KBPS: spec('opus', 24000, 32),
  OGG_OPUS_24KHZ_MONO_64KBPS: spec('opus', 24000, 64),
  OGG_OPUS_48KHZ_MONO_16KBPS: spec('opus', 48000, 16),
  OGG_OPUS_48KHZ_MONO_32KBPS: spec('opus', 48000, 32),
  OGG_OPUS_48KHZ_MONO_64KBPS: spec('opus', 48000, 64),
});

/** The name of one `AudioFormat` member, e.g. `'PCM_24000HZ_MONO_16BIT'`. */
export type AudioFormatName = keyof typeof AudioFormat;

/** Sample rates the service accepts for a concrete (non-`Default`) format. */
export const SUPPORTED_SAMPLE_RATES: readonly AudioSampleRate[] = /* @__PURE__ */ Object.freeze([8000, 16000, 22050, 24000, 44100, 48000]);

/** The container names accepted on the wire. */
export const SUPPORTED_CONTAINERS: readonly AudioContainer[] = /* @__PURE__ */ Object.freeze(['Default', 'wav', 'mp3', 'pcm', 'opus']);

/**
 * What a format really produces: `Default` / `0` resolve to mp3 at 22 050 Hz, as the service and the
 * Python SDK do.
 *
 * @example
 * resolveAudioFormat(AudioFormat.DEFAULT) // { format: 'mp3', sampleRate: 22050, ... }
 */
export function resolveAudioFormat(format: AudioFormatSpec): AudioFormatSpec & { format: Exclude<AudioContainer, 'Default'> } {
  if (format.format === 'Default' || format.sampleRate === 0) {
    return { format: 'mp3', sampleRate: format.sampleRate === 0 ? 22050 : format.sampleRate, channels: 'mono', bitRate: format.bitRate } as AudioFormatSpec & { format: 'mp3' };
  }
  return format as AudioFormatSpec & { format: Exclude<AudioContainer, 'Default'> };
}

/**
 * Finds the `AudioFormat` member for a wire `format` / `sample_rate` (/ `bit_rate` for opus) triple.
 * Returns `undefined` when the service has no such member.
 *
 * @example
 * findAudioFormat('opus', 24000, 32) === AudioFormat.OGG_OPUS_24KHZ_MONO_32KBPS
 */
export function findAudioFormat(format: string, sampleRate: number, bitRate?: number): AudioFormatSpec | undefined {
  for (const member of Object.values(AudioFormat)) {
    if (member.format !== format || member.sampleRate !== sampleRate) continue;
    if (format === 'opus' && bitRate !== undefined && member.bitRate !== bitRate) continue;
    return member;
  }
  return undefined;
}

/** The MIME type of a complete file in this format (for Blobs and downloads). */
export function audioMimeType(format: AudioFormatSpec): string {
  switch (resolveAudioFormat(format).format) {
    case 'wav':
      return 'audio/wav';
    case 'mp3':
      return 'audio/mpeg';
    case 'opus':
      return 'audio/ogg; codecs=opus';
    case 'pcm':
      return 'audio/L16';
  }
}
