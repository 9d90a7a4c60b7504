// A WebCodecs decoder that fails on real data (WebKitGTK's MP3 decoder claims support, then fails every
// decode with EncodingError): the WASM decoder takes over for the rest of the reading without losing
// audio, the failure is not reported, and later streams skip WebCodecs. The failing decoder is emulated
// around the engine's real AudioDecoder so this runs in every engine; in WebKit the real one fails too.
// Each test file runs in its own page, so the codecs remembered as failed start empty here.
import { afterEach, describe, expect, it } from 'vitest';
import { AudioFormat, type AudioFormatSpec, type SynthesisError } from 'cosyvoice-react/core';
import { AudioDurationCounter } from '../../src/core/AudioDurationCounter';
import { createAudioPlayer, createStreamDecoder, type EndedReason } from 'cosyvoice-react/playback';
import { analyse, chunks, createTap, fixture, isWebKit, sleep } from './browserAudio';

const RealAudioDecoder = globalThis.AudioDecoder;
let constructed = 0;
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup) await fn();
  cleanup = [];
  globalThis.AudioDecoder = RealAudioDecoder;
});

/**
 * Installs an `AudioDecoder` that decodes its first `goodChunks` chunks with the engine's own decoder, then
 * fails the way WebKitGTK's does: the error callback with an EncodingError, and the decoder closed.
 */
function installFailingDecoder(goodChunks: number): void {
  class FailingAudioDecoder {
    static isConfigSupported = RealAudioDecoder.isConfigSupported.bind(RealAudioDecoder);
    #inner: AudioDecoder;
    #init: AudioDecoderInit;
    #decoded = 0;
    #failed = false;
    constructor(init: AudioDecoderInit) {
      constructed++;
      this.#init = init;
      this.#inner = new RealAudioDecoder(init);
    }
    get state(): CodecState {
      return this.#failed ? 'closed' : this.#inner.state;
    }
    configure(config: AudioDecoderConfig): void {
      this.#inner.configure(config);
    }
    decode(chunk: EncodedAudioChunk): void {
      if (this.#failed) throw new DOMException('Cannot call decode on a closed codec', 'InvalidStateError');
      if (this.#decoded++ < goodChunks) return this.#inner.decode(chunk);
      this.#failed = true;
      this.#inner.close();
      queueMicrotask(() => this.#init.error(new DOMException('Decode error', 'EncodingError')));
    }
    flush(): Promise<void> {
      return this.#failed ? Promise.reject(new DOMException('Decode error', 'EncodingError')) : this.#inner.flush();
    }
    close(): void {
      if (this.#inner.state !== 'closed') this.#inner.close();
    }
  }
  globalThis.AudioDecoder = FailingAudioDecoder as unknown as typeof AudioDecoder;
}

async function playThrough(format: AudioFormatSpec, bytes: Uint8Array) {
  const context = new AudioContext({ latencyHint: 'interactive' });
  const tap = await createTap(context);
  const player = createAudioPlayer({ context, format, connect: (output) => output.connect(tap.node) });
  cleanup.push(async () => {
    player.dispose();
    await context.close();
  });
  await player.unlock();
  tap.mark();
  player.reset();
  const reasons: EndedReason[] = [];
  const done = new Promise<EndedReason>((resolve) => player.onEnded((reason) => (reasons.push(reason), resolve(reason))));
  for (const chunk of chunks(bytes, 700)) player.enqueue(chunk);
  player.endOfStream();
  expect(await done).toBe('finished');
  await sleep(50);
  const counter = new AudioDurationCounter(format);
  counter.push(bytes);
  return { player, reasons, counter, heard: analyse(tap.samples(), context.sampleRate) };
}

describe("the engine's own decoders (WebKitGTK: MP3 fails every decode, Opus kills the page)", () => {
  // First in the file: nothing is remembered as failed yet, so each codec takes its normal path here.
  for (const [name, format, file] of [
    ['Ogg Opus', AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS, 'sine440-48k.opus'],
    ['MP3', AudioFormat.MP3_24000HZ_MONO_256KBPS, 'sine440-24k.mp3'],
  ] as const) {
    it(`${name} plays whole, with no error`, async () => {
      const { player, reasons, counter, heard } = await playThrough(format, await fixture(file));
      expect(reasons).toEqual(['finished']);
      expect(player.getSnapshot().error).toBeUndefined();
      // WebKit: Opus is never given to WebCodecs, MP3 falls back to WASM after WebCodecs' failure.
      if (isWebKit) expect(player.getDiagnostics().decoder).toBe('wasm');
      expect(Math.abs(player.getDurationMs() - counter.durationMs)).toBeLessThan(25);
      expect(Math.abs(heard.seconds * 1000 - counter.durationMs)).toBeLessThan(60);
      expect(heard.frequency).toBeGreaterThan(430);
      expect(heard.frequency).toBeLessThan(450);
    });
  }
});

describe('a WebCodecs decoder that fails on real data: the WASM decoder takes over', () => {
  it('MP3 failing on its first decode (WebKitGTK): the reading plays whole through mpg123-decoder, with no error', async () => {
    installFailingDecoder(0);
    const { player, reasons, counter, heard } = await playThrough(AudioFormat.MP3_24000HZ_MONO_256KBPS, await fixture('sine440-24k.mp3'));
    expect(reasons).toEqual(['finished']);
    expect(player.getSnapshot().error).toBeUndefined();
    expect(player.getDiagnostics().decoder).toBe('wasm');
    expect(Math.abs(player.getDurationMs() - counter.durationMs)).toBeLessThan(25);
    expect(heard.seconds).toBeGreaterThan(0.97);
    expect(heard.frequency).toBeGreaterThan(430);
    expect(heard.frequency).toBeLessThan(450);
  });

  it('a later MP3 stream in the same page goes straight to WASM', async () => {
    constructed = 0;
    // (WebKit's own MP3 decoder already failed in this page above, so it is skipped there either way.)
    installFailingDecoder(0);
    const { player } = await playThrough(AudioFormat.MP3_24000HZ_MONO_256KBPS, await fixture('sine440-24k.mp3'));
    expect(player.getDiagnostics().decoder).toBe('wasm');
    expect(constructed).toBe(0);
  });

  it('Ogg Opus failing mid-stream: nothing lost or played twice (WebKit never tries WebCodecs for Opus: it crashes)', async () => {
    constructed = 0;
    installFailingDecoder(20); // 20 packets of 20 ms decoded by WebCodecs, then the failure
    const { player, reasons, counter, heard } = await playThrough(AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS, await fixture('sine440-48k.opus'));
    expect(reasons).toEqual(['finished']);
    expect(player.getSnapshot().error).toBeUndefined();
    expect(player.getDiagnostics().decoder).toBe('wasm');
    expect(constructed).toBe(isWebKit ? 0 : 1);
    // The WASM decoder's output joined WebCodecs' where it stopped: the same length as an uninterrupted decode.
    expect(Math.abs(player.getDurationMs() - counter.durationMs)).toBeLessThan(21);
    expect(Math.abs(heard.seconds * 1000 - counter.durationMs)).toBeLessThan(30);
    expect(heard.frequency).toBeGreaterThan(430);
    expect(heard.frequency).toBeLessThan(450);
    // No gap where the decoders changed hands.
    expect(heard.silentFrames).toBeLessThan(48000 * 0.005);
  });

  it('when the WASM decoder fails too (the data is bad), the failure is reported once', async () => {
    installFailingDecoder(0);
    const errors: SynthesisError[] = [];
    const decoder = createStreamDecoder(AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS, { samples: () => undefined, error: (error) => errors.push(error) });
    cleanup.push(() => decoder.close());
    // Real Ogg pages whose first packet is not an OpusHead: both backends' demuxer refuses the stream.
    const bytes = await fixture('sine440-48k.opus');
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200)).indexOf('OpusHead');
    expect(head).toBeGreaterThan(0);
    bytes.set(new TextEncoder().encode('OpusHexx'), head);
    for (const chunk of chunks(bytes, 700)) decoder.push(chunk);
    await decoder.flush();
    await sleep(50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('AudioFailed');
  });
});
