import { describe, expect, it } from 'vitest';
import type { PlayerState, SpeechStatus } from 'cosyvoice-react/core';
import { nextUtterancePhase, speechStatusOf, type UtteranceEvent, type UtterancePhase } from '../../src/core/UtterancePhase';

const PHASES: UtterancePhase[] = ['connecting', 'synthesizing', 'synthesized', 'ended', 'failed', 'stopped'];
const EVENTS: UtteranceEvent[] = ['taskStarted', 'synthesized', 'heard', 'failed', 'stopped'];
const PLAYER_STATES: PlayerState[] = ['idle', 'buffering', 'playing', 'paused', 'interrupted', 'ended', 'error'];

describe('the utterance phase table', () => {
  it('moves every phase on exactly the events that apply there, and ignores the rest', () => {
    const table = Object.fromEntries(PHASES.map((phase) => [phase, Object.fromEntries(EVENTS.map((event) => [event, nextUtterancePhase(phase, event) ?? '-']))]));
    expect(table).toEqual({
      connecting: { taskStarted: 'synthesizing', synthesized: 'synthesized', heard: '-', failed: 'failed', stopped: 'stopped' },
      synthesizing: { taskStarted: '-', synthesized: 'synthesized', heard: '-', failed: 'failed', stopped: 'stopped' },
      synthesized: { taskStarted: '-', synthesized: '-', heard: 'ended', failed: 'failed', stopped: 'stopped' },
      ended: { taskStarted: '-', synthesized: '-', heard: '-', failed: 'failed', stopped: 'stopped' },
      failed: { taskStarted: '-', synthesized: '-', heard: '-', failed: '-', stopped: 'stopped' },
      stopped: { taskStarted: '-', synthesized: '-', heard: '-', failed: '-', stopped: '-' },
    });
  });

  it('every phase can be stopped or is over, and every live phase can fail', () => {
    for (const phase of PHASES) {
      if (phase !== 'stopped') expect(nextUtterancePhase(phase, 'stopped'), phase).toBe('stopped');
      if (phase !== 'failed' && phase !== 'stopped') expect(nextUtterancePhase(phase, 'failed'), phase).toBe('failed');
    }
  });
});

describe('the speech status of a phase and what the player hears', () => {
  it('combines the two as the hooks show them', () => {
    const table = Object.fromEntries(PHASES.map((phase) => [phase, PLAYER_STATES.map((state) => speechStatusOf(phase, state)).join(' ')]));
    const row = (...statuses: SpeechStatus[]) => statuses.join(' ');
    // columns: idle, buffering, playing, paused, interrupted, ended, error
    expect(table).toEqual({
      // A player in `error` while the utterance lives: its output has not started (blocked, no device).
      connecting: row('connecting', 'connecting', 'speaking', 'paused', 'paused', 'connecting', 'error'),
      synthesizing: row('buffering', 'buffering', 'speaking', 'paused', 'paused', 'buffering', 'error'),
      synthesized: row('buffering', 'buffering', 'speaking', 'paused', 'paused', 'buffering', 'error'),
      ended: row('buffering', 'buffering', 'speaking', 'paused', 'paused', 'ended', 'error'),
      failed: row('error', 'error', 'error', 'error', 'error', 'error', 'error'),
      stopped: row('idle', 'idle', 'idle', 'idle', 'idle', 'idle', 'idle'),
    });
  });
});
