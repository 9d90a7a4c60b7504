// The hooks layer (internal barrel: the package's root entry picks its public names in src/index.ts).
export { SpeechProvider, useOptionalSpeechContext, useSpeechContext } from './SpeechProvider';
export type { SpeechContextValue, SpeechProviderProps } from './SpeechProvider';
export { useSpeechSynthesis } from './useSpeechSynthesis';
export type { UseSpeechSynthesisOptions, UseSpeechSynthesisResult } from './useSpeechSynthesis';
export { useStreamingSynthesis } from './useStreamingSynthesis';
export type { UseStreamingSynthesisOptions, UseStreamingSynthesisResult } from './useStreamingSynthesis';
export { useSpeechState } from './useSpeechState';
export type { SpeechState } from './useSpeechState';
export { controllerOf } from './SpeechSource';
export type { SpeechSource } from './SpeechSource';
export { useActiveWord } from './useActiveWord';
export { useWordState } from './useWordState';
export { usePlaybackPosition } from './usePlaybackPosition';
export type { UsePlaybackPositionOptions } from './usePlaybackPosition';
export { CUSTOM_VOICES_QUERY_KEY, useVoices } from './useVoices';
export type { UseVoicesResult } from './useVoices';
export { useSynthesisToken } from './useSynthesisToken';
export type { UseSynthesisTokenOptions, UseSynthesisTokenResult } from './useSynthesisToken';
