import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PLAYER_WORKLET_SOURCE } from 'cosyvoice-react/playback';
import { TIME_STRETCHER_SOURCE } from '../../src/playback/timeStretcherSource';
// @ts-expect-error -- a plain .mjs script without types
import { compileTimeStretcher, renderSourceFile } from '../../scripts/generate-time-stretcher-source.mjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';

describe('TIME_STRETCHER_SOURCE', () => {
  it('is TimeStretcher.ts as compiled now (run `node scripts/generate-time-stretcher-source.mjs` after editing it)', async () => {
    const declaration: string = await compileTimeStretcher();
    expect(TIME_STRETCHER_SOURCE).toBe(declaration);
    const file = readFileSync(path.join(import.meta.dirname, '../../src/playback/timeStretcherSource.ts'), 'utf8');
    expect(file).toBe(renderSourceFile(declaration));
  });

  it('is one self-contained class declaration: no imports, helpers, WASM or fetches', () => {
    expect(TIME_STRETCHER_SOURCE.startsWith('class TimeStretcher{')).toBe(true);
    for (const word of ['import', 'export', 'require', 'fetch', 'WebAssembly', 'globalThis', 'window', 'self.']) {
      expect(TIME_STRETCHER_SOURCE).not.toContain(word);
    }
    // Class fields would need Chrome 72 / Safari 14; AudioWorklet exists from Chrome 66.
    expect(TIME_STRETCHER_SOURCE).not.toMatch(/class TimeStretcher\{[a-zA-Z_$]+=/);
  });

  it('is part of the player worklet source: one script, both classes, a processor that can stretch', () => {
    let Processor: (new () => unknown) | undefined;
    const scope = vm.createContext({
      sampleRate: 48000,
      currentTime: 0,
      AudioWorkletProcessor: class {
        port = { onmessage: null, postMessage: () => undefined };
      },
      registerProcessor: (_name: string, ctor: new () => unknown) => {
        Processor = ctor;
      },
    });
    expect(PLAYER_WORKLET_SOURCE.startsWith(TIME_STRETCHER_SOURCE)).toBe(true);
    vm.runInContext(PLAYER_WORKLET_SOURCE, scope);
    expect(new Processor!()).toBeTruthy();
    const stretched = vm.runInContext(
      `const s = new TimeStretcher(sampleRate); s.setRate(2); s.push(new Float32Array(48000).fill(0.25)); s.end();
       const out = new Float32Array(48000); const n = s.pull(out); [n, s.finished, out[100]]`,
      scope,
    ) as [number, boolean, number];
    expect(Math.abs(stretched[0] - 24000)).toBeLessThan(48 * 5);
    expect(stretched[1]).toBe(true);
    expect(stretched[2]).toBeCloseTo(0.25, 6);
  });
});
