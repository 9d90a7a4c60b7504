const warned = /* @__PURE__ */ new Set<string>();

/**
 * Logs a development warning once per message. Callers guard with `process.env.NODE_ENV !== 'production'`
 * written out, which bundlers replace so production builds drop the warning and its text.
 *
 * @example
 * if (process.env.NODE_ENV !== 'production' && !text) warnOnce('SpeakButton received no `text`');
 */
export function warnOnce(message: string): void {
  if (warned.has(message)) {
    return;
  }
  warned.add(message);
  console.warn(`[cosyvoice-react] ${message}`);
}
