import { bindMethods } from '../../core/bindMethods';
import type { ReadAloudController, ReadAloudControllerOptions, ReadAloudSnapshot } from '../../core/ReadAloudController';
import { DEFAULT_MS_PER_CHARACTER } from '../../core/readingPace';
import { segmentText } from '../../core/segmentText';
import type { SpeechStatus } from '../../core/SpeechController';
import type { TimelineWord } from '../../core/WordTimeline';
import { LazySpeechController, type SpeechEngineSource } from './LazySpeechController';

interface ReadingListener {
  index: number;
  listener: () => void;
  kind: 'reading' | 'word' | 'sentence';
  detach?: () => void;
}

/**
 * A {@link ReadAloudController} whose engine is loaded on first intent, as {@link LazySpeechController}
 * does for `useSpeechSynthesis`: until it has arrived, the reading shows its text's words and sentences
 * (found here, so `KaraokeText` renders them from the start), keeps subscriptions, and queues what the
 * reader asked (play, a seek) after unlocking audio in the gesture; the engine then gets the text and
 * all of it, in order.
 */
export class LazyReadAloudController
  extends LazySpeechController<ReadAloudController, ReadAloudControllerOptions>
  implements Pick<ReadAloudController, keyof ReadAloudController>
{
  #text = '';
  #locale: string | undefined;
  #reading: ReadAloudSnapshot = Object.freeze({ status: 'idle', error: undefined, text: '', sentences: [], words: [], wordIndex: -1, sentenceIndex: -1, playbackRate: 1, characters: 0, tasks: 0 });
  #timeline: readonly TimelineWord[] | undefined;
  #readingListeners = new Set<ReadingListener>();

  constructor(options: ReadAloudControllerOptions, source: SpeechEngineSource<ReadAloudController, ReadAloudControllerOptions>) {
    super(options, source);
    bindMethods(this, ['setText', 'subscribeReading', 'getReadingSnapshot', 'subscribeReadingWord', 'getReadingWordState', 'subscribeReadingSentence', 'isReadingSentence', 'estimateMs', 'offsetAtMs', 'play', 'seekToWord', 'seekToSentence', 'seekToOffset', 'nextSentence', 'previousSentence']);
  }

  protected override attached(engine: ReadAloudController): void {
    // Called from the base constructor when the engine's module was there already: nothing kept yet.
    if (!(#readingListeners in this)) return;
    engine.setText(this.#text, { locale: this.#locale });
    for (const entry of this.#readingListeners) {
      entry.detach =
        entry.kind === 'reading'
          ? engine.subscribeReading(entry.listener)
          : entry.kind === 'word'
            ? engine.subscribeReadingWord(entry.index, entry.listener)
            : engine.subscribeReadingSentence(entry.index, entry.listener);
    }
    queueMicrotask(() => this.#notify());
  }

  setText(text: string, options: { locale?: string } = {}): void {
    const engine = this.engine;
    if (engine) return engine.setText(text, options);
    if (text === this.#text && options.locale === this.#locale) return;
    if (this.getSnapshot().status !== 'idle') this.stop();
    this.#text = text;
    this.#locale = options.locale;
    const { sentences, words } = segmentText(text, { locale: options.locale });
    this.#timeline = undefined;
    this.#setReading({ status: 'idle', error: undefined, text, sentences: Object.freeze(sentences), words: Object.freeze(words), wordIndex: -1, sentenceIndex: -1 });
  }

  subscribeReading(listener: () => void): () => void {
    return this.engine ? this.engine.subscribeReading(listener) : this.#defer({ index: -1, listener, kind: 'reading' });
  }

  getReadingSnapshot(): ReadAloudSnapshot {
    return this.engine ? this.engine.getReadingSnapshot() : this.#reading;
  }

  subscribeReadingWord(index: number, listener: () => void): () => void {
    return this.engine ? this.engine.subscribeReadingWord(index, listener) : this.#defer({ index, listener, kind: 'word' });
  }

  getReadingWordState(index: number): 'pending' | 'active' | 'spoken' {
    // Nothing has been heard before the engine is there.
    return this.engine ? this.engine.getReadingWordState(index) : 'pending';
  }

  subscribeReadingSentence(index: number, listener: () => void): () => void {
    return this.engine ? this.engine.subscribeReadingSentence(index, listener) : this.#defer({ index, listener, kind: 'sentence' });
  }

  isReadingSentence(index: number): boolean {
    return this.engine ? this.engine.isReadingSentence(index) : false;
  }

  get textTimeline(): readonly TimelineWord[] {
    const engine = this.engine;
    if (engine) return engine.textTimeline;
    const text = this.#text;
    return (this.#timeline ??= Object.freeze(
      this.#reading.words.map((word) => ({ text: text.slice(word.start, word.end), beginIndex: word.start, endIndex: word.end, beginMs: Number.NaN, endMs: Number.NaN, sentenceIndex: word.sentenceIndex })),
    ));
  }

  estimateMs(offset: number = this.#text.length): number {
    return this.engine ? this.engine.estimateMs(offset) : Math.round(Math.max(0, Math.min(this.#text.length, offset)) * DEFAULT_MS_PER_CHARACTER);
  }

  offsetAtMs(ms: number): number {
    return this.engine ? this.engine.offsetAtMs(ms) : Math.max(0, Math.min(this.#text.length, Math.round(Math.max(0, ms) / DEFAULT_MS_PER_CHARACTER)));
  }

  play(): void {
    const engine = this.engine;
    if (engine) return engine.play();
    this.#start((engine) => engine.play());
  }

  seekToWord(index: number): boolean {
    const engine = this.engine;
    if (engine) return engine.seekToWord(index);
    const word = this.#reading.words[index];
    return word !== undefined && this.#start((engine) => engine.seekToWord(index), word.sentenceIndex);
  }

  seekToSentence(index: number): boolean {
    const engine = this.engine;
    if (engine) return engine.seekToSentence(index);
    return this.#reading.sentences[index] !== undefined && this.#start((engine) => engine.seekToSentence(index), index);
  }

  seekToOffset(offset: number): boolean {
    const engine = this.engine;
    if (engine) return engine.seekToOffset(offset);
    const word = this.#reading.words.find((candidate) => candidate.end > offset);
    return word !== undefined && this.#start((engine) => engine.seekToOffset(offset), word.sentenceIndex);
  }

  nextSentence(): boolean {
    const engine = this.engine;
    if (engine) return engine.nextSentence();
    // Before the engine nothing is heard yet: the reading has not moved from where it will start.
    return this.later({ run: (engine) => engine.nextSentence() });
  }

  previousSentence(): boolean {
    const engine = this.engine;
    if (engine) return engine.previousSentence();
    return this.later({ run: (engine) => engine.previousSentence() });
  }

  override setPlaybackRate(rate: number): void {
    super.setPlaybackRate(rate);
    // The reading's snapshot carries the rate too (a speed control shows it): before the engine, it is kept here.
    if (!this.engine && this.#reading.playbackRate !== this.playbackRate) this.#setReading({});
  }

  override stop(): ReturnType<ReadAloudController['stop']> {
    const heard = super.stop();
    if (!this.engine && this.#reading.status !== 'idle') this.#setReading({ status: 'idle', error: undefined, wordIndex: -1 });
    return heard;
  }

  /**
   * The gesture's part of a reading asked for before the engine arrived (audio unlocked, `connecting`
   * shown), then `call` on the engine once it is there; a failed load shows the error.
   */
  #start(call: (engine: ReadAloudController) => void, sentenceIndex = this.#reading.sentenceIndex): boolean {
    if (this.#reading.words.length === 0) return false;
    this.begin(this.#text, {
      run: call,
      drop: (status: SpeechStatus) => queueMicrotask(() => this.#dropped(status)),
    });
    this.#setReading({ status: 'connecting', error: undefined, sentenceIndex });
    return true;
  }

  #dropped(status: SpeechStatus): void {
    if (this.engine) return;
    const { error } = this.getSnapshot();
    this.#setReading(status === 'error' ? { status: 'error', error } : { status: 'idle', error: undefined, wordIndex: -1 });
  }

  #defer(entry: ReadingListener): () => void {
    this.#readingListeners.add(entry);
    return () => {
      this.#readingListeners.delete(entry);
      entry.detach?.();
    };
  }

  #setReading(patch: Partial<ReadAloudSnapshot>): void {
    this.#reading = Object.freeze({ ...this.#reading, ...patch, playbackRate: this.playbackRate });
    this.#notify();
  }

  #notify(): void {
    for (const { listener } of [...this.#readingListeners]) listener();
  }
}
