import type { WireWord } from './protocol';

/** One word of the task-wide timeline, in absolute time from the start of the audio. */
export interface TimelineWord {
  /** The word as the service reported it. */
  text: string;
  /** Index of its first character in the whole spoken text (the concatenated sentences). */
  beginIndex: number;
  /** Index just past its last character in the whole spoken text. */
  endIndex: number;
  /** When it starts, in ms from the start of the audio. */
  beginMs: number;
  /** When it ends, in ms from the start of the audio. */
  endMs: number;
  /** Which sentence (0-based over the whole timeline) it belongs to. */
  sentenceIndex: number;
}

/** One sentence of the timeline. */
export interface TimelineSentence {
  /** 0-based over the whole timeline (the service restarts at 0 every task; this does not). */
  index: number;
  /** The sentence as the service split it (`original_text`). */
  text: string;
  /** Index of its first character in the whole spoken text. */
  textOffset: number;
  /** When its audio starts, in ms from the start of the audio. */
  beginMs: number;
  /** When its last word ends (or its audio starts, without words), in ms. */
  endMs: number;
  /** Index of its first word in `words`, and how many it has. */
  firstWord: number;
  wordCount: number;
}

/** How a server's `begin_time` is measured; detected per task (it is not documented). */
export type WordTimeBase = 'sentence' | 'task' | 'unknown';

/** What {@link WordTimeline.addSentence} takes: one `sentence-end` and where its audio began. */
export interface SentenceInput {
  /** The sentence text (`original_text`), used for text offsets. */
  text: string;
  /** Where the sentence's audio starts, in ms from the start of its task's audio. */
  audioOffsetMs: number;
  /** The words of `sentence-end`, with service times and sentence-relative character indexes. */
  words: readonly WireWord[];
}

// A sentence that starts this late in its task tells the two time bases apart.
const DETECTION_MIN_OFFSET_MS = 250;

/**
 * The task-wide word timeline built from `sentence-end` events: absolute word times (sentence start +
 * word time, or the word time itself when the server already sends task-relative times — detected),
 * and character indexes into the whole text. Several tasks can be appended one after another
 * (`beginTask`), as streaming does when it continues past the service's idle limit.
 *
 * @example
 * const timeline = new WordTimeline();
 * timeline.addSentence({ text: '床前明月光，', audioOffsetMs: 0, words });
 * timeline.wordIndexAt(1200); // the word heard at 1.2 s
 * timelineToWebVTT(timeline.sentences, timeline.words); // captions
 */
export class WordTimeline {
  #words: TimelineWord[] = [];
  #sentences: TimelineSentence[] = [];
  #taskAudioBaseMs = 0;
  #taskTextBase = 0;
  #taskTextLength = 0;
  /** The latest raw `end_time` of the current task, for time-base detection. */
  #taskRawEndMs = 0;
  #timeBase: WordTimeBase = 'unknown';
  #version = 0;

  /** All words so far, ordered by time (the same array grows; watch `version` for changes). */
  get words(): readonly TimelineWord[] {
    return this.#words;
  }

  /** All sentences so far. */
  get sentences(): readonly TimelineSentence[] {
    return this.#sentences;
  }

  /** How this task's server measures `begin_time`, once known. */
  get timeBase(): WordTimeBase {
    return this.#timeBase;
  }

  /** Increases whenever words or sentences are added (cheap change detection for stores). */
  get version(): number {
    return this.#version;
  }

  /** The spoken text so far: the sentences joined. */
  get text(): string {
    return this.#sentences.map((s) => s.text).join('');
  }

  /**
   * Starts a new task whose audio begins `audioOffsetMs` after the start of the timeline's audio and
   * whose text begins at `textOffset` of the whole text (by default where the previous task's text
   * ended). Sentence times of the new task are relative to that point; time-base detection starts over.
   */
  beginTask(audioOffsetMs: number, textOffset = this.#taskTextBase + this.#taskTextLength): void {
    this.#taskAudioBaseMs = audioOffsetMs;
    this.#taskTextBase = textOffset;
    this.#taskTextLength = 0;
    this.#taskRawEndMs = 0;
    this.#timeBase = 'unknown';
  }

  /** Adds one ended sentence and returns its words in absolute time. */
  addSentence(input: SentenceInput): readonly TimelineWord[] {
    const words = input.words;
    const offset = Math.max(0, input.audioOffsetMs);
    if (this.#timeBase === 'unknown' && words.length > 0 && offset >= DETECTION_MIN_OFFSET_MS) {
      // Task-relative times lie near the sentence's audio offset and never go back before the previous
      // sentence's words; sentence-relative ones restart near zero (leading silence can still reach the offset).
      const first = words[0]!.beginTime;
      this.#timeBase = first >= offset * 0.8 && first >= this.#taskRawEndMs ? 'task' : 'sentence';
    }
    for (const word of words) this.#taskRawEndMs = Math.max(this.#taskRawEndMs, word.endTime);
    const shift = this.#taskAudioBaseMs + (this.#timeBase === 'task' ? 0 : offset);
    const textOffset = this.#taskTextBase + this.#taskTextLength;
    const sentenceIndex = this.#sentences.length;
    const previousEnd = this.#words.length > 0 ? this.#words[this.#words.length - 1]!.beginMs : 0;
    const added: TimelineWord[] = [];
    let searchFrom = 0;
    for (const word of words) {
      let begin = word.beginIndex;
      let end = word.endIndex;
      if (begin < 0 || end < begin) {
        // Servers that omit indexes: find the word in the sentence text.
        const found = input.text.indexOf(word.text, searchFrom);
        begin = found >= 0 ? found : searchFrom;
        end = begin + word.text.length;
      }
      searchFrom = end;
      added.push({
        text: word.text,
        beginIndex: textOffset + begin,
        endIndex: textOffset + end,
        beginMs: Math.max(previousEnd, word.beginTime + shift),
        endMs: Math.max(word.beginTime, word.endTime) + shift,
        sentenceIndex,
      });
    }
    const beginMs = this.#taskAudioBaseMs + offset;
    this.#sentences.push({
      index: sentenceIndex,
      text: input.text,
      textOffset,
      beginMs,
      endMs: added.length > 0 ? added[added.length - 1]!.endMs : beginMs,
      firstWord: this.#words.length,
      wordCount: added.length,
    });
    this.#taskTextLength += input.text.length;
    // Appended in place: copying per sentence made long tasks quadratic. `version` signals the change.
    for (const word of added) this.#words.push(word);
    this.#version++;
    return added;
  }

  /**
   * The index of the word heard at `ms`: the last word that has begun (it stays active through the
   * pause after it), or -1 before the first word.
   */
  wordIndexAt(ms: number): number {
    return findWordIndexAt(this.#words, ms);
  }

  /** Removes everything (a new utterance). */
  clear(): void {
    this.#words = [];
    this.#sentences = [];
    this.#taskAudioBaseMs = 0;
    this.#taskTextBase = 0;
    this.#taskTextLength = 0;
    this.#taskRawEndMs = 0;
    this.#timeBase = 'unknown';
    this.#version++;
  }

}

/** Binary search: the last word with `beginMs <= ms`, or -1. */
export function findWordIndexAt(words: readonly TimelineWord[], ms: number): number {
  let low = 0;
  let high = words.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (words[mid]!.beginMs <= ms) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

function vttTime(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const milli = total % 1000;
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(milli, 3)}`;
}

function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/-->/g, '--&gt;');
}

/**
 * WebVTT captions: one cue per sentence, with each word's start as an inline timestamp.
 *
 * @example
 * const vtt = timelineToWebVTT(timeline.sentences, timeline.words);
 */
export function timelineToWebVTT(sentences: readonly TimelineSentence[], words: readonly TimelineWord[]): string {
  const cues: string[] = ['WEBVTT', ''];
  sentences.forEach((sentence, i) => {
    const next = sentences[i + 1];
    const start = sentence.beginMs;
    const end = Math.max(sentence.endMs, next ? Math.min(next.beginMs, sentence.endMs || next.beginMs) : sentence.endMs, start + 1);
    let body = '';
    if (sentence.wordCount === 0) body = escapeVtt(sentence.text.trim());
    else {
      let cursor = sentence.textOffset;
      const sentenceEnd = sentence.textOffset + sentence.text.length;
      for (let w = sentence.firstWord; w < sentence.firstWord + sentence.wordCount; w++) {
        const word = words[w]!;
        const gap = sentence.text.slice(cursor - sentence.textOffset, Math.max(cursor, word.beginIndex) - sentence.textOffset);
        const stamp = w === sentence.firstWord ? '' : `<${vttTime(word.beginMs)}>`;
        body += escapeVtt(gap) + stamp + escapeVtt(sentence.text.slice(word.beginIndex - sentence.textOffset, word.endIndex - sentence.textOffset) || word.text);
        cursor = Math.max(cursor, word.endIndex);
      }
      body += escapeVtt(sentence.text.slice(cursor - sentence.textOffset, sentenceEnd - sentence.textOffset));
      body = body.trim();
    }
    if (!body) return;
    cues.push(`${vttTime(start)} --> ${vttTime(end)}`, body, '');
  });
  return cues.join('\n');
}

/**
 * WebVTT from a word list alone (no sentence objects): one cue per sentence index, its text cut from
 * `text` by the words' character indexes.
 */
export function wordsToWebVTT(words: readonly TimelineWord[], text: string): string {
  const sentences: TimelineSentence[] = [];
  let start = 0;
  for (let i = 1; i <= words.length; i++) {
    if (i < words.length && words[i]!.sentenceIndex === words[start]!.sentenceIndex) continue;
    const first = words[start]!;
    const last = words[i - 1]!;
    const nextBegin = i < words.length ? words[i]!.beginIndex : text.length;
    sentences.push({
      index: sentences.length,
      text: text.slice(first.beginIndex, Math.max(last.endIndex, Math.min(nextBegin, text.length))),
      textOffset: first.beginIndex,
      beginMs: first.beginMs,
      endMs: last.endMs,
      firstWord: start,
      wordCount: i - start,
    });
    start = i;
  }
  return timelineToWebVTT(sentences, words);
}
