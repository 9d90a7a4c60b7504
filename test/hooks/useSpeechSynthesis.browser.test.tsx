// useSpeechSynthesis with the Web Audio player in Chromium when the browser blocks audio (autoplay
// policy). The browser project runs Chromium with --autoplay-policy=no-user-gesture-required, so a real
// context is never blocked there; this file puts the policy back on one real AudioContext: it starts
// suspended and its resume() takes effect only with transient user activation (a real click through
// the browser's input, `userEvent.click`), as the Web Audio spec has it; otherwise the promise stays
// pending, as in a browser that blocks autoplay. Firefox's `navigator.getAutoplayPolicy` is made to tell
// the same policy (its project allows autoplay by preference). A second context stands for a slow audio
// device: resumed inside the click, it starts only when the test says so (the real slow device is in
// test/reliability/*.firefox-pulse.test.tsx). These run in Chromium, Firefox and WebKit.
import { useEffect } from 'react';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { KaraokeText, SpeakButton, SpeechProvider, proxyTransport, useSpeechSynthesis, type UseSpeechSynthesisResult } from 'cosyvoice-react';
import { createAudioPlayer } from 'cosyvoice-react/playback';

// The local voice server (tone engine) the browser project's global setup starts on 127.0.0.1.
const serverUrl = inject('voiceServerUrl');

afterEach(async () => {
  await cleanup();
  delete (navigator as { getAutoplayPolicy?: unknown }).getAutoplayPolicy;
});

/** Firefox's `getAutoplayPolicy` (an own property shadowing the prototype's) answers as the policy simulated here. */
function autoplayOnlyInGestures(): void {
  if (!('getAutoplayPolicy' in navigator)) return;
  Object.defineProperty(navigator, 'getAutoplayPolicy', { configurable: true, value: () => (navigator.userActivation.isActive ? 'allowed' : 'disallowed') });
}

/** A real AudioContext under an autoplay policy: suspended, and resumed only inside a user gesture. */
async function gestureOnlyContext() {
  autoplayOnlyInGestures();
  const context = new AudioContext({ latencyHint: 'interactive' });
  await context.suspend();
  const resume = context.resume.bind(context);
  const attempts = { withoutGesture: 0, withGesture: 0 };
  context.resume = () => {
    if (!navigator.userActivation.isActive) {
      attempts.withoutGesture++;
      return new Promise<void>(() => {});
    }
    attempts.withGesture++;
    return resume();
  };
  return { context, attempts };
}

/**
 * A real AudioContext standing for a slow audio device: resumed inside a gesture, it does not run until
 * `deviceStarts()` (Firefox took up to 2 s to open a PulseAudio sink).
 */
async function slowDeviceContext() {
  autoplayOnlyInGestures();
  const context = new AudioContext({ latencyHint: 'interactive' });
  await context.suspend();
  const resume = context.resume.bind(context);
  let resumedInGesture = false;
  let pending: Promise<void> | undefined;
  let start: (() => void) | undefined;
  context.resume = () => {
    if (navigator.userActivation.isActive) resumedInGesture = true;
    pending ??= new Promise<void>((resolve) => {
      start = resolve;
    }).then(() => resume());
    return pending;
  };
  return {
    context,
    get resumedInGesture() {
      return resumedInGesture;
    },
    deviceStarts: () => start?.(),
  };
}

describe('useSpeechSynthesis in Chromium when the browser blocks audio', () => {
  it('speak() without a user gesture ends in status "error" with code AudioBlocked; a later speak from a click plays to the end', async () => {
    const { context, attempts } = await gestureOnlyContext();
    const createContext = vi.fn(() => context);
    const onError = vi.fn();
    const heard: string[] = [];
    let speech: UseSpeechSynthesisResult | undefined;
    function Reader() {
      const result = useSpeechSynthesis({ onError, onWord: (word) => heard.push(word.text) });
      useEffect(() => {
        speech = result;
      });
      return (
        <button type="button" data-state={result.status} onClick={() => result.speak('Heard after the click.')}>
          Read
        </button>
      );
    }
    const screen = await render(
      <SpeechProvider
        transport={proxyTransport({ url: serverUrl })}
        model="cosyvoice-v3-flash"
        voice="longanyang"
        wordTimestampEnabled
        createPlayer={() => createAudioPlayer({ createContext, unlockTimeoutMs: 300 })}
      >
        <Reader />
      </SpeechProvider>,
    );

    // Speech started outside a gesture (on load, after an await): the browser keeps the audio suspended.
    // (A click in an earlier test file of this page may still count as a gesture for a few seconds.)
    await expect.poll(() => navigator.userActivation.isActive, { timeout: 10_000 }).toBe(false);
    speech!.speak('Spoken without a gesture.');
    await expect.poll(() => speech!.status, { timeout: 5000 }).toBe('error');
    expect(speech!.error).toMatchObject({ code: 'AudioBlocked', retryable: true });
    expect(speech!.error!.message).toMatch(/user gesture/);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'AudioBlocked' });
    expect(attempts.withoutGesture).toBeGreaterThan(0);
    expect(attempts.withGesture).toBe(0);
    expect(context.state).toBe('suspended');
    heard.length = 0;

    // The user clicks: speaking from the gesture unlocks the same context and is heard to the end.
    await userEvent.click(page.getByRole('button', { name: 'Read' }));
    await expect.poll(() => speech!.status, { timeout: 8000 }).toBe('ended');
    expect(speech!.error).toBeUndefined();
    expect(attempts.withGesture).toBe(1);
    expect(context.state).toBe('running');
    expect(createContext).toHaveBeenCalledTimes(1);
    // In order to the last word (a main thread stalled past a short word skips its onWord).
    const spoken = ['Heard', 'after', 'the', 'click'];
    expect(heard).toEqual(spoken.filter((word) => heard.includes(word)));
    expect(heard.at(-1)).toBe('click');
    expect(speech!.metrics.timeToFirstAudioMs).toBeGreaterThan(0);
    expect(onError).toHaveBeenCalledTimes(1);
    await expect.element(screen.getByRole('button', { name: 'Read' })).toHaveAttribute('data-state', 'ended');

    // The player made the context, so it closes it with the component.
    await screen.unmount();
    await expect.poll(() => context.state).toBe('closed');
  }, 20_000);
  it('a context resumed in the click that is slow to start keeps the reading alive (no AudioBlocked), and it plays to the end once it runs', async () => {
    const device = await slowDeviceContext();
    const onError = vi.fn();
    const heard: string[] = [];
    const statuses: string[] = [];
    let spokeAt = Infinity;
    let speech: UseSpeechSynthesisResult | undefined;
    function Reader() {
      const result = useSpeechSynthesis({ onError, onWord: (word) => heard.push(word.text) });
      if (statuses.at(-1) !== result.status) statuses.push(result.status);
      useEffect(() => {
        speech = result;
      });
      return (
        <button
          type="button"
          onClick={() => {
            spokeAt = performance.now();
            result.speak('Slow device, heard anyway.');
          }}
        >
          Read
        </button>
      );
    }
    const unlockTimeoutMs = 100;
    await render(
      <SpeechProvider
        transport={proxyTransport({ url: serverUrl })}
        model="cosyvoice-v3-flash"
        voice="longanyang"
        wordTimestampEnabled
        createPlayer={() => createAudioPlayer({ createContext: () => device.context, unlockTimeoutMs })}
      >
        <Reader />
      </SpeechProvider>,
    );
    await userEvent.click(page.getByRole('button', { name: 'Read' }));
    // Synthesis does not wait for the device: all the audio arrives while the context is still starting.
    await expect.poll(() => speech!.isComplete, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => performance.now() - spokeAt, { timeout: 5000 }).toBeGreaterThan(3 * unlockTimeoutMs);
    expect(device.resumedInGesture).toBe(true);
    expect(device.context.state).toBe('suspended');
    expect(speech!.status).toBe('buffering');
    expect(speech!.error).toBeUndefined();
    expect(onError).not.toHaveBeenCalled();

    device.deviceStarts();
    await expect.poll(() => speech!.status, { timeout: 10_000 }).toBe('ended');
    expect(statuses).not.toContain('error');
    expect(onError).not.toHaveBeenCalled();
    // Words in order, none twice (a frame-starved highlight loop on a busy machine may skip a short word).
    const words = ['Slow', 'device', 'heard', 'anyway'];
    expect(heard.length).toBeGreaterThan(0);
    expect(heard).toEqual(words.filter((word) => heard.includes(word)));
    // Heard from its first sample: time to first audio counts from the click, so it includes the device start.
    expect(speech!.metrics.timeToFirstAudioMs).toBeGreaterThan(3 * unlockTimeoutMs);
  }, 30_000);

  it('after a real block, a click on a word plays the same reading: status, highlight and the status region follow', async () => {
    const { context } = await gestureOnlyContext();
    const onError = vi.fn();
    const TEXT = 'Blocked first, then heard.';
    let speech: UseSpeechSynthesisResult | undefined;
    const activeWords = new Set<number>();
    function Reader() {
      const result = useSpeechSynthesis({ onError });
      useEffect(() => {
        speech = result;
      });
      return (
        <main>
          <SpeakButton text={TEXT} speech={result} />
          <KaraokeText text={TEXT} speech={result} />
        </main>
      );
    }
    const screen = await render(
      <SpeechProvider
        transport={proxyTransport({ url: serverUrl })}
        model="cosyvoice-v3-flash"
        voice="longanyang"
        wordTimestampEnabled
        createPlayer={() => createAudioPlayer({ createContext: () => context, unlockTimeoutMs: 300 })}
      >
        <Reader />
      </SpeechProvider>,
    );
    await expect.poll(() => navigator.userActivation.isActive, { timeout: 10_000 }).toBe(false);
    speech!.speak(TEXT);
    await expect.poll(() => speech!.status, { timeout: 5000 }).toBe('error');
    const utterance = speech!.utterance;
    expect(speech!.error).toMatchObject({ code: 'AudioBlocked' });
    expect(speech!.error!.message).toMatch(/autoplay policy/);
    const region = document.querySelector('[role="status"]');
    await expect.poll(() => region?.textContent ?? '').toMatch(/Could not read aloud/);
    // The reading is kept: synthesis goes on while the output waits for a gesture.
    await expect.poll(() => speech!.isComplete, { timeout: 10_000 }).toBe(true);
    expect(speech!.status).toBe('error');

    const unsubscribe = speech!.controller.subscribe(() => {
      const index = speech!.controller.getSnapshot().activeWordIndex;
      if (index >= 0) activeWords.add(index);
    });
    await userEvent.click(screen.getByRole('button', { name: 'Blocked', exact: true }));
    await expect.poll(() => speech!.status, { timeout: 10_000 }).toBe('ended');
    unsubscribe();
    expect(speech!.utterance).toBe(utterance);
    expect(speech!.error).toBeUndefined();
    expect(context.state).toBe('running');
    // The highlight followed the audio (every word, unless a frame-starved loop skipped a short one).
    expect(activeWords.size).toBeGreaterThan(0);
    expect([...activeWords].every((index) => index >= 0 && index < 4)).toBe(true);
    expect(onError.mock.calls.map(([error]) => `${error.code}: ${error.message}`)).toHaveLength(1);
    await expect.poll(() => region?.textContent ?? '').toBe('Finished reading');
    await expect.element(screen.getByRole('button', { name: 'Read aloud' })).toHaveAttribute('data-state', 'ended');
  }, 30_000);
});
