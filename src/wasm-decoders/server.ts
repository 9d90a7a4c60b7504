// `cosyvoice-react/wasm-decoders` for servers (export conditions `node`, `react-server`, `edge-light`,
// `workerd`). Server rendering never decodes audio, so a server bundle must not contain the decoders:
// the package name is a value the bundlers are told not to follow (webpack, Turbopack and Vite by their
// comments; esbuild and Rollup leave a computed `import()` alone). Plain Node still loads them when
// asked (scripts, benchmarks, decoding tests), from the package's own dependencies.

function loadUnbundled(name: string): Promise<unknown> {
  return import(/* webpackIgnore: true */ /* turbopackIgnore: true */ /* @vite-ignore */ name);
}

/**
 * Loads `opus-decoder` in Node, out of reach of server bundlers (see the browser build for what it is).
 *
 * @example
 * const { OpusDecoder } = await loadOpusDecoder();
 */
export function loadOpusDecoder(): Promise<typeof import('opus-decoder')> {
  return loadUnbundled('opus-decoder') as Promise<typeof import('opus-decoder')>;
}

/**
 * Loads `mpg123-decoder` in Node, out of reach of server bundlers (see the browser build for what it is).
 *
 * @example
 * const { MPEGDecoder } = await loadMpegDecoder();
 */
export function loadMpegDecoder(): Promise<typeof import('mpg123-decoder')> {
  return loadUnbundled('mpg123-decoder') as Promise<typeof import('mpg123-decoder')>;
}
