'use client';
// The React entry: what an application uses, listed name by name (a test pins the list, so a name is
// added on purpose). Lower-level pieces live on `cosyvoice-react/core` (Node scripts, other frameworks)
// and `cosyvoice-react/playback` (custom players); the rest is internal.

// Provider and hooks
export { SpeechProvider, useSpeechContext } from './hooks/SpeechProvider';
export type { SpeechContextValue, SpeechProviderProps } from './hooks/SpeechProvider';
export { useSpeechSynthesis } from './hooks/useSpeechSynthesis';
export type { UseSpeechSynthesisOptions, UseSpeechSynthesisResult } from './hooks/useSpeechSynthesis';
export { useStreamingSynthesis } from './hooks/useStreamingSynthesis';
export type { UseStreamingSynthesisOptions, UseStreamingSynthesisResult } from './hooks/useStreamingSynthesis';
export type { SpeechState } from './hooks/useSpeechState';
export type { SpeechSource } from './hooks/SpeechSource';
export { useActiveWord } from './hooks/useActiveWord';
export { useWordState } from './hooks/useWordState';
export { usePlaybackPosition } from './hooks/usePlaybackPosition';
export type { UsePlaybackPositionOptions } from './hooks/usePlaybackPosition';
export { CUSTOM_VOICES_QUERY_KEY, useVoices } from './hooks/useVoices';
export type { UseVoicesResult } from './hooks/useVoices';
export { useSynthesisToken } from './hooks/useSynthesisToken';
export { useReadAloudRegion } from './hooks/useReadAloudRegion';
export type { UseReadAloudRegionOptions, UseReadAloudRegionResult } from './hooks/useReadAloudRegion';
export type { RegionContentChangePolicy } from './hooks/internal/RegionReading';
export { useReadAloud } from './hooks/useReadAloud';
export type { UseReadAloudOptions, UseReadAloudResult } from './hooks/useReadAloud';
export type { ReadAloudMediaMetadata } from './hooks/internal/ReadingMediaSession';
export type { ReadAloudController, ReadAloudSnapshot, ReadAloudStatus } from './core/ReadAloudController';
export type { CollectReadableTextOptions } from './dom/collectReadableText';
export type { HighlightMode } from './dom/RangeHighlighter';
export type { UseSynthesisTokenOptions, UseSynthesisTokenResult } from './hooks/useSynthesisToken';
export type { SpeakOptions, SpeechCallbacks, SpeechController, SpeechMetrics, SpeechOptions, SpeechSnapshot, SpeechStatus } from './core/SpeechController';
export type { HeardText } from './core/splitHeardText';
export type { ConnectionPool, ConnectionPoolOptions, ConnectionPoolStats } from './core/ConnectionPool';
export type { SynthesisParameters } from './core/parameters';

// Components
export { SpeakButton, useSpeakButton } from './components/SpeakButton';
export type { SpeakButtonAction, SpeakButtonLabels, SpeakButtonProps, SpeakButtonRenderState, SpeakButtonSpeech, UseSpeakButtonOptions, UseSpeakButtonResult } from './components/SpeakButton';
export { KaraokeText } from './components/KaraokeText';
export type { KaraokeTextLabels, KaraokeTextProps, KaraokeTextReading, KaraokeTextSpeech, WordState } from './components/KaraokeText';
export { VoicePicker, useVoicePicker } from './components/VoicePicker';
export type { UseVoicePickerOptions, UseVoicePickerResult, VoiceGroup, VoicePickerLabels, VoicePickerProps, VoicePickerRootProps, VoicePickerState } from './components/VoicePicker';
export { ReadAloud } from './components/ReadAloud';
export type { ReadAloudProps } from './components/ReadAloud';
export { ReadAloudControls, useReadAloudControls } from './components/ReadAloudControls';
export type { ReadAloudButtonProps, ReadAloudControlsLabels, ReadAloudControlsProps, ReadAloudControlsReading, UseReadAloudControlsOptions, UseReadAloudControlsResult } from './components/ReadAloudControls';
export { ReadAloudRegion } from './components/ReadAloudRegion';
export type { ReadAloudRegionLabels, ReadAloudRegionProps } from './components/ReadAloudRegion';
export { useAnnouncer } from './components/useAnnouncer';

// Transports
export { directTransport, workspaceUrls } from './core/directTransport';
export type { DashScopeRegion, DirectTransportOptions } from './core/directTransport';
export { proxyTransport } from './core/proxyTransport';
export type { ProxyTransportOptions } from './core/proxyTransport';
export { memoryTransport } from './core/memoryTransport';
export type { MemoryConnectionHandler, MemoryPeer, MemoryPeerListener, MemoryTransportOptions } from './core/memoryTransport';
export type { SynthesisToken, TokenProvider, Transport } from './core/Transport';
export { cachingTransport } from './core/cachingTransport';
export type { CachingTransportOptions } from './core/cachingTransport';
export { createCacheStorageCache } from './core/createCacheStorageCache';
export type { CacheStorageCacheOptions } from './core/createCacheStorageCache';
export type { SynthesisCache } from './core/SynthesisCache';

// Audio formats and players
export { AudioFormat } from './core/AudioFormat';
export type { AudioFormatName, AudioFormatSpec } from './core/AudioFormat';
export { DEFAULT_BROWSER_FORMAT } from './playback/DEFAULT_BROWSER_FORMAT';
export { createAudioPlayer } from './playback/createAudioPlayer';
export type { AudioPlayerOptions } from './playback/createAudioPlayer';
export { createSilentPlayer } from './playback/createSilentPlayer';
export type { SilentPlayerOptions } from './playback/createSilentPlayer';
export type { EndedReason, Player, PlayerSnapshot, PlayerState } from './core/Player';

// Errors
export { ConnectionError, ProtocolError, SynthesisError, TaskFailedError, ValidationError, isSynthesisError } from './core/errors';
export type { SynthesisErrorCode } from './core/errors';

// Timeline, voices and text limits
export { findWordIndexAt, timelineToWebVTT, wordsToWebVTT } from './core/WordTimeline';
export type { TimelineSentence, TimelineWord } from './core/WordTimeline';
export { SYSTEM_VOICES, filterVoices, findVoice, systemVoiceInstruction } from './core/voiceCatalog';
export type { Voice, VoiceFilter } from './core/voiceCatalog';
export { MAX_CHARACTERS_PER_TASK, countCharacters } from './core/countCharacters';
