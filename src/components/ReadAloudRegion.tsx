import { forwardRef, useCallback, useRef, useState, type HTMLAttributes, type ReactNode } from 'react';
import { useReadAloudRegion, type UseReadAloudRegionOptions, type UseReadAloudRegionResult } from '../hooks/useReadAloudRegion';
import { DEFAULT_PLAYBACK_RATES } from './ReadAloudControls';
import { useAnnouncer } from './useAnnouncer';

/** Labels of {@link ReadAloudRegion}'s controls; override for other languages. */
export interface ReadAloudRegionLabels {
  /** The controls' group. @default 'Read aloud' */
  controls: string;
  /** @default 'Read aloud' */
  read: string;
  /** @default 'Stop' */
  stop: string;
  /** @default 'Pause' */
  pause: string;
  /** @default 'Resume' */
  resume: string;
  /** @default 'Read selection' */
  readSelection: string;
  /** @default 'Previous sentence' */
  previousSentence: string;
  /** @default 'Next sentence' */
  nextSentence: string;
  /** Announced when "Read selection" is pressed with nothing selected. @default 'Select text in the region first' */
  nothingSelected: string;
  /** The speed control's name. @default 'Playback speed' */
  rate: string;
  /** A speed's option text. @default rate => `${rate}×` */
  rateOption: (rate: number) => string;
}

/** The default (English) {@link ReadAloudRegionLabels}. */
export const DEFAULT_READ_ALOUD_REGION_LABELS: ReadAloudRegionLabels = /* @__PURE__ */ Object.freeze({
  controls: 'Read aloud',
  read: 'Read aloud',
  stop: 'Stop',
  pause: 'Pause',
  resume: 'Resume',
  readSelection: 'Read selection',
  previousSentence: 'Previous sentence',
  nextSentence: 'Next sentence',
  nothingSelected: 'Select text in the region first',
  rate: 'Playback speed',
  rateOption: (rate: number) => `${rate}×`,
});

/** Props of {@link ReadAloudRegion}. */
export interface ReadAloudRegionProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** The content to read (any markup: it is rendered as it is and never changed). */
  children?: ReactNode;
  /** What is read, highlighting, steering and speech options (see `useReadAloudRegion`). */
  regionOptions?: UseReadAloudRegionOptions;
  /**
   * The controls shown before the content: `true` for the default ones (read / stop, pause / resume,
   * read selection, previous and next sentence, playback speed), `false` for none, or a function that renders your own
   * from the region. @default true
   */
  controls?: boolean | ((region: UseReadAloudRegionResult) => ReactNode);
  /** Labels of the default controls, merged over {@link DEFAULT_READ_ALOUD_REGION_LABELS}. */
  labels?: Partial<ReadAloudRegionLabels>;
}

/**
 * A recipe around `useReadAloudRegion`: controls, then the content, read and highlighted in place (the
 * content's DOM is never changed; the highlight is drawn with the CSS Custom Highlight API). The root
 * carries the reading's status in `data-state`; the content sits in a `div.cosyvoice-region-content`.
 * Click a word to read from there; select text and press "Read selection" to read just that.
 *
 * @example
 * <ReadAloudRegion regionOptions={{ imageAlt: true }}>
 *   <article dangerouslySetInnerHTML={{ __html: markdownHtml }} />
 * </ReadAloudRegion>
 */
export const ReadAloudRegion = /* @__PURE__ */ forwardRef<HTMLDivElement, ReadAloudRegionProps>(function ReadAloudRegion(props, forwardedRef) {
  const { children, regionOptions, controls = true, labels: labelOverrides, className, ...divProps } = props;
  const content = useRef<HTMLDivElement>(null);
  const region = useReadAloudRegion(content, regionOptions);
  const labels = { ...DEFAULT_READ_ALOUD_REGION_LABELS, ...labelOverrides };
  return (
    <div className={className === undefined ? 'cosyvoice-region' : `cosyvoice-region ${className}`} data-state={region.status} {...divProps} ref={forwardedRef}>
      {typeof controls === 'function' ? controls(region) : controls ? <RegionControls region={region} labels={labels} /> : null}
      <div ref={content} className="cosyvoice-region-content">
        {children}
      </div>
    </div>
  );
});

function RegionControls({ region, labels }: { region: UseReadAloudRegionResult; labels: ReadAloudRegionLabels }) {
  const announce = useAnnouncer();
  const { status, isActive } = region;
  // Kept across readings by the controller; this control is its only setter here.
  const [playbackRate, setPlaybackRate] = useState(() => region.controller.playbackRate);
  const rates = DEFAULT_PLAYBACK_RATES.includes(playbackRate) ? DEFAULT_PLAYBACK_RATES : [...DEFAULT_PLAYBACK_RATES, playbackRate].sort((a, b) => a - b);
  const readSelection = useCallback(() => {
    if (!region.readSelection()) announce(labels.nothingSelected);
  }, [region, announce, labels.nothingSelected]);
  return (
    <div role="group" aria-label={labels.controls} className="cosyvoice-region-controls">
      <button type="button" data-state={status} onClick={() => (isActive ? region.stop() : region.read())}>
        {isActive ? labels.stop : labels.read}
      </button>
      {isActive && (
        <button type="button" onClick={() => (status === 'paused' ? region.resume() : region.pause())}>
          {status === 'paused' ? labels.resume : labels.pause}
        </button>
      )}
      {/* Pressed with the mouse, a button would not take the selection away; the keyboard never does. */}
      <button type="button" onMouseDown={(event) => event.preventDefault()} onClick={readSelection}>
        {labels.readSelection}
      </button>
      <button type="button" disabled={!isActive} onClick={region.previousSentence}>
        {labels.previousSentence}
      </button>
      <button type="button" disabled={!isActive} onClick={region.nextSentence}>
        {labels.nextSentence}
      </button>
      <select
        aria-label={labels.rate}
        value={String(playbackRate)}
        onChange={(event) => {
          const rate = Number(event.currentTarget.value);
          region.controller.setPlaybackRate(rate);
          setPlaybackRate(rate);
        }}
      >
        {rates.map((rate) => (
          <option key={rate} value={String(rate)}>
            {labels.rateOption(rate)}
          </option>
        ))}
      </select>
    </div>
  );
}
