// `cosyvoice-react/wasm-decoders`, the build that browsers get (export conditions `browser` and `default`).
// The player imports this entry by name, never the WASM packages themselves: server bundles resolve the
// same name to ./server.ts, so they never reach the decoders' Web Worker shim, whose Node side
// (`@eshaz/web-worker`, a computed `import()`) breaks Turbopack builds and gives webpack a warning.

/**
 * Loads `opus-decoder` (libopus in WASM) on demand: the Ogg Opus fallback where WebCodecs
 * `AudioDecoder` is missing or lacks Opus. The player calls it itself; an app never needs to.
 *
 * @example
 * const { OpusDecoder } = await loadOpusDecoder();
 */
export function loadOpusDecoder(): Promise<typeof import('opus-decoder')> {
  return import('opus-decoder');
}

/**
 * Loads `mpg123-decoder` (libmpg123 in WASM) on demand: the MP3 fallback where WebCodecs
 * `AudioDecoder` is missing or lacks MP3. The player calls it itself; an app never needs to.
 *
 * @example
 * const { MPEGDecoder } = await loadMpegDecoder();
 */
export function loadMpegDecoder(): Promise<typeof import('mpg123-decoder')> {
  return import('mpg123-decoder');
}
