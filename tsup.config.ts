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
  { ...shared, entry: { core: 'src/core/index.ts' }, platform: 'neutral' },
]);
