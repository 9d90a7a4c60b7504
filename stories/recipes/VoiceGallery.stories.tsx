import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { SpeakButton, VoicePicker, findVoice } from 'cosyvoice-react';
import { withStoryProvider } from '../support/StoryProvider';

function VoiceGallery() {
  const [voice, setVoice] = useState('longanyang');
  const model = findVoice(voice)?.model ?? 'cosyvoice-v3-flash';
  return (
    <div style={{ display: 'grid', gap: 16, maxWidth: 560 }}>
      <VoicePicker value={voice} onValueChange={setVoice} filter={{ model: 'cosyvoice-v3-flash', language: 'en' }} groupBy="gender" />
      <SpeakButton text="This is how I sound when I read your text." voice={voice} model={model} />
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

/** `Default`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const DefaultTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findAllByRole('option', {}, { timeout: 10_000 });
    await userEvent.click(canvas.getAllByRole('option')[1]!);
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Stop reading' })).toHaveAttribute('data-state', 'speaking'), { timeout: 10_000 });
  },
};
