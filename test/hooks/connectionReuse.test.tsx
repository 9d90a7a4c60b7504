import { act, render, renderHook, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { SpeakButton, SpeechProvider, useSpeechSynthesis, useStreamingSynthesis } from 'cosyvoice-react';
import { countingServerPerTest, providerProps, wrapperFor } from '../utils/speechHarness';

const setup = countingServerPerTest();

async function* fragments(...parts: string[]) {
  for (const part of parts) yield part;
}


describe('SpeechProvider connection reuse', () => {
  it('speaks three utterances on one socket; the later ones report a reused socket and no connect time', async () => {
    const transport = await setup();
    const { result, unmount } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    const reused: Array<boolean | undefined> = [];
    const connectMs: Array<number | undefined> = [];
    for (const text of ['First one.', 'Second one.', 'Third one.']) {
      act(() => result.current.speak(text));
      await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
      reused.push(result.current.metrics.connectionReused);
      connectMs.push(result.current.metrics.connectMs);
    }
    expect(transport.opened).toBe(1);
    expect(reused).toEqual([false, true, true]);
    expect(connectMs[0]).toBeGreaterThanOrEqual(0);
    expect(connectMs[1]).toBeLessThan(connectMs[0]! + 50);
    expect(transport.open).toBe(1); // warm for the next one
    unmount();
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('shares the one socket between the hooks of a provider, one utterance after another', async () => {
    const transport = await setup();
    const { result, unmount } = renderHook(() => ({ a: useSpeechSynthesis(), b: useStreamingSynthesis() }), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.a.speak('From the first hook.'));
    await waitFor(() => expect(result.current.a.status).toBe('ended'), { timeout: 8000 });
    let settled: Promise<string> | undefined;
    act(() => {
      settled = result.current.b.pipe(fragments('From the ', 'streaming hook.'));
    });
    expect(await settled).toBe('ended');
    expect(result.current.b.metrics.connectionReused).toBe(true);
    expect(transport.opened).toBe(1);
    unmount();
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('keeps its socket when the transport object is recreated on every render, even mid-utterance', async () => {
    const transport = await setup();
    // `transport={proxyTransport(…)}` written inline: a new object (same endpoint) on every render.
    const Wrapper = ({ children }: { children: ReactNode }) => <SpeechProvider {...providerProps({ ...transport })}>{children}</SpeechProvider>;
    const { result, rerender, unmount } = renderHook(() => useSpeechSynthesis(), { wrapper: Wrapper });
    act(() => result.current.speak('One two three four five six.'));
    await waitFor(() => expect(result.current.status).toBe('speaking'), { timeout: 8000 });
    rerender();
    rerender();
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(result.current.error).toBeUndefined();
    rerender();
    act(() => result.current.speak('Seven.'));
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(result.current.metrics.connectionReused).toBe(true);
    expect(transport.opened).toBe(1);
    unmount();
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('preconnect() opens the socket before speak, which then starts on it', async () => {
    const transport = await setup();
    const { result, unmount } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    await act(async () => {
      expect(await result.current.preconnect()).toBe(true);
    });
    expect(transport.opened).toBe(1);
    expect(transport.open).toBe(1);
    act(() => result.current.speak('Warm start.'));
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(result.current.metrics.connectionReused).toBe(true);
    expect(transport.opened).toBe(1);
    unmount();
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('a preconnect still opening when the provider unmounts leaves no socket behind', async () => {
    const transport = await setup();
    const { result, unmount } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    let ready: Promise<boolean> | undefined;
    act(() => {
      ready = result.current.preconnect();
    });
    expect(transport.opened).toBe(1);
    unmount();
    expect(await ready).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(transport.open).toBe(0);
  });

  it('stop() mid-utterance, then speak: the next utterance plays to the end, and unmount closes everything', async () => {
    const transport = await setup();
    const { result, unmount } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('A long first sentence that will be cut off. And another one after it.'));
    await waitFor(() => expect(result.current.status).toBe('speaking'), { timeout: 8000 });
    act(() => result.current.stop());
    act(() => result.current.speak('The next one.'));
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(result.current.error).toBeUndefined();
    expect(transport.opened).toBeLessThanOrEqual(2);
    unmount();
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('opens no second socket under StrictMode and closes it on unmount', async () => {
    const transport = await setup();
    const { result, unmount } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport), true) });
    act(() => result.current.speak('Strict.'));
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    act(() => result.current.speak('Strict again.'));
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(transport.opened).toBe(1);
    unmount();
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('connectionReuse={false} opens a socket per utterance and closes it at its end', async () => {
    const transport = await setup();
    const { result, unmount } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport, { connectionReuse: false })) });
    act(() => result.current.speak('One.'));
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    act(() => result.current.speak('Two.'));
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(transport.opened).toBe(2);
    expect(await result.current.preconnect()).toBe(false);
    await waitFor(() => expect(transport.open).toBe(0));
    unmount();
  });
});

describe('SpeakButton preconnects on intent', () => {
  for (const [name, intent] of [
    ['pointer enter', (user: ReturnType<typeof userEvent.setup>, button: HTMLElement) => user.hover(button)],
    ['focus', async (_user: ReturnType<typeof userEvent.setup>, button: HTMLElement) => button.focus()],
  ] as const) {
    it(`opens the socket on ${name}, and the click speaks on it`, async () => {
      const transport = await setup();
      const user = userEvent.setup();
      const { unmount } = render(
        <SpeechProvider {...providerProps(transport)}>
          <SpeakButton text="Hello there." />
        </SpeechProvider>,
      );
      const button = screen.getByRole('button', { name: 'Read aloud' });
      expect(transport.opened).toBe(0);
      await act(() => intent(user, button));
      await waitFor(() => expect(transport.open).toBe(1));
      await user.click(button);
      await waitFor(() => expect(button).toHaveAttribute('data-state', 'ended'), { timeout: 8000 });
      expect(transport.opened).toBe(1);
      unmount();
      await waitFor(() => expect(transport.open).toBe(0));
    });
  }

  it('a preconnected socket that is never used closes after the idle time', async () => {
    const transport = await setup();
    const user = userEvent.setup();
    render(
      <SpeechProvider {...providerProps(transport, { connectionReuse: { idleTimeoutMs: 100 } })}>
        <SpeakButton text="Hello there." />
      </SpeechProvider>,
    );
    await user.hover(screen.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(transport.open).toBe(1));
    await waitFor(() => expect(transport.open).toBe(0));
    expect(transport.opened).toBe(1);
  });
});

describe('useSpeechSynthesis queue and barge-in', () => {
  it("queues with { queue: 'append' }, shows the queue, and stop() mid-queue reports what was heard and drops the rest", async () => {
    const transport = await setup();
    const interrupted: string[] = [];
    const { result, unmount } = renderHook(() => useSpeechSynthesis({ onInterrupt: (heard) => interrupted.push(heard.heardText) }), {
      wrapper: wrapperFor(providerProps(transport)),
    });
    const first = 'Alpha bravo charlie delta echo foxtrot.';
    act(() => {
      result.current.speak('Short intro.');
      result.current.speak(first, { queue: 'append' });
      result.current.speak('Never heard.', { queue: 'append' });
    });
    expect(result.current.queued).toEqual([first, 'Never heard.']);
    await waitFor(() => expect(result.current.text).toBe(first), { timeout: 8000 });
    expect(result.current.queued).toEqual(['Never heard.']);
    expect(result.current.heard).toMatchObject({ heardText: 'Short intro.', unheardText: '' });
    await waitFor(() => expect(result.current.activeWordIndex).toBeGreaterThanOrEqual(2), { timeout: 8000 });
    let heard: ReturnType<typeof result.current.stop>;
    act(() => {
      heard = result.current.stop();
    });
    expect(heard!.heardText + heard!.unheardText).toBe(first);
    expect(heard!.heardWords).toBeGreaterThanOrEqual(2);
    expect(first.startsWith(heard!.heardText)).toBe(true);
    expect(result.current).toMatchObject({ status: 'idle', queued: [], heard: heard! });
    expect(interrupted).toEqual([heard!.heardText]);
    await new Promise((r) => setTimeout(r, 300));
    expect(result.current.status).toBe('idle');
    expect(transport.opened).toBe(1);
    unmount();
    await waitFor(() => expect(transport.open).toBe(0));
  });
});
