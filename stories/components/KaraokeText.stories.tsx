import type { Meta, StoryObj } from '@storybook/react-vite';
import { useMemo } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { KaraokeText, SpeakButton, proxyTransport, useSpeechSynthesis, useStreamingSynthesis, type TimelineWord } from 'cosyvoice-react';
import { fakeLlmStream } from '../support/fakeLlm';
import { STORY_ENDPOINT, StoryProvider, withStoryProvider } from '../support/StoryProvider';
import { heldConnection } from '../support/transports';

interface WithButtonProps {
  text: string;
  /** The SpeakButton's `stopBehavior` (`pause` shows the paused state). */
  stopBehavior?: 'stop' | 'pause';
  /** The voice the SpeakButton asks for. */
  voice?: string;
}

function WithButton({ text, stopBehavior, voice }: WithButtonProps) {
  const speech = useSpeechSynthesis();
  return (
    <div style={{ maxWidth: 640, lineHeight: 1.7 }}>
      <SpeakButton text={text} speech={speech} stopBehavior={stopBehavior} speechOptions={{ voice }} />
      <KaraokeText text={text} speech={speech} style={{ marginTop: 12, fontSize: 18 }} />
    </div>
  );
}

const meta = {
  title: 'Components/KaraokeText',
  component: WithButton,
  decorators: [withStoryProvider],
  args: { text: 'Every word lights up when you hear it, not when it was sent. Click a word to jump there once the audio is in.' },
} satisfies Meta<typeof WithButton>;
export default meta;
type Story = StoryObj<typeof meta>;

/** The KaraokeText root (its `data-state` is the speech status). */
function karaokeIn(canvasElement: HTMLElement): HTMLElement {
  const root = canvasElement.querySelector<HTMLElement>('.cosyvoice-karaoke');
  // (`Error` is a story below.)
  if (!root) throw new globalThis.Error('no KaraokeText in the story');
  return root;
}

/** Every word's `data-state`, read at one instant (no render can happen in between). */
function wordStates(root: HTMLElement): string[] {
  return [...root.querySelectorAll('[data-word-index]')].map((word) => word.getAttribute('data-state') ?? '');
}

/** The index of the word marked `data-active`, or -1. */
function activeIndex(root: HTMLElement): number {
  return Number(root.querySelector('[data-active]')?.getAttribute('data-word-index') ?? -1);
}

/** The heard word is marked (`data-active`), earlier ones `data-spoken`; after the end, click a word to seek. */
export const Default: Story = {};

/** `Default`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const DefaultTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvasElement.querySelector('[data-active]')).not.toBeNull(), { timeout: 10_000 });
    const first = canvasElement.querySelector('[data-active]')!.textContent;
    await waitFor(() => expect(canvasElement.querySelector('[data-active]')?.textContent).not.toBe(first), { timeout: 5000 });
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Read aloud' })).toHaveAttribute('data-state', 'ended'), { timeout: 20_000 });
    await expect(canvasElement.querySelectorAll('[data-spoken]').length).toBeGreaterThan(10);
    await userEvent.click(canvas.getByText('jump'));
    await waitFor(() => expect(canvasElement.querySelector('[data-active]')?.textContent).toMatch(/jump|there/), { timeout: 5000 });
  },
};

const MANDARIN = '春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。';

/** Mandarin: word boundaries from the service's timestamps (no spaces in the text). */
export const Mandarin: Story = {
  args: { text: MANDARIN },
};

/** `Mandarin`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const MandarinTest: Story = {
  args: { text: MANDARIN },
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvasElement.querySelector('[data-active]')).not.toBeNull(), { timeout: 10_000 });
    await expect(canvasElement.querySelector('[data-active]')!.textContent!.length).toBeLessThanOrEqual(4);
  },
};

function Streaming() {
  const speech = useStreamingSynthesis();
  return (
    <div style={{ maxWidth: 640, lineHeight: 1.7 }}>
      <button type="button" onClick={() => void speech.pipe(fakeLlmStream('Text that grows while it streams in. Sentences are spoken as they complete, and the highlight follows.', { tokenDelayMs: 60 }))}>
        Stream an answer
      </button>
      <KaraokeText speech={speech} style={{ marginTop: 12, fontSize: 18 }} />
    </div>
  );
}

/** With `useStreamingSynthesis` and no `text`: the text grows as tokens arrive. */
export const GrowingWhileStreaming: Story = {
  render: () => <Streaming />,
};

/** `GrowingWhileStreaming`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const GrowingWhileStreamingTest: Story = {
  render: () => <Streaming />,
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Stream an answer' }));
    await waitFor(() => expect(canvasElement.textContent).toContain('grows'), { timeout: 10_000 });
    await waitFor(() => expect(canvasElement.textContent).toContain('follows.'), { timeout: 20_000 });
    await waitFor(() => expect(canvasElement.querySelector('[data-active]')).not.toBeNull(), { timeout: 10_000 });
  },
};

/* States: connecting, speaking, paused, ended (seekable), error -------------------------------- */

function HeldConnecting(props: WithButtonProps) {
  const transport = useMemo(() => heldConnection(proxyTransport({ url: STORY_ENDPOINT })), []);
  return (
    <StoryProvider transport={transport}>
      <WithButton {...props} />
      <p>
        <button type="button" onClick={() => transport.release()}>
          Let it connect
        </button>
      </p>
    </StoryProvider>
  );
}

/**
 * Connecting: `data-state="connecting"` and the text still plain (no word has arrived). This transport
 * holds the connection until you press "Let it connect" (within 5 s, the connect timeout), then speaks.
 */
export const Connecting: Story = {
  render: (args) => <HeldConnecting {...args} />,
};

/** `Connecting`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const ConnectingTest: Story = {
  render: (args) => <HeldConnecting {...args} />,
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const root = karaokeIn(canvasElement);
    await expect(root).toHaveAttribute('data-state', 'idle');
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(root).toHaveAttribute('data-state', 'connecting'));
    await expect(canvas.getByRole('button', { name: 'Stop reading' })).toHaveAttribute('aria-busy', 'true');
    // Nothing has arrived: no word elements, nothing marked, nothing to seek.
    await expect(root.querySelector('[data-word-index]')).toBeNull();
    await expect(root).not.toHaveAttribute('data-seekable');
    await expect(root).toHaveTextContent('Every word lights up');
    // Released, it connects to the local server and speaks.
    await userEvent.click(canvas.getByRole('button', { name: 'Let it connect' }));
    await waitFor(() => expect(root).toHaveAttribute('data-state', 'speaking'), { timeout: 10_000 });
    await waitFor(() => expect(root.querySelector('[data-active]')).toHaveAttribute('data-state', 'active'), { timeout: 10_000 });
  },
};

/** Speaking: one word `data-active` (moving with the audio), the words before it `data-spoken`, the rest pending. */
export const Speaking: Story = {};

/** `Speaking`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const SpeakingTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const root = karaokeIn(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(root).toHaveAttribute('data-state', 'speaking'), { timeout: 10_000 });
    await waitFor(() => expect(activeIndex(root)).toBeGreaterThanOrEqual(0), { timeout: 10_000 });
    const first = activeIndex(root);
    // The highlight moves on with the audio…
    await waitFor(
      () => {
        const states = wordStates(root);
        const active = states.indexOf('active');
        expect(active).toBeGreaterThan(first);
        // …one heard word, everything before it heard, everything after it still to come.
        expect(states.filter((state) => state === 'active')).toHaveLength(1);
        expect(states.slice(0, active)).toEqual(Array(active).fill('spoken'));
        expect(states.slice(active + 1)).toEqual(Array(states.length - active - 1).fill('pending'));
      },
      { timeout: 10_000 },
    );
    await expect(root.querySelector('[data-active]')).toHaveAttribute('data-state', 'active');
    await expect(canvas.getByRole('button', { name: 'Stop reading' })).toHaveAttribute('data-state', 'speaking');
  },
};

/** Paused (SpeakButton `stopBehavior="pause"`): `data-state="paused"`, the heard word stays marked; resuming goes on from it. */
export const Paused: Story = {
  args: { stopBehavior: 'pause' },
};

/** `Paused`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const PausedTest: Story = {
  args: { stopBehavior: 'pause' },
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const root = karaokeIn(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    // A few words in, so "goes on from there" differs from "starts again".
    await waitFor(() => expect(activeIndex(root)).toBeGreaterThanOrEqual(2), { timeout: 15_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Pause reading' }));
    await waitFor(() => expect(root).toHaveAttribute('data-state', 'paused'));
    await expect(canvas.getByRole('button', { name: 'Resume reading' })).toHaveAttribute('data-state', 'paused');
    const held = activeIndex(root);
    await expect(held).toBeGreaterThanOrEqual(2);
    const states = wordStates(root);
    await expect(states[held]).toBe('active');
    await expect(states.slice(0, held)).toEqual(Array(held).fill('spoken'));
    await userEvent.click(canvas.getByRole('button', { name: 'Resume reading' }));
    await waitFor(() => expect(root).toHaveAttribute('data-state', 'speaking'), { timeout: 10_000 });
    await expect(activeIndex(root)).toBeGreaterThanOrEqual(held);
    await waitFor(() => expect(activeIndex(root)).toBeGreaterThan(held), { timeout: 10_000 });
  },
};

const ENDED_TEXT = 'Heard to the end. Click a word to listen again from there.';

/** Ended: every word `data-spoken`, none active, `data-seekable` on the root; click a word to replay from it. */
export const Ended: Story = {
  args: { text: ENDED_TEXT },
};

/** `Ended`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const EndedTest: Story = {
  args: { text: ENDED_TEXT },
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const root = karaokeIn(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(root).toHaveAttribute('data-state', 'ended'), { timeout: 20_000 });
    await expect(canvas.getByRole('button', { name: 'Read aloud' })).toHaveAttribute('data-state', 'ended');
    await expect(root).toHaveAttribute('data-seekable');
    await expect(root.querySelector('[data-active]')).toBeNull();
    const states = wordStates(root);
    await expect(states.length).toBeGreaterThanOrEqual(10);
    await expect(states).toEqual(Array(states.length).fill('spoken'));
    // Seekable words are buttons: clicking one plays again from it, not from the top.
    const target = canvas.getByRole('button', { name: 'listen' });
    const targetIndex = Number(target.getAttribute('data-word-index'));
    await expect(targetIndex).toBeGreaterThan(4);
    await userEvent.click(target);
    await waitFor(
      () => {
        expect(root).toHaveAttribute('data-state', 'speaking');
        const now = wordStates(root);
        expect(now.indexOf('active')).toBeGreaterThanOrEqual(targetIndex);
        expect(now.slice(0, targetIndex)).toEqual(Array(targetIndex).fill('spoken'));
      },
      { timeout: 10_000 },
    );
    await waitFor(() => expect(root).toHaveAttribute('data-state', 'ended'), { timeout: 20_000 });
  },
};

/**
 * Error: a voice the local server does not know; it answers `task-failed` (418). `data-state="error"`,
 * no word marked, nothing to seek. (No audio plays, so this story runs its check when opened.)
 */
export const Error: Story = {
  args: { voice: 'no-such-voice' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const root = karaokeIn(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(root).toHaveAttribute('data-state', 'error'), { timeout: 10_000 });
    await expect(canvas.getByRole('button', { name: 'Read aloud' })).toHaveAttribute('data-state', 'error');
    await waitFor(() => expect(canvasElement.ownerDocument.querySelector('[role="status"]')).toHaveTextContent(/418/));
    await expect(root.querySelector('[data-word-index]')).toBeNull();
    await expect(root.querySelector('[data-active]')).toBeNull();
    await expect(root).not.toHaveAttribute('data-seekable');
  },
};

const TIMELINE: TimelineWord[] = ['An', 'explicit', 'timeline', 'works', 'without', 'audio'].map((text, index, all) => {
  const beginIndex = all.slice(0, index).join(' ').length + (index ? 1 : 0);
  return { text, beginIndex, endIndex: beginIndex + text.length, beginMs: index * 300, endMs: index * 300 + 250, sentenceIndex: 0 };
});

/** An explicit timeline and active word (e.g. from your own player). */
export const ExplicitTimeline: Story = {
  render: () => <KaraokeText text="An explicit timeline works without audio" timeline={TIMELINE} activeWordIndex={2} />,
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelector('[data-active]')).toHaveTextContent('timeline');
    await expect(canvasElement.querySelectorAll('[data-spoken]')).toHaveLength(2);
  },
};
