// Firefox ESR with no audio device at all (PulseAudio pointed at a socket nobody serves, no mock backend,
// no autoplay preferences): Firefox then never starts an AudioContext, even from a trusted click. The
// reading must not blame the autoplay policy: after `deviceStartTimeoutMs` it names the missing device.
// (Chromium instead falls back to a silent device and plays, unheard; nothing to tell there.)
import { afterEach, expect, inject, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { SpeakButton, SpeechProvider, useSpeechSynthesis, type UseSpeechSynthesisResult } from 'cosyvoice-react';
import { proxyTransport } from 'cosyvoice-react/core';
import { createAudioPlayer } from 'cosyvoice-react/playback';

const serverUrl = inject('voiceServerUrl');

afterEach(async () => {
  await cleanup();
});

it('a trusted click with no audio device ends in AudioFailed naming the device, never the autoplay policy', async () => {
  const onError = vi.fn();
  let speech: UseSpeechSynthesisResult | undefined;
  const statuses: string[] = [];
  let context: AudioContext | undefined;
  function Reader() {
    speech = useSpeechSynthesis({ onError });
    if (statuses.at(-1) !== speech.status) statuses.push(speech.status);
    return <SpeakButton text="Nobody hears this." speech={speech} />;
  }
  const createContext = () => (context = new AudioContext({ latencyHint: 'interactive' }));
  await render(
    <SpeechProvider
      transport={proxyTransport({ url: serverUrl })}
      model="cosyvoice-v3-flash"
      voice="longanyang"
      wordTimestampEnabled
      createPlayer={() => createAudioPlayer({ createContext, deviceStartTimeoutMs: 3000 })}
    >
      <Reader />
    </SpeechProvider>,
  );
  await userEvent.click(page.getByRole('button', { name: 'Read aloud' }));
  await expect.poll(() => speech!.status, { timeout: 20_000 }).toBe('error');
  expect(context?.state).toBe('suspended');
  expect(speech!.error).toMatchObject({ code: 'AudioFailed', retryable: true });
  expect(speech!.error!.message).toMatch(/audio output device/);
  expect(speech!.error!.message).not.toMatch(/autoplay/);
  expect(statuses).toEqual(['idle', 'connecting', 'buffering', 'error']);
  expect(onError).toHaveBeenCalledTimes(1);
  const region = document.querySelector('[role="status"]');
  await expect.poll(() => region?.textContent ?? '').toMatch(/audio output device/);
});
