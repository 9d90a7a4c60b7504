import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { KaraokeText, ReadAloudControls, useReadAloud, type ReadAloudStatus } from 'cosyvoice-react';
import { withStoryProvider } from '../support/StoryProvider';

const ARTICLE =
  'A read-aloud player is steered like music. Previous and next move by sentence. ' +
  'Click any word to start reading from it, even before its audio exists. ' +
  'The speed changes at once and keeps the pitch. The slider says which sentence you are in and how far along. ' +
  'On a phone, the lock screen and a headset control it too.';

function Player({ text }: { text: string }) {
  const reading = useReadAloud(text, { mediaSession: { title: 'A steerable player', artist: 'cosyvoice-react stories' } });
  return (
    <div style={{ maxWidth: 640, lineHeight: 1.7 }}>
      <ReadAloudControls reading={reading} />
      <KaraokeText reading={reading} style={{ marginTop: 12, fontSize: 18 }} />
    </div>
  );
}

const meta = {
  title: 'Components/ReadAloudControls',
  component: Player,
  decorators: [withStoryProvider],
  args: { text: ARTICLE },
} satisfies Meta<typeof Player>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Play / pause, previous / next sentence, a progress slider over the sentences and the speed; the current sentence is marked. */
export const Default: Story = {};

/** `Default`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const DefaultTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Play' }));
    await waitFor(() => expect(canvasElement.querySelector('[data-active]')).not.toBeNull(), { timeout: 10_000 });
    await waitFor(() => expect(canvasElement.querySelector('[data-sentence-active]')).not.toBeNull(), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Next sentence' }));
    const slider = canvas.getByRole('slider', { name: 'Reading position' });
    await waitFor(() => expect(slider).toHaveAttribute('aria-valuenow', '2'), { timeout: 10_000 });
    slider.focus();
    await userEvent.keyboard('{End}');
    await waitFor(() => expect(slider.getAttribute('aria-valuetext')).toContain('lock screen'), { timeout: 10_000 });
    // "speed" is in the fourth sentence: reading goes on from there (a task from that word: never received).
    await userEvent.click(canvas.getByText('speed', { exact: true }));
    await waitFor(() => expect(slider).toHaveAttribute('aria-valuenow', '4'), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Pause' }));
    await waitFor(() => expect(canvas.getByRole('group', { name: 'Read-aloud player' })).toHaveAttribute('data-state', 'paused'), { timeout: 10_000 });
  },
};

const STATES: ReadAloudStatus[] = ['idle', 'connecting', 'buffering', 'speaking', 'paused', 'ended', 'error'];

function AllStatesView({ text }: { text: string }) {
  // One real reading (never started) gives the sentences and the time estimate; each row shows it in one state.
  const reading = useReadAloud(text, { mediaSession: false });
  return (
    <div style={{ display: 'grid', gap: 12, maxWidth: 640 }}>
      {STATES.map((status, row) => (
        <section key={status} aria-label={`State ${status}`}>
          <p style={{ margin: 0 }}>
            <code>data-state="{status}"</code>
          </p>
          <ReadAloudControls reading={{ ...reading, status, sentenceIndex: status === 'idle' ? -1 : Math.min(row, reading.sentences.length - 1) }} labels={{ group: `Read-aloud player (${status})` }} />
        </section>
      ))}
    </div>
  );
}

/** Every state of the controls, side by side (the play button's name says what a click does). */
export const AllStates: Story = {
  render: (args) => <AllStatesView {...args} />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await waitFor(() => expect(canvas.getByRole('group', { name: 'Read-aloud player (speaking)' })).toHaveAttribute('data-state', 'speaking'));
    await expect(within(canvas.getByRole('group', { name: 'Read-aloud player (speaking)' })).getByRole('button', { name: 'Pause' })).toBeInTheDocument();
    await expect(within(canvas.getByRole('group', { name: 'Read-aloud player (paused)' })).getByRole('button', { name: 'Play' })).toBeInTheDocument();
    await expect(within(canvas.getByRole('group', { name: 'Read-aloud player (idle)' })).getByRole('button', { name: 'Previous sentence' })).toBeDisabled();
  },
};

const CHAPTER = Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1} of a long chapter, read as one reading.`).join(' ');

function LongDocument() {
  // Tasks of at most 400 characters here, to show the split on a short page; a real text splits at 200 000.
  const reading = useReadAloud(CHAPTER, { maxCharactersPerTask: 400, mediaSession: false });
  return (
    <div style={{ maxWidth: 640, lineHeight: 1.7 }}>
      <ReadAloudControls reading={reading} />
      <p>
        Tasks sent: <output>{reading.tasks}</output>
      </p>
      <KaraokeText reading={reading} style={{ fontSize: 16 }} />
    </div>
  );
}

/** A long text is one reading in tasks split at sentence boundaries (here every 400 characters): one slider, one timeline. */
export const LongDocumentInTasks: Story = {
  render: () => <LongDocument />,
};

/** `LongDocumentInTasks`, driven by a test: the reading crosses from its first task into the next without stopping. */
export const LongDocumentInTasksTest: Story = {
  render: () => <LongDocument />,
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const slider = canvas.getByRole('slider', { name: 'Reading position' });
    slider.focus();
    // Sentence 6 is near the end of the first task (7 sentences fit in 400 characters).
    for (let i = 0; i < 5; i++) await userEvent.keyboard('{ArrowRight}');
    await waitFor(() => expect(slider).toHaveAttribute('aria-valuenow', '6'), { timeout: 10_000 });
    await waitFor(() => expect(Number(slider.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(9), { timeout: 30_000 });
    await waitFor(() => expect(Number(canvasElement.querySelector('output')!.textContent)).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    await expect(canvas.getByRole('group', { name: 'Read-aloud player' })).not.toHaveAttribute('data-state', 'ended');
  },
};
