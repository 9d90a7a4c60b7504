import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { KaraokeText, SpeakButton, useSpeechSynthesis, useStreamingSynthesis, type TimelineWord } from 'cosyvoice-react';
import { fakeLlmStream } from '../support/fakeLlm';
import { withStoryProvider } from '../support/StoryProvider';

function WithButton({ text }: { text: string }) {
  const speech = useSpeechSynthesis();
  return (
    <div style={{ maxWidth: 640, lineHeight: 1.7 }}>
      <SpeakButton text={text} speech={speech} />
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

/** The heard word is marked (`data-active`), earlier ones `data-spoken`; after the end, click a word to seek. */
export const Default: Story = {
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

/** Mandarin: word boundaries from the service's timestamps (no spaces in the text). */
export const Mandarin: Story = {
  args: { text: '春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。' },
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
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Stream an answer' }));
    await waitFor(() => expect(canvasElement.textContent).toContain('grows'), { timeout: 10_000 });
    await waitFor(() => expect(canvasElement.textContent).toContain('follows.'), { timeout: 20_000 });
    await waitFor(() => expect(canvasElement.querySelector('[data-active]')).not.toBeNull(), { timeout: 10_000 });
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
