import type { SpeechController } from '../core/SpeechController';
import type { TimelineSentence, TimelineWord } from '../core/WordTimeline';
import type { KaraokeRangesProps } from './KaraokeRangesText';
import { RangeHighlighter, scrollRangeIntoView } from '../hooks/internal/rangeHighlighting';

/** What the ranges mode of `KaraokeText` shows: the text, its timeline and the heard word. */
interface KaraokeRangesState {
  text: string;
  words: readonly TimelineWord[];
  sentences: readonly TimelineSentence[];
  activeWordIndex: number;
  /** Scroll the window to keep the heard word in view. */
  follow: boolean;
}

/**
 * The ranges mode of `KaraokeText`, attached to its root: highlights the heard word and its sentence
 * over the root's one text node with the CSS Custom Highlight API (an overlay where it is missing), by
 * the words' `beginIndex` / `endIndex`, following the controller outside React; and seeks to a clicked
 * word. Loaded on demand by `KaraokeText highlight="ranges"`, so apps that never use that mode do not
 * carry it. `update()` re-reads the props (after a render); `detach()` removes everything.
 */
export function highlightKaraokeRanges(root: HTMLElement, controller: SpeechController | undefined, props: { readonly current: KaraokeRangesProps }): { update(): void; detach(): void } {
  const highlight = createRangesHighlight(root);
  const state = (): KaraokeRangesState => {
    const { text, timeline, activeWordIndex, follow } = props.current;
    if (!controller) return { text, words: timeline ?? [], sentences: [], activeWordIndex, follow };
    const snapshot = controller.getSnapshot();
    // A shared speech may be reading another text: its offsets are not into this one.
    const own = snapshot.text === text;
    const showing = snapshot.status === 'speaking' || snapshot.status === 'paused' || snapshot.status === 'buffering';
    return { text, words: own ? snapshot.words : [], sentences: own ? snapshot.sentences : [], activeWordIndex: own && showing ? snapshot.activeWordIndex : -1, follow };
  };
  const update = () => highlight.update(state());
  const unsubscribe = controller?.subscribe(update);
  const onClick = (event: MouseEvent) => {
    const { seekable, onWordSelect, speech, seekUnavailable, announce } = props.current;
    if (!seekable) return;
    const index = highlight.wordIndexAt(event.clientX, event.clientY);
    const word = state().words[index];
    if (!word) return;
    let prevented = false;
    onWordSelect?.(word, index, {
      preventDefault() {
        prevented = true;
      },
      get defaultPrevented() {
        return prevented;
      },
    });
    if (prevented || !speech) return;
    if (!controller?.getSnapshot().isComplete || !speech.seek(word.beginMs)) announce(seekUnavailable);
  };
  root.addEventListener('click', onClick);
  update();
  return {
    update,
    detach() {
      unsubscribe?.();
      root.removeEventListener('click', onClick);
      highlight.destroy();
    },
  };
}

/** Highlighting by a timeline's offsets over an element's one text node. */
function createRangesHighlight(root: HTMLElement) {
  const highlighter = new RangeHighlighter({ document: root.ownerDocument });
  let shown: { node: Text | null; word: TimelineWord | undefined; sentence: TimelineSentence | undefined } = { node: null, word: undefined, sentence: undefined };
  let lastWords: readonly TimelineWord[] = [];

  const textNode = (): Text | null => {
    const first = root.firstChild;
    return first && first.nodeType === 3 ? (first as Text) : null;
  };
  const rangeOf = (node: Text, start: number, end: number): Range[] => {
    const length = node.data.length;
    if (!(start >= 0 && end > start && end <= length)) return [];
    const range = root.ownerDocument.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return [range];
  };

  return {
    update({ text, words, sentences, activeWordIndex, follow }: KaraokeRangesState): void {
      lastWords = words;
      const node = textNode();
      const fits = node !== null && node.data === text;
      const word = fits ? words[activeWordIndex] : undefined;
      const sentence = word ? sentences.find((candidate) => candidate.index === word.sentenceIndex) : undefined;
      if (node === shown.node && word === shown.word && sentence === shown.sentence) return;
      if (!node || !word) {
        highlighter.clear();
        shown = { node, word: undefined, sentence: undefined };
        return;
      }
      if (node !== shown.node || sentence !== shown.sentence) {
        highlighter.setSentence(sentence ? rangeOf(node, sentence.textOffset, sentence.textOffset + sentence.text.length) : []);
      }
      const ranges = rangeOf(node, word.beginIndex, word.endIndex);
      highlighter.setWord(ranges);
      shown = { node, word, sentence };
      if (follow && ranges[0]) scrollRangeIntoView(ranges[0]);
    },
    /** The index of the word whose characters are at the viewport point, or -1. */
    wordIndexAt(x: number, y: number): number {
      const node = textNode();
      const document = root.ownerDocument as Document & { caretPositionFromPoint?: (x: number, y: number) => { offsetNode: Node; offset: number } | null };
      let offset = -1;
      if (typeof document.caretPositionFromPoint === 'function') {
        const position = document.caretPositionFromPoint(x, y);
        if (position && position.offsetNode === node) offset = position.offset;
      } else if (typeof document.caretRangeFromPoint === 'function') {
        const range = document.caretRangeFromPoint(x, y);
        if (range && range.startContainer === node) offset = range.startOffset;
      }
      if (!node || offset < 0) return -1;
      // The caret lands before or after the clicked character: the word on either side of it.
      let low = 0;
      let high = lastWords.length - 1;
      while (low <= high) {
        const mid = (low + high) >> 1;
        const word = lastWords[mid]!;
        if (offset < word.beginIndex) high = mid - 1;
        else if (offset > word.endIndex) low = mid + 1;
        else return mid;
      }
      return -1;
    },
    destroy(): void {
      highlighter.clear();
    },
  };
}
