import { bindMethods } from './bindMethods';
import { MAX_CHARACTERS_PER_MESSAGE, MAX_CHARACTERS_PER_TASK, countCharacters } from './countCharacters';
import type { SynthesisError } from './errors';
import { checkLookaheadCharacters } from './checkLookaheadCharacters';
import type { SynthesisParameters } from './parameters';
import { IndexedListeners } from './IndexedListeners';
import { locateWord } from './locateWord';
import { splitText } from './splitText';
import { DEFAULT_MS_PER_CHARACTER } from './readingPace';
import { segmentText, spanIndexAt, type SentenceSpan, type WordSpan } from './segmentText';
import { SpeechController, type SpeechControllerOptions, type SpeechStatus } from './SpeechController';
import type { Utterance } from './Utterance';
import type { TimelineWord } from './WordTimeline';

/**
 * Where a reading is: `idle` (none, or stopped), `connecting`, `buffering` (waiting for audio, also
 * while it moves to another part of the text), `speaking`, `paused`, `ended` (read to the end) or
 * `error`. Rendered as `data-state` by the read-aloud components.
 */
export type ReadAloudStatus = SpeechStatus;

/** The state of a {@link ReadAloudController}'s reading; a new object only when something in it changes. */
export interface ReadAloudSnapshot {
  status: ReadAloudStatus;
  /** Why `status` is `error`. */
  error: SynthesisError | undefined;
  /** The text being read (what `setText` got). */
  text: string;
  /** The text's sentences, with offsets into `text` (the reading's one timeline of places). */
  sentences: readonly SentenceSpan[];
  /** The text's words, with offsets into `text`. */
  words: readonly WordSpan[];
  /** The word being heard, as an index into `words`, or -1. */
  wordIndex: number;
  /** The sentence being heard (or where the reading will go on from), as an index into `sentences`, or -1. */
  sentenceIndex: number;
  /** The playback rate (0.5–2, pitch kept). */
  playbackRate: number;
  /** Billed characters over every task of this reading, as the service reported them. */
  characters: number;
  /** How many synthesis tasks this reading started (new text sent), for the README's billing promise. */
  tasks: number;
}

/** Options of {@link ReadAloudController}. */
export interface ReadAloudControllerOptions extends SpeechControllerOptions {
  /**
   * Counted characters per synthesis task: a longer text is read as one reading split into tasks at
   * sentence boundaries. Lower it only to test the split. @default MAX_CHARACTERS_PER_TASK (200 000)
   */
  maxCharactersPerTask?: number;
  /**
   * While a reading's audio is still arriving, keep a second socket warm (the transport's `preconnect`,
   * so a pooled transport such as the provider's), so that going beyond the audio received starts its
   * task at once: the running task holds its socket until the service has sent what it was given.
   * It costs one more open connection during synthesis (none after). @default true
   */
  spareConnection?: boolean;
  /**
   * Counted characters a task is sent at most (at sentence boundaries): the text is synthesized a window
   * at a time, and the next window is sent only when less than {@link SYNTHESIS_AHEAD_MS} of its audio
   * is left to hear. A window still arriving when the reader goes elsewhere is received to its end;
   * a jump into it (beyond its audio so far) sends its text from that word again, the only text a
   * reading may send twice. `Infinity` sends the rest of the text (up to the task limit) at once.
   * @default 1500
   */
  lookaheadCharacters?: number;
}

/** How much received audio, not yet heard, a reading keeps before it sends the next window of text (ms of audio). */
export const SYNTHESIS_AHEAD_MS = 30_000;

/**
 * The audio of one part of the text, as received: one run of synthesis from `start`, up to `until`
 * (the next part already received, or the end of the text). What a reader goes back to is played from
 * here, never requested again.
 */
interface RecordedPart {
  start: number;
  until: number;
  /** The utterance that synthesized it: its chunks, and its words in the text's offsets. */
  utterance: Utterance;
  /** Index into the utterance's chunks where each of its tasks began (a new encoded stream each). */
  taskStarts: number[];
  /** Every task of the run has finished: all audio of `[start, until)` is here. */
  complete: boolean;
}

/** What the player plays now: a part being synthesized, or a received part played again. */
interface Playing {
  part: RecordedPart;
  utterance: Utterance;
  /** For a part played again whose synthesis was cut short: where its last whole word ends, in ms. */
  cutMs: number | undefined;
  /** A played-again part waits for its audio to be seekable to this position before it is heard. */
  pendingSeekMs: number | undefined;
  /** Paused by the reader while it waited: it stays paused once sought. */
  pausedWhileSeeking?: boolean;
}

const IDLE_READING: Omit<ReadAloudSnapshot, 'text' | 'sentences' | 'words' | 'playbackRate'> = /* @__PURE__ */ Object.freeze({
  status: 'idle',
  error: undefined,
  wordIndex: -1,
  sentenceIndex: -1,
  characters: 0,
  tasks: 0,
});

// After a part's last whole word, the silence that still belongs to it before the next part plays.
const TRAILING_SILENCE_MS = 120;
// How often the end of a cut part is checked while it plays (no event marks it).
const CUT_CHECK_MS = 40;

/**
 * A steerable reading of one text, outside React (what `useReadAloud` adapts): play, pause, stop, go
 * to any word or sentence, previous / next sentence, speed — with one timeline in the text's own
 * offsets (`wordIndex` and `sentenceIndex` index the text's words and sentences, whatever part of it
 * the audio came from).
 *
 * Audio is kept per part of the text as it arrives. Going to a word whose audio has arrived plays it
 * from there (in the same audio when it is complete, else by playing the received part again); going
 * beyond what has arrived starts a new task from that word's offset, on the provider's warm socket,
 * while the running one is received to its end in the background (its text is sent already). A new
 * task is sent only the text up to the next part already received, so no text is sent twice once its
 * audio has arrived; a text over 200 000 counted characters is one reading split into tasks at
 * sentence boundaries, its audio one stream.
 *
 * It is a {@link SpeechController}: the speech snapshot (`getSnapshot`, `subscribeWord`) describes the
 * part playing now (its words in the text's offsets), for the granular hooks; the reading's own state
 * is `getReadingSnapshot` / `subscribeReading`.
 *
 * @example
 * const reading = new ReadAloudController({ transport, defaults: { model, voice }, createPlayer });
 * reading.setText(article);
 * playButton.onclick = () => reading.play();
 * nextButton.onclick = () => reading.nextSentence();
 */
export class ReadAloudController extends SpeechController {
  #text = '';
  #sentences: readonly SentenceSpan[] = [];
  #words: readonly WordSpan[] = [];
  #locale: string | undefined;
  #parts: RecordedPart[] = [];
  #playing: Playing | undefined;
  /** A reading is underway (from `play` to `stop`, the end or an error). */
  #active = false;
  #ended = false;
  /** Where `play` starts after a stop: the heard word's offset. */
  #resumeOffset = 0;
  #cutTimer: ReturnType<typeof setTimeout> | undefined;
  #stopSeekWatch: (() => void) | undefined;
  #reading: ReadAloudSnapshot;
  #readingListeners = new Set<() => void>();
  #tasks = 0;
  #defaultsKey: string | undefined;
  readonly #maxCharactersPerTask: number;
  readonly #spareConnection: boolean;
  readonly #lookaheadCharacters: number;
  /** The next window of a part, held until the audio left to hear is under SYNTHESIS_AHEAD_MS. */
  #nextWindow: { part: RecordedPart; from: number } | undefined;
  /** A spare socket is being opened (so the many speech updates during synthesis ask for one once). */
  #openingSpare = false;
  #wordListeners = new IndexedListeners();
  #sentenceListeners = new IndexedListeners();
  #textTimeline: readonly TimelineWord[] | undefined;

  constructor(options: ReadAloudControllerOptions) {
    super(options);
    this.#defaultsKey = parametersKey(options.defaults ?? {});
    this.#maxCharactersPerTask = options.maxCharactersPerTask ?? MAX_CHARACTERS_PER_TASK;
    this.#spareConnection = options.spareConnection ?? true;
    this.#lookaheadCharacters = checkLookaheadCharacters(options.lookaheadCharacters ?? 1500);
    this.#reading = this.#buildReading();
    bindMethods(this, ['subscribeReading', 'getReadingSnapshot', 'setText', 'play', 'seekToWord', 'seekToSentence', 'nextSentence', 'previousSentence', 'seekToOffset', 'subscribeReadingWord', 'getReadingWordState', 'subscribeReadingSentence', 'isReadingSentence', 'estimateMs', 'offsetAtMs']);
    this.subscribe(() => this.#onSpeech());
  }

  /**
   * Sets the text to read (its sentences and words are found here, linear in its length). A different
   * text stops the current reading and forgets the audio received for the old one; the same text
   * changes nothing.
   */
  setText(text: string, options: { locale?: string } = {}): void {
    if (text === this.#text && options.locale === this.#locale) return;
    if (this.#active) this.stop();
    this.#text = text;
    this.#locale = options.locale;
    const segmentation = segmentText(text, { locale: options.locale });
    this.#sentences = Object.freeze(segmentation.sentences);
    this.#words = Object.freeze(segmentation.words);
    this.#parts = [];
    this.#textTimeline = undefined;
    this.#tasks = 0;
    this.#resumeOffset = 0;
    this.#ended = false;
    this.#publishReading();
  }

  /**
   * Replaces the request parameters for later tasks. Audio kept under other parameters (another voice,
   * rate or format) is forgotten, so going back requests it again in the new voice; the part playing
   * now plays on.
   */
  override setDefaults(defaults: Partial<SynthesisParameters>): void {
    const key = parametersKey(defaults);
    if (this.#defaultsKey !== undefined && key !== this.#defaultsKey) {
      this.#parts = [];
      this.endBackgroundSynthesis();
    }
    this.#defaultsKey = key;
    super.setDefaults(defaults);
  }

  subscribeReading(listener: () => void): () => void {
    this.#readingListeners.add(listener);
    return () => {
      this.#readingListeners.delete(listener);
    };
  }

  getReadingSnapshot(): ReadAloudSnapshot {
    return this.#reading;
  }

  /**
   * Calls `listener` only when the state of word `index` of the text's words changes (see
   * {@link getReadingWordState}): a word change notifies the words between the old and the new one.
   */
  subscribeReadingWord(index: number, listener: () => void): () => void {
    return this.#wordListeners.subscribe(index, listener);
  }

  /** Whether word `index` of the text's words is being heard (`active`), before it (`spoken`) or after it (`pending`). */
  getReadingWordState(index: number): 'pending' | 'active' | 'spoken' {
    const { status, wordIndex } = this.#reading;
    if (status === 'ended') return 'spoken';
    return index === wordIndex ? 'active' : index < wordIndex ? 'spoken' : 'pending';
  }

  /** Calls `listener` when sentence `index` becomes or stops being the current one (see {@link isReadingSentence}). */
  subscribeReadingSentence(index: number, listener: () => void): () => void {
    return this.#sentenceListeners.subscribe(index, listener);
  }

  /** Whether sentence `index` is the one being read (while a reading is underway, paused included). */
  isReadingSentence(index: number): boolean {
    const { status, sentenceIndex } = this.#reading;
    return index === sentenceIndex && isUnderway(status);
  }

  /**
   * The text's words in the shape of timeline words (`beginIndex` / `endIndex` are their offsets into
   * the text, `sentenceIndex` their sentence; `beginMs` / `endMs` are `NaN`: a reading's audio comes in
   * parts, so a word has no one time), for components that render a timeline.
   */
  get textTimeline(): readonly TimelineWord[] {
    return (this.#textTimeline ??= Object.freeze(
      this.#words.map((word) => ({ text: this.#text.slice(word.start, word.end), beginIndex: word.start, endIndex: word.end, beginMs: Number.NaN, endMs: Number.NaN, sentenceIndex: word.sentenceIndex })),
    ));
  }

  /**
   * About when `offset` of the text is reached, in ms of audio from the start of the text (as
   * synthesized: divide by the playback rate for real time). Parts of the text whose audio has not
   * arrived are estimated from the pace of the audio that has (or about 65 ms a character before any
   * has): a progress bar's time, the Media Session's position.
   */
  estimateMs(offset: number = this.#text.length): number {
    return Math.round(Math.max(0, Math.min(this.#text.length, offset)) * this.#msPerCharacter());
  }

  /** The inverse of {@link estimateMs}: about which offset of the text is heard `ms` into the reading's audio. */
  offsetAtMs(ms: number): number {
    return Math.max(0, Math.min(this.#text.length, Math.round(Math.max(0, ms) / this.#msPerCharacter())));
  }

  /**
   * Plays: resumes a paused reading, or starts one (from where a stopped reading was, else from the
   * start). Call it from the user's gesture (it unlocks audio). Does nothing without words to read.
   */
  play(): void {
    const status = this.#reading.status;
    if (status === 'paused') {
      this.resume();
      return;
    }
    if (this.#active && status !== 'error') return;
    this.seekToOffset(this.#ended ? 0 : this.#resumeOffset);
  }

  /** Stops the reading (kept audio stays for the next `play` of the same text); the status becomes `idle`. */
  override stop(): ReturnType<SpeechController['stop']> {
    const playing = this.#playing;
    if (playing) this.#resumeOffset = this.#heardOffset() ?? playing.part.start;
    this.#active = false;
    this.#playing = undefined;
    this.#nextWindow = undefined;
    this.#clearCutTimer();
    this.#clearSeekWatch();
    const heard = super.stop();
    this.#publishReading();
    return heard;
  }

  /** Reads from word `index` of the text's words (clamped); starts a reading when none is underway. */
  seekToWord(index: number): boolean {
    const word = this.#words[Math.max(0, Math.min(this.#words.length - 1, Math.floor(index)))];
    return word !== undefined && this.seekToOffset(word.start);
  }

  /** Reads from the start of sentence `index` (clamped). */
  seekToSentence(index: number): boolean {
    const sentence = this.#sentences[Math.max(0, Math.min(this.#sentences.length - 1, Math.floor(index)))];
    return sentence !== undefined && this.seekToOffset(sentence.start);
  }

  /** Reads on from the next sentence; `false` at the last one. */
  nextSentence(): boolean {
    const current = this.#reading.sentenceIndex;
    if (current + 1 >= this.#sentences.length) return false;
    return this.seekToSentence(current + 1);
  }

  /** Reads on from the previous sentence (the first one again at the start). */
  previousSentence(): boolean {
    return this.seekToSentence(Math.max(0, this.#reading.sentenceIndex - 1));
  }

  /**
   * Reads from the word at (or the first word after) `offset` of the text. Audio that has arrived is
   * played from there; otherwise a new task starts at that word. Returns `false` past the last word.
   */
  seekToOffset(offset: number): boolean {
    const index = this.#wordIndexFrom(offset);
    const word = this.#words[index];
    if (!word) return false;
    this.#active = true;
    this.#ended = false;
    this.#playFrom(word.start);
    return true;
  }

  // ---- steering ---------------------------------------------------------------------------------

  #playFrom(offset: number): void {
    this.#clearCutTimer();
    this.#clearSeekWatch();
    const part = this.#partCovering(offset);
    if (!part) {
      this.#synthesize(offset, this.#nextPartStart(offset));
      this.#publishReading({ sentenceIndex: this.#sentenceIndexAt(offset), wordIndex: -1 });
      return;
    }
    const ms = this.#timeOf(part, offset);
    const playing = this.#playing;
    // The same complete audio is playing: a seek within it.
    if (playing && playing.part === part && part.complete && playing.cutMs === undefined && this.seek(ms)) {
      this.#resumeIfPaused();
      this.#publishReading();
      return;
    }
    this.#playAgain(part, ms);
  }

  /** Starts a run of synthesis from `from` up to `until`, in tasks that end at sentence boundaries. */
  #synthesize(from: number, until: number): void {
    const utterance = this.beginUtterance({}, this.#text, { finishPreviousInBackground: this.#keepsArriving() });
    if (!utterance) return;
    const part: RecordedPart = { start: from, until, utterance, taskStarts: [], complete: false };
    this.#parts.push(part);
    this.#parts.sort((a, b) => a.start - b.start);
    this.#playing = { part, utterance, cutMs: undefined, pendingSeekMs: undefined };
    this.#startTask(part, from);
  }

  #startTask(part: RecordedPart, from: number): void {
    const utterance = part.utterance;
    const end = this.#taskEnd(from, part.until);
    try {
      part.taskStarts.push(utterance.chunks.length);
      const task = this.startTask(
        utterance,
        () => {
          if (!this.isLive(utterance)) {
            // Finished in the background after the reader went elsewhere: all audio of [start, end) is here.
            part.until = end;
            part.complete = true;
            this.#publishReading();
            return;
          }
          const next = this.#wordIndexFrom(end);
          const nextWord = this.#words[next];
          if (end < part.until && nextWord && nextWord.start < part.until) {
            this.#nextWindow = { part, from: nextWord.start };
            this.#sendNextWindowWhenDue();
          } else {
            part.complete = true;
            this.synthesized(utterance);
          }
        },
        { placement: { ...utterance.nextPlacement(), textOffset: from } },
      );
      this.#tasks++;
      const text = this.#text.slice(from, end);
      const send = (pieces: string[]): void => {
        for (const piece of pieces) task.send(piece);
        task.finish();
      };
      // The splitter comes with the engine, as in SpeechController (a lazy chunk of it would be a bare
      // cross-chunk import that app bundlers warn about).
      send(countCharacters(text) <= MAX_CHARACTERS_PER_MESSAGE ? [text] : splitText(text));
    } catch (error) {
      this.fail(utterance, error);
    }
    this.#publishReading();
  }

  /**
   * Whether the audio of the part being synthesized keeps arriving when the reader goes elsewhere: its
   * window is sent already, so it is recorded to its end instead of being sent again later.
   */
  #keepsArriving(): boolean {
    const part = this.#playing?.part;
    return part !== undefined && !part.complete && this.#parts.includes(part);
  }

  /** Plays a received part again from `ms` of its audio: a complete playthrough of what arrived, then a seek. */
  #playAgain(part: RecordedPart, ms: number): void {
    const recording = part.utterance;
    const utterance = this.beginUtterance({ format: recording.format }, this.#text, { finishPreviousInBackground: this.#keepsArriving() });
    const player = this.player;
    if (!utterance || !player) return;
    const cutMs = part.complete ? undefined : this.#cutOf(part);
    const playing: Playing = { part, utterance, cutMs, pendingSeekMs: ms > 0 ? ms : undefined };
    this.#playing = playing;
    utterance.words = recording.words;
    utterance.sentences = recording.sentences;
    // Held still until it is sought: the start of the part must not sound first.
    if (ms > 0) player.pause();
    player.setTimeline(recording.words);
    part.taskStarts.forEach((first, task) => {
      if (task > 0) player.nextStream();
      const last = part.taskStarts[task + 1] ?? recording.chunks.length;
      for (let chunk = first; chunk < last; chunk++) {
        utterance.chunks.push(recording.chunks[chunk]!);
        player.enqueue(recording.chunks[chunk]!);
      }
    });
    this.publish({ words: recording.words, sentences: recording.sentences });
    this.synthesized(utterance);
    // A player that is not real time may have heard it all already, and the reading moved on.
    if (this.#playing !== playing) return;
    // The player says when the audio can be sought (its decoder flushed), which the speech snapshot may not show.
    if (playing.pendingSeekMs !== undefined) this.#stopSeekWatch = player.subscribe(() => this.#trySeek());
    this.#trySeek();
    this.#scheduleCutCheck();
    this.#publishReading();
  }

  #trySeek(): void {
    const playing = this.#playing;
    const player = this.player;
    if (!playing || playing.pendingSeekMs === undefined) this.#clearSeekWatch();
    if (!playing || playing.pendingSeekMs === undefined || !player || !player.getSnapshot().canSeek) return;
    const ms = playing.pendingSeekMs;
    playing.pendingSeekMs = undefined;
    this.#clearSeekWatch();
    player.seek(ms);
    if (!playing.pausedWhileSeeking) player.resume();
  }

  /** Pauses; a part that is still being positioned stays paused once it is. */
  override pause(): void {
    const playing = this.#playing;
    if (playing?.pendingSeekMs !== undefined) {
      playing.pausedWhileSeeking = true;
      this.#publishReading();
    }
    super.pause();
  }

  /** Resumes after `pause`. */
  override resume(): void {
    const playing = this.#playing;
    if (playing?.pendingSeekMs !== undefined) {
      playing.pausedWhileSeeking = false;
      this.#publishReading();
      return;
    }
    super.resume();
  }

  #resumeIfPaused(): void {
    if (this.getSnapshot().status === 'paused') this.resume();
  }

  /** What happens when the part playing now has been heard: the reading goes on after it, or ends. */
  #continueAfter(playing: Playing): void {
    const end = playing.part.complete ? playing.part.until : this.#coveredEnd(playing.part);
    const next = this.#words[this.#wordIndexFrom(end)];
    if (!next) {
      this.#active = false;
      this.#ended = true;
      this.#playing = undefined;
      this.#clearCutTimer();
      this.#clearSeekWatch();
      this.#publishReading({ status: 'ended' });
      return;
    }
    this.#playFrom(next.start);
  }

  #onSpeech(): void {
    const playing = this.#playing;
    if (!this.#active || !playing) {
      this.#publishReading();
      return;
    }
    const snapshot = this.getSnapshot();
    if (snapshot.utterance !== playing.utterance.id) return;
    if (playing.pendingSeekMs !== undefined) this.#trySeek();
    if (snapshot.status === 'ended') {
      this.#continueAfter(playing);
      return;
    }
    if (snapshot.status === 'error' && playing.utterance.phase === 'failed') {
      this.#active = false;
      this.#clearCutTimer();
    }
    if (!playing.part.complete) this.#keepSpareConnection();
    this.#sendNextWindowWhenDue();
    this.#checkCut();
    this.#publishReading();
  }

  /**
   * Asks the transport for a warm socket besides the one the running task holds. A pool opens one only
   * when none is idle or opening, and closes it after its idle timeout; asked again on later speech
   * updates, it stays warm for as long as audio arrives.
   */
  #keepSpareConnection(): void {
    if (!this.#spareConnection || this.#openingSpare) return;
    this.#openingSpare = true;
    void this.preconnect().finally(() => {
      this.#openingSpare = false;
    });
  }

  /** Starts the part's next window once less than SYNTHESIS_AHEAD_MS of its received audio is left to hear. */
  #sendNextWindowWhenDue(): void {
    const pending = this.#nextWindow;
    if (!pending) return;
    const utterance = pending.part.utterance;
    if (this.#playing?.part !== pending.part || !this.isLive(utterance)) {
      this.#nextWindow = undefined;
      return;
    }
    const receivedMs = utterance.nextPlacement().audioOffsetMs;
    if (receivedMs - this.getPositionMs() > SYNTHESIS_AHEAD_MS) return;
    this.#nextWindow = undefined;
    this.#startTask(pending.part, pending.from);
  }

  #scheduleCutCheck(): void {
    this.#clearCutTimer();
    if (this.#playing?.cutMs === undefined) return;
    this.#cutTimer = setTimeout(() => {
      this.#cutTimer = undefined;
      if (!this.#checkCut()) this.#scheduleCutCheck();
    }, CUT_CHECK_MS);
  }

  /** A cut part is over once its last whole word has been heard: the rest of its audio is not a whole sentence. */
  #checkCut(): boolean {
    const playing = this.#playing;
    if (!playing || playing.cutMs === undefined || playing.pendingSeekMs !== undefined || !this.#active) return false;
    if (this.getPositionMs() < playing.cutMs) return false;
    this.#continueAfter(playing);
    return true;
  }

  #clearSeekWatch(): void {
    const stop = this.#stopSeekWatch;
    this.#stopSeekWatch = undefined;
    stop?.();
  }

  #clearCutTimer(): void {
    if (this.#cutTimer !== undefined) clearTimeout(this.#cutTimer);
    this.#cutTimer = undefined;
  }

  // ---- the text and its received parts ----------------------------------------------------------

  /** The first word ending after `offset` (the word containing it, else the next one); `words.length` past the last. */
  #wordIndexFrom(offset: number): number {
    const index = spanIndexAt(this.#words, offset);
    if (index >= 0 && this.#words[index]!.end > offset) return index;
    return index + 1;
  }

  #sentenceIndexAt(offset: number): number {
    return Math.max(0, spanIndexAt(this.#sentences, offset));
  }

  /** The received part whose audio covers the word at `offset`. */
  #partCovering(offset: number): RecordedPart | undefined {
    return this.#parts.find((part) => part.start <= offset && offset < (part.complete ? part.until : this.#coveredEnd(part)));
  }

  /** Where the next received part after `offset` starts (a new run stops there), else the text's end. */
  #nextPartStart(offset: number): number {
    let until = this.#text.length;
    for (const part of this.#parts) if (part.start > offset && part.start < until) until = part.start;
    return until;
  }

  /** The end (text offset) of the last whole word received of a part. */
  #coveredEnd(part: RecordedPart): number {
    const words = part.utterance.words;
    const last = words[words.length - 1];
    return last ? locateWord(this.#text, last).end : part.start;
  }

  #cutOf(part: RecordedPart): number {
    const words = part.utterance.words;
    const last = words[words.length - 1];
    return last ? last.endMs + TRAILING_SILENCE_MS : 0;
  }

  /** The pace of the audio received so far: ms of audio per character of text. */
  #msPerCharacter(): number {
    let ms = 0;
    let characters = 0;
    for (const part of this.#parts) {
      const words = part.utterance.words;
      const first = words[0];
      const last = words[words.length - 1];
      if (!first || !last || last.endIndex <= first.beginIndex) continue;
      ms += last.endMs - first.beginMs;
      characters += last.endIndex - first.beginIndex;
    }
    return characters > 0 && ms > 0 ? ms / characters : DEFAULT_MS_PER_CHARACTER;
  }

  /** When the word at `offset` starts in a part's audio. */
  #timeOf(part: RecordedPart, offset: number): number {
    const words = part.utterance.words;
    if (offset <= part.start) return 0;
    for (const word of words) if (locateWord(this.#text, word).end > offset) return word.beginMs;
    return 0;
  }

  /** Where a task starting at `from` ends: the last sentence boundary within the task limit, at most `until`. */
  #taskEnd(from: number, until: number): number {
    // Counted sentence by sentence, so a window costs its own length, not the rest of the text's.
    const limit = Math.min(this.#maxCharactersPerTask, this.#lookaheadCharacters);
    let counted = 0;
    let end = from;
    for (let index = this.#sentenceIndexAt(from); index < this.#sentences.length; index++) {
      const next = this.#sentences[index + 1]?.start ?? this.#text.length;
      const stop = Math.min(next, until);
      const size = countCharacters(this.#text.slice(end, stop));
      if (counted + size > limit) break;
      counted += size;
      end = stop;
      if (stop >= until) break;
    }
    // One sentence over the window is sent alone (over the task limit, it is refused with a clear error by the task's checks).
    return end > from ? end : Math.min(until, this.#sentences[this.#sentenceIndexAt(from) + 1]?.start ?? until);
  }

  /** The offset of the heard word in the text, while a part plays. */
  #heardOffset(): number | undefined {
    const snapshot = this.getSnapshot();
    const word: TimelineWord | undefined = snapshot.words[snapshot.activeWordIndex];
    return word ? locateWord(this.#text, word).start : undefined;
  }

  #status(): ReadAloudStatus {
    if (this.#ended) return 'ended';
    const snapshot = this.getSnapshot();
    if (!this.#active) return snapshot.status === 'error' ? 'error' : 'idle';
    const playing = this.#playing;
    if (playing?.pendingSeekMs !== undefined) return playing.pausedWhileSeeking ? 'paused' : 'buffering';
    // Between parts (one heard, the next not begun) the reading is waiting for audio, not over.
    if (snapshot.status === 'ended' || snapshot.status === 'idle') return 'buffering';
    return snapshot.status;
  }

  #buildReading(patch: Partial<ReadAloudSnapshot> = {}): ReadAloudSnapshot {
    const heard = this.#active ? this.#heardOffset() : undefined;
    const previous = this.#reading as ReadAloudSnapshot | undefined;
    const wordIndex = heard === undefined ? -1 : spanIndexAt(this.#words, heard);
    // Read to the end, the reading rests on its last sentence (a progress bar stays full).
    const sentenceIndex = this.#ended
      ? this.#sentences.length - 1
      : wordIndex >= 0
        ? (this.#words[wordIndex]?.sentenceIndex ?? -1)
        : this.#active || this.#resumeOffset > 0
          ? (previous?.sentenceIndex ?? -1)
          : -1;
    const characters = this.#parts.reduce((sum, part) => sum + (part.utterance.characters ?? 0), 0);
    const snapshot = this.getSnapshot();
    return {
      ...IDLE_READING,
      status: this.#status(),
      error: snapshot.status === 'error' ? snapshot.error : undefined,
      text: this.#text,
      sentences: this.#sentences,
      words: this.#words,
      wordIndex,
      sentenceIndex,
      playbackRate: snapshot.playbackRate,
      characters,
      tasks: this.#tasks,
      ...patch,
    };
  }

  #publishReading(patch: Partial<ReadAloudSnapshot> = {}): void {
    const next = this.#buildReading(patch);
    const previous = this.#reading;
    if (previous && (Object.keys(next) as Array<keyof ReadAloudSnapshot>).every((key) => Object.is(previous[key], next[key]))) return;
    this.#reading = Object.freeze(next);
    if ((previous.status === 'ended') !== (next.status === 'ended') || previous.words !== next.words) this.#wordListeners.notifyBetween(-1, Math.max(previous.words.length, next.words.length));
    else if (previous.wordIndex !== next.wordIndex) this.#wordListeners.notifyBetween(previous.wordIndex, next.wordIndex);
    if (next.sentenceIndex !== previous.sentenceIndex || isUnderway(next.status) !== isUnderway(previous.status)) {
      this.#sentenceListeners.notify(previous.sentenceIndex);
      this.#sentenceListeners.notify(next.sentenceIndex);
    }
    for (const listener of [...this.#readingListeners]) listener();
  }
}

function isUnderway(status: ReadAloudStatus): boolean {
  return status === 'connecting' || status === 'buffering' || status === 'speaking' || status === 'paused';
}

/** The same for equal parameters whatever their order (the hook passes a new object on each change). */
function parametersKey(parameters: Partial<SynthesisParameters>): string {
  return JSON.stringify(Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
