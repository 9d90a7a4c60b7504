// useSpeechSynthesis with the Web Audio player in Chromium when the browser blocks audio (autoplay
// policy). The browser project runs Chromium with --autoplay-policy=no-user-gesture-required, so a real
// context is never blocked there; this file puts the policy back on one real AudioContext: it starts
// suspended and its resume() takes effect only with transient user activation (a real click through
// the browser's input, `userEvent.click`), as the Web Audio spec has it; otherwise the promise stays
// pending, as in a browser that blocks autoplay.
import { useEffect } from 'react';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { SpeechProvider, proxyTransport, useSpeechSynthesis, type UseSpeechSynthesisResult } from 'cosyvoice-react';
import { createAudioPlayer } from 'cosyvoice-react/playback';

// The local voice server (tone engine) the browser project's global setup starts on 127.0.0.1.
const serverUrl = inject('voiceServerUrl');

afterEach(async () => {
  await cleanup();
});

/** A real AudioContext under an autoplay policy: suspended, and resumed only inside a user gesture. */
async function gestureOnlyContext() {
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
    expect(heard).toEqual(['Heard', 'after', 'the', 'click']);
    expect(speech!.metrics.timeToFirstAudioMs).toBeGreaterThan(0);
    expect(onError).toHaveBeenCalledTimes(1);
    await expect.element(screen.getByRole('button', { name: 'Read' })).toHaveAttribute('data-state', 'ended');

    // The player made the context, so it closes it with the component.
    await screen.unmount();
    await expect.poll(() => context.state).toBe('closed');
  }, 20_000);
});
