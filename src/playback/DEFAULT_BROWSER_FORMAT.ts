import { AudioFormat, type AudioFormatSpec } from 'cosyvoice-react/core';

/**
 * The format to request from the service for browser playback: 16-bit PCM at 24 kHz.
 *
 * Why, from `bench/results/playback.json` (headless Chromium 156; first ~100 ms chunk handed to the
 * player → its first sample rendered, median of 10): PCM 1.5 ms, MP3 via WebCodecs 4.9 ms, Ogg Opus
 * via WebCodecs 8.9 ms, and 7–10 ms through the WASM fallbacks (after their one-time load). PCM also
 * keeps the clock exact — decoded length = byte count, the same count word times are based on — and
 * works wherever AudioWorklet does, with no codec support question. 24 kHz is the voices' native band
 * and half the bytes of 48 kHz; the worklet resamples to the device rate. The cost is bandwidth:
 * 48 kB/s against ≈5–6 kB/s for Opus/MP3 — negligible on broadband, so choose
 * `AudioFormat.OGG_OPUS_24KHZ_MONO_32KBPS` on metered or slow links.
 *
 * @example
 * new SpeechSynthesizer({ model, voice, format: DEFAULT_BROWSER_FORMAT, callback });
 */
export const DEFAULT_BROWSER_FORMAT: AudioFormatSpec =
  // A pure call, not a bare property read: that would keep the whole AudioFormat table in every bundle.
  /* @__PURE__ */ (() => AudioFormat.PCM_24000HZ_MONO_16BIT)();
