import { readdirSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: false,
  target: 'es2022',
  external: ['react', 'react-dom', '@tanstack/react-query', 'ws'],
};

// Node-only server code: encoders stay external, and espeak-ng (GPL-3.0) is never bundled.
const serverExternal = [...shared.external!, 'wasm-media-encoders', 'opus-encdec', '@echogarden/espeak-ng-emscripten'];
// The WASM decoders are fallbacks loaded on demand only where WebCodecs is missing, through the
// `cosyvoice-react/wasm-decoders` entry, which the app's bundler resolves by its export conditions
// (the browser build loads them; the server build keeps them out of server bundles).
const wasmDecoders = ['opus-decoder', 'mpg123-decoder'];
const playbackExternal = [...shared.external!, ...wasmDecoders, 'cosyvoice-react/wasm-decoders'];

function reactEntryAlias(options: { alias?: Record<string, string> }): void {
  options.alias = { 'cosyvoice-react/core': './src/playback/coreForReactEntry.ts' };
}

// The React entry's ES build emits every source module it can reach as its own file (under dist/modules/).
// Code splitting alone groups modules by which entries reach them, so the code the root entry shares with
// the speech engine it loads on first intent became one chunk; an app's bundler splits by module, so it
// took that whole chunk into the initial load (protocol, segmentation and all) once it used any of it.
// One file per module lets the app's bundler keep the engine's share in the engine's chunk.
function moduleEntries(folders: string[]): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const folder of folders) {
    for (const name of readdirSync(`src/${folder}`)) {
      const match = /^(\w+)\.tsx?$/.exec(name);
      if (!match || match[1] === 'index') continue;
      entries[`modules/${folder}/${match[1]}`] = `src/${folder}/${name}`;
    }
  }
  return entries;
}

export default defineConfig([
  // The React entry keeps its "use client" directive (an entry file's directive survives esbuild).
  // 'neutral', not 'browser': esbuild would bake process.env.NODE_ENV in as "development" for browsers, shipping
  // dev-only warnings to production; left as is, the app's bundler decides.
  // Playback's `cosyvoice-react/core` imports resolve file by file (see src/playback/coreForReactEntry.ts), so
  // the speech engine the hooks load on first intent stays out of the chunks the entry imports statically.
  {
    ...shared,
    format: ['esm'],
    entry: { index: 'src/index.ts', ...moduleEntries(['core', 'dom', 'playback', 'hooks', 'hooks/internal', 'components']) },
    dts: { entry: { index: 'src/index.ts' } },
    platform: 'neutral',
    external: playbackExternal,
    esbuildOptions: reactEntryAlias,
  },
  { ...shared, format: ['cjs'], entry: { index: 'src/index.ts' }, platform: 'neutral', external: playbackExternal, esbuildOptions: reactEntryAlias },
  { ...shared, entry: { core: 'src/core/index.ts' }, platform: 'neutral' },
  // The DOM reading layer on its own, for other UI frameworks; the React entry bundles what it uses.
  { ...shared, entry: { dom: 'src/dom/index.ts' }, platform: 'neutral' },
  { ...shared, entry: { playback: 'src/playback/index.ts' }, platform: 'neutral', external: [...playbackExternal, 'cosyvoice-react/core'] },
  { ...shared, entry: { 'wasm-decoders': 'src/wasm-decoders/index.ts' }, platform: 'neutral', external: wasmDecoders },
  { ...shared, entry: { 'wasm-decoders-server': 'src/wasm-decoders/server.ts' }, dts: false, platform: 'neutral', external: wasmDecoders },
  { ...shared, entry: { server: 'src/server/index.ts' }, platform: 'node', target: 'node20', shims: true, external: serverExternal },
  { ...shared, entry: { cli: 'src/server/cli.ts' }, format: ['esm'], dts: false, platform: 'node', target: 'node20', shims: true, external: serverExternal },
  { ...shared, entry: { 'server-browser': 'src/server/browser.ts' }, format: ['esm'], dts: false, platform: 'browser' },
]);
