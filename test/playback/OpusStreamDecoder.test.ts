import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudioFormat } from 'cosyvoice-react/core';
import { AudioDurationCounter } from '../../src/core/AudioDurationCounter';
import { scanOggPages } from '../../src/core/scanOggPages';
import { OpusStreamDecoder } from '../../src/playback/OpusStreamDecoder';

const fixture = new Uint8Array(readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'audio', 'sine440-48k.opus')));

function pagesOf(bytes: Uint8Array): Uint8Array[] {
  const pages: Uint8Array[] = [];
  scanOggPages(bytes, (_type, _granule, lacing, bodyStart) => {
    const end = bodyStart + lacing.reduce((sum, size) => sum + size, 0);
    const start = pages.reduce((sum, page) => sum + page.byteLength, 0);
    pages.push(bytes.subarray(start, end));
  });
  return pages;
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('OpusStreamDecoder on the WASM fallback (opus-decoder, in Node)', () => {
  it('decodes each Ogg page as soon as it is complete, without waiting for the next, and drops the pre-skip', async () => {
    const pages = pagesOf(fixture);
    expect(pages.length).toBeGreaterThan(3); // OpusHead, OpusTags, then audio pages
    let samples = 0;
    const rates = new Set<number>();
    const errors: Error[] = [];
    const decoder = new OpusStreamDecoder({ samples: (s, rate) => ((samples += s.length), rates.add(rate)), error: (e) => errors.push(e) }, { forceWasm: true });
    for (const page of pages.slice(0, 3)) decoder.push(page);
    // Only the first audio page has arrived: its audio must come out now, not when page 4 begins.
    await until(() => samples > 0);
    for (const page of pages.slice(3)) decoder.push(page);
    await decoder.flush();
    decoder.close();
    expect(errors).toEqual([]);
    expect([...rates]).toEqual([48000]);
    const counter = new AudioDurationCounter(AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS);
    counter.push(fixture);
    // The counter reads the granule positions (pre-skip removed); decoding gives whole packets.
    expect(Math.abs((samples / 48000) * 1000 - counter.durationMs)).toBeLessThan(25);
  });

  it('reports a stream that does not start with OpusHead as an error', async () => {
    const errors: Error[] = [];
    const decoder = new OpusStreamDecoder({ samples: () => undefined, error: (e) => errors.push(e) }, { forceWasm: true });
    decoder.push(pagesOf(fixture)[2]!);
    await decoder.flush();
    decoder.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/OpusHead/);
  });

  it('can be closed right after OpusHead, before the WASM decoder is ready, without an unhandled error', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const errors: Error[] = [];
      const decoder = new OpusStreamDecoder({ samples: () => undefined, error: (e) => errors.push(e) }, { forceWasm: true });
      decoder.push(pagesOf(fixture)[0]!);
      await decoder.flush(); // the backend is loaded and the OpusHead read; the decoder itself may still be compiling
      decoder.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(errors).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
