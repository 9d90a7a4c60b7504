/** Calls a function on the next display frame; injectable so tests can step time explicitly. */
export interface FrameScheduler {
  request(callback: () => void): unknown;
  cancel(handle: unknown): void;
}

/**
 * `requestAnimationFrame` where it exists, else a 16 ms timer (Node, SSR, workers). Globals are read
 * when called, never at import.
 *
 * @example
 * const handle = defaultFrameScheduler.request(() => draw());
 * defaultFrameScheduler.cancel(handle);
 */
export const defaultFrameScheduler: FrameScheduler = {
  request(callback) {
    // Hidden tabs get no animation frames; a timer keeps word changes (and their listeners) flowing.
    if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
      return { raf: requestAnimationFrame(() => callback()) };
    }
    return { timer: setTimeout(callback, 16) };
  },
  cancel(handle) {
    const h = handle as { raf?: number; timer?: ReturnType<typeof setTimeout> } | undefined;
    if (h?.raf !== undefined) cancelAnimationFrame(h.raf);
    if (h?.timer !== undefined) clearTimeout(h.timer);
  },
};
