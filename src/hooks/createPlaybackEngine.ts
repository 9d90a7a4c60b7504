import type { AudioFormatSpec, PlaybackEngine, PlaybackSnapshot, TimelineWord } from '../core/index';
import { createAudioPlayer, type AudioPlayer, type PlayerSnapshot } from '../playback/index';

/**
 * Adapts a `cosyvoice-react/playback` player to the core's {@link PlaybackEngine}, which the speech
 * controllers drive. With no argument it creates a Web Audio player (call it inside a user gesture or
 * lazily, as the hooks do).
 *
 * @example
 * <SpeechProvider transport={transport} createPlayer={() => createPlaybackEngine(createSilentPlayer())}>
 */
export function createPlaybackEngine(player: AudioPlayer = createAudioPlayer()): PlaybackEngine {
  let source: PlayerSnapshot | undefined;
  let cached: PlaybackSnapshot | undefined;
  const snapshot = (): PlaybackSnapshot => {
    const current = player.getSnapshot();
    if (current !== source || !cached) {
      source = current;
      cached = {
        state: current.state,
        activeWordIndex: current.activeWordIndex,
        timeToFirstAudioMs: current.timeToFirstAudioMs ?? undefined,
        underruns: current.underruns,
        canSeek: current.canSeek,
        error: current.error ?? undefined,
      };
    }
    return cached;
  };
  return {
    unlock() {
      // A blocked context shows up as the player's `error` state; the promise needs no handler.
      player.unlock().catch(() => undefined);
    },
    begin(format: AudioFormatSpec, startedAt: number) {
      player.reset({ format, speakStartedAt: startedAt });
    },
    enqueue(chunk: Uint8Array) {
      player.enqueue(chunk);
    },
    nextStream() {
      (player as AudioPlayer & { nextStream?: () => void }).nextStream?.();
    },
    setWords(words: readonly TimelineWord[]) {
      player.setTimeline(words);
    },
    end() {
      player.endOfStream();
    },
    pause: () => player.pause(),
    resume: () => player.resume(),
    stop: () => player.stop(),
    seek(ms: number) {
      player.seek(ms);
    },
    setVolume: (volume: number) => player.setVolume(volume),
    getPositionMs: () => player.getPositionMs(),
    subscribe: (listener: () => void) => player.subscribe(listener),
    getSnapshot: snapshot,
    dispose: () => player.dispose(),
  };
}
