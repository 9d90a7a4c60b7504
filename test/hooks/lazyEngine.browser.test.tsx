// The speech engine arrives on first intent (src/hooks/internal/LazySpeechController.ts), in real
// Chromium with the Web Audio player and the local voice server. A speak from a click before the engine
// has arrived must still unlock audio inside that click (the browser allows it only there) and play to
// the end once the engine comes. The AudioContext here is under an autoplay policy, as in
// useSpeechSynthesis.browser.test.tsx: resumed only with transient user activation (a real click).
import { useEffect } from 'react';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { DEFAULT_BROWSER_FORMAT, SpeakButton, SpeechProvider, proxyTransport, useSpeechSynthesis, type UseSpeechSynthesisResult } from 'cosyvoice-react';
import { createAudioPlayer } from 'cosyvoice-react/playback';
import type { SpeechController, SpeechControllerOptions } from '../../src/core/SpeechController';
import { LazySpeechController, speechEngineSource } from '../../src/hooks/internal/LazySpeechController';

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

describe('the speech engine loaded on first intent, in Chromium', () => {
  it('a speak from a click before the engine has arrived unlocks audio in the click, shows connecting, and plays to the end once the engine comes', async () => {
    const { context, attempts } = await gestureOnlyContext();
    let arrive: (() => void) | undefined;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const imports: string[] = [];
    // The real engine module, held back until the test lets it arrive (a slow network for its chunk).
    const source = speechEngineSource(
      () => {
        imports.push('SpeechController');
        return arrived.then(() => import('../../src/core/SpeechController'));
      },
      (module, options: SpeechControllerOptions): SpeechController => new module.SpeechController(options),
    );
    const heard: string[] = [];
    const controller = new LazySpeechController(
      {
        transport: proxyTransport({ url: serverUrl }),
        defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', wordTimestampEnabled: true, format: DEFAULT_BROWSER_FORMAT },
        createPlayer: () => createAudioPlayer({ createContext: () => context, unlockTimeoutMs: 300 }),
        getCallbacks: () => ({ onWord: (word) => heard.push(word.text) }),
      },
      source,
    );
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Read';
    button.addEventListener('click', () => controller.speak('Heard after the engine came.'));
    document.body.append(button);
    try {
      expect(controller.isLoaded).toBe(false);
      expect(imports).toEqual([]);
      // No activation left from an earlier click of this page: a resume outside the click would stay pending.
      await expect.poll(() => navigator.userActivation.isActive, { timeout: 10_000 }).toBe(false);

      await userEvent.click(page.getByRole('button', { name: 'Read' }));
      // The click asked for the engine and did the gesture's part at once: the context resumed inside it.
      expect(imports).toEqual(['SpeechController']);
      expect(controller.isLoaded).toBe(false);
      expect(controller.getSnapshot()).toMatchObject({ status: 'connecting', text: 'Heard after the engine came.' });
      expect(attempts.withGesture).toBe(1);
      await expect.poll(() => context.state, { timeout: 5000 }).toBe('running');
      expect(controller.isLoaded).toBe(false);

      // Well after the gesture's activation has expired, the engine arrives and the queued speak plays.
      await expect.poll(() => navigator.userActivation.isActive, { timeout: 10_000 }).toBe(false);
      arrive!();
      await expect.poll(() => controller.getSnapshot().status === 'error' ? controller.getSnapshot().error?.message : controller.getSnapshot().status, { timeout: 10_000 }).toBe('ended');
      expect(controller.isLoaded).toBe(true);
      expect(controller.getSnapshot().error).toBeUndefined();
      expect(heard.at(-1)).toBe('came');
      expect(controller.getSnapshot().metrics.timeToFirstAudioMs).toBeGreaterThan(0);
      expect(attempts.withGesture).toBe(1);
    } finally {
      controller.release();
      button.remove();
      // The player closes the context it made on release; Firefox throws on a second close() before the
      // state shows it, so this one is only for a context the player never took.
      if (context.state !== 'closed') await context.close().catch(() => undefined);
    }
  }, 30_000);

  it('SpeakButton loads nothing of the engine at mount; the first click plays to the end', async () => {
    let speech: UseSpeechSynthesisResult | undefined;
    function Reader() {
      const result = useSpeechSynthesis();
      useEffect(() => {
        speech = result;
      });
      return <SpeakButton text="Read from the first click." speech={result} />;
    }
    const screen = await render(
      <SpeechProvider transport={proxyTransport({ url: serverUrl })} model="cosyvoice-v3-flash" voice="longanyang" wordTimestampEnabled>
        <Reader />
      </SpeechProvider>,
    );
    await expect.poll(() => speech).toBeDefined();
    // The hook's controller is the facade; this file's page has not loaded the engine yet.
    expect((speech!.controller as unknown as LazySpeechController).isLoaded).toBe(false);
    await userEvent.click(screen.getByRole('button', { name: 'Read aloud' }));
    await expect.poll(() => speech!.status, { timeout: 10_000 }).toBe('ended');
    expect((speech!.controller as unknown as LazySpeechController).isLoaded).toBe(true);
    expect(speech!.words.map((word) => word.text).at(-1)).toBe('click');
  }, 30_000);
});
