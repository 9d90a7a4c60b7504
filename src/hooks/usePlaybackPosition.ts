import { useEffect, useState } from 'react';
import { controllerOf, type SpeechSource } from './SpeechSource';

/** Options of {@link usePlaybackPosition}. */
export interface UsePlaybackPositionOptions {
  /** How often to read the position while speaking, in ms. @default 250 */
  intervalMs?: number;
}

/**
 * The heard position in ms, for a progress bar.
 *
 * Re-render cost: at most once per `intervalMs` while speaking (4×/s by default), and never while
 * idle, paused or ended. The button or text using the same speech result does not re-render with it.
 *
 * @example
 * const positionMs = usePlaybackPosition(speech);
 * <progress value={positionMs} max={speech.words.at(-1)?.endMs ?? 0} />
 */
export function usePlaybackPosition(source: SpeechSource, options: UsePlaybackPositionOptions = {}): number {
  const controller = controllerOf(source);
  const intervalMs = options.intervalMs ?? 250;
  const [position, setPosition] = useState(0);
  const [speaking, setSpeaking] = useState(false);
  useEffect(() => {
    const update = () => {
      const speakingNow = controller.getSnapshot().status === 'speaking';
      setSpeaking(speakingNow);
      // Outside speaking the position moves only by a seek or a stop, which change the snapshot: read it then.
      if (!speakingNow) setPosition(Math.round(controller.getPositionMs()));
    };
    update();
    return controller.subscribe(update);
  }, [controller]);
  useEffect(() => {
    setPosition(Math.round(controller.getPositionMs()));
    if (!speaking) return;
    const timer = setInterval(() => setPosition(Math.round(controller.getPositionMs())), intervalMs);
    return () => clearInterval(timer);
  }, [controller, speaking, intervalMs]);
  return position;
}
