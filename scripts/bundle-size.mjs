// Measures what an app pays for SpeakButton + KaraokeText from the built React entry
// (minified + gzip; React, react-dom and react-query excluded) and checks it against a guard budget.
// The design's target is 12 kB; the guard is what is reached plus a small margin (see README, Performance).
// Bundled with code splitting, as apps are: the figure is the initial load, the entry chunk and every
// chunk it imports statically (shared code esbuild split out because a lazy chunk uses it too); chunks
// reached only by dynamic import() (loaded when used: the speech engine on first intent, the voice/model
// check, KaraokeText's ranges mode) are reported beside it.
// Usage: node scripts/bundle-size.mjs [--json]
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUDGET_BYTES = 9 * 1024;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function measure(names = ['SpeakButton', 'KaraokeText']) {
  const result = await build({
    stdin: { contents: `export { ${names.join(', ')} } from ${JSON.stringify(path.join(root, 'dist/index.js'))};`, resolveDir: root, loader: 'js', sourcefile: 'entry.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir: path.join(root, '.tmp-bundle-size'),
    entryNames: 'entry',
    metafile: true,
    write: false,
    treeShaking: true,
    external: ['react', 'react-dom', 'react/jsx-runtime', '@tanstack/react-query', 'opus-decoder', 'mpg123-decoder'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const entry = result.outputFiles.find((file) => path.basename(file.path) === 'entry.js');
  const outputPath = (file) => path.relative(root, file.path);
  const byPath = new Map(result.outputFiles.map((file) => [outputPath(file), file]));
  const initial = new Set([entry]);
  const pending = [entry];
  while (pending.length > 0) {
    for (const imported of result.metafile.outputs[outputPath(pending.pop())]?.imports ?? []) {
      const file = byPath.get(imported.path);
      if (imported.kind === 'import-statement' && file && !initial.has(file)) {
        initial.add(file);
        pending.push(file);
      }
    }
  }
  const lazy = result.outputFiles.filter((file) => !initial.has(file) && file.path.endsWith('.js'));
  const gzip = (bytes) => gzipSync(bytes, { level: 9 }).byteLength;
  const initialFiles = [...initial];
  return {
    names,
    minifiedBytes: initialFiles.reduce((sum, file) => sum + file.contents.byteLength, 0),
    gzipBytes: initialFiles.reduce((sum, file) => sum + gzip(file.contents), 0),
    initialChunks: initialFiles.length,
    lazyChunksGzipBytes: lazy.map((file) => gzip(file.contents)),
    budgetBytes: BUDGET_BYTES,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await measure();
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else console.log(`SpeakButton + KaraokeText: ${(figures.gzipBytes / 1024).toFixed(1)} kB min+gzip (budget ${BUDGET_BYTES / 1024} kB); lazy chunks: ${figures.lazyChunksGzipBytes.map((b) => `${(b / 1024).toFixed(1)} kB`).join(', ') || 'none'}`);
  process.exit(figures.gzipBytes <= BUDGET_BYTES ? 0 : 1);
}
