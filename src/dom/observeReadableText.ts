import { collectReadableText, READ_ALOUD_ATTRIBUTE, startReadableTextCollection, type CollectReadableTextOptions, type ReadableTextCollection } from './collectReadableText';
import type { ReadableText } from './ReadableText';

/**
 * What changed between two collections of a region's text, as one edit: `previous.text` from
 * `changedAt` to `previousEnd` became `current.text` from `changedAt` to `currentEnd`; the text before
 * `changedAt` and after the two ends is the same.
 */
export interface ReadableTextChange {
  previous: ReadableText;
  current: ReadableText;
  /**
   * Where the two texts first differ, or `null` when the text is the same (the DOM under it changed, so
   * ranges must come from `current` anyway). Appending (a streamed message) gives `previous.length`.
   */
  changedAt: number | null;
  /** Where the changed part ends in the previous text (equal to `changedAt` for a pure insertion). */
  previousEnd: number;
  /** Where the changed part ends in the current text. */
  currentEnd: number;
  /**
   * Whether the change touched the previous text before `offset` (the end of what has been sent or
   * heard): if not, a reading can go on, its offsets unchanged.
   */
  touchesBefore(offset: number): boolean;
  /**
   * Where an offset of the previous text is in the current text: unchanged before the edit, shifted
   * after it, `null` inside it.
   */
  mapOffset(offset: number): number | null;
}

/** Options of {@link observeReadableText}. */
export interface ObserveReadableTextOptions extends CollectReadableTextOptions {
  /** Called after each rebuild with what changed. */
  onChange: (change: ReadableTextChange) => void;
  /**
   * Wait this long after a change before rebuilding, so a burst of changes (tokens of a streamed
   * message) costs one rebuild; `current` and `flush()` rebuild at once when something is pending.
   * @default 0 (rebuild in the mutation observer's callback, once per task's batch of changes)
   */
  delayMs?: number;
  /**
   * Build the text in slices of about this many ms, one per task, instead of in one task: a long article
   * (10 000 words take tens of ms to walk) then never blocks input for that long. `current` and
   * `flush()` finish a build under way at once; a change during a build starts it over.
   * @default 0 (each build in one task)
   */
  sliceMs?: number;
}

// Attributes that change what is read (visibility, skipping, alt text, closed details, language).
const OBSERVED_ATTRIBUTES = ['hidden', 'aria-hidden', 'class', 'style', READ_ALOUD_ATTRIBUTE, 'open', 'alt', 'lang'];

/** Compares two texts: the common prefix and suffix around the one edit between them. */
export function diffReadableText(previous: ReadableText, current: ReadableText): ReadableTextChange {
  const before = previous.text;
  const after = current.text;
  let prefix = 0;
  const shorter = Math.min(before.length, after.length);
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  const same = prefix === before.length && prefix === after.length;
  const changedAt = same ? null : prefix;
  const previousEnd = same ? before.length : before.length - suffix;
  const currentEnd = same ? after.length : after.length - suffix;
  return {
    previous,
    current,
    changedAt,
    previousEnd,
    currentEnd,
    touchesBefore: (offset) => changedAt !== null && changedAt < offset,
    mapOffset: (offset) => {
      if (changedAt === null || offset <= changedAt) return offset;
      if (offset >= previousEnd) return offset + (currentEnd - previousEnd);
      return null;
    },
  };
}

/** The live text of a region: see {@link observeReadableText}. */
export interface ReadableTextObserver {
  /** The text as of the last rebuild (rebuilt first when a change is pending). */
  readonly current: ReadableText;
  /** Whether a build is under way in slices (`sliceMs`); `current` would finish it at once. */
  readonly building: boolean;
  /** Brings the text up to date now: builds a pending change (calling `onChange`) or finishes a build under way; returns whether it did. */
  flush(): boolean;
  /** Stops observing (pending changes are dropped). */
  disconnect(): void;
}

/**
 * Keeps a region's {@link ReadableText} current while its content changes (streamed chat messages,
 * client-side navigation, content shown or hidden): a `MutationObserver` on the region's subtree
 * (text, children, and the attributes that change what is read) rebuilds it and reports the change
 * as one edit, so a reading can continue on the unchanged text (`touchesBefore(sentUpTo)` is false;
 * `mapOffset` moves positions past an edit before them) or stop cleanly. Changes made by style sheets
 * alone are not seen.
 *
 * @example
 * const live = observeReadableText(message, {
 *   delayMs: 50,
 *   onChange(change) {
 *     if (change.touchesBefore(reading.sentUpTo)) reading.stop();
 *     else reading.extend(change.current); // new text at the end is read too
 *   },
 * });
 * // later
 * live.disconnect();
 */
export function observeReadableText(root: Element, options: ObserveReadableTextOptions): ReadableTextObserver {
  const { onChange, delayMs = 0, sliceMs = 0, ...collectOptions } = options;
  if (typeof onChange !== 'function') throw new TypeError('observeReadableText needs an onChange callback');
  if (!(delayMs >= 0 && Number.isFinite(delayMs))) throw new TypeError(`delayMs must be a finite number >= 0; received ${String(delayMs)}`);
  if (!(sliceMs >= 0 && Number.isFinite(sliceMs))) throw new TypeError(`sliceMs must be a finite number >= 0; received ${String(sliceMs)}`);
  const view = root.ownerDocument.defaultView;
  if (!view) throw new TypeError('observeReadableText needs an element of a document shown in a window');
  /** The text of the last finished build. */
  let current: ReadableText | undefined;
  /** A build under way (in slices), of the DOM as it was when it started. */
  let collection: ReadableTextCollection | undefined;
  /** The DOM changed after the last build started. */
  let pending = false;
  let delayTimer: number | undefined;
  let sliceTimer: number | undefined;
  let connected = true;

  const clearTimers = (): void => {
    if (delayTimer !== undefined) view.clearTimeout(delayTimer);
    if (sliceTimer !== undefined) view.clearTimeout(sliceTimer);
    delayTimer = undefined;
    sliceTimer = undefined;
  };

  const finish = (readable: ReadableText): void => {
    collection = undefined;
    const previous = current;
    current = readable;
    if (previous) onChange(diffReadableText(previous, readable));
  };

  /** Starts a build of the DOM as it is now: at once, or in slices from the next task on. */
  const start = (): void => {
    pending = false;
    clearTimers();
    collection = startReadableTextCollection(root, collectOptions);
    if (sliceMs > 0) sliceTimer = view.setTimeout(slice, 0);
    else finish(collection.run()!);
  };

  const slice = (): void => {
    sliceTimer = undefined;
    if (!connected || !collection) return;
    // Changed between two slices: what was walked may be stale, so start over.
    if (observer.takeRecords().length > 0) return start();
    const began = performance.now();
    const readable = collection.run(() => performance.now() - began >= sliceMs);
    if (readable) finish(readable);
    else sliceTimer = view.setTimeout(slice, 0);
  };

  /** Brings the text up to date now: a pending change is built, a build under way finished; returns whether a build finished. */
  const settle = (): boolean => {
    if (observer.takeRecords().length > 0) pending = true;
    if (pending && connected) {
      pending = false;
      collection = startReadableTextCollection(root, collectOptions);
    }
    if (!collection) return false;
    clearTimers();
    finish(collection.run()!);
    return true;
  };

  const observer = new view.MutationObserver(() => {
    pending = true;
    if (delayMs === 0) start();
    else if (delayTimer === undefined) {
      delayTimer = view.setTimeout(() => {
        delayTimer = undefined;
        if (pending) start();
      }, delayMs);
    }
  });
  observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: OBSERVED_ATTRIBUTES });
  start();

  return {
    get current() {
      settle();
      // Disconnected before its first build finished: built now, unobserved.
      return (current ??= collectReadableText(root, collectOptions));
    },
    get building() {
      return collection !== undefined;
    },
    flush: settle,
    disconnect() {
      connected = false;
      observer.disconnect();
      clearTimers();
      collection = undefined;
    },
  };
}
