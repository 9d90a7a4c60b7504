import { useCallback, useMemo } from 'react';
import { audioMimeType, resolveAudioFormat } from '../core/AudioFormat';
import { encodeWav } from '../core/encodeWav';
import type { SpeechController, SpeechSnapshot } from '../core/index';
import { timelineToWebVTT } from '../core/WordTimeline';
import { isActiveStatus } from './useSpeech';

/** What both speech hooks return besides their actions. */
export interface SpeechState extends SpeechSnapshot {
  /** `true` while an utterance is underway (connecting, buffering, speaking or paused). */
  isActive: boolean;
  /** The whole audio as a file once it has all arrived (PCM is wrapped as WAV), for download. */
  audio: Blob | undefined;
  /** WebVTT captions of the timeline so far. */
  captions(): string;
  /** The underlying controller (for granular hooks such as `useActiveWord`). */
  controller: SpeechController;
}

/**
 * Derives the shared parts of a speech hook's result from the controller's snapshot: the audio file
 * once complete, the captions, `isActive`.
 */
export function useSpeechState(controller: SpeechController, snapshot: SpeechSnapshot): SpeechState {
  const audio = useMemo(() => {
    if (!snapshot.isComplete || typeof Blob === 'undefined') return undefined;
    const complete = controller.getAudio();
    if (!complete) return undefined;
    const format = resolveAudioFormat(complete.format);
    if (format.format === 'pcm') return new Blob([encodeWav(complete.chunks, format.sampleRate) as Uint8Array<ArrayBuffer>], { type: 'audio/wav' });
    return new Blob(complete.chunks as Uint8Array<ArrayBuffer>[], { type: audioMimeType(format) });
  }, [controller, snapshot.isComplete, snapshot.utterance]);
  const { words, sentences } = snapshot;
  const captions = useCallback(() => timelineToWebVTT(sentences, words), [sentences, words]);
  return { ...snapshot, isActive: isActiveStatus(snapshot.status), audio, captions, controller };
}
