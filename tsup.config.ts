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
// The WASM decoders are fallbacks loaded by dynamic import only where WebCodecs is missing.
const playbackExternal = [...shared.external!, 'opus-decoder', 'mpg123-decoder'];

export default defineConfig([
  // The React entry keeps its "use client" directive (an entry file's directive survives esbuild).
  // 'neutral', not 'browser': esbuild would bake process.env.NODE_ENV in as "development" for browsers, shipping
  // dev-only warnings to production; left as is, the app's bundler decides.
  { ...shared, entry: { index: 'src/index.ts' }, platform: 'neutral', external: playbackExternal },
  { ...shared, entry: { core: 'src/core/index.ts' }, platform: 'neutral' },
  { ...shared, entry: { playback: 'src/playback/index.ts' }, platform: 'neutral', external: [...playbackExternal, 'cosyvoice-react/core'] },
  { ...shared, entry: { server: 'src/server/index.ts' }, platform: 'node', target: 'node20', shims: true, external: serverExternal },
  { ...shared, entry: { cli: 'src/server/cli.ts' }, format: ['esm'], dts: false, platform: 'node', target: 'node20', shims: true, external: serverExternal },
  { ...shared, entry: { 'server-browser': 'src/server/browser.ts' }, format: ['esm'], dts: false, platform: 'browser' },
]);
