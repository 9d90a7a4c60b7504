import { forwardRef, useEffect, useRef, type ButtonHTMLAttributes, type MouseEvent, type ReactNode } from 'react';
import type { SpeechController, SpeechOptions, SpeechStatus, SynthesisError } from '../core/index';
import type { UseSpeechSynthesisResult } from '../hooks/index';
import { useLatestRef } from '../hooks/internal/useLatestRef';
import { isActiveStatus, useSpeech } from '../hooks/useSpeech';
import { composeEventHandlers } from './composeEventHandlers';
import { useAnnouncer } from './useAnnouncer';
import { warnOnce } from './warnOnce';

const SPEAK_BUTTON_NAME = 'SpeakButton';

/* -------------------------------------------------------------------------------------------------
 * Types
 * -----------------------------------------------------------------------------------------------*/

/** What a {@link SpeakButton} needs from a speech hook: a `useSpeechSynthesis` result fits. */
export type SpeakButtonSpeech = Pick<
  UseSpeechSynthesisResult,
  'speak' | 'stop' | 'pause' | 'resume' | 'status' | 'isActive' | 'error' | 'text' | 'utterance' | 'controller'
>;

/** The button's accessible names and the status messages it announces; override for other languages. */
export interface SpeakButtonLabels {
  /** Name when clicking starts reading. @default 'Read aloud' */
  start: string;
  /** Name when clicking stops. @default 'Stop reading' */
  stop: string;
  /** Name when clicking pauses (`stopBehavior="pause"`). @default 'Pause reading' */
  pause: string;
  /** Name when clicking resumes (`stopBehavior="pause"`). @default 'Resume reading' */
  resume: string;
  /** Announced when the audio starts (or resumes). @default 'Reading aloud' */
  speaking: string;
  /** Announced on pause. @default 'Paused' */
  paused: string;
  /** Announced at the end. @default 'Finished reading' */
  ended: string;
  /** Announced when reading is stopped before the end. @default 'Stopped reading' */
  stopped: string;
  /** Announced on failure. @default error => `Could not read aloud: ${error.message}` */
  error: (error: SynthesisError | undefined) => string;
}

/** The default (English) {@link SpeakButtonLabels}. */
export const DEFAULT_SPEAK_BUTTON_LABELS: SpeakButtonLabels = /* @__PURE__ */ Object.freeze({
  start: 'Read aloud',
  stop: 'Stop reading',
  pause: 'Pause reading',
  resume: 'Resume reading',
  speaking: 'Reading aloud',
  paused: 'Paused',
  ended: 'Finished reading',
  stopped: 'Stopped reading',
  error: (error: SynthesisError | undefined) => (error ? `Could not read aloud: ${error.message}` : 'Could not read aloud'),
});

/** What a click does next. */
export type SpeakButtonAction = 'speak' | 'stop' | 'pause' | 'resume';

/** Options of {@link useSpeakButton} (and the non-DOM props of {@link SpeakButton}). */
export interface UseSpeakButtonOptions {
  /** The text (or SSML) to speak. */
  text?: string;
  /**
   * A `useSpeechSynthesis` result to speak through, so several components share one utterance
   * (a `KaraokeText` showing the same speech, one button per paragraph…). Without it the button
   * has its own.
   */
  speech?: SpeakButtonSpeech;
  /** What clicking does while reading: `stop`, or `pause` then `resume`. @default 'stop' */
  stopBehavior?: 'stop' | 'pause';
  /** Names and announcements, merged over {@link DEFAULT_SPEAK_BUTTON_LABELS}. */
  labels?: Partial<SpeakButtonLabels>;
  /** Announce state changes in the shared status region. @default true */
  announce?: boolean;
  /** Called when the status this button shows changes. */
  onStatusChange?: (status: SpeechStatus) => void;
  /**
   * How to speak: request parameters over the provider's defaults (`voice`, `speechRate`…) and callbacks,
   * the same shape `useSpeechSynthesis` takes. With a shared `speech`, its request parameters apply to
   * this button's readings and its callbacks are ignored (the hook that made `speech` has its own).
   */
  speechOptions?: SpeechOptions;
  /** Composed with the button's own click handler; call `event.preventDefault()` to skip it. */
  onClick?: (event: MouseEvent<HTMLButtonElement>) => void;
  disabled?: boolean;
}

/** The prop bag and state {@link useSpeakButton} returns. */
export interface UseSpeakButtonResult {
  /** Spread on a `<button>`. */
  buttonProps: {
    type: 'button';
    onClick: (event: MouseEvent<HTMLButtonElement>) => void;
    disabled: boolean | undefined;
    'aria-busy': true | undefined;
    'data-state': SpeechStatus;
    'data-disabled': '' | undefined;
  };
  /** The status this button shows (`idle` while the shared speech reads another text). */
  status: SpeechStatus;
  /** Reading (this button's text) is underway: connecting, buffering, speaking or paused. */
  isActive: boolean;
  /** What a click does next. */
  action: SpeakButtonAction;
  /** The accessible name for the current state: it names what a click does next. */
  label: string;
  /** The speech the button drives (the one passed in, or its own). */
  speech: SpeakButtonSpeech;
}

/* -------------------------------------------------------------------------------------------------
 * useSpeakButton
 * -----------------------------------------------------------------------------------------------*/

/**
 * The behaviour of {@link SpeakButton} for your own markup: spread `buttonProps` on a `<button>` and
 * render `label` (or an icon with `aria-label={label}`). Announces state changes in the shared status
 * region. Needs a `SpeechProvider`.
 *
 * @example
 * const { buttonProps, label, isActive } = useSpeakButton({ text: 'Hello there' });
 * <button {...buttonProps} className="my-button">{isActive ? <StopIcon /> : <PlayIcon />} {label}</button>
 */
export function useSpeakButton(options: UseSpeakButtonOptions): UseSpeakButtonResult {
  const { text, speech: sharedSpeech, stopBehavior = 'stop', labels: labelOverrides, announce: shouldAnnounce = true, onStatusChange, speechOptions, onClick, disabled } = options;
  // Always called (hooks cannot be conditional); it opens nothing unless it speaks.
  const ownSpeech = useSpeech(sharedSpeech ? undefined : speechOptions);
  const speech: SpeakButtonSpeech = sharedSpeech ?? ownSpeech;
  const labels: SpeakButtonLabels = { ...DEFAULT_SPEAK_BUTTON_LABELS, ...labelOverrides };

  // A shared speech may be reading another button's text; then this one shows `idle`.
  const isMine = text === undefined || speech.text === text || speech.utterance === 0;
  const status: SpeechStatus = isMine ? speech.status : 'idle';
  const isActive = isMine && speech.isActive;
  const action: SpeakButtonAction = !isActive
    ? 'speak'
    : stopBehavior === 'pause' && status === 'paused'
      ? 'resume'
      : stopBehavior === 'pause' && status !== 'connecting'
        ? 'pause'
        : 'stop';
  const label = labels[action === 'speak' ? 'start' : action];
  const hasText = typeof text === 'string' && text.trim() !== '';

  if (process.env.NODE_ENV !== 'production' && !hasText && !speech.isActive) {
    warnOnce(`${SPEAK_BUTTON_NAME} received no \`text\` (got ${JSON.stringify(text)}); it is disabled until it has something to read.`);
  }

  const announce = useAnnouncer();
  const previousStatus = useRef<SpeechStatus>(status);
  // Read when the status changes; new labels or a new handler need not re-run the effect.
  const latest = useLatestRef({ onStatusChange, labels, error: speech.error });
  useEffect(() => {
    const previous = previousStatus.current;
    previousStatus.current = status;
    if (previous === status) {
      return;
    }
    const { onStatusChange, labels, error } = latest.current;
    onStatusChange?.(status);
    if (!shouldAnnounce || !isMine) {
      return;
    }
    const kind = status === 'idle' ? (isActiveStatus(previous) ? 'stopped' : undefined) : status === 'connecting' || status === 'buffering' ? undefined : status;
    if (!kind) {
      return;
    }
    // Several buttons may show one shared speech: the first to see a change announces it.
    const key = `${speech.utterance}:${kind}`;
    if (lastAnnouncement.get(speech.controller) === key) {
      return;
    }
    lastAnnouncement.set(speech.controller, key);
    announce(kind === 'error' ? labels.error(error) : labels[kind]);
  }, [status, isMine, shouldAnnounce, speech.utterance, speech.controller, announce, latest]);

  const handleClick = composeEventHandlers(onClick, () => {
    switch (action) {
      case 'speak':
        if (hasText) {
          // Its own speech has the options already; a shared one gets this button's request parameters.
          const { onStart, onWord, onEnd, onError, ...parameters } = (sharedSpeech && speechOptions) || {};
          speech.speak(text, parameters);
        }
        return;
      case 'stop':
        speech.stop();
        return;
      case 'pause':
        speech.pause();
        return;
      case 'resume':
        speech.resume();
        return;
      default:
        action satisfies never;
    }
  });

  const isDisabled = disabled || (!isActive && !hasText) || undefined;
  return {
    buttonProps: {
      type: 'button',
      onClick: handleClick,
      disabled: isDisabled,
      'aria-busy': status === 'connecting' || undefined,
      'data-state': status,
      'data-disabled': isDisabled ? '' : undefined,
    },
    status,
    isActive,
    action,
    label,
    speech,
  };
}

const lastAnnouncement = /* @__PURE__ */ new WeakMap<SpeechController, string>();

/* -------------------------------------------------------------------------------------------------
 * SpeakButton
 * -----------------------------------------------------------------------------------------------*/

/** State passed to a function child of {@link SpeakButton}. */
export interface SpeakButtonRenderState {
  status: SpeechStatus;
  isActive: boolean;
  action: SpeakButtonAction;
  label: string;
}

/** Props of {@link SpeakButton}: the options of {@link useSpeakButton} plus any `<button>` prop. */
export interface SpeakButtonProps extends UseSpeakButtonOptions, Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'children' | 'onClick' | 'disabled' | 'type'> {
  /**
   * Content; defaults to the state's label as text. With other content (an icon), the label becomes
   * `aria-label` unless you pass one. A function receives the state.
   */
  children?: ReactNode | ((state: SpeakButtonRenderState) => ReactNode);
}

/**
 * A native `<button>` that reads `text` aloud and, while reading, stops it (or pauses and resumes,
 * with `stopBehavior="pause"`). Its accessible name says what a click does next, as media players'
 * buttons do ("Read aloud" / "Stop reading" / "Pause reading" / "Resume reading"; no `aria-pressed`,
 * since a toggle button would keep one name), `aria-busy` is set while connecting and `data-state`
 * carries the speech status for styling. State changes are announced in one shared polite status
 * region (never the spoken words). Pass `speech` to share one utterance with a `KaraokeText`.
 *
 * @example
 * <SpeakButton text="欢迎使用语音合成" speechOptions={{ voice: 'longanhuan' }} />
 *
 * @example
 * const speech = useSpeechSynthesis();
 * <SpeakButton text={article} speech={speech} stopBehavior="pause" labels={{ start: '朗读', stop: '停止', pause: '暂停', resume: '继续' }} />
 * <KaraokeText text={article} speech={speech} />
 */
export const SpeakButton = /* @__PURE__ */ forwardRef<HTMLButtonElement, SpeakButtonProps>(function SpeakButton(props, forwardedRef) {
  const { text, speech, stopBehavior, labels, announce, onStatusChange, speechOptions, onClick, disabled, children, ...buttonProps } = props;
  const state = useSpeakButton({ text, speech, stopBehavior, labels, announce, onStatusChange, speechOptions, onClick, disabled });
  const content =
    typeof children === 'function' ? children({ status: state.status, isActive: state.isActive, action: state.action, label: state.label }) : children;
  const hasOwnName = buttonProps['aria-label'] !== undefined || buttonProps['aria-labelledby'] !== undefined;
  return (
    <button
      aria-label={content !== undefined && !hasOwnName ? state.label : undefined}
      {...state.buttonProps}
      {...buttonProps}
      ref={forwardedRef}
    >
      {content === undefined ? state.label : content}
    </button>
  );
});
