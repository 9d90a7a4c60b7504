import type { AudioFormatSpec } from './AudioFormat';
import type { SynthesisParameters } from './parameters';
import type { SynthesisTask } from './SynthesisTask';
import type { UtterancePhase } from './UtterancePhase';
import { WordTimeline, type SentenceInput, type TimelineSentence, type TimelineWord } from './WordTimeline';

/** Where a task of an utterance starts: its audio on the utterance's timeline, its text in the utterance's text. */
export interface TaskPlacement {
  audioOffsetMs: number;
  /** @default where the previous task's text ended */
  textOffset?: number;
}

/** One task of an utterance and where its audio starts on the utterance's timeline. */
export interface UtteranceTask {
  readonly task: SynthesisTask;
  readonly audioOffsetMs: number;
}

const EMPTY_WORDS: readonly TimelineWord[] = /* @__PURE__ */ Object.freeze([]);
const EMPTY_SENTENCES: readonly TimelineSentence[] = /* @__PURE__ */ Object.freeze([]);

/**
 * One utterance of a speech controller: its phase, its tasks and what they delivered (audio, and one
 * word timeline over all of them). An utterance is not tied to a connection: each task asks the
 * transport for its socket, and a task can start at any placement (after the previous one by
 * default), which is how streaming continues past the service's idle limit. Internal to the controllers.
 *
 * @example
 * const utterance = new Utterance(1, params, format, now(), text);
 * utterance.beginTask(task, utterance.nextPlacement()); // { audioOffsetMs: 0 } for the first task
 * utterance.addSentence(sentence);                      // from the task's onSentence
 */
export class Utterance {
  phase: UtterancePhase = 'connecting';
  /** The text spoken so far (what `speak` got, or the fragments written). */
  text: string;
  /** The audio as received, for the download. */
  readonly chunks: Uint8Array[] = [];
  readonly #timeline = new WordTimeline();
  /** The timeline's words and sentences as of the last sentence (a new array each time, for snapshots). */
  words: readonly TimelineWord[] = EMPTY_WORDS;
  sentences: readonly TimelineSentence[] = EMPTY_SENTENCES;
  /** The task running now (or the last one). */
  current: UtteranceTask | undefined;
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

  /** Where the next task starts by default: right after the current one's audio and text. */
  nextPlacement(): TaskPlacement {
    const current = this.current;
    return { audioOffsetMs: current ? current.audioOffsetMs + current.task.audioDurationMs : 0 };
  }

  /** Makes `task` the current one, its audio and text starting at `placement`. */
  beginTask(task: SynthesisTask, placement: TaskPlacement): void {
    const previous = this.current;
    if (previous) this.charactersBefore += previous.task.usageCharacters ?? 0;
    this.current = { task, audioOffsetMs: placement.audioOffsetMs };
    this.#timeline.beginTask(placement.audioOffsetMs, placement.textOffset);
  }

  /** Adds a sentence the current task ended (task-relative) to the utterance's timeline. */
  addSentence(sentence: SentenceInput): void {
    this.#timeline.addSentence(sentence);
    this.words = Object.freeze(this.#timeline.words.slice());
    this.sentences = Object.freeze(this.#timeline.sentences.slice());
  }

  /** Billed characters over every task so far, once the service reported any. */
  get characters(): number | undefined {
    const current = this.current?.task.usageCharacters;
    return current === undefined && this.charactersBefore === 0 ? undefined : this.charactersBefore + (current ?? 0);
  }

  /** Runs `cleanup` when synthesis is over (all audio here, failed or stopped): timers of a text source. */
  onSynthesisOver(cleanup: () => void): void {
    this.#onSynthesisOver.push(cleanup);
  }

  /** Synthesis is over: runs the cleanups and cancels a task still running (a finished one is left as is). */
  endSynthesis(): void {
    for (const cleanup of this.#onSynthesisOver.splice(0)) cleanup();
    this.current?.task.cancel();
  }
}
