import { afterEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { KaraokeText, useReadAloud, type UseReadAloudOptions, type UseReadAloudResult } from 'cosyvoice-react';
import { FastSpeechProvider } from '../components/highlightHarness';

afterEach(async () => {
  await cleanup();
});

const SENTENCES = ['The first sentence is short.', 'Then a second one follows it.', 'A third sentence comes next.', 'The fourth sentence is here.', 'Number five is in the middle.', 'Sentence six goes on.', 'The seventh one is nearly last.', 'And the eighth ends the text.'];
const TEXT = SENTENCES.join(' ');

let reading: UseReadAloudResult | undefined;

function Reader({ text = TEXT, options }: { text?: string; options?: UseReadAloudOptions }) {
  reading = useReadAloud(text, options);
  return (
    <main>
      <button type="button" onClick={reading.play}>
        Play
      </button>
      <KaraokeText reading={reading} data-testid="text" />
    </main>
  );
}

/** The words of the text marked as the current sentence, joined. */
function activeSentence(): string {
  return [...document.querySelectorAll('[data-sentence-active]')].map((element) => element.textContent).join(' ');
}

/** The offset in the text of the first word of the current part's timeline (where its task started). */
const firstTimelineOffset = () => reading!.controller.getSnapshot().words[0]?.beginIndex;

describe('useReadAloud in Chromium with real audio', () => {
  it('plays from the start, marks the heard word and its sentence, and reads to the end', async () => {
    await render(
      <FastSpeechProvider>
        <Reader text={SENTENCES.slice(0, 2).join(' ')} />
      </FastSpeechProvider>,
    );
    expect(reading!.sentences).toHaveLength(2);
    const root = page.getByTestId('text').element();
    // The text's own words are there before any audio: each one can start the reading.
    expect(root.querySelectorAll('[role="button"][data-word-index]')).toHaveLength(reading!.words.length);
    await userEvent.click(page.getByRole('button', { name: 'Play' }));
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(0);
    await expect.poll(() => activeSentence(), { timeout: 15_000 }).toBe('The first sentence is short');
    expect(root.querySelector('[data-active]')?.closest('[data-sentence-active]')).not.toBeNull();
    expect(root.getAttribute('data-state')).toBe('speaking');
    await expect.poll(() => activeSentence(), { timeout: 15_000 }).toBe('Then a second one follows it');
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('ended');
    expect(activeSentence()).toBe('');
    expect(root.querySelectorAll('[data-spoken]')).toHaveLength(reading!.words.length);
  });

  it('a word clicked before any audio exists starts the reading there, from a task sent from that word', async () => {
    await render(
      <FastSpeechProvider>
        <Reader />
      </FastSpeechProvider>,
    );
    const target = reading!.words.findIndex((word) => TEXT.slice(word.start, word.end) === 'seventh');
    await userEvent.click(page.getByText('seventh', { exact: true }));
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(target);
    expect(firstTimelineOffset()).toBe(reading!.words[target]!.start);
    expect(reading!.sentenceIndex).toBe(6);
    expect(reading!.tasks).toBe(1);
    reading!.stop();
    await expect.poll(() => reading!.status).toBe('idle');
  });

  it('text selected with the mouse starts the reading at the first word selected', async () => {
    await render(
      <FastSpeechProvider>
        <Reader />
      </FastSpeechProvider>,
    );
    const target = reading!.words.findIndex((word) => TEXT.slice(word.start, word.end) === 'five');
    const root = document.querySelector('[data-testid="text"]')!;
    // From the space before "five" to the middle of "middle": a drag's selection, then its click, which
    // lands on the container (mousedown and mouseup on different words).
    const range = document.createRange();
    const five = page.getByText('five', { exact: true }).element();
    const middle = page.getByText('middle', { exact: true }).element();
    range.setStart(five.previousSibling ?? five.parentNode!, 0);
    range.setEnd(middle.firstChild!, 3);
    document.getSelection()!.removeAllRanges();
    document.getSelection()!.addRange(range);
    root.dispatchEvent(new MouseEvent('click', { bubbles: true, button: 0 }));
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(target);
    expect(firstTimelineOffset()).toBe(reading!.words[target]!.start);
    expect(reading!.sentenceIndex).toBe(4);
    reading!.stop();
    await expect.poll(() => reading!.status).toBe('idle');
  });

  it('a word beyond the audio received starts a new task there on the warm socket, sent only up to the audio kept, which then plays without a request', async () => {
    await render(
      <FastSpeechProvider>
        <Reader />
      </FastSpeechProvider>,
    );
    const wordAt = (text: string) => reading!.words.findIndex((word) => TEXT.slice(word.start, word.end) === text);
    // From "five" to the end first: that audio is received and kept.
    await userEvent.click(page.getByText('five', { exact: true }));
    await expect.poll(() => reading!.controller.getSnapshot().isComplete, { timeout: 15_000 }).toBe(true);
    expect(reading!.tasks).toBe(1);

    // A word of sentence 2 (never requested), chosen with the keyboard.
    const second = page.getByText('second', { exact: true });
    (second.element() as HTMLElement).focus();
    // Dispatched (the Firefox and WebKit providers of these tests have no keyboard command).
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    const target = wordAt('second');
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(target);
    const { metrics } = reading!.controller.getSnapshot();
    expect(reading!.tasks).toBe(2);
    expect(firstTimelineOffset()).toBe(reading!.words[target]!.start);
    // Its task ran on the socket the first task handed back (no handshake), and its words end where the kept part starts.
    expect(metrics.connectionReused).toBe(true);
    const timeline = reading!.controller.getSnapshot().words;
    expect(timeline.at(-1)!.endIndex).toBeLessThanOrEqual(reading!.words[wordAt('five')]!.start);
    console.info(`[useReadAloud] seek beyond received: first package ${metrics.firstPackageDelayMs} ms, first audio ${metrics.timeToFirstAudioMs} ms after the seek (connect ${metrics.connectMs} ms)`);

    // On into the kept audio of sentence 5 with no request.
    await expect.poll(() => reading!.sentenceIndex, { timeout: 20_000 }).toBe(4);
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('speaking');
    expect(reading!.tasks).toBe(2);
    expect(activeSentence()).toBe('Number five is in the middle');

    // Back to a word of the kept audio: no request either.
    await userEvent.click(page.getByText('seventh', { exact: true }));
    await expect.poll(() => reading!.sentenceIndex, { timeout: 15_000 }).toBe(6);
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(wordAt('seventh'));
    expect(reading!.tasks).toBe(2);
    reading!.stop();
    await expect.poll(() => reading!.status).toBe('idle');
  });

  it('paused while it moves into kept audio, it stays paused there, and plays on from that word', async () => {
    await render(
      <FastSpeechProvider>
        <Reader />
      </FastSpeechProvider>,
    );
    await userEvent.click(page.getByRole('button', { name: 'Play' }));
    await expect.poll(() => reading!.controller.getSnapshot().isComplete, { timeout: 15_000 }).toBe(true);
    reading!.stop();
    const target = reading!.sentences[5]!.firstWord;
    // Both in one task: the kept audio is still being positioned when the pause comes.
    reading!.seekToWord(target);
    reading!.pause();
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reading!.status).toBe('paused');
    expect(reading!.controller.player?.getSnapshot().state).toBe('paused');
    reading!.play();
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('speaking');
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(target);
    expect(reading!.sentenceIndex).toBeGreaterThanOrEqual(5);
    expect(reading!.tasks).toBe(1);
    reading!.stop();
  });

  it('stopped, it plays on from the heard word with the kept audio', async () => {
    await render(
      <FastSpeechProvider>
        <Reader />
      </FastSpeechProvider>,
    );
    await userEvent.click(page.getByRole('button', { name: 'Play' }));
    await expect.poll(() => reading!.controller.getSnapshot().isComplete, { timeout: 15_000 }).toBe(true);
    await expect.poll(() => reading!.sentenceIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    reading!.stop();
    const stoppedAt = reading!.sentenceIndex;
    await userEvent.click(page.getByRole('button', { name: 'Play' }));
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('speaking');
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(0);
    expect(reading!.sentenceIndex).toBeGreaterThanOrEqual(stoppedAt);
    expect(reading!.tasks).toBe(1);
    reading!.stop();
  });
});
