import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { useSpeechSynthesis } from 'cosyvoice-react';
import { SpeechInspector } from '../support/SpeechInspector';
import { withStoryProvider } from '../support/StoryProvider';

function Harness({ initialText }: { initialText: string }) {
  const speech = useSpeechSynthesis();
  const [text, setText] = useState(initialText);
  return (
    <div style={{ display: 'grid', gap: 12, maxWidth: 720 }}>
      <label>
        Text to speak
        <textarea value={text} onChange={(event) => setText(event.target.value)} rows={3} style={{ display: 'block', width: '100%' }} />
      </label>
      <div style={{ display: 'flex', gap: 8 }}>
        <button type="button" onClick={() => speech.speak(text)}>Speak</button>
        <button type="button" onClick={speech.pause} disabled={speech.status !== 'speaking'}>Pause</button>
        <button type="button" onClick={speech.resume} disabled={speech.status !== 'paused' && speech.status !== 'ended'}>Resume</button>
        <button type="button" onClick={speech.stop} disabled={!speech.isActive}>Stop</button>
        {speech.audio && (
          <a href={URL.createObjectURL(speech.audio)} download="speech.wav">
            Download audio
          </a>
        )}
      </div>
      <SpeechInspector speech={speech} />
    </div>
  );
}

const meta = {
  title: 'Hooks/useSpeechSynthesis',
  component: Harness,
  decorators: [withStoryProvider],
  args: { initialText: 'Streaming speech starts fast. Every word lights up as you hear it.' },
} satisfies Meta<typeof Harness>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Speak, watch the status, metrics (first package delay, time to first audio) and the timeline fill in. */
export const Default: Story = {};

/** `Default`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const DefaultTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Speak' }));
    await waitFor(() => expect(canvas.getByTestId('status')).toHaveTextContent('speaking'), { timeout: 10_000 });
    await waitFor(() => expect(canvas.getByTestId('status')).toHaveTextContent('ended'), { timeout: 20_000 });
    await expect(canvas.getByTestId('first-package-delay')).toHaveTextContent(/\d+ ms/);
    await expect(canvas.getByTestId('time-to-first-audio')).toHaveTextContent(/\d+ ms/);
    await expect(canvas.getByRole('table')).toHaveTextContent('lights');
    await expect(canvas.getByRole('link', { name: 'Download audio' })).toBeInTheDocument();
  },
};

/** Mandarin: word boundaries come from the service's timestamps, not spaces. */
export const Mandarin: Story = {
  args: { initialText: '今天天气很好。我们一起去公园散步吧。' },
};

/** `Mandarin`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const MandarinTest: Story = {
  args: { initialText: '今天天气很好。我们一起去公园散步吧。' },
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Speak' }));
    await waitFor(() => expect(canvas.getByTestId('status')).toHaveTextContent('ended'), { timeout: 20_000 });
    await expect(canvas.getByRole('table')).toHaveTextContent('公');
  },
};

/** Pause and resume mid-sentence. */
export const PauseAndResume: Story = {};

/** `PauseAndResume`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const PauseAndResumeTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Speak' }));
    await waitFor(() => expect(canvas.getByTestId('status')).toHaveTextContent('speaking'), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Pause' }));
    await expect(canvas.getByTestId('status')).toHaveTextContent('paused');
    await userEvent.click(canvas.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(canvas.getByTestId('status')).toHaveTextContent('ended'), { timeout: 20_000 });
  },
};
