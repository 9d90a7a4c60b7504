import type { AudioFormatSpec } from './AudioFormat';
import type { SynthesisParameters } from './parameters';
import type { SpeechSynthesizer } from './SpeechSynthesizer';
import type { UtterancePhase } from './UtterancePhase';
import type { TimelineSentence, TimelineWord } from './WordTimeline';

/** One task of an utterance: a synthesizer and where its text and audio sit in the utterance. */
export interface UtteranceTask {
  readonly synthesizer: SpeechSynthesizer;
  /** Where this task's text starts in the utterance's text. */
  readonly textOffset: number;
  /** Where this task's audio starts on the utterance's timeline, in ms. */
  readonly audioOffsetMs: number;
}

/** Where a new task of an utterance starts: by default right after the previous task. */
export interface TaskPlacement {
  textOffset: number;
  audioOffsetMs: number;
}

const EMPTY_WORDS: readonly TimelineWord[] = /* @__PURE__ */ Object.freeze([]);
const EMPTY_SENTENCES: readonly TimelineSentence[] = /* @__PURE__ */ Object.freeze([]);

/**
 * One utterance of a speech controller: its phase, its tasks and what they delivered (audio, words,
 * sentences), merged onto one timeline. An utterance is not tied to a connection: each task asks the
 * transport for its socket, and a task can start at any text offset (after the previous one by
 * default), which is how streaming continues past the service's idle limit. Internal to the controllers.
 *
 * @example
 * const utterance = new Utterance(1, params, format, now(), text);
 * const placement = utterance.nextPlacement();          // { textOffset: 0, audioOffsetMs: 0 }
 * utterance.task = { synthesizer, ...placement };
 * const words = utterance.addSentence(utterance.task, sentence, taskWords);
 */
export class Utterance {
  phase: UtterancePhase = 'connecting';
  /** The text spoken so far (what `speak` got, or the fragments written). */
  text: string;
  /** The audio as received, for the download and the metrics. */
  readonly chunks: Uint8Array[] = [];
  words: readonly TimelineWord[] = EMPTY_WORDS;
  sentences: readonly TimelineSentence[] = EMPTY_SENTENCES;
  /** The task running now (or the last one). */
  task: UtteranceTask | undefined;
  firstPackageDelayMs: number | undefined;
  /** Billed characters of the tasks before the current one. */
  charactersBefore = 0;
  /** The last word reported to `onWord`, and whether `onStart` was called (each fires once per change). */
  reportedWord = -1;
  reportedStart = false;
  #onSynthesisOver: Array<() => void> = [];

  constructor(
    readonly id: number,
    readonly params: SynthesisParameters,
    readonly format: AudioFormatSpec,
    /** When it was asked for (`now()`), the zero of its metrics. */
    readonly startedAt: number,
    text: string,
  ) {
    this.text = text;
  }

  /** Where the next task starts: right after the current one (its text as the service split it, its audio as counted). */
  nextPlacement(): TaskPlacement {
    const task = this.task;
    if (!task) return { textOffset: 0, audioOffsetMs: 0 };
    return {
      textOffset: task.textOffset + task.synthesizer.getTimeline().text.length,
      audioOffsetMs: task.audioOffsetMs + task.synthesizer.getAudioDurationMs(),
    };
  }

  /**
   * Adds a sentence a task ended, shifted from the task's own times and indexes (which start at its
   * beginning) onto the utterance's; returns whether it brought words.
   */
  addSentence(task: UtteranceTask, sentence: TimelineSentence, words: readonly TimelineWord[]): boolean {
    const index = this.sentences.length;
    this.sentences = Object.freeze([
      ...this.sentences,
      {
        ...sentence,
        index,
        textOffset: sentence.textOffset + task.textOffset,
        beginMs: sentence.beginMs + task.audioOffsetMs,
        endMs: sentence.endMs + task.audioOffsetMs,
        firstWord: this.words.length,
      },
    ]);
    if (words.length === 0) return false;
    const shifted = words.map((word) => ({
      ...word,
      beginMs: word.beginMs + task.audioOffsetMs,
      endMs: word.endMs + task.audioOffsetMs,
      beginIndex: word.beginIndex + task.textOffset,
      endIndex: word.endIndex + task.textOffset,
      sentenceIndex: index,
    }));
    this.words = Object.freeze([...this.words, ...shifted]);
    return true;
  }

  /** Billed characters over every task so far, once the service reported any. */
  get characters(): number | undefined {
    const current = this.task?.synthesizer.getUsageCharacters();
    return current === undefined && this.charactersBefore === 0 ? undefined : this.charactersBefore + (current ?? 0);
  }

  /** Runs `cleanup` when synthesis is over (all audio here, failed or stopped): timers of a text source. */
  onSynthesisOver(cleanup: () => void): void {
    this.#onSynthesisOver.push(cleanup);
  }

  /** Synthesis is over: runs the cleanups and cancels a task still running (a finished one is left as is). */
  endSynthesis(): void {
    for (const cleanup of this.#onSynthesisOver.splice(0)) cleanup();
    this.task?.synthesizer.streamingCancel();
  }
}
