import type { Meta, StoryObj } from '@storybook/react-vite';
import { useId } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { KaraokeText, SpeakButton, useSpeechSynthesis } from 'cosyvoice-react';
import { withStoryProvider } from '../support/StoryProvider';

const TEXT =
  'Change the speed while this is read aloud. The voice keeps its pitch, the highlight stays on the word you hear, ' +
  'and nothing is requested again: the audio already received is played faster or slower.';

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

/** A read-aloud article with a speed control: a native select, 0.5× to 2×. */
function ReadAloudWithSpeed({ initialRate }: { initialRate: number }) {
  const speech = useSpeechSynthesis({ playbackRate: initialRate });
  const id = useId();
  const rate = speech.playbackRate;
  return (
    <article lang="en" aria-labelledby={`${id}-title`} style={{ maxWidth: 640, lineHeight: 1.8, fontFamily: 'Georgia, serif' }}>
      <h2 id={`${id}-title`}>Listen at your own speed</h2>
      <div style={{ display: 'flex', gap: 16, alignItems: 'center', flexWrap: 'wrap' }}>
        <SpeakButton text={TEXT} speech={speech} />
        <label>
          Speed{' '}
          <select value={String(rate)} onChange={(event) => speech.setPlaybackRate(Number(event.currentTarget.value))}>
            {SPEEDS.map((speed) => (
              <option key={speed} value={String(speed)}>
                {speed}×
              </option>
            ))}
          </select>
        </label>
      </div>
      <KaraokeText text={TEXT} speech={speech} style={{ marginTop: 12, fontSize: 18 }} />
    </article>
  );
}

const meta = {
  title: 'Recipes/Playback speed',
  component: ReadAloudWithSpeed,
  decorators: [withStoryProvider],
  args: { initialRate: 1 },
  argTypes: { initialRate: { control: { type: 'select' }, options: SPEEDS } },
} satisfies Meta<typeof ReadAloudWithSpeed>;
export default meta;
type Story = StoryObj<typeof meta>;

/**
 * Read aloud with a speed control. `useSpeechSynthesis({ playbackRate })` sets the starting speed;
 * `speech.setPlaybackRate` changes it while speaking (time-stretched in the player, pitch kept).
 */
export const Default: Story = {};

/** Starts at 1.5×. */
export const Faster: Story = { args: { initialRate: 1.5 } };

/** `Default`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const DefaultTest: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const speed = canvas.getByRole('combobox', { name: 'Speed' });
    await expect(speed).toHaveValue('1');
    await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(canvasElement.querySelector('[data-active]')).not.toBeNull(), { timeout: 10_000 });
    // Faster while speaking.
    await userEvent.selectOptions(speed, '1.5×');
    await expect(speed).toHaveValue('1.5');
    // Still reading, and the highlight moves on.
    const active = () => canvasElement.querySelector('[data-active]')?.getAttribute('data-word-index');
    const before = active();
    await waitFor(() => expect(active()).not.toBe(before), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Stop reading' }));
    // The speed stays for the next reading.
    await expect(speed).toHaveValue('1.5');
  },
};
