// What playback imports from `cosyvoice-react/core`, file by file, for the React entry's build only
// (tsup.config.ts aliases the specifier here there). The core barrel re-exports every engine class; when
// the React entry's build went through it, the engine its hooks load with `import()` became a chunk
// that entry imports statically, so every app downloaded it up front. Types still come from the barrel.
// A value playback imports that is missing here fails that build (esbuild: no matching export).
export { AudioFormat, resolveAudioFormat } from '../core/AudioFormat';
export { SynthesisError } from '../core/errors';
export { findWordIndexAt } from '../core/WordTimeline';
