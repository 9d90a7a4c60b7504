import type { SpeechMetrics, SpeechSnapshot } from './SpeechController';
import type { TimelineSentence, TimelineWord } from './WordTimeline';

const EMPTY_WORDS: readonly TimelineWord[] = /* @__PURE__ */ Object.freeze([]);
const EMPTY_SENTENCES: readonly TimelineSentence[] = /* @__PURE__ */ Object.freeze([]);
const EMPTY_QUEUE: readonly string[] = /* @__PURE__ */ Object.freeze([]);
const EMPTY_METRICS: SpeechMetrics = /* @__PURE__ */ Object.freeze({ firstPackageDelayMs: undefined, timeToFirstAudioMs: undefined, requestId: undefined, characters: undefined, underruns: 0, connectionReused: undefined, connectMs: undefined });

/**
 * The snapshot of a controller that has never spoken (also what servers render). On its own so the
 * React entry's first chunk can show it without the speech engine.
 */
export const IDLE_SPEECH_SNAPSHOT: SpeechSnapshot = /* @__PURE__ */ Object.freeze({
  status: 'idle',
  error: undefined,
  words: EMPTY_WORDS,
  sentences: EMPTY_SENTENCES,
  activeWordIndex: -1,
  text: '',
  metrics: EMPTY_METRICS,
  interrupted: false,
  isComplete: false,
  utterance: 0,
  queued: EMPTY_QUEUE,
  heard: undefined,
  playbackRate: 1,
});
