import type { Meta, StoryObj } from '@storybook/react-vite';
import { useMemo, useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { VoicePicker, proxyTransport, useSpeechSynthesis, type VoicePickerProps } from 'cosyvoice-react';
import { STORY_ENDPOINT, StoryProvider, withStoryProvider } from '../support/StoryProvider';
import { flakyListing, slowListing } from '../support/transports';

const meta = {
  title: 'Components/VoicePicker',
  component: VoicePicker,
  decorators: [withStoryProvider],
  args: { defaultValue: 'longanyang', filter: { model: 'cosyvoice-v3-flash' } },
} satisfies Meta<typeof VoicePicker>;
export default meta;
type Story = StoryObj<typeof meta>;

/** A listbox: arrows, Home/End, type-ahead, Enter/Space; preview the highlighted voice. */
export const Default: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findAllByRole('option', {}, { timeout: 10_000 });
    const listbox = canvas.getByRole('listbox');
    await expect(canvas.getByRole('option', { selected: true })).toHaveTextContent(/龙安洋|longanyang/);
    listbox.focus();
    await userEvent.keyboard('{ArrowDown}{Enter}');
    await expect(canvas.getByRole('option', { selected: true })).not.toHaveTextContent(/longanyang/);
  },
};

function Controlled() {
  const [voice, setVoice] = useState('longanhuan');
  return (
    <div>
      <VoicePicker value={voice} onValueChange={setVoice} filter={{ model: 'cosyvoice-v3-flash', instruct: true }} />
      <p>Chosen: <output>{voice}</output></p>
    </div>
  );
}

/** Controlled (`value` / `onValueChange`), filtered to voices that take an instruction. */
export const ControlledAndFiltered: Story = {
  render: () => <Controlled />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findAllByRole('option', {}, { timeout: 10_000 });
    await expect(canvas.getAllByRole('option')).toHaveLength(3);
    await userEvent.click(canvas.getAllByRole('option')[0]!);
    await expect(canvasElement.querySelector('output')).toHaveTextContent('longanyang');
  },
};

/** Grouped by language, v2 voices with word timestamps. */
export const GroupedByLanguage: Story = {
  args: { filter: { model: 'cosyvoice-v2', timestamps: true }, groupBy: 'language', defaultValue: 'longxiaochun_v2' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findAllByRole('option', {}, { timeout: 10_000 });
    await expect(canvas.getAllByRole('group').length).toBeGreaterThan(1);
  },
};

function WithTransport({ kind }: { kind: 'slow' | 'flaky' }) {
  const transport = useMemo(() => (kind === 'slow' ? slowListing(proxyTransport({ url: STORY_ENDPOINT })) : flakyListing(proxyTransport({ url: STORY_ENDPOINT }))), [kind]);
  return (
    <StoryProvider transport={transport}>
      <VoicePicker defaultValue="longanyang" filter={{ model: 'cosyvoice-v3-flash' }} />
      {kind === 'flaky' && (
        <button type="button" onClick={() => (transport as ReturnType<typeof flakyListing>).heal()}>
          End the outage
        </button>
      )}
    </StoryProvider>
  );
}

/** Loading: custom voices are still being listed. */
export const Loading: Story = {
  render: () => <WithTransport kind="slow" />,
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(canvasElement.querySelector('[data-state="loading"]')).not.toBeNull());
  },
};

/** Error with retry: listing failed; retry after the outage ends. */
export const ErrorWithRetry: Story = {
  render: () => <WithTransport kind="flaky" />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const retry = await canvas.findByRole('button', { name: /retry/i }, { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'End the outage' }));
    await userEvent.click(retry);
    await canvas.findAllByRole('option', {}, { timeout: 10_000 });
  },
};

function PreviewWithStatus(props: VoicePickerProps) {
  // The app's own speech, handed to the picker for its previews (`previewSpeech`), so its status can be shown.
  const speech = useSpeechSynthesis();
  return (
    <div style={{ display: 'grid', gap: 8, maxWidth: 560 }}>
      <VoicePicker {...props} previewSpeech={speech} />
      <p>
        Preview: <output data-state={speech.status}>{speech.status}</output>
      </p>
    </div>
  );
}

/** Preview: the button speaks a sample line in the highlighted voice, and while it plays it says "Stop preview of …". */
export const Preview: Story = {
  render: (args) => <PreviewWithStatus {...args} />,
};

/** Presses Preview on the chosen voice and finds the preview button for it. */
async function startPreview(canvasElement: HTMLElement) {
  const canvas = within(canvasElement);
  await canvas.findAllByRole('option', {}, { timeout: 10_000 });
  const name = canvas.getByRole('option', { selected: true }).querySelector('.cosyvoice-voice-name')!.textContent!;
  await expect(name).toBe('龙安洋');
  const button = canvas.getByRole('button', { name: `Preview ${name}` });
  await expect(button).toHaveAttribute('data-state', 'idle');
  await userEvent.click(button);
  // At once the same button offers to stop it…
  await waitFor(() => expect(button).toHaveAccessibleName(`Stop preview of ${name}`));
  await expect(button).toHaveAttribute('data-state', 'playing');
  // …and the sample really plays, through the local server.
  const status = canvasElement.querySelector('output')!;
  await waitFor(() => expect(status).toHaveAttribute('data-state', 'speaking'), { timeout: 10_000 });
  await expect(button).toHaveAccessibleName(`Stop preview of ${name}`);
  return { button, name, status };
}

/** `Preview`, played to its end (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const PreviewPlaysToEndTest: Story = {
  render: (args) => <PreviewWithStatus {...args} />,
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const { button, name, status } = await startPreview(canvasElement);
    await waitFor(() => expect(status).toHaveAttribute('data-state', 'ended'), { timeout: 20_000 });
    await expect(button).toHaveAccessibleName(`Preview ${name}`);
    await expect(button).toHaveAttribute('data-state', 'idle');
  },
};

/** `Preview`, stopped from its button (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const PreviewStoppedTest: Story = {
  render: (args) => <PreviewWithStatus {...args} />,
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const { button, name, status } = await startPreview(canvasElement);
    await userEvent.click(button);
    await waitFor(() => expect(button).toHaveAccessibleName(`Preview ${name}`));
    await expect(button).toHaveAttribute('data-state', 'idle');
    // Stopped (idle), not finished or failed.
    await expect(status).toHaveAttribute('data-state', 'idle');
  },
};
