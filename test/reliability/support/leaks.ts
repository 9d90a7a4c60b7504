// Counts timers and animation frames created by the library's own code (src/), so a suite can assert
// that none is left pending after a flow ends. Installed per test file (each vitest file runs in its own
// module graph and global scope); only calls whose creation stack passes through src/ are tracked, so
// React's scheduler, ws, jsdom and the test's own timers do not count.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = `${path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src')}${path.sep}`;

export interface PendingTimer {
  kind: 'timeout' | 'interval' | 'animation-frame';
  delay: number;
  stack: string;
}

export function installTimerTracker() {
  const live = new Map<unknown, PendingTimer>();
  let created = 0;
  const g = globalThis as Record<string, any>;
  const original = {
    setTimeout: g.setTimeout,
    clearTimeout: g.clearTimeout,
    setInterval: g.setInterval,
    clearInterval: g.clearInterval,
    requestAnimationFrame: g.requestAnimationFrame,
    cancelAnimationFrame: g.cancelAnimationFrame,
  };
  // jsdom's window methods want `this` to be the window.
  const real = Object.fromEntries(Object.entries(original).map(([k, fn]) => [k, typeof fn === 'function' ? fn.bind(globalThis) : fn])) as typeof original;
  const fromLibrary = (): string | undefined => {
    const stack = new Error().stack ?? '';
    // The first frame outside this file tells who asked.
    const caller = stack.split('\n').slice(2).find((line) => !line.includes('leaks.ts'));
    return caller?.includes(SRC) ? stack.split('\n').slice(2, 7).join('\n') : undefined;
  };
  g.setTimeout = function (fn: (...a: unknown[]) => void, delay?: number, ...args: unknown[]) {
    const stack = fromLibrary();
    const handle = real.setTimeout(function (this: unknown) {
      live.delete(handle);
      if (typeof fn === 'function') fn.apply(this, args);
    }, delay);
    if (stack) {
      created++;
      live.set(handle, { kind: 'timeout', delay: Number(delay ?? 0), stack });
    }
    return handle;
  };
  g.clearTimeout = function (handle: unknown) {
    live.delete(handle);
    return real.clearTimeout(handle);
  };
  g.setInterval = function (fn: (...a: unknown[]) => void, delay?: number, ...args: unknown[]) {
    const stack = fromLibrary();
    const handle = real.setInterval(fn, delay, ...args);
    if (stack) {
      created++;
      live.set(handle, { kind: 'interval', delay: Number(delay ?? 0), stack });
    }
    return handle;
  };
  g.clearInterval = function (handle: unknown) {
    live.delete(handle);
    return real.clearInterval(handle);
  };
  if (typeof real.requestAnimationFrame === 'function') {
    g.requestAnimationFrame = function (fn: FrameRequestCallback) {
      const stack = fromLibrary();
      const handle: number = real.requestAnimationFrame((time: number) => {
        live.delete(`raf:${handle}`);
        fn(time);
      });
      if (stack) {
        created++;
        live.set(`raf:${handle}`, { kind: 'animation-frame', delay: 16, stack });
      }
      return handle;
    };
    g.cancelAnimationFrame = function (handle: number) {
      live.delete(`raf:${handle}`);
      return real.cancelAnimationFrame(handle);
    };
  }
  return {
    /** Library timers, intervals and animation frames neither fired nor cancelled. */
    pending(): PendingTimer[] {
      return [...live.values()];
    },
    /** How many the library created since install (to show the tracker saw something). */
    get created() {
      return created;
    },
    uninstall() {
      Object.assign(g, original);
    },
  };
}
