import { useEffect, useLayoutEffect } from 'react';

/** `useLayoutEffect` in browsers, `useEffect` on the server (where layout effects warn and never run). */
export const useIsomorphicLayoutEffect = typeof document !== 'undefined' ? useLayoutEffect : useEffect;

/** Whether development warnings are on (bundlers remove the guarded code in production). */
export function isDevelopment(): boolean {
  return typeof process !== 'undefined' && process.env.NODE_ENV !== 'production';
}

const warned = /* @__PURE__ */ new Set<string>();

/** Logs a development warning once per message. Callers guard with {@link isDevelopment}. */
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
