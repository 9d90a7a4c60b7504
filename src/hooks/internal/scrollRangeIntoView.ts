/**
 * Scrolls the window so `range` is in view (a third down from the top), when it is not: the heard word
 * of a highlight drawn over text, which has no element of its own to `scrollIntoView`. Never moves
 * focus; smooth only without `prefers-reduced-motion: reduce`.
 */
export function scrollRangeIntoView(range: Range): void {
  const view = range.startContainer.ownerDocument?.defaultView;
  if (!view) return;
  const rect = range.getBoundingClientRect();
  if ((rect.width === 0 && rect.height === 0) || (rect.top >= 0 && rect.bottom <= view.innerHeight)) return;
  const reduce = typeof view.matchMedia === 'function' && view.matchMedia('(prefers-reduced-motion: reduce)').matches;
  view.scrollBy({ top: rect.top - view.innerHeight / 3, behavior: reduce ? 'auto' : 'smooth' });
}
