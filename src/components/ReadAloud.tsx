import { forwardRef, type HTMLAttributes } from 'react';
import { useReadAloud } from '../hooks/useReadAloud';
import { useSpeechSynthesis, type UseSpeechSynthesisOptions } from '../hooks/useSpeechSynthesis';
import { KaraokeText, type KaraokeTextProps } from './KaraokeText';
import { ReadAloudControls, type ReadAloudControlsProps } from './ReadAloudControls';
import { SpeakButton, type SpeakButtonProps } from './SpeakButton';

const READ_ALOUD_NAME = 'ReadAloud';

/** Props of {@link ReadAloud}. */
export interface ReadAloudProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** The text to show and read. */
  text: string;
  /** Request parameters and callbacks for the shared `useSpeechSynthesis` (voice, model, onEnd…), or `useReadAloud` with `controls`. */
  speechOptions?: UseSpeechSynthesisOptions;
  /** Props for the button (labels, `stopBehavior`, className…); without `controls` only. */
  buttonProps?: Omit<SpeakButtonProps, 'text' | 'speech'>;
  /** Props for the text (follow, className…). */
  textProps?: Omit<KaraokeTextProps, 'text' | 'speech' | 'reading' | 'children'>;
  /**
   * A steerable player instead of the one button: `ReadAloudControls` (play / pause, previous / next
   * sentence, speed, a progress slider) over a `useReadAloud` reading, whose words start the reading
   * from themselves. `true`, or the controls' props (labels, rates, className…). @default false
   */
  controls?: boolean | Omit<ReadAloudControlsProps, 'reading'>;
}

/**
 * A recipe: a block of text with a {@link SpeakButton} before it and a {@link KaraokeText} showing the
 * heard word, sharing one `useSpeechSynthesis` — or, with `controls`, a read-aloud player
 * ({@link ReadAloudControls} over `useReadAloud`). The controls come first so that keyboard and
 * screen-reader users reach the audio control before the text. Copy it to arrange things differently.
 *
 * @example
 * <ReadAloud text="床前明月光，疑是地上霜。" speechOptions={{ voice: 'longanhuan' }} buttonProps={{ stopBehavior: 'pause' }} />
 * <ReadAloud text={chapter} controls />
 */
export const ReadAloud = /* @__PURE__ */ forwardRef<HTMLDivElement, ReadAloudProps>(function ReadAloud(props, forwardedRef) {
  return props.controls ? <ReadAloudPlayer {...props} ref={forwardedRef} /> : <ReadAloudButton {...props} ref={forwardedRef} />;
});

const ReadAloudButton = /* @__PURE__ */ forwardRef<HTMLDivElement, ReadAloudProps>(function ReadAloudButton(props, forwardedRef) {
  const { text, speechOptions, buttonProps, textProps, controls: _controls, className, ...divProps } = props;
  const speech = useSpeechSynthesis(speechOptions);
  return (
    <div className={className === undefined ? 'cosyvoice-read-aloud' : `cosyvoice-read-aloud ${className}`} data-state={speech.status} {...divProps} ref={forwardedRef}>
      <SpeakButton {...buttonProps} text={text} speech={speech} />
      <KaraokeText {...textProps} text={text} speech={speech} />
    </div>
  );
});

const ReadAloudPlayer = /* @__PURE__ */ forwardRef<HTMLDivElement, ReadAloudProps>(function ReadAloudPlayer(props, forwardedRef) {
  const { text, speechOptions, buttonProps: _buttonProps, textProps, controls, className, ...divProps } = props;
  const reading = useReadAloud(text, speechOptions);
  const controlsProps = typeof controls === 'object' ? controls : undefined;
  return (
    <div className={className === undefined ? 'cosyvoice-read-aloud' : `cosyvoice-read-aloud ${className}`} data-state={reading.status} {...divProps} ref={forwardedRef}>
      <ReadAloudControls {...controlsProps} reading={reading} />
      <KaraokeText {...textProps} text={text} reading={reading} />
    </div>
  );
});
