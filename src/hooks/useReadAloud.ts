import { useCallback, useEffect, useSyncExternalStore } from 'react';
import type { ReadAloudController, ReadAloudControllerOptions, ReadAloudSnapshot } from '../core/ReadAloudController';
import { checkLookaheadCharacters } from '../core/checkLookaheadCharacters';
import type { SpeechOptions } from '../core/SpeechController';
import type { StreamingSpeechControllerOptions } from '../core/StreamingSpeechController';
import { LazyReadAloudController } from './internal/LazyReadAloudController';
import { readAloudControllerSource } from './internal/readAloudControllerSource';
import { ReadingMediaSession, type ReadAloudMediaMetadata } from './internal/ReadingMediaSession';
import { useIsomorphicLayoutEffect } from './internal/useIsomorphicLayoutEffect';
import { useLatestRef } from './internal/useLatestRef';
import { useSpeechControllerInstance } from './internal/useSpeechControllerInstance';
import { isActiveStatus } from './useSpeech';

/** Options of {@link useReadAloud}: the one {@link SpeechOptions} shape, and how the text is cut. */
export interface UseReadAloudOptions extends SpeechOptions {
  /** The text's language (BCP 47), for its sentence and word boundaries. @default the runtime's locale */
  locale?: string;
  /**
   * Counted characters per synthesis task (a longer text is split at sentence boundaries into several
   * tasks of one reading). Lower it only to test the split. @default 200 000
   */
  maxCharactersPerTask?: number;
  /**
   * While the reading's audio is still arriving, keep a second socket of the provider's pool warm, so
   * that going beyond the audio received starts at once (the running task holds its socket until the
   * service has sent what it was given). `false` saves that connection. @default true
   */
  spareConnection?: boolean;
  /**
   * Counted characters sent to the service at a time: the text goes out a window at a time, the next
   * one when less than 30 s of received audio is left to hear. A window still arriving when the reader
   * goes elsewhere is received to its end, so only a jump into it re-sends text (its text from that
   * word on). `Infinity` sends the rest of the text at once. @default 1500
   */
  lookaheadCharacters?: number;
  /**
   * The lock screen, headset and media keys (`navigator.mediaSession`, where the browser has it):
   * while this reading is underway, its metadata (title, artist or site, artwork when given), play /
   * pause / stop / seek, previous and next track as previous and next sentence, and the position kept
   * current; cleared when the reading stops, ends or fails. `false` leaves the Media Session alone.
   * @default {} (title: the document's title; artist: the page's host)
   */
  mediaSession?: ReadAloudMediaMetadata | false;
}

/** What {@link useReadAloud} returns: the reading's state and stable actions. */
export interface UseReadAloudResult extends ReadAloudSnapshot {
  /** `true` while a reading is underway (connecting, buffering, speaking or paused). */
  isActive: boolean;
  /** The controller behind it (for granular hooks such as `useActiveWord`, and for `KaraokeText`). */
  controller: ReadAloudController;
  /** Plays: resumes after `pause`, else reads from where a stopped reading was (the start after the end). Call it from a click. */
  play(): void;
  pause(): void;
  /** Stops; the audio received stays for the next `play`. */
  stop(): void;
  /** Reads from word `index` of `words` (the text's words), at once if its audio has arrived, else from a new task there. */
  seekToWord(index: number): boolean;
  /** Reads from the start of sentence `index` of `sentences`. */
  seekToSentence(index: number): boolean;
  /** Reads from the word at (or after) `offset` of the text (a click or a selection). */
  seekToOffset(offset: number): boolean;
  nextSentence(): boolean;
  previousSentence(): boolean;
  /** Plays faster or slower with the pitch kept, 0.5–2, at once; nothing is requested again. Throws outside 0.5–2. */
  setPlaybackRate(rate: number): void;
}

function createReadAloudController(reading: Pick<ReadAloudControllerOptions, 'maxCharactersPerTask' | 'spareConnection' | 'lookaheadCharacters'>) {
  // The engine loads on first intent (see LazySpeechController); the facade has its whole surface.
  return (options: StreamingSpeechControllerOptions) => new LazyReadAloudController({ ...options, ...reading }, readAloudControllerSource) as unknown as ReadAloudController;
}

/**
 * A steerable read-aloud player for one text: play / pause / stop, go to any word or sentence,
 * previous / next sentence and speed, with the heard word and sentence as indexes into the text's own
 * words and sentences (`words`, `sentences`: offsets into `text`), whichever part of the text the audio
 * came from.
 *
 * It stands beside `useSpeechSynthesis` rather than extending it: `useSpeechSynthesis` speaks texts
 * that come and go (`speak(text)`, a queue, the download of one utterance), while a reading is bound to
 * one text and made of many requests (one per part the reader jumped to, and per 200 000 characters);
 * its audio is kept per part of the text so going back is never requested again. Both take the same
 * options and run on the provider's connection pool.
 *
 * Re-renders on every change of the reading's state (status, heard word, sentence): a component that
 * shows only the word should use `useActiveWord(result.controller)`.
 *
 * @example
 * const reading = useReadAloud(article, { voice: 'longanyang' });
 * <button onClick={reading.play} data-state={reading.status}>Play</button>
 * <button onClick={reading.nextSentence}>Next sentence</button>
 */
export function useReadAloud(text: string, options: UseReadAloudOptions = {}): UseReadAloudResult {
  const { locale, maxCharactersPerTask, spareConnection, lookaheadCharacters, mediaSession = {}, ...speechOptions } = options;
  // Checked here too: the engine that checks it may arrive later, outside this render.
  if (lookaheadCharacters !== undefined) checkLookaheadCharacters(lookaheadCharacters);
  const controller = useSpeechControllerInstance('useReadAloud', speechOptions, createReadAloudController({ maxCharactersPerTask, spareConnection, lookaheadCharacters }));
  useIsomorphicLayoutEffect(() => {
    controller.setText(text, { locale });
  }, [controller, text, locale]);
  const metadata = useLatestRef(mediaSession);
  const useMediaSession = mediaSession !== false;
  useEffect(() => {
    const session = typeof navigator === 'undefined' ? undefined : navigator.mediaSession;
    if (!useMediaSession || !session) return undefined;
    const binding = new ReadingMediaSession(controller, session, () => metadata.current || {});
    return () => binding.destroy();
  }, [controller, useMediaSession, metadata]);
  const snapshot = useSyncExternalStore(
    useCallback((listener: () => void) => controller.subscribeReading(listener), [controller]),
    controller.getReadingSnapshot,
    controller.getReadingSnapshot,
  );
  return {
    ...snapshot,
    isActive: isActiveStatus(snapshot.status),
    controller,
    play: controller.play,
    pause: controller.pause,
    stop: controller.stop,
    seekToWord: controller.seekToWord,
    seekToSentence: controller.seekToSentence,
    seekToOffset: controller.seekToOffset,
    nextSentence: controller.nextSentence,
    previousSentence: controller.previousSentence,
    setPlaybackRate: controller.setPlaybackRate,
  };
}
