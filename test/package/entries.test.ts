// The public names of each entry, pinned: adding or removing an export is a decision made here, on
// purpose, and listed in CHANGELOG.md. Types are not runtime names; these are the values.
import { describe, expect, it } from 'vitest';

const ROOT = [
  // provider and hooks
  'SpeechProvider',
  'useSpeechContext',
  'useSpeechSynthesis',
  'useStreamingSynthesis',
  'useActiveWord',
  'useWordState',
  'usePlaybackPosition',
  'useVoices',
  'CUSTOM_VOICES_QUERY_KEY',
  'useSynthesisToken',
  'useReadAloudRegion',
  'useReadAloud',
  // components
  'SpeakButton',
  'useSpeakButton',
  'KaraokeText',
  'VoicePicker',
  'useVoicePicker',
  'ReadAloud',
  'ReadAloudControls',
  'useReadAloudControls',
  'ReadAloudRegion',
  'useAnnouncer',
  // transports
  'directTransport',
  'proxyTransport',
  'memoryTransport',
  'workspaceUrls',
  'cachingTransport',
  'createCacheStorageCache',
  // formats and players
  'AudioFormat',
  'DEFAULT_BROWSER_FORMAT',
  'createAudioPlayer',
  'createSilentPlayer',
  // errors
  'SynthesisError',
  'ValidationError',
  'ConnectionError',
  'TaskFailedError',
  'ProtocolError',
  'isSynthesisError',
  // timeline, voices, text limits
  'findWordIndexAt',
  'timelineToWebVTT',
  'wordsToWebVTT',
  'SYSTEM_VOICES',
  'filterVoices',
  'findVoice',
  'systemVoiceInstruction',
  'countCharacters',
  'MAX_CHARACTERS_PER_TASK',
];

const CORE = [
  // the SDK
  'SpeechSynthesizer',
  'isTerminalState',
  'validateSynthesisParameters',
  'LANGUAGE_HINTS',
  // speech controllers (what the hooks adapt)
  'SpeechController',
  'StreamingSpeechController',
  'ReadAloudController',
  'SYNTHESIS_AHEAD_MS',
  'IDLE_SPEECH_SNAPSHOT',
  'splitHeardText',
  // playback rate limits (a speed control's range)
  'MIN_PLAYBACK_RATE',
  'MAX_PLAYBACK_RATE',
  // transports
  'ConnectionPool',
  'directTransport',
  'proxyTransport',
  'memoryTransport',
  'workspaceUrls',
  'DASHSCOPE_WEBSOCKET_URLS',
  'DASHSCOPE_HTTP_URLS',
  // the utterance cache
  'cachingTransport',
  'createCacheStorageCache',
  'MemorySynthesisCache',
  // formats
  'AudioFormat',
  'DEFAULT_AUDIO_FORMAT',
  'SUPPORTED_CONTAINERS',
  'SUPPORTED_SAMPLE_RATES',
  'audioMimeType',
  'findAudioFormat',
  'resolveAudioFormat',
  'encodeWav',
  // text and limits
  'countCharacters',
  'isSsml',
  'stripSsml',
  'splitText',
  'MAX_CHARACTERS_PER_MESSAGE',
  'MAX_CHARACTERS_PER_TASK',
  'MAX_INSTRUCTION_CHARACTERS',
  // sentences and words of a text
  'segmentText',
  'segmentWords',
  'spanIndexAt',
  'warmUpSegmenter',
  'locateWord',
  // timeline
  'WordTimeline',
  'findWordIndexAt',
  'timelineToWebVTT',
  'wordsToWebVTT',
  // voices
  'SYSTEM_VOICES',
  'CATALOG_MODELS',
  'INSTRUCTION_EMOTIONS',
  'SYSTEM_VOICE_INSTRUCTIONS',
  'filterVoices',
  'findVoice',
  'systemVoiceInstruction',
  'listCustomVoices',
  'customVoiceToVoice',
  'requestTemporaryToken',
  // errors
  'SynthesisError',
  'ValidationError',
  'ConnectionError',
  'TaskFailedError',
  'ProtocolError',
  'isSynthesisError',
];

const DOM = ['collectReadableText', 'READ_ALOUD_ATTRIBUTE', 'ReadableText', 'observeReadableText', 'diffReadableText', 'RangeHighlighter', 'DEFAULT_HIGHLIGHT_NAMES', 'HIGHLIGHT_OVERLAY_ATTRIBUTE', 'supportsCustomHighlights'];

const PLAYBACK = ['createAudioPlayer', 'createSilentPlayer', 'DEFAULT_BROWSER_FORMAT', 'PLAYER_WORKLET_SOURCE', 'createStreamDecoder'];

const names = async (specifier: string) => Object.keys(await import(/* @vite-ignore */ specifier)).sort();

describe('public entries', () => {
  it('the React entry exports the curated list of about 40 values, nothing more', async () => {
    expect(await names('cosyvoice-react')).toEqual([...ROOT].sort());
    expect(ROOT).toHaveLength(47);
  });

  it('cosyvoice-react/core exports what Node scripts and other frameworks use', async () => {
    expect(await names('cosyvoice-react/core')).toEqual([...CORE].sort());
  });

  it('cosyvoice-react/playback exports the players and what a custom player needs', async () => {
    expect(await names('cosyvoice-react/playback')).toEqual([...PLAYBACK].sort());
  });

  it('cosyvoice-react/dom exports the DOM reading layer (no React)', async () => {
    expect(await names('cosyvoice-react/dom')).toEqual([...DOM].sort());
  });

  it('lists no name twice', () => {
    for (const list of [ROOT, CORE, DOM, PLAYBACK]) expect(new Set(list).size).toBe(list.length);
  });
});
