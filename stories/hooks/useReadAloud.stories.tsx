import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { useReadAloud } from 'cosyvoice-react';
import { withStoryProvider } from '../support/StoryProvider';

function Harness({ text }: { text: string }) {
  const reading = useReadAloud(text, { mediaSession: { title: 'useReadAloud harness' } });
  const sentence = reading.sentences[reading.sentenceIndex];
  const word = reading.words[reading.wordIndex];
  return (
    <div style={{ display: 'grid', gap: 12, maxWidth: 720 }}>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
        <button type="button" onClick={reading.play}>Play</button>
        <button type="button" onClick={reading.pause} disabled={reading.status !== 'speaking'}>Pause</button>
        <button type="button" onClick={reading.stop} disabled={!reading.isActive}>Stop</button>
        <button type="button" onClick={reading.previousSentence}>Previous sentence</button>
        <button type="button" onClick={reading.nextSentence}>Next sentence</button>
        <button type="button" onClick={() => reading.seekToSentence(reading.sentences.length - 1)}>Last sentence</button>
        <button type="button" onClick={() => reading.setPlaybackRate(reading.playbackRate === 1 ? 1.5 : 1)}>Speed {reading.playbackRate === 1 ? '1.5×' : '1×'}</button>
      </div>
      <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '4px 12px', margin: 0 }}>
        <dt>Status</dt>
        <dd data-testid="status">{reading.status}</dd>
        <dt>Sentence</dt>
        <dd data-testid="sentence">{sentence ? `${reading.sentenceIndex + 1} of ${reading.sentences.length}: ${reading.text.slice(sentence.start, sentence.end)}` : '—'}</dd>
        <dt>Word</dt>
        <dd data-testid="word">{word ? reading.text.slice(word.start, word.end) : '—'}</dd>
        <dt>Tasks sent</dt>
        <dd>{reading.tasks}</dd>
        <dt>Billed characters</dt>
        <dd>{reading.characters}</dd>
        <dt>Speed</dt>
        <dd>{reading.playbackRate}×</dd>
      </dl>
    </div>
  );
}

const meta = {
  title: 'Hooks/useReadAloud',
  component: Harness,
  decorators: [withStoryProvider],
  args: { text: 'One reading, many requests. Jump ahead and a task starts there. Go back and the kept audio plays. Nothing is sent twice once it has arrived.' },
} satisfies Meta<typeof Harness>;
export default meta;
type Story = StoryObj<typeof meta>;

/** The hook's state and actions: status, heard sentence and word (indexes into the text), tasks sent and characters billed. */
export const Default: Story = {};

/** `Default`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const DefaultTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Last sentence' }));
    await waitFor(() => expect(canvas.getByTestId('sentence')).toHaveTextContent('4 of 4: Nothing is sent twice'), { timeout: 10_000 });
    await waitFor(() => expect(canvas.getByTestId('status')).toHaveTextContent('speaking'), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Previous sentence' }));
    await waitFor(() => expect(canvas.getByTestId('sentence')).toHaveTextContent('3 of 4: Go back'), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(canvas.getByTestId('status')).toHaveTextContent('idle'), { timeout: 10_000 });
  },
};
