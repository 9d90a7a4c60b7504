import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: false,
  target: 'es2022',
  external: ['react', 'react-dom', '@tanstack/react-query', 'ws'],
};

export default defineConfig([
  // The React entry keeps its "use client" directive (an entry file's directive survives esbuild).
  { ...shared, entry: { index: 'src/index.ts' }, platform: 'browser' },
  { ...shared, entry: { core: 'src/core/index.ts' }, platform: 'neutral' },
]);
