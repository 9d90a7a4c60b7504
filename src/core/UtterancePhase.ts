import type { PlayerState } from './Player';
import type { SpeechStatus } from './SpeechController';

/**
 * Where an utterance is, from the synthesis side:
 * - `connecting`: asked for; no task has started yet
 * - `synthesizing`: a task runs: audio and words arrive
 * - `synthesized`: all audio has arrived and the rest is playing; `seek` and the download work
 * - `ended`: heard to the end (replays and seeks afterwards stay here)
 * - `failed`: it failed (status `error`)
 * - `stopped`: stopped, or replaced by the next utterance
 *
 * What the listener hears is the player's state; the speech status combines both ({@link speechStatusOf}).
 */
export type UtterancePhase = 'connecting' | 'synthesizing' | 'synthesized' | 'ended' | 'failed' | 'stopped';

/**
 * What moves an utterance on:
 * - `taskStarted`: the service accepted a task (`task-started`)
 * - `synthesized`: every task has ended: no more audio will come
 * - `heard`: the player played the last sample
 * - `failed`: synthesis or playback failed
 * - `stopped`: `stop()` (which also dismisses a failed utterance), or a new utterance replacing this one
 */
export type UtteranceEvent = 'taskStarted' | 'synthesized' | 'heard' | 'failed' | 'stopped';

// The whole lifecycle in one table: an event missing from a phase's row does not apply there.
const TRANSITIONS: Readonly<Record<UtterancePhase, Partial<Record<UtteranceEvent, UtterancePhase>>>> = {
  connecting: { taskStarted: 'synthesizing', synthesized: 'synthesized', failed: 'failed', stopped: 'stopped' },
  synthesizing: { synthesized: 'synthesized', failed: 'failed', stopped: 'stopped' },
  synthesized: { heard: 'ended', failed: 'failed', stopped: 'stopped' },
  ended: { failed: 'failed', stopped: 'stopped' },
  failed: { stopped: 'stopped' },
  stopped: {},
};

/**
 * The phase an utterance in `phase` moves to on `event`, or `undefined` when the event does not apply
 * (a late event of an utterance that is over, a second `task-started`): the caller ignores it.
 *
 * @example
 * nextUtterancePhase('connecting', 'taskStarted'); // 'synthesizing'
 * nextUtterancePhase('stopped', 'failed');         // undefined: a stopped utterance cannot fail
 */
export function nextUtterancePhase(phase: UtterancePhase, event: UtteranceEvent): UtterancePhase | undefined {
  return TRANSITIONS[phase][event];
}

/**
 * The status a speech shows for an utterance in `phase` whose audio the player is in `playback`.
 *
 * @example
 * speechStatusOf('synthesizing', 'playing'); // 'speaking'
 * speechStatusOf('ended', 'ended');          // 'ended'
 */
export function speechStatusOf(phase: UtterancePhase, playback: PlayerState): SpeechStatus {
  if (phase === 'failed') return 'error';
  if (phase === 'stopped') return 'idle';
  // The utterance lives but its audio output has not started (an autoplay block, no device): it shows why.
  if (playback === 'error') return 'error';
  if (playback === 'playing') return 'speaking';
  if (playback === 'paused' || playback === 'interrupted') return 'paused';
  if (phase === 'connecting') return 'connecting';
  return phase === 'ended' && playback === 'ended' ? 'ended' : 'buffering';
}
