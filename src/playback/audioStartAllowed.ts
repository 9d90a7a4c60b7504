/** The parts of `navigator` that say whether audio may start (Firefox's autoplay policy, user activation). */
export interface AudioStartSignals {
  /** Firefox 112+: `'allowed'`, `'allowed-muted'` or `'disallowed'` for `'audiocontext'`. */
  getAutoplayPolicy?(type: 'audiocontext'): string;
  /** Chromium, Firefox 120+, Safari 16.4+. */
  userActivation?: { readonly isActive: boolean };
}

/**
 * Whether the browser lets an `AudioContext` start now, as far as it tells: `true` inside a user
 * gesture (transient user activation) or where Firefox's `navigator.getAutoplayPolicy('audiocontext')`
 * says `'allowed'`; `false` where neither holds; `undefined` where the browser has neither API (then only
 * the context's own start can tell).
 *
 * A context resumed while this is `true` is starting, however long its audio device takes (Firefox took
 * up to 2 s to open a PulseAudio sink): it is not blocked by the autoplay policy.
 *
 * @example
 * context.resume();
 * const mayStart = audioStartAllowed(); // read synchronously inside the click handler
 */
export function audioStartAllowed(signals: AudioStartSignals | undefined = typeof navigator === 'undefined' ? undefined : (navigator as AudioStartSignals)): boolean | undefined {
  if (!signals) return undefined;
  let policy: string | undefined;
  try {
    policy = typeof signals.getAutoplayPolicy === 'function' ? signals.getAutoplayPolicy('audiocontext') : undefined;
  } catch {
    // An engine that knows the method but not the 'audiocontext' type.
    policy = undefined;
  }
  if (policy === 'allowed') return true;
  const activation = signals.userActivation;
  if (activation?.isActive) return true;
  return policy === undefined && activation === undefined ? undefined : false;
}
