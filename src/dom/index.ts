// `cosyvoice-react/dom`: reading the page's own text without React — the text of a DOM subtree with its
// map back to the DOM, kept current as the subtree changes, and the heard word and sentence highlighted
// in place (CSS Custom Highlight API, an overlay elsewhere). `useReadAloudRegion` is built on these;
// other UI frameworks use them directly.
export { collectReadableText, READ_ALOUD_ATTRIBUTE } from './collectReadableText';
export type { CollectReadableTextOptions } from './collectReadableText';
export { ReadableText } from './ReadableText';
export type { DomPosition, OffsetBias } from './ReadableText';
export { observeReadableText, diffReadableText } from './observeReadableText';
export type { ObserveReadableTextOptions, ReadableTextChange, ReadableTextObserver } from './observeReadableText';
export { RangeHighlighter, DEFAULT_HIGHLIGHT_NAMES, HIGHLIGHT_OVERLAY_ATTRIBUTE, supportsCustomHighlights } from './RangeHighlighter';
export type { HighlightLayer, HighlightMode, RangeHighlighterOptions } from './RangeHighlighter';
