import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createRef, useState, type ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpeakButton, SpeechProvider, useSpeakButton, useSpeechSynthesis, type SpeechProviderProps, type SpeechStatus } from 'cosyvoice-react';
import { countingTransport, providerProps } from '../utils/speechHarness';
import { setupSpeech } from './componentHarness';

let stopServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopServer?.();
  stopServer = undefined;
});

async function setup(extra: Partial<SpeechProviderProps> = {}) {
  const speech = await setupSpeech(extra);
  stopServer = speech.stop;
  return speech;
}

function statusRegion() {
  return screen.getByRole('status');
}

describe('SpeakButton', () => {
  it('is a native button named "Read aloud" that reads, then offers "Stop reading" while active and returns at the end', async () => {
    const { transport, wrapper } = await setup();
    const user = userEvent.setup();
    const onStatusChange = vi.fn();
    render(<SpeakButton text="Hello there." onStatusChange={onStatusChange} />, { wrapper });
    const button = screen.getByRole('button', { name: 'Read aloud' });
    expect(button.tagName).toBe('BUTTON');
    expect(button).toHaveAttribute('type', 'button');
    expect(button).not.toHaveAttribute('aria-pressed');
    expect(button).toHaveAttribute('data-state', 'idle');

    transport.hold();
    await user.click(button);
    expect(button).toHaveAccessibleName('Stop reading');
    expect(button).not.toHaveAttribute('aria-pressed');
    expect(button).toHaveAttribute('data-state', 'connecting');
    expect(button).toHaveAttribute('aria-busy', 'true');
    transport.release();

    await waitFor(() => expect(button).toHaveAttribute('data-state', 'speaking'), { timeout: 5000 });
    expect(button).not.toHaveAttribute('aria-busy');
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'ended'), { timeout: 5000 });
    expect(button).toHaveAccessibleName('Read aloud');
    expect(button).not.toHaveAttribute('aria-pressed');
    expect(transport.opened).toBe(1);
    const seen: SpeechStatus[] = onStatusChange.mock.calls.map(([status]) => status);
    expect(seen[0]).toBe('connecting');
    expect(seen).toContain('speaking');
    expect(seen.at(-1)).toBe('ended');
  });

  it('stops on the second click (keyboard: Enter and Space work as on any button)', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    render(<SpeakButton text="One two three four five six seven eight nine ten." />, { wrapper });
    const button = screen.getByRole('button', { name: 'Read aloud' });
    button.focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'speaking'), { timeout: 5000 });
    await user.keyboard(' ');
    expect(button).toHaveAttribute('data-state', 'idle');
    expect(button).toHaveAccessibleName('Read aloud');
    expect(button).not.toHaveAttribute('aria-pressed');
    await waitFor(() => expect(statusRegion()).toHaveTextContent('Stopped reading'));
  });

  it('pauses and resumes with stopBehavior="pause", naming the next action', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    render(<SpeakButton text="One two three four five six seven eight nine ten." stopBehavior="pause" />, { wrapper });
    const button = screen.getByRole('button', { name: 'Read aloud' });
    await user.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'speaking'), { timeout: 5000 });
    expect(button).toHaveAccessibleName('Pause reading');
    await user.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'paused'));
    expect(button).toHaveAccessibleName('Resume reading');
    expect(button).not.toHaveAttribute('aria-pressed');
    expect(statusRegion()).toHaveTextContent('Paused');
    await user.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'speaking'));
    expect(button).toHaveAccessibleName('Pause reading');
    expect(statusRegion()).toHaveTextContent('Reading aloud');
  });

  it('announces state (never the words) in one shared polite status region that exists before anything happens', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    render(
      <>
        <SpeakButton text="Alpha bravo." />
        <SpeakButton text="Charlie delta." />
      </>,
      { wrapper },
    );
    const regions = screen.getAllByRole('status');
    expect(regions).toHaveLength(1);
    const region = regions[0]!;
    expect(region).toHaveAttribute('aria-live', 'polite');
    expect(region).toBeEmptyDOMElement();
    const texts: string[] = [];
    const observer = new MutationObserver(() => texts.push(region.textContent ?? ''));
    observer.observe(region, { childList: true, characterData: true, subtree: true });
    await user.click(screen.getAllByRole('button', { name: 'Read aloud' })[0]!);
    await waitFor(() => expect(region).toHaveTextContent('Finished reading'), { timeout: 5000 });
    observer.disconnect();
    expect(texts.map((text) => text.trim())).toEqual(['Reading aloud', 'Finished reading']);
    for (const text of texts) {
      expect(text).not.toMatch(/Alpha|bravo/);
    }
  });

  it('announces errors and shows data-state="error", and can try again', async () => {
    // Nothing listens on port 9: connecting fails.
    const transport = countingTransport('ws://127.0.0.1:9/api-ws/v1/inference');
    const wrapper = ({ children }: { children: ReactNode }) => <SpeechProvider {...providerProps(transport)}>{children}</SpeechProvider>;
    const user = userEvent.setup();
    const onStatusChange = vi.fn();
    render(<SpeakButton text="Hello." onStatusChange={onStatusChange} />, { wrapper });
    const button = screen.getByRole('button', { name: 'Read aloud' });
    await user.click(button);
    await waitFor(() => expect(button).toHaveAttribute('data-state', 'error'), { timeout: 5000 });
    expect(statusRegion().textContent).toMatch(/^Could not read aloud: .+/);
    expect(button).toHaveAccessibleName('Read aloud');
    expect(button).not.toHaveAttribute('aria-pressed');
    onStatusChange.mockClear();
    await user.click(button);
    await waitFor(() => expect(onStatusChange.mock.calls.map(([status]) => status)).toEqual(['connecting', 'error']), { timeout: 5000 });
    expect(transport.opened).toBe(2);
  });

  it('takes labels for other languages', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    render(<SpeakButton text="你好。" speechOptions={{ voice: 'longanhuan' }} labels={{ start: '朗读', stop: '停止朗读', speaking: '正在朗读', ended: '朗读完毕' }} />, { wrapper });
    const button = screen.getByRole('button', { name: '朗读' });
    await user.click(button);
    expect(button).toHaveAccessibleName('停止朗读');
    await waitFor(() => expect(statusRegion()).toHaveTextContent('朗读完毕'), { timeout: 5000 });
  });

  it('shares one utterance through `speech`: only the button whose text is being read is active', async () => {
    const { transport, wrapper } = await setup();
    const user = userEvent.setup();
    let shared: ReturnType<typeof useSpeechSynthesis> | undefined;
    function Paragraphs() {
      const speech = useSpeechSynthesis();
      shared = speech;
      return (
        <>
          <SpeakButton text="First paragraph here." speech={speech} aria-describedby="p1" />
          <SpeakButton text="Second paragraph here." speech={speech} aria-describedby="p2" />
        </>
      );
    }
    render(<Paragraphs />, { wrapper });
    const [first, second] = screen.getAllByRole('button', { name: 'Read aloud' }) as [HTMLElement, HTMLElement];
    await user.click(first);
    expect(first).toHaveAccessibleName('Stop reading');
    expect(second).toHaveAccessibleName('Read aloud');
    expect(second).toHaveAttribute('data-state', 'idle');
    await user.click(second);
    expect(shared!.text).toBe('Second paragraph here.');
    expect(first).toHaveAccessibleName('Read aloud');
    expect(second).toHaveAccessibleName('Stop reading');
    await waitFor(() => expect(second).toHaveAttribute('data-state', 'ended'), { timeout: 5000 });
    expect(transport.opened).toBe(2);
  });

  it('speaks with its own overrides over the provider defaults', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const calls: unknown[][] = [];
    function Harness() {
      const speech = useSpeechSynthesis();
      const recording = {
        ...speech,
        speak: (text: string, overrides?: object) => {
          calls.push([text, overrides]);
          speech.speak(text, overrides);
        },
      };
      return <SpeakButton text="Hi." speech={recording} speechOptions={{ seed: 7, voice: 'longanhuan', speechRate: 1.5 }} />;
    }
    render(<Harness />, { wrapper });
    await user.click(screen.getByRole('button', { name: 'Read aloud' }));
    expect(calls).toEqual([['Hi.', { seed: 7, voice: 'longanhuan', speechRate: 1.5 }]]);
  });

  it('keeps the provider defaults for speech options left undefined, with its own speech and a shared one', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    function Harness() {
      const speech = useSpeechSynthesis({ voice: undefined });
      return (
        <>
          <SpeakButton text="Shared speech." speech={speech} speechOptions={{ voice: undefined, model: undefined }} />
          <SpeakButton text="Its own speech." speechOptions={{ voice: undefined }} />
        </>
      );
    }
    render(<Harness />, { wrapper });
    const [shared, own] = screen.getAllByRole('button', { name: 'Read aloud' }) as [HTMLElement, HTMLElement];
    for (const button of [shared, own]) {
      await user.click(button);
      await waitFor(() => expect(button).toHaveAttribute('data-state', 'ended'), { timeout: 5000 });
    }
  });

  it('spreads props last, forwards the ref and lets a user handler opt out with preventDefault', async () => {
    const { transport, wrapper } = await setup();
    const user = userEvent.setup();
    const ref = createRef<HTMLButtonElement>();
    const onClick = vi.fn((event: { preventDefault(): void }) => event.preventDefault());
    render(<SpeakButton ref={ref} text="Hello." className="mine" data-testid="b" onClick={onClick} />, { wrapper });
    const button = screen.getByRole('button', { name: 'Read aloud' });
    expect(ref.current).toBe(button);
    expect(button).toHaveClass('mine');
    await user.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
    expect(button).toHaveAttribute('data-state', 'idle');
    expect(transport.opened).toBe(0);
  });

  it('keeps the state label as aria-label when the content is an icon, and disables itself without text', async () => {
    const { wrapper } = await setup();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    render(
      <>
        <SpeakButton text="Hello.">
          <svg aria-hidden="true" />
        </SpeakButton>
        <SpeakButton text="" />
      </>,
      { wrapper },
    );
    const [withIcon, empty] = screen.getAllByRole('button', { name: 'Read aloud' }) as [HTMLElement, HTMLElement];
    expect(withIcon).toHaveAttribute('aria-label', 'Read aloud');
    expect(within(withIcon).queryByText('Read aloud')).toBeNull();
    expect(empty).toBeDisabled();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('SpeakButton received no `text`'));
    warn.mockRestore();
  });

  it('useSpeakButton returns a prop bag for custom markup', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    function Custom() {
      const { buttonProps, label, isActive } = useSpeakButton({ text: 'Custom markup.' });
      return (
        <button {...buttonProps} className="fancy">
          {isActive ? '■' : '▶'} {label}
        </button>
      );
    }
    render(<Custom />, { wrapper });
    const button = screen.getByRole('button', { name: '▶ Read aloud' });
    await user.click(button);
    expect(button).toHaveAccessibleName('■ Stop reading');
    expect(button).not.toHaveAttribute('aria-pressed');
    await user.click(button);
    expect(button).toHaveAccessibleName('▶ Read aloud');
  });

  it('opens no connection until clicked, and none per re-render', async () => {
    const { transport, wrapper } = await setup();
    function Rerender() {
      const [count, setCount] = useState(0);
      return (
        <>
          <SpeakButton text={`Text ${count}.`} />
          <button type="button" onClick={() => setCount((c) => c + 1)}>
            again
          </button>
        </>
      );
    }
    const user = userEvent.setup();
    render(<Rerender />, { wrapper });
    await user.click(screen.getByRole('button', { name: 'again' }));
    await user.click(screen.getByRole('button', { name: 'again' }));
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expect(transport.opened).toBe(0);
  });
});
