import type { ReadAloudController, ReadAloudSnapshot } from '../../core/ReadAloudController';

/** What the lock screen, the headset and the system's media controls show of a reading. */
export interface ReadAloudMediaMetadata {
  /** @default the document's title, else the text's first sentence */
  title?: string;
  /** The author or the site. @default the page's host name */
  artist?: string;
  album?: string;
  /** Images for the lock screen (as `MediaMetadata` takes them), when given. */
  artwork?: ReadonlyArray<{ src: string; sizes?: string; type?: string }>;
}

// Seconds a seek-backward / seek-forward key moves when the system does not say.
const DEFAULT_SEEK_OFFSET_S = 10;
const EXCERPT_LENGTH = 80;

const ACTIONS = ['play', 'pause', 'stop', 'seekto', 'seekbackward', 'seekforward', 'previoustrack', 'nexttrack'] as const satisfies readonly MediaSessionAction[];

/**
 * A reading's Media Session, outside React: while the reading is underway it owns
 * `navigator.mediaSession` (metadata, play / pause / stop / seek, previous and next track as previous
 * and next sentence, the position state kept current); when it is over (stopped, ended, failed) it
 * clears what it set, so a page whose reading is done shows no stale player. Two readings on a page
 * take turns: the one underway owns it.
 */
export class ReadingMediaSession {
  readonly #controller: ReadAloudController;
  readonly #session: MediaSession;
  readonly #getMetadata: () => ReadAloudMediaMetadata;
  readonly #unsubscribe: () => void;
  #owned = false;
  #lastPosition: string | undefined;

  constructor(controller: ReadAloudController, session: MediaSession, getMetadata: () => ReadAloudMediaMetadata) {
    this.#controller = controller;
    this.#session = session;
    this.#getMetadata = getMetadata;
    this.#unsubscribe = controller.subscribeReading(() => this.#update());
    this.#update();
  }

  destroy(): void {
    this.#unsubscribe();
    this.#release();
  }

  #update(): void {
    const reading = this.#controller.getReadingSnapshot();
    const underway = reading.status === 'connecting' || reading.status === 'buffering' || reading.status === 'speaking' || reading.status === 'paused';
    if (!underway) {
      this.#release();
      return;
    }
    if (!this.#owned) this.#take(reading);
    this.#session.playbackState = reading.status === 'paused' ? 'paused' : 'playing';
    this.#updatePosition(reading);
  }

  #take(reading: ReadAloudSnapshot): void {
    this.#owned = true;
    const given = this.#getMetadata();
    const first = reading.sentences[0];
    const excerpt = first ? reading.text.slice(first.start, Math.min(first.end, first.start + EXCERPT_LENGTH)) : '';
    const view = globalThis as typeof globalThis & { MediaMetadata?: typeof MediaMetadata };
    if (typeof view.MediaMetadata === 'function') {
      this.#session.metadata = new view.MediaMetadata({
        title: given.title ?? (globalThis.document?.title || excerpt),
        artist: given.artist ?? globalThis.location?.hostname ?? '',
        album: given.album ?? '',
        artwork: given.artwork ? given.artwork.map((image) => ({ ...image })) : [],
      });
    }
    const controller = this.#controller;
    const seekBy = (seconds: number) => {
      const positionMs = controller.estimateMs(this.#heardOffset());
      controller.seekToOffset(controller.offsetAtMs(positionMs + seconds * 1000));
    };
    this.#setHandlers({
      play: () => controller.play(),
      pause: () => controller.pause(),
      stop: () => controller.stop(),
      seekto: (details) => {
        if (details.seekTime !== undefined) controller.seekToOffset(controller.offsetAtMs(details.seekTime * 1000));
      },
      seekbackward: (details) => seekBy(-(details.seekOffset ?? DEFAULT_SEEK_OFFSET_S)),
      seekforward: (details) => seekBy(details.seekOffset ?? DEFAULT_SEEK_OFFSET_S),
      previoustrack: () => controller.previousSentence(),
      nexttrack: () => controller.nextSentence(),
    });
  }

  #release(): void {
    if (!this.#owned) return;
    this.#owned = false;
    this.#lastPosition = undefined;
    this.#session.metadata = null;
    this.#session.playbackState = 'none';
    for (const action of ACTIONS) this.#setHandler(action, null);
    try {
      this.#session.setPositionState?.();
    } catch {
      // Browsers without position state: nothing was set.
    }
  }

  /** Where the reading is in its text: the heard word, else the current sentence's start. */
  #heardOffset(): number {
    const reading = this.#controller.getReadingSnapshot();
    const word = reading.words[reading.wordIndex];
    if (word) return word.start;
    return reading.sentences[reading.sentenceIndex]?.start ?? 0;
  }

  #updatePosition(reading: ReadAloudSnapshot): void {
    if (typeof this.#session.setPositionState !== 'function') return;
    const duration = this.#controller.estimateMs() / 1000;
    if (!(duration > 0)) return;
    const position = Math.min(duration, this.#controller.estimateMs(this.#heardOffset()) / 1000);
    const state = { duration, position, playbackRate: reading.playbackRate };
    const key = `${state.duration}:${state.position}:${state.playbackRate}`;
    if (key === this.#lastPosition) return;
    this.#lastPosition = key;
    try {
      this.#session.setPositionState(state);
    } catch {
      // A browser that refuses a state (rounding at the very end) keeps the previous one.
    }
  }

  #setHandlers(handlers: Record<(typeof ACTIONS)[number], MediaSessionActionHandler>): void {
    for (const action of ACTIONS) this.#setHandler(action, handlers[action]);
  }

  #setHandler(action: MediaSessionAction, handler: MediaSessionActionHandler | null): void {
    try {
      this.#session.setActionHandler(action, handler);
    } catch {
      // An action this browser does not know (it throws): the others still work.
    }
  }
}
