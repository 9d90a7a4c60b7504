// Imports nothing of the package's entry chunk but types (what it needs comes in as props), so that
// bundlers keep it a chunk of its own, loaded on first use, and the entry chunk whole.
import { memo, useEffect, useImperativeHandle, useLayoutEffect, useRef, useSyncExternalStore, type ForwardedRef } from 'react';
import type { TimelineWord } from '../core/WordTimeline';
import { highlightKaraokeRanges } from './highlightKaraokeRanges';
import type { KaraokeTextProps, KaraokeTextSpeech } from './KaraokeText';

const noSubscription = () => () => {};

/** What the ranges highlighter reads of the latest props (see `highlightKaraokeRanges`). */
export interface KaraokeRangesProps {
  text: string;
  timeline: readonly TimelineWord[] | undefined;
  activeWordIndex: number;
  follow: boolean;
  seekable: boolean;
  onWordSelect: KaraokeTextProps['onWordSelect'];
  speech: KaraokeTextSpeech | undefined;
  seekUnavailable: string;
  announce(message: string): void;
}

/**
 * Props of the ranges mode are compared with the speech's controller in place of the speech: a parent
 * that re-renders for every word (it holds `useSpeechSynthesis`) passes a new speech object each time,
 * which changes nothing here.
 */
function sameProps(previous: KaraokeRangesTextProps, next: KaraokeRangesTextProps): boolean {
  const before = previous.props;
  const after = next.props;
  const keys = Object.keys(after) as (keyof KaraokeTextProps)[];
  return (
    previous.forwardedRef === next.forwardedRef &&
    previous.announce === next.announce &&
    previous.seekUnavailable === next.seekUnavailable &&
    keys.length === Object.keys(before).length &&
    keys.every((key) => (key === 'speech' ? before.speech?.controller === after.speech?.controller : before[key] === after[key]))
  );
}

/** What `KaraokeText` passes to its ranges mode: its props, its ref, and what this chunk must not import. */
interface KaraokeRangesTextProps {
  props: KaraokeTextProps;
  forwardedRef: ForwardedRef<HTMLDivElement>;
  announce: (message: string) => void;
  seekUnavailable: string;
}

/**
 * The ranges mode of {@link KaraokeText} (`highlight="ranges"`): the text as one plain text node, the heard word
 * and its sentence drawn over it (`highlightKaraokeRanges`), rendering only when what it shows besides the
 * highlight changes (status, completeness, streamed text). Loaded by `KaraokeText` on first use.
 */
export const KaraokeRangesText = /* @__PURE__ */ memo(KaraokeRangesTextInner, sameProps);

function KaraokeRangesTextInner({
  props,
  forwardedRef,
  announce,
  seekUnavailable,
}: KaraokeRangesTextProps) {
  const {
    text: textProp,
    children,
    speech,
    timeline,
    activeWordIndex = -1,
    follow = true,
    seekable: seekableProp,
    onWordSelect,
    labels,
    renderWord: _renderWord,
    highlight: _highlight,
    className,
    ...divProps
  } = props;
  const controller = speech?.controller;
  // Rendered only for what changes a few times per reading (status, completeness, streamed text); the
  // highlight follows the controller outside React.
  const subscribe = controller ? controller.subscribe : noSubscription;
  const shown = useSyncExternalStore(
    subscribe,
    () => (controller ? `${controller.getSnapshot().status} ${controller.getSnapshot().isComplete}` : `${activeWordIndex >= 0 ? 'speaking' : 'idle'} false`),
    () => `${controller || activeWordIndex < 0 ? 'idle' : 'speaking'} false`,
  );
  const speechText = useSyncExternalStore(subscribe, () => controller?.getSnapshot().text ?? '', () => '');
  const [status, isComplete] = shown.split(' ');
  const text = textProp ?? (typeof children === 'string' ? children : undefined) ?? speechText;
  const seekable = seekableProp ?? (speech !== undefined || onWordSelect !== undefined);

  const rootRef = useRef<HTMLDivElement | null>(null);
  useImperativeHandle(forwardedRef, () => rootRef.current!, []);
  const latest = useRef<KaraokeRangesProps>({ text, timeline, activeWordIndex, follow, seekable, onWordSelect, speech, seekUnavailable: '', announce });
  latest.current = { text, timeline, activeWordIndex, follow, seekable, onWordSelect, speech, seekUnavailable: labels?.seekUnavailable ?? seekUnavailable, announce };
  const attached = useRef<{ update(): void; detach(): void } | undefined>(undefined);
  useEffect(() => {
    const root = rootRef.current;
    if (root) attached.current = highlightKaraokeRanges(root, controller, latest);
    return () => {
      attached.current?.detach();
      attached.current = undefined;
    };
  }, [controller]);
  // New props (the text, an explicit timeline's heard word): the highlight follows.
  // (Client-only: on the server, KaraokeText renders the plain text without loading this.)
  useLayoutEffect(() => attached.current?.update());

  return (
    <div
      className={className === undefined ? 'cosyvoice-karaoke' : `cosyvoice-karaoke ${className}`}
      data-state={status}
      data-highlight="ranges"
      data-seekable={seekable && isComplete === 'true' ? '' : undefined}
      {...divProps}
      ref={rootRef}
    >
      {text}
    </div>
  );
}
