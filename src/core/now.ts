/**
 * Milliseconds on a monotonic clock (`performance.now()`), or the wall clock where there is none. Read
 * through the global at each call, so tests that replace the clock see it.
 *
 * @example
 * const startedAt = now();
 * // …
 * const elapsedMs = now() - startedAt;
 */
export function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
