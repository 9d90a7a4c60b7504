import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerFolder, ensureBuilt, runNode } from '../utils/builtPackage';

// `cosyvoice-react/wasm-decoders`: which build each kind of bundle gets, and what ends up in it.
let consumer: ReturnType<typeof consumerFolder>;
beforeAll(() => {
  ensureBuilt(['index.js', 'wasm-decoders.js', 'wasm-decoders-server.js', 'wasm-decoders-server.cjs']);
  consumer = consumerFolder();
}, 120_000);
afterAll(() => consumer?.cleanup());

// Strings only the decoders' own code contains.
const OPUS_DECODER_CODE = 'OPUS_INVALID_PACKET';
const MP3_DECODER_CODE = 'mpg123-decoder: ';

/** Bundles the React entry's player as an app would, from a folder where the package is installed. */
async function bundle(options: BuildOptions) {
  const result = await build({
    stdin: { contents: "export { createAudioPlayer, SpeakButton } from 'cosyvoice-react';", resolveDir: consumer.dir, loader: 'js' },
    bundle: true,
    format: 'esm',
    splitting: true,
    outdir: path.join(consumer.dir, 'out'),
    entryNames: 'entry',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // As in an app: the repository's tsconfig paths (package names → sources) must not apply.
    tsconfigRaw: {},
    external: ['react', 'react-dom', 'react/jsx-runtime', '@tanstack/react-query'],
    ...options,
  });
  const outputs = result.outputFiles!;
  const entry = outputs.find((file) => path.basename(file.path) === 'entry.js')!;
  const lazy = outputs.filter((file) => file !== entry && file.path.endsWith('.js'));
  const inputs = Object.keys(result.metafile!.inputs);
  return { warnings: result.warnings, entry: entry.text, lazy: lazy.map((file) => file.text), inputs };
}

describe('cosyvoice-react/wasm-decoders', () => {
  it('resolves to the server build in Node, from ESM and CommonJS, which still loads both decoders', () => {
    const esm = runNode(consumer.dir, [
      '--input-type=module',
      '-e',
      `const entry = import.meta.resolve('cosyvoice-react/wasm-decoders');
       const { loadOpusDecoder, loadMpegDecoder } = await import('cosyvoice-react/wasm-decoders');
       const [{ OpusDecoder }, { MPEGDecoder }] = await Promise.all([loadOpusDecoder(), loadMpegDecoder()]);
       const opus = new OpusDecoder(); await opus.ready; opus.free();
       console.log(JSON.stringify([entry.split('/').pop(), typeof OpusDecoder, typeof MPEGDecoder]));`,
    ]);
    expect(JSON.parse(esm)).toEqual(['wasm-decoders-server.js', 'function', 'function']);
    const cjs = runNode(consumer.dir, [
      '-e',
      `const decoders = require('cosyvoice-react/wasm-decoders');
       decoders.loadMpegDecoder().then(({ MPEGDecoder }) => console.log(JSON.stringify([require.resolve('cosyvoice-react/wasm-decoders').split('/').pop(), typeof MPEGDecoder])));`,
    ]);
    expect(JSON.parse(cjs)).toEqual(['wasm-decoders-server.cjs', 'function']);
  });

  it('gives a browser bundle both decoders, each in a lazily loaded chunk of its own, without a warning', async () => {
    const browser = await bundle({ platform: 'browser' });
    expect(browser.warnings).toEqual([]);
    expect(browser.inputs.some((input) => input.endsWith('dist/wasm-decoders.js'))).toBe(true);
    expect(browser.entry).not.toContain(OPUS_DECODER_CODE);
    expect(browser.entry).not.toContain(MP3_DECODER_CODE);
    expect(browser.lazy.filter((code) => code.includes(OPUS_DECODER_CODE) && !code.includes(MP3_DECODER_CODE))).toHaveLength(1);
    expect(browser.lazy.filter((code) => code.includes(MP3_DECODER_CODE) && !code.includes(OPUS_DECODER_CODE))).toHaveLength(1);
  });

  const servers: Array<[string, BuildOptions]> = [
    ['Node (server rendering)', { platform: 'node' }],
    ['React Server Components', { platform: 'node', conditions: ['react-server'] }],
    ['an edge runtime (edge-light, with the browser condition too)', { platform: 'browser', conditions: ['edge-light'] }],
    ['Cloudflare Workers (workerd)', { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'] }],
  ];
  for (const [name, options] of servers) {
    it(`keeps the decoders out of a server bundle for ${name}, without a warning`, async () => {
      const server = await bundle(options);
      expect(server.warnings).toEqual([]);
      expect(server.inputs.some((input) => input.endsWith('dist/wasm-decoders-server.js'))).toBe(true);
      expect(server.inputs.filter((input) => /opus-decoder|mpg123-decoder|web-worker/.test(input))).toEqual([]);
      for (const code of [server.entry, ...server.lazy]) {
        expect(code).not.toContain(OPUS_DECODER_CODE);
        expect(code).not.toContain(MP3_DECODER_CODE);
      }
    });
  }
});
