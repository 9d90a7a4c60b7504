import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { KaraokeText, useSpeechSynthesis, type HeardText } from 'cosyvoice-react';
import { SpeechInspector } from '../support/SpeechInspector';
import { withStoryProvider } from '../support/StoryProvider';

const REPLIES = [
  'Sure, I can help with that.',
  'The museum opens at nine and closes at six, every day except Monday.',
  'Tickets cost twelve euros, and children under ten go in for free.',
];

/**
 * A voice assistant's loop: replies are queued as they are generated (`speak(text, { queue: 'append' })`),
 * all on one warm socket (`preconnect()` on hover); the next reply is synthesized while the current one
 * plays, so it follows with no pause for the network. The user can interrupt: `stop()` says what was
 * heard — whole words up to the heard position — so the assistant can trim its context to it.
 */
function Assistant({ replies }: { replies: string[] }) {
  const speech = useSpeechSynthesis({ wordTimestampEnabled: true });
  const [heard, setHeard] = useState<HeardText | undefined>();
  const answer = () => {
    setHeard(undefined);
    replies.forEach((reply, index) => speech.speak(reply, { queue: index === 0 ? 'replace' : 'append' }));
  };
  return (
    <div style={{ display: 'grid', gap: 12, maxWidth: 720, fontFamily: 'system-ui, sans-serif' }}>
      <div style={{ display: 'flex', gap: 8 }}>
        <button type="button" onPointerEnter={() => void speech.preconnect()} onFocus={() => void speech.preconnect()} onClick={answer}>
          Answer
        </button>
        <button type="button" onClick={() => setHeard(speech.stop())} disabled={!speech.isActive}>
          Interrupt
        </button>
      </div>
      <KaraokeText text={speech.text} speech={speech} data-testid="reply" />
      <p data-testid="queued">{speech.queued.length ? `Queued: ${speech.queued.length} (${speech.queued.join(' | ')})` : 'Nothing queued'}</p>
      <section aria-label="What the user heard">
        <p data-testid="heard">{heard ? `Heard: “${heard.heardText}”` : 'Not interrupted'}</p>
        <p data-testid="unheard">{heard ? `Not heard: “${heard.unheardText}”` : ''}</p>
      </section>
      <SpeechInspector speech={speech} />
    </div>
  );
}

const meta = {
  title: 'Recipes/Assistant',
  component: Assistant,
  decorators: [withStoryProvider],
  args: { replies: REPLIES },
} satisfies Meta<typeof Assistant>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Queued replies on one warm socket, interruptible; the interruption shows the heard and the unheard text. */
export const Default: Story = {};

/** `Default`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const QueueThenInterrupt: Story = {
  tags: ['!dev', '!autodocs'],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Answer' }));
    await expect(canvas.getByTestId('queued')).toHaveTextContent('Queued: 2');
    // The second reply (synthesized while the first played) starts after the first is heard, on the same socket.
    await waitFor(() => expect(canvas.getByTestId('reply')).toHaveTextContent('museum'), { timeout: 15_000 });
    await waitFor(() => expect(canvas.getByTestId('socket')).toHaveTextContent('reused'), { timeout: 5000 });
    await waitFor(() => expect(canvas.getByTestId('status')).toHaveTextContent('speaking'), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await userEvent.click(canvas.getByRole('button', { name: 'Interrupt' }));
    await expect(canvas.getByTestId('queued')).toHaveTextContent('Nothing queued');
    await expect(canvas.getByTestId('heard')).toHaveTextContent(/^Heard: “The museum/);
    await expect(canvas.getByTestId('unheard')).toHaveTextContent(/Not heard: “.+Monday\.”/);
    await expect(canvas.getByTestId('status')).toHaveTextContent('idle');
  },
};
