export { AudioFormat, DEFAULT_AUDIO_FORMAT, SUPPORTED_CONTAINERS, SUPPORTED_SAMPLE_RATES, audioMimeType, findAudioFormat, resolveAudioFormat } from './AudioFormat';
export type { AudioContainer, AudioFormatName, AudioFormatSpec, AudioSampleRate } from './AudioFormat';
export { AudioDurationCounter, parseMp3FrameHeader, parseWavHeader } from './AudioDurationCounter';
export type { WavHeader } from './AudioDurationCounter';
export { scanOggPages } from './scanOggPages';
export { concatBytes } from './concatBytes';
export type { OggPageVisitor } from './scanOggPages';
export {
  MAX_CHARACTERS_PER_MESSAGE,
  MAX_CHARACTERS_PER_TASK,
  MAX_INSTRUCTION_CHARACTERS,
  countCharacters,
  isCjkIdeograph,
  isSsml,
  stripSsml,
} from './countCharacters';
export { ConnectionError, ProtocolError, SynthesisError, TaskFailedError, ValidationError, isSynthesisError, redactUrl, toSynthesisError } from './errors';
export type { SynthesisErrorCode, SynthesisErrorOptions } from './errors';
export { LANGUAGE_HINTS, buildWireParameters, validateSynthesisParameters, validateText } from './parameters';
export { modelWarnings } from './modelWarnings';
export type { HotFix, LanguageHint, SynthesisParameters } from './parameters';
export {
  STREAMING_MODE,
  buildCancelTask,
  buildContinueTask,
  buildFinishTask,
  buildFlush,
  buildRunTask,
  createTaskId,
  parseServerFrame,
  serializeClientMessage,
} from './protocol';
export type {
  ClientAction,
  ClientMessage,
  ResultGeneratedEvent,
  ResultType,
  ServerEvent,
  ServerFrame,
  TaskFailedEvent,
  TaskFinishedEvent,
  TaskStartedEvent,
  UnknownEvent,
  Usage,
  WireParameters,
  WireWord,
} from './protocol';
export { SpeechSynthesizer, isTerminalState } from './SpeechSynthesizer';
export type { CompletionOptions, SpeechSynthesizerOptions, SynthesisCallback, SynthesizerState } from './SpeechSynthesizer';
export type { SynthesisToken, TokenProvider, Transport, TransportHttp, TransportSocket, TransportSocketHandlers } from './Transport';
export { DASHSCOPE_HTTP_URLS, DASHSCOPE_WEBSOCKET_URLS, directTransport, workspaceUrls } from './directTransport';
export type { DashScopeRegion, DirectTransportOptions } from './directTransport';
export { proxyTransport } from './proxyTransport';
export type { ProxyTransportOptions } from './proxyTransport';
export { memoryTransport } from './memoryTransport';
export type { MemoryConnectionHandler, MemoryPeer, MemoryPeerListener, MemoryTransportOptions } from './memoryTransport';
export type { FetchLike } from './httpJson';
export type { WebSocketConstructor, WebSocketLike } from './webSocketConnection';
export { WordTimeline, findWordIndexAt, timelineToWebVTT, wordsToWebVTT } from './WordTimeline';
export type { SentenceInput, TimelineSentence, TimelineWord, WordTimeBase } from './WordTimeline';
export {
  CATALOG_MODELS,
  INSTRUCTION_EMOTIONS,
  SYSTEM_VOICES,
  SYSTEM_VOICE_INSTRUCTIONS,
  checkVoiceForModel,
  filterVoices,
  findVoice,
  systemVoiceInstruction,
  voiceSpeaks,
} from './voiceCatalog';
export type { CatalogModel, InstructionEmotion, Voice, VoiceFilter } from './voiceCatalog';
export { CUSTOMIZATION_PATH, TOKENS_PATH, customVoiceToVoice, listCustomVoices, requestTemporaryToken } from './customVoices';
export type { CustomVoiceEntry } from './customVoices';
export { IDLE_SPEECH_SNAPSHOT, SpeechController } from './SpeechController';
export { StreamingSpeechController } from './StreamingSpeechController';
export type { ReadableStreamLike } from './StreamingSpeechController';
export type { SpeechCallbacks, SpeechControllerOptions, SpeechMetrics, SpeechSnapshot, SpeechStatus } from './SpeechController';
export type { PlaybackEngine, PlaybackSnapshot, PlaybackState } from './PlaybackEngine';
export { splitText } from './splitText';
export { encodeWav } from './encodeWav';
