import { forwardRef, type CSSProperties, type ChangeEvent, type HTMLAttributes, type KeyboardEvent, type MouseEvent, type PointerEvent } from 'react';
import type { ReadAloudStatus } from '../core/index';
import type { UseReadAloudResult } from '../hooks/useReadAloud';
import { isActiveStatus } from '../hooks/useSpeech';

/** What {@link ReadAloudControls} needs from a reading: a `useReadAloud` result fits. */
export type ReadAloudControlsReading = Pick<
  UseReadAloudResult,
  'status' | 'text' | 'sentences' | 'sentenceIndex' | 'playbackRate' | 'play' | 'pause' | 'nextSentence' | 'previousSentence' | 'seekToSentence' | 'setPlaybackRate' | 'controller'
>;

/** The controls' accessible names and the slider's value text; override for other languages. */
export interface ReadAloudControlsLabels {
  /** The group's name. @default 'Read-aloud player' */
  group: string;
  /** @default 'Play' */
  play: string;
  /** @default 'Pause' */
  pause: string;
  /** @default 'Previous sentence' */
  previous: string;
  /** @default 'Next sentence' */
  next: string;
  /** The speed control's name. @default 'Playback speed' */
  rate: string;
  /** A speed's option text. @default rate => `${rate}×` */
  rateOption: (rate: number) => string;
  /** The slider's name. @default 'Reading position' */
  position: string;
  /**
   * The slider's `aria-valuetext`: the sentence and the time. `elapsed` and `total` are formatted
   * (`m:ss`), `total` is an estimate until all audio has arrived.
   * @default `Sentence ${sentence} of ${count}, ${elapsed} of about ${total}: ${excerpt}`
   */
  positionText: (position: { sentence: number; count: number; elapsed: string; total: string; excerpt: string }) => string;
}

/** The default (English) {@link ReadAloudControlsLabels}. */
export const DEFAULT_READ_ALOUD_CONTROLS_LABELS: ReadAloudControlsLabels = /* @__PURE__ */ Object.freeze({
  group: 'Read-aloud player',
  play: 'Play',
  pause: 'Pause',
  previous: 'Previous sentence',
  next: 'Next sentence',
  rate: 'Playback speed',
  rateOption: (rate: number) => `${rate}×`,
  position: 'Reading position',
  positionText: ({ sentence, count, elapsed, total, excerpt }: { sentence: number; count: number; elapsed: string; total: string; excerpt: string }) =>
    `Sentence ${sentence} of ${count}, ${elapsed} of about ${total}: ${excerpt}`,
});

/** The speeds offered by default. */
export const DEFAULT_PLAYBACK_RATES: readonly number[] = /* @__PURE__ */ Object.freeze([0.5, 0.75, 1, 1.25, 1.5, 2]);

/** Options of {@link useReadAloudControls}. */
export interface UseReadAloudControlsOptions {
  /** Names and value text, merged over {@link DEFAULT_READ_ALOUD_CONTROLS_LABELS}. */
  labels?: Partial<ReadAloudControlsLabels>;
  /** The speeds of the speed control (the current one is added when missing). @default DEFAULT_PLAYBACK_RATES */
  rates?: readonly number[];
}

/** What the buttons' prop bags hold. */
export interface ReadAloudButtonProps {
  type: 'button';
  'aria-label': string;
  onClick: (event: MouseEvent<HTMLButtonElement>) => void;
  disabled: boolean | undefined;
  'data-state': ReadAloudStatus;
}

/** The prop bags and state {@link useReadAloudControls} returns: spread each on its element. */
export interface UseReadAloudControlsResult {
  /** On the wrapper: `role="group"` with its name. */
  groupProps: { role: 'group'; 'aria-label': string; 'data-state': ReadAloudStatus };
  /** Play or pause (its name says which a click does). */
  playButtonProps: ReadAloudButtonProps & { 'data-action': 'play' | 'pause' };
  previousButtonProps: ReadAloudButtonProps;
  nextButtonProps: ReadAloudButtonProps;
  /** On a `<select>`; render {@link rateOptions} as its `<option>`s. */
  rateSelectProps: { 'aria-label': string; value: string; onChange: (event: ChangeEvent<HTMLSelectElement>) => void; 'data-state': ReadAloudStatus };
  rateOptions: ReadonlyArray<{ value: string; label: string }>;
  /**
   * On the progress element: the WAI-ARIA slider pattern over the sentences (arrows move one sentence,
   * Page Up / Page Down a tenth, Home / End the first / last; a click or tap goes to the sentence under
   * it). `--cosyvoice-progress` is the position as a percentage, for the fill and thumb.
   */
  sliderProps: {
    role: 'slider';
    tabIndex: 0 | -1;
    'aria-label': string;
    'aria-valuemin': number;
    'aria-valuemax': number;
    'aria-valuenow': number;
    'aria-valuetext': string;
    'aria-disabled': true | undefined;
    'aria-orientation': 'horizontal';
    onKeyDown: (event: KeyboardEvent<HTMLElement>) => void;
    onPointerDown: (event: PointerEvent<HTMLElement>) => void;
    'data-state': ReadAloudStatus;
    style: CSSProperties;
  };
  /** What a click on the play button does. */
  action: 'play' | 'pause';
  /** The reading's progress, 0–1 (by sentence). */
  progress: number;
}

/** `m:ss` (or `h:mm:ss`) of `ms`. */
function formatTime(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

const EXCERPT_LENGTH = 60;

/**
 * The behaviour of {@link ReadAloudControls} for your own markup: prop bags for the play / pause,
 * previous and next sentence buttons, the speed `<select>` and the progress slider.
 *
 * @example
 * const reading = useReadAloud(text);
 * const { groupProps, playButtonProps, sliderProps, action } = useReadAloudControls(reading);
 * <div {...groupProps}><button {...playButtonProps}>{action === 'play' ? <PlayIcon /> : <PauseIcon />}</button><div {...sliderProps} className="bar" /></div>
 */
export function useReadAloudControls(reading: ReadAloudControlsReading, options: UseReadAloudControlsOptions = {}): UseReadAloudControlsResult {
  const labels: ReadAloudControlsLabels = { ...DEFAULT_READ_ALOUD_CONTROLS_LABELS, ...options.labels };
  const { status, sentences, sentenceIndex, playbackRate, text, controller } = reading;
  const count = sentences.length;
  const hasText = count > 0;
  const action: 'play' | 'pause' = isActiveStatus(status) && status !== 'paused' ? 'pause' : 'play';
  const current = Math.max(0, Math.min(count - 1, sentenceIndex));
  const sentence = sentences[current];
  const progress = count > 0 && sentenceIndex >= 0 ? (status === 'ended' ? 1 : current / count) : 0;

  const goTo = (index: number): void => {
    if (!hasText) return;
    reading.seekToSentence(Math.max(0, Math.min(count - 1, index)));
  };
  const step = Math.max(1, Math.round(count / 10));
  const onKeyDown = (event: KeyboardEvent<HTMLElement>): void => {
    if (!hasText) return;
    let target: number;
    switch (event.key) {
      case 'ArrowRight':
      case 'ArrowUp':
        target = current + 1;
        break;
      case 'ArrowLeft':
      case 'ArrowDown':
        target = current - 1;
        break;
      case 'PageUp':
        target = current + step;
        break;
      case 'PageDown':
        target = current - step;
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        target = count - 1;
        break;
      default:
        return;
    }
    event.preventDefault();
    goTo(target);
  };
  const onPointerDown = (event: PointerEvent<HTMLElement>): void => {
    if (!hasText || event.button !== 0) return;
    const rect = event.currentTarget.getBoundingClientRect();
    if (rect.width <= 0) return;
    const fraction = Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width));
    event.currentTarget.focus();
    goTo(Math.min(count - 1, Math.floor(fraction * count)));
  };

  const rates = options.rates ?? DEFAULT_PLAYBACK_RATES;
  const offered = rates.includes(playbackRate) ? rates : [...rates, playbackRate].sort((a, b) => a - b);
  const excerpt = sentence ? text.slice(sentence.start, sentence.end) : '';
  const elapsedMs = sentence ? controller.estimateMs(sentence.start) : 0;
  const valueText = labels.positionText({
    sentence: current + 1,
    count,
    elapsed: formatTime(elapsedMs / playbackRate),
    total: formatTime(controller.estimateMs() / playbackRate),
    excerpt: excerpt.length > EXCERPT_LENGTH ? `${excerpt.slice(0, EXCERPT_LENGTH - 1)}…` : excerpt,
  });
  const button = (label: string, onClick: () => void, disabled: boolean): ReadAloudButtonProps => ({
    type: 'button',
    'aria-label': label,
    onClick: () => onClick(),
    disabled: disabled || undefined,
    'data-state': status,
  });
  return {
    groupProps: { role: 'group', 'aria-label': labels.group, 'data-state': status },
    playButtonProps: {
      ...button(action === 'play' ? labels.play : labels.pause, () => (action === 'play' ? reading.play() : reading.pause()), !hasText),
      'data-action': action,
    },
    previousButtonProps: button(labels.previous, () => reading.previousSentence(), !hasText || sentenceIndex <= 0),
    nextButtonProps: button(labels.next, () => reading.nextSentence(), !hasText || sentenceIndex >= count - 1),
    rateSelectProps: {
      'aria-label': labels.rate,
      value: String(playbackRate),
      onChange: (event) => reading.setPlaybackRate(Number(event.currentTarget.value)),
      'data-state': status,
    },
    rateOptions: offered.map((rate) => ({ value: String(rate), label: labels.rateOption(rate) })),
    sliderProps: {
      role: 'slider',
      tabIndex: hasText ? 0 : -1,
      'aria-label': labels.position,
      'aria-valuemin': 1,
      'aria-valuemax': Math.max(1, count),
      'aria-valuenow': current + 1,
      'aria-valuetext': valueText,
      'aria-disabled': hasText ? undefined : true,
      'aria-orientation': 'horizontal',
      onKeyDown,
      onPointerDown,
      'data-state': status,
      style: { '--cosyvoice-progress': `${Math.round(progress * 1000) / 10}%` } as CSSProperties,
    },
    action,
    progress,
  };
}

/** Props of {@link ReadAloudControls}. */
export interface ReadAloudControlsProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'>, UseReadAloudControlsOptions {
  /** The reading it steers: a `useReadAloud` result. */
  reading: ReadAloudControlsReading;
}

/**
 * A read-aloud player's controls for a `useReadAloud` reading: play / pause, previous and next
 * sentence, a speed control (0.5×–2×, pitch kept, applied at once) and a progress slider over the
 * sentences (the WAI-ARIA slider pattern: its value text names the sentence and the time). Unstyled:
 * class names `cosyvoice-read-aloud-controls` and `cosyvoice-read-aloud-*`, `data-state` on each part,
 * and `--cosyvoice-progress` on the slider (the optional `styles.css` draws it). Use
 * {@link useReadAloudControls} for your own markup.
 *
 * @example
 * const reading = useReadAloud(article);
 * <ReadAloudControls reading={reading} />
 * <KaraokeText reading={reading} />
 */
export const ReadAloudControls = /* @__PURE__ */ forwardRef<HTMLDivElement, ReadAloudControlsProps>(function ReadAloudControls(props, forwardedRef) {
  const { reading, labels, rates, className, ...divProps } = props;
  const controls = useReadAloudControls(reading, { labels, rates });
  const { groupProps, playButtonProps, previousButtonProps, nextButtonProps, rateSelectProps, rateOptions, sliderProps } = controls;
  return (
    <div
      {...groupProps}
      className={className === undefined ? 'cosyvoice-read-aloud-controls' : `cosyvoice-read-aloud-controls ${className}`}
      {...divProps}
      ref={forwardedRef}
    >
      <button {...previousButtonProps} className="cosyvoice-read-aloud-previous">
        <span aria-hidden="true">⏮</span>
      </button>
      <button {...playButtonProps} className="cosyvoice-read-aloud-play">
        <span aria-hidden="true">{controls.action === 'play' ? '▶' : '⏸'}</span>
      </button>
      <button {...nextButtonProps} className="cosyvoice-read-aloud-next">
        <span aria-hidden="true">⏭</span>
      </button>
      <div {...sliderProps} className="cosyvoice-read-aloud-progress">
        <div className="cosyvoice-read-aloud-progress-range" />
        <div className="cosyvoice-read-aloud-progress-thumb" />
      </div>
      <select {...rateSelectProps} className="cosyvoice-read-aloud-rate">
        {rateOptions.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
});
