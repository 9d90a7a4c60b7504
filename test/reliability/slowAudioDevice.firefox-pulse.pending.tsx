// PENDING (not in `npm test` yet): issue 13's false "audio blocked" in Firefox with a real audio device.
// Run it with: COSYVOICE_PENDING=1 npx vitest run --project browser-firefox-pulse
// It runs in Firefox ESR on a private PulseAudio null sink (test/browsers/pulseAudioSink.ts), without the
// mock backend or autoplay prefs: the click is a trusted one made by the driver, and the AudioContext takes
// the device's real start-up time (0.5–2 s after resume()). Today the player gives up after
// `unlockTimeoutMs` (1 500 ms) with AudioBlocked and the reading fails for good although the click was a
// real gesture and the context runs a moment later, so this fails in about half the runs. Enable it (rename
// to `*.firefox-pulse.test.tsx`) once a slow device start is told apart from a real block.
import type { ReactNode } from 'react';
import { afterEach, expect, inject, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { KaraokeText, SpeakButton, SpeechProvider, useSpeechSynthesis, type UseSpeechSynthesisResult } from 'cosyvoice-react';
import { proxyTransport } from 'cosyvoice-react/core';

const serverUrl = inject('voiceServerUrl');
const TEXT = 'One two three four five six.';

afterEach(async () => {
  await cleanup();
});

function Provider({ children }: { children: ReactNode }) {
  return (
    <SpeechProvider transport={proxyTransport({ url: serverUrl })} model="cosyvoice-v3-flash" voice="longanyang" wordTimestampEnabled>
      {children}
    </SpeechProvider>
  );
}

// Several readings, each in a fresh provider (a fresh AudioContext, so each pays the device start).
for (let run = 1; run <= 4; run++) {
  it(`a trusted click on a real (slow-starting) device reads to the end, never "audio blocked" (run ${run})`, async () => {
    let speech: UseSpeechSynthesisResult | undefined;
    const states: string[] = [];
    function Reader() {
      speech = useSpeechSynthesis();
      if (states.at(-1) !== speech.status) states.push(speech.status);
      return (
        <main>
          <SpeakButton text={TEXT} speech={speech} />
          <KaraokeText text={TEXT} speech={speech} />
        </main>
      );
    }
    await render(
      <Provider>
        <Reader />
      </Provider>,
    );
    const clickedAt = performance.now();
    await userEvent.click(page.getByRole('button', { name: 'Read aloud' }));
    await expect.poll(() => speech!.status === 'ended' || speech!.status === 'error', { timeout: 30_000 }).toBe(true);
    const detail = `states ${states.join(' → ')}, error ${speech!.error?.code ?? 'none'} after ${Math.round(performance.now() - clickedAt)} ms`;
    expect(speech!.error?.code, detail).toBeUndefined();
    expect(speech!.status, detail).toBe('ended');
  });
}
