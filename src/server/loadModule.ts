import { createRequire } from 'node:module';
import path from 'node:path';

// import.meta.url is empty in a CommonJS build; resolve from the working directory then.
function base(): string {
  try {
    const url = import.meta.url;
    if (url) return url;
  } catch {
    // not an ES module
  }
  return path.join(process.cwd(), 'index.js');
}

/**
 * `require` relative to this library (falling back to the app's working directory), for the CommonJS
 * and emscripten packages the server loads lazily.
 *
 * @example
 * const Module = requireFromHere('opus-encdec/dist/libopus-encoder.wasm.js');
 */
export function requireFromHere(id: string): unknown {
  try {
    return createRequire(base())(id);
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== 'MODULE_NOT_FOUND') throw error;
    return createRequire(path.join(process.cwd(), 'index.js'))(id);
  }
}

/** Resolves a package file to an absolute path the same way {@link requireFromHere} loads it. */
export function resolveFromHere(id: string): string {
  try {
    return createRequire(base()).resolve(id);
  } catch {
    return createRequire(path.join(process.cwd(), 'index.js')).resolve(id);
  }
}
