import { forwardRef, type HTMLAttributes } from 'react';
import { useSpeechSynthesis, type UseSpeechSynthesisOptions } from '../hooks/useSpeechSynthesis';
import { KaraokeText, type KaraokeTextProps } from './KaraokeText';
import { SpeakButton, type SpeakButtonProps } from './SpeakButton';

const READ_ALOUD_NAME = 'ReadAloud';

/** Props of {@link ReadAloud}. */
export interface ReadAloudProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** The text to show and read. */
  text: string;
  /** Request parameters and callbacks for the shared `useSpeechSynthesis` (voice, model, onEnd…). */
  speechOptions?: UseSpeechSynthesisOptions;
  /** Props for the button (labels, `stopBehavior`, className…). */
  buttonProps?: Omit<SpeakButtonProps, 'text' | 'speech'>;
  /** Props for the text (follow, className…). */
  textProps?: Omit<KaraokeTextProps, 'text' | 'speech' | 'children'>;
}

/**
 * A recipe: a block of text with a {@link SpeakButton} before it and a {@link KaraokeText} showing the
 * heard word, sharing one `useSpeechSynthesis`. The button comes first so that keyboard and
 * screen-reader users reach the audio control before the text. Copy it to arrange things differently.
 *
 * @example
 * <ReadAloud text="床前明月光，疑是地上霜。" speechOptions={{ voice: 'longanhuan' }} buttonProps={{ stopBehavior: 'pause' }} />
 */
export const ReadAloud = /* @__PURE__ */ forwardRef<HTMLDivElement, ReadAloudProps>(function ReadAloud(props, forwardedRef) {
  const { text, speechOptions, buttonProps, textProps, className, ...divProps } = props;
  const speech = useSpeechSynthesis(speechOptions);
  return (
    <div className={className === undefined ? 'cosyvoice-read-aloud' : `cosyvoice-read-aloud ${className}`} data-state={speech.status} {...divProps} ref={forwardedRef}>
      <SpeakButton {...buttonProps} text={text} speech={speech} />
      <KaraokeText {...textProps} text={text} speech={speech} />
    </div>
  );
});
