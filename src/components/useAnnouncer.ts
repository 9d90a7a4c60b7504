import { useCallback, useEffect } from 'react';

/** The attribute that marks the one shared status region of a document. */
export const ANNOUNCER_ATTRIBUTE = 'data-cosyvoice-announcer';

const users = /* @__PURE__ */ new WeakMap<Document, number>();

// Visually hidden but read by screen readers (the usual "sr-only" recipe). A live region must be
// hidden this way, not with `display: none` or `hidden`, or nothing is announced.
const VISUALLY_HIDDEN =
  'position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0';

function acquireRegion(doc: Document): HTMLElement {
  const existing = doc.querySelector<HTMLElement>(`[${ANNOUNCER_ATTRIBUTE}]`);
  if (existing) {
    return existing;
  }
  const element = doc.createElement('div');
  element.setAttribute(ANNOUNCER_ATTRIBUTE, '');
  element.setAttribute('role', 'status');
  element.setAttribute('aria-live', 'polite');
  element.setAttribute('aria-atomic', 'true');
  element.className = 'cosyvoice-status';
  element.style.cssText = VISUALLY_HIDDEN;
  doc.body.appendChild(element);
  return element;
}

/**
 * Puts `message` in the document's one shared polite status region (`role="status"`), creating it
 * if no component has yet. For state only — "Reading aloud", "Paused", "Finished reading", errors —
 * never the words being spoken (the audio already says them). Does nothing on the server.
 *
 * @example
 * announce('Voice list updated');
 */
export function announce(message: string, doc: Document | undefined = typeof document === 'undefined' ? undefined : document): void {
  if (!doc?.body) {
    return;
  }
  const element = acquireRegion(doc);
  // The same message twice in a row is not a change, so screen readers would stay silent; a
  // trailing no-break space makes it one.
  element.textContent = element.textContent === message ? `${message}\u00a0` : message;
}

/**
 * Makes sure the shared status region exists from mount on — a live region must be in the DOM
 * before its content changes, or the first announcement is lost — and returns {@link announce}.
 * The region is removed when the last component using it unmounts.
 *
 * @example
 * const announce = useAnnouncer();
 * <button onClick={() => { save(); announce('Saved'); }}>Save</button>
 */
export function useAnnouncer(): (message: string) => void {
  useEffect(() => {
    const doc = document;
    acquireRegion(doc);
    users.set(doc, (users.get(doc) ?? 0) + 1);
    return () => {
      const left = (users.get(doc) ?? 1) - 1;
      users.set(doc, left);
      if (left <= 0) {
        doc.querySelector(`[${ANNOUNCER_ATTRIBUTE}]`)?.remove();
      }
    };
  }, []);
  return useCallback((message: string) => announce(message), []);
}
