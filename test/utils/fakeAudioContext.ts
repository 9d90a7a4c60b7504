import { vi } from 'vitest';

/**
 * An AudioContext for Node, where there is no Web Audio: it never loads the player's worklet (so no
 * audio plays and the player's playthrough stays where the test puts it), and the test sets its state
 * and fires `statechange` by hand. `running: false` makes a context the browser keeps suspended:
 * `resume()` never takes effect.
 */
export function fakeAudioContext({ running }: { running: boolean }) {
  const listeners = new Set<() => void>();
  const context = {
    state: running ? 'running' : 'suspended',
    sampleRate: 48000,
    currentTime: 0,
    baseLatency: 0.01,
    outputLatency: 0,
    destination: {},
    audioWorklet: { addModule: () => new Promise<void>(() => {}) },
    resume: () => (running ? Promise.resolve() : new Promise<void>(() => {})),
    close: vi.fn(() => Promise.resolve()),
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
    createGain: () => ({ gain: { value: 1 }, connect: () => {}, disconnect: () => {} }),
    getOutputTimestamp: () => ({ contextTime: 0, performanceTime: 0 }),
  };
  return {
    context: context as unknown as AudioContext,
    listeners,
    /** Moves the context to `state` and tells its listeners, as the browser would. */
    setState(state: 'running' | 'suspended' | 'interrupted' | 'closed') {
      context.state = state;
      for (const listener of [...listeners]) listener();
    },
  };
}
