/**
 * Records the timers that code under `src/server/` starts (setTimeout and setInterval, unref'd ones
 * included, which `process.getActiveResourcesInfo()` does not list) and forgets them when they fire
 * once or are cleared, so a test can check that a closed proxy left none pending.
 */
export class TimerLedger {
  readonly #live = new Map<unknown, string>();
  readonly #restore: Array<() => void> = [];

  constructor(readonly marker = '/src/server/') {}

  /** Starts recording (replaces the global timer functions until `stop`). */
  start(): this {
    const realSetTimeout = globalThis.setTimeout;
    const realSetInterval = globalThis.setInterval;
    const realClearTimeout = globalThis.clearTimeout;
    const realClearInterval = globalThis.clearInterval;
    const live = this.#live;
    const marker = this.marker;
    const origin = (): string | undefined => {
      const stack = new Error().stack ?? '';
      const line = stack.split('\n').slice(3).find((frame) => frame.includes(marker));
      return line?.trim();
    };
    globalThis.setTimeout = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const from = origin();
      const timer = realSetTimeout(() => {
        live.delete(timer);
        handler(...args);
      }, ms);
      if (from) live.set(timer, from);
      return timer;
    }) as typeof setTimeout;
    globalThis.setInterval = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const from = origin();
      const timer = realSetInterval(handler, ms, ...args);
      if (from) live.set(timer, `${from} (interval)`);
      return timer;
    }) as typeof setInterval;
    globalThis.clearTimeout = ((timer: Parameters<typeof clearTimeout>[0]) => {
      live.delete(timer);
      realClearTimeout(timer);
    }) as typeof clearTimeout;
    globalThis.clearInterval = ((timer: Parameters<typeof clearInterval>[0]) => {
      live.delete(timer);
      realClearInterval(timer);
    }) as typeof clearInterval;
    this.#restore.push(() => {
      globalThis.setTimeout = realSetTimeout;
      globalThis.setInterval = realSetInterval;
      globalThis.clearTimeout = realClearTimeout;
      globalThis.clearInterval = realClearInterval;
    });
    return this;
  }

  /** Where each pending timer was started. */
  pending(): string[] {
    return [...this.#live.values()];
  }

  stop(): void {
    for (const restore of this.#restore.splice(0)) restore();
    this.#live.clear();
  }
}
