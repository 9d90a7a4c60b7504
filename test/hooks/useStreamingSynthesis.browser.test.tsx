import { useEffect } from 'react';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { cleanup, render } from 'vitest-browser-react';
import { SpeechProvider, proxyTransport, useStreamingSynthesis, type UseStreamingSynthesisResult } from 'cosyvoice-react';

// The local voice server (tone engine) the browser project's global setup starts on 127.0.0.1.
const serverUrl = inject('voiceServerUrl');

afterEach(async () => {
  await cleanup();
});

describe('useStreamingSynthesis in Chromium with real Web Audio', () => {
  it('pipes tokens into speech that is really played: the clock moves, words are heard in order, and it ends', async () => {
    let speech: UseStreamingSynthesisResult | undefined;
    const heard: string[] = [];
    function Harness() {
      const result = useStreamingSynthesis({ onWord: (word) => heard.push(word.text) });
      useEffect(() => {
        speech = result;
      });
      return <p data-state={result.status}>{result.status}</p>;
    }
    const screen = await render(
      <SpeechProvider transport={proxyTransport({ url: serverUrl })} model="cosyvoice-v3-flash" voice="longanyang" wordTimestampEnabled>
        <Harness />
      </SpeechProvider>,
    );
    async function* tokens() {
      for (const token of ['Real ', 'audio ', 'in ', 'the ', 'browser. ', 'Every ', 'word ', 'heard.']) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        yield token;
      }
    }
    const positions: number[] = [];
    const sampler = setInterval(() => speech && positions.push(speech.controller.getPositionMs()), 50);
    const final = await speech!.pipe(tokens());
    clearInterval(sampler);
    expect(final).toBe('ended');
    await expect.element(screen.getByText('ended')).toBeInTheDocument();
    // In order, never backwards, to the last word (a main thread stalled past a short word skips its onWord).
    const spoken = ['Real', 'audio', 'in', 'the', 'browser', 'Every', 'word', 'heard'];
    const order = heard.map((word) => spoken.indexOf(word));
    expect(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]!))).toBe(true);
    expect(heard.at(-1)).toBe('heard');
    expect(heard.length).toBeGreaterThanOrEqual(3);
    // The heard position comes from the worklet's played-sample count: it rose while speaking.
    expect(Math.max(...positions)).toBeGreaterThan(500);
    expect(speech!.metrics.timeToFirstAudioMs).toBeGreaterThan(0);
    expect(speech!.metrics.timeToFirstAudioMs).toBeLessThan(5000);
    expect(speech!.audio?.type).toBe('audio/wav');
  }, 20_000);
});
