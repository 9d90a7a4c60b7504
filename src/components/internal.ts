import { useEffect, useLayoutEffect } from 'react';

/** `useLayoutEffect` in browsers, `useEffect` on the server (where layout effects warn and never run). */
export const useIsomorphicLayoutEffect = typeof document !== 'undefined' ? useLayoutEffect : useEffect;

const warned = /* @__PURE__ */ new Set<string>();

/**
 * Logs a development warning once per message. Callers guard with `process.env.NODE_ENV !== 'production'`
 * written out, which bundlers replace so production builds drop the warning and its text.
 */
export function warnOnce(message: string): void {
  if (warned.has(message)) {
    return;
  }
  warned.add(message);
  console.warn(`[cosyvoice-react] ${message}`);
}

/** Whether the user asked the system for less motion (never true on the server). */
export function prefersReducedMotion(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}
