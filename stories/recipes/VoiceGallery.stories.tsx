import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { SpeakButton, VoicePicker, findVoice, proxyTransport } from 'cosyvoice-react';
import { STORY_ENDPOINT, StoryProvider, withStoryProvider } from '../support/StoryProvider';
import { recordingTransport, type RecordedTask } from '../support/transports';

function VoiceGallery() {
  const [voice, setVoice] = useState('longanyang');
  const model = findVoice(voice)?.model ?? 'cosyvoice-v3-flash';
  return (
    <div style={{ display: 'grid', gap: 16, maxWidth: 560 }}>
      <VoicePicker value={voice} onValueChange={setVoice} filter={{ model: 'cosyvoice-v3-flash', language: 'en' }} groupBy="gender" />
      <SpeakButton text="This is how I sound when I read your text." speechOptions={{ voice, model }} />
    </div>
  );
}

const meta = {
  title: 'Recipes/Voice gallery',
  component: VoiceGallery,
  decorators: [withStoryProvider],
} satisfies Meta<typeof VoiceGallery>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Pick a voice (preview it from the picker), then read with it. */
export const Default: Story = {};

// The test twin speaks through this, to check which voice each request asked for and what came back.
const wire = recordingTransport(proxyTransport({ url: STORY_ENDPOINT }));

/** The `index`-th recorded task (0 = the first), once the local server has finished it with audio. */
async function finishedTask(index: number): Promise<RecordedTask> {
  await waitFor(() => expect(wire.tasks[index]?.events).toContain('task-finished'), { timeout: 20_000 });
  const task = wire.tasks[index]!;
  await expect(task.events).not.toContain('task-failed');
  await expect(task.audioBytes).toBeGreaterThan(0);
  return task;
}

/**
 * `Default`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by
 * itself): choose a voice, preview it, then read with it.
 */
export const DefaultTest: Story = {
  tags: ['!dev', '!autodocs'],
  decorators: [
    (Story) => (
      <StoryProvider transport={wire}>
        <Story />
      </StoryProvider>
    ),
  ],
  play: async ({ canvasElement }) => {
    wire.clear();
    const canvas = within(canvasElement);
    const options = await canvas.findAllByRole('option', {}, { timeout: 10_000 });
    // Choose a voice other than the initial one.
    const option = options.find((candidate) => candidate.getAttribute('aria-selected') === 'false')!;
    const name = option.querySelector('.cosyvoice-voice-name')!.textContent!;
    await expect(name).not.toBe(findVoice('longanyang')!.name);
    await userEvent.click(option);
    await expect(option).toHaveAttribute('aria-selected', 'true');

    // Preview it: the button flips to "Stop preview of …" while the sample plays, and back at its end.
    const preview = canvas.getByRole('button', { name: `Preview ${name}` });
    await userEvent.click(preview);
    await waitFor(() => expect(preview).toHaveAccessibleName(`Stop preview of ${name}`));
    await expect(preview).toHaveAttribute('data-state', 'playing');
    const previewTask = await finishedTask(0);
    await expect(findVoice(previewTask.voice)?.name).toBe(name);
    await waitFor(() => expect(preview).toHaveAccessibleName(`Preview ${name}`), { timeout: 20_000 });
    await expect(preview).toHaveAttribute('data-state', 'idle');
    await expect(wire.tasks).toHaveLength(1);

    // Read with it: the SpeakButton asks for the chosen voice (and its model) and speaks to the end.
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Stop reading' })).toHaveAttribute('data-state', 'speaking'), { timeout: 10_000 });
    const readTask = await finishedTask(1);
    await expect(readTask.voice).toBe(previewTask.voice);
    await expect(readTask.model).toBe(findVoice(previewTask.voice)!.model);
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Read aloud' })).toHaveAttribute('data-state', 'ended'), { timeout: 20_000 });
  },
};
