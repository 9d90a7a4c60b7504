// `cosyvoice-react/core`: everything that needs no React and no DOM — the SDK (`SpeechSynthesizer`),
// the framework-agnostic speech controllers, transports, formats, limits, timeline, voices, errors, and
// the one `Player` interface that players implement. Node scripts and other UI frameworks use it.
// Lower-level pieces (protocol frames, byte scanners) stay internal.

// Synthesis (the SDK)
export { SpeechSynthesizer, isTerminalState } from './SpeechSynthesizer';
export type { CompletionOptions, SpeechSynthesizerOptions, SynthesisCallback, SynthesizerState } from './SpeechSynthesizer';
export { validateSynthesisParameters, LANGUAGE_HINTS } from './parameters';
export type { HotFix, LanguageHint, SynthesisParameters } from './parameters';
export type { ServerEvent, ResultGeneratedEvent, ResultType, TaskFailedEvent, TaskFinishedEvent, TaskStartedEvent, UnknownEvent, Usage, WireWord } from './protocol';

// Speech controllers (what the React hooks adapt) and the player they drive
export { IDLE_SPEECH_SNAPSHOT } from './IDLE_SPEECH_SNAPSHOT';
export { SpeechController } from './SpeechController';
export type { SpeakOptions, SpeechCallbacks, SpeechControllerOptions, SpeechMetrics, SpeechOptions, SpeechSnapshot, SpeechStatus } from './SpeechController';
export { splitHeardText } from './splitHeardText';
export type { HeardText } from './splitHeardText';
export { StreamingSpeechController } from './StreamingSpeechController';
export type { StreamingSpeechControllerOptions } from './StreamingSpeechController';
export { ReadAloudController, SYNTHESIS_AHEAD_MS } from './ReadAloudController';
export type { ReadAloudControllerOptions, ReadAloudSnapshot, ReadAloudStatus } from './ReadAloudController';
export type { ReadableStreamLike } from './openTextSource';
export type { EndedReason, Player, PlayerDiagnostics, PlayerSnapshot, PlayerState, ResetOptions, TimelineSource } from './Player';
export { MAX_PLAYBACK_RATE, MIN_PLAYBACK_RATE } from './checkPlaybackRate';

// Transports
export { ConnectionPool } from './ConnectionPool';
export type { ConnectionPoolOptions, ConnectionPoolStats } from './ConnectionPool';
export { directTransport, workspaceUrls, DASHSCOPE_HTTP_URLS, DASHSCOPE_WEBSOCKET_URLS } from './directTransport';
export type { DashScopeRegion, DirectTransportOptions } from './directTransport';
export { proxyTransport } from './proxyTransport';
export type { ProxyTransportOptions } from './proxyTransport';
export { memoryTransport } from './memoryTransport';
export type { MemoryConnectionHandler, MemoryPeer, MemoryPeerListener, MemoryTransportOptions } from './memoryTransport';
export type { SynthesisToken, TokenProvider, Transport, TransportHttp, TransportSocket, TransportSocketHandlers } from './Transport';
export { cachingTransport } from './cachingTransport';
export type { CachingTransportOptions } from './cachingTransport';
export { createCacheStorageCache } from './createCacheStorageCache';
export type { CacheStorageCacheOptions } from './createCacheStorageCache';
export { MemorySynthesisCache } from './MemorySynthesisCache';
export type { MemorySynthesisCacheOptions } from './MemorySynthesisCache';
export type { SynthesisCache } from './SynthesisCache';
export type { FetchLike } from './httpJson';
export type { WebSocketConstructor, WebSocketLike } from './webSocketConnection';

// Formats and audio
export { AudioFormat, DEFAULT_AUDIO_FORMAT, SUPPORTED_CONTAINERS, SUPPORTED_SAMPLE_RATES, audioMimeType, findAudioFormat, resolveAudioFormat } from './AudioFormat';
export type { AudioContainer, AudioFormatName, AudioFormatSpec, AudioSampleRate } from './AudioFormat';
export { encodeWav } from './encodeWav';

// Text and limits
export { countCharacters, isSsml, stripSsml, MAX_CHARACTERS_PER_MESSAGE, MAX_CHARACTERS_PER_TASK, MAX_INSTRUCTION_CHARACTERS } from './countCharacters';
export { splitText } from './splitText';

// Sentences and words of a text (for reading regions, navigation, click-to-read)
export { segmentText, segmentWords, spanIndexAt, warmUpSegmenter } from './segmentText';
export type { SegmentTextOptions, SegmentWordsOptions, SentenceSpan, TextSegmentation, TextSpan, WordSpan } from './segmentText';
export { locateWord } from './locateWord';
export type { LocatableWord } from './locateWord';

// Word timeline
export { WordTimeline, findWordIndexAt, timelineToWebVTT, wordsToWebVTT } from './WordTimeline';
export type { SentenceInput, TimelineSentence, TimelineWord, WordTimeBase } from './WordTimeline';

// Voices
export { SYSTEM_VOICES, CATALOG_MODELS, INSTRUCTION_EMOTIONS, SYSTEM_VOICE_INSTRUCTIONS, filterVoices, findVoice, systemVoiceInstruction } from './voiceCatalog';
export type { CatalogModel, InstructionEmotion, Voice, VoiceFilter } from './voiceCatalog';
export { customVoiceToVoice, listCustomVoices, requestTemporaryToken } from './customVoices';
export type { CustomVoiceEntry } from './customVoices';

// Errors
export { ConnectionError, ProtocolError, SynthesisError, TaskFailedError, ValidationError, isSynthesisError } from './errors';
export type { SynthesisErrorCode, SynthesisErrorOptions } from './errors';
