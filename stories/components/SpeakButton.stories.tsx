import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { SpeakButton, useSpeakButton } from 'cosyvoice-react';
import { StoryProvider, withStoryProvider } from '../support/StoryProvider';
import { neverConnects } from '../support/transports';

const TEXT = 'Read-aloud that starts fast and highlights what you hear.';

const meta = {
  title: 'Components/SpeakButton',
  component: SpeakButton,
  decorators: [withStoryProvider],
  args: { text: TEXT },
} satisfies Meta<typeof SpeakButton>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Idle: a native button named "Read aloud". */
export const Idle: Story = {
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Read aloud' });
    await expect(button).toHaveAttribute('data-state', 'idle');
    await expect(button).not.toHaveAttribute('aria-pressed');
  },
};

/**
 * Connecting: `aria-busy` while the socket opens (this transport never connects, so no audio plays and
 * this story runs its check when opened).
 */
export const Connecting: Story = {
  decorators: [(Story) => <StoryProvider transport={neverConnects}><Story /></StoryProvider>],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    const button = canvas.getByRole('button', { name: 'Stop reading' });
    await expect(button).toHaveAttribute('data-state', 'connecting');
    await expect(button).toHaveAttribute('aria-busy', 'true');
  },
};

/** Speaking: the name says what a press does now ("Stop reading"). */
export const Speaking: Story = {};

/** `Speaking`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const SpeakingTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvas.getByRole('button')).toHaveAttribute('data-state', 'speaking'), { timeout: 10_000 });
    await expect(canvas.getByRole('button', { name: 'Stop reading' })).not.toHaveAttribute('aria-pressed');
  },
};

/** Paused: with `stopBehavior="pause"` a press pauses, the next resumes. */
export const Paused: Story = {
  args: { stopBehavior: 'pause' },
};

/** `Paused`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const PausedTest: Story = {
  args: { stopBehavior: 'pause' },
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvas.getByRole('button')).toHaveAttribute('data-state', 'speaking'), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Pause reading' }));
    await expect(canvas.getByRole('button', { name: 'Resume reading' })).toHaveAttribute('data-state', 'paused');
  },
};

const ENDED_TEXT = 'Short and done.';

/** Ended: back to "Read aloud" after the last word. */
export const Ended: Story = {
  args: { text: ENDED_TEXT },
};

/** `Ended`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const EndedTest: Story = {
  args: { text: ENDED_TEXT },
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvas.getByRole('button')).toHaveAttribute('data-state', 'ended'), { timeout: 15_000 });
    await expect(canvas.getByRole('button', { name: 'Read aloud' })).not.toHaveAttribute('aria-pressed');
  },
};

/**
 * Error: a voice of another model; the service answers `task-failed` (418) and the status region says so.
 * (No audio plays, so this story runs its check when opened.)
 */
export const Error: Story = {
  args: { speechOptions: { model: 'cosyvoice-v1', voice: 'longanyang' } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvas.getByRole('button')).toHaveAttribute('data-state', 'error'), { timeout: 10_000 });
    await waitFor(() => expect(document.querySelector('[role="status"]')).toHaveTextContent(/418/));
  },
};

/** Labels in another language, a different voice and a faster rate. */
export const ChineseLabels: Story = {
  args: {
    text: '床前明月光，疑是地上霜。',
    speechOptions: { voice: 'longanhuan', speechRate: 1.2 },
    labels: { start: '朗读', stop: '停止朗读', pause: '暂停朗读', resume: '继续朗读' },
  },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('button', { name: '朗读' })).toBeInTheDocument();
  },
};

function CustomMarkup() {
  const { buttonProps, isActive, label } = useSpeakButton({ text: TEXT });
  return (
    <button {...buttonProps} style={{ borderRadius: 999, padding: '6px 14px' }}>
      <span aria-hidden="true">{isActive ? '■' : '▶'}</span> {label}
    </button>
  );
}

/** Headless: `useSpeakButton()` gives the prop bag for your own markup. */
export const Headless: Story = {
  render: () => <CustomMarkup />,
};

/** `Headless`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const HeadlessTest: Story = {
  render: () => <CustomMarkup />,
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: /Read aloud/ }));
    await waitFor(() => expect(canvas.getByRole('button', { name: /Stop reading/ })).toBeInTheDocument(), { timeout: 10_000 });
  },
};
