// `cosyvoice-react/playback`: the browser players and what a custom player needs (the decoders, the
// worklet source for a strict CSP). Both players implement the core's `Player` interface.
export { createAudioPlayer } from './createAudioPlayer';
export type { AudioPlayerOptions } from './createAudioPlayer';
export { createSilentPlayer } from './createSilentPlayer';
export type { SilentPlayerOptions } from './createSilentPlayer';
export { DEFAULT_BROWSER_FORMAT } from './DEFAULT_BROWSER_FORMAT';
export type { FrameScheduler } from './FrameScheduler';
export { PLAYER_WORKLET_SOURCE } from './playerWorkletSource';
export { createStreamDecoder } from './createStreamDecoder';
export type { DecoderSink, StreamDecoder } from './StreamDecoder';
export type { EndedReason, Player, PlayerDiagnostics, PlayerSnapshot, PlayerState, ResetOptions, TimelineSource } from 'cosyvoice-react/core';
export type { CodecDecoderOptions } from './CodecStreamDecoder';
