// What draws a highlight over text, loaded on demand (`import('./rangeHighlighting')`) by the reading
// region and statically by KaraokeText's lazily loaded ranges mode: never reached statically from the
// package's entry, so a bundle that uses neither does not load it.
export { RangeHighlighter } from '../../dom/RangeHighlighter';
export { scrollRangeIntoView } from './scrollRangeIntoView';
