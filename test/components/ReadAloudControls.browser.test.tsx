import { afterEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { KaraokeText, ReadAloud, ReadAloudControls, useReadAloud, type UseReadAloudResult } from 'cosyvoice-react';
import { FastSpeechProvider } from './highlightHarness';

afterEach(async () => {
  await cleanup();
});

const SENTENCES = ['The first sentence is short.', 'Then a second one follows it.', 'A third sentence comes next.', 'The fourth sentence is here.', 'Number five is in the middle.', 'Sentence six goes on.', 'The seventh one is nearly last.', 'And the eighth ends the text.'];
const TEXT = SENTENCES.join(' ');

let reading: UseReadAloudResult | undefined;

function Player() {
  reading = useReadAloud(TEXT);
  return (
    <main>
      <ReadAloudControls reading={reading} />
      <KaraokeText reading={reading} />
    </main>
  );
}

const slider = () => page.getByRole('slider', { name: 'Reading position' });

/**
 * A key pressed on the focused element. Dispatched rather than sent through the provider: the Firefox
 * and WebKit providers of these tests have no keyboard command; React handles the event the same way.
 */
function press(key: string): void {
  const target = document.activeElement ?? document.body;
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
}

describe('ReadAloudControls in Chromium with real audio', () => {
  it('plays and pauses, moves by sentence with its buttons, and names what a click does', async () => {
    await render(
      <FastSpeechProvider>
        <Player />
      </FastSpeechProvider>,
    );
    expect(page.getByRole('group', { name: 'Read-aloud player' }).element().getAttribute('data-state')).toBe('idle');
    expect(page.getByRole('button', { name: 'Previous sentence' }).element()).toHaveProperty('disabled', true);
    await userEvent.click(page.getByRole('button', { name: 'Play' }));
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('speaking');
    await expect.element(page.getByRole('button', { name: 'Pause' })).toBeInTheDocument();
    await userEvent.click(page.getByRole('button', { name: 'Pause' }));
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('paused');
    await userEvent.click(page.getByRole('button', { name: 'Play' }));
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('speaking');

    const before = reading!.sentenceIndex;
    await userEvent.click(page.getByRole('button', { name: 'Next sentence' }));
    await expect.poll(() => reading!.sentenceIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 1);
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(reading!.sentences[before + 1]!.firstWord);
    const after = reading!.sentenceIndex;
    await userEvent.click(page.getByRole('button', { name: 'Previous sentence' }));
    await expect.poll(() => reading!.sentenceIndex, { timeout: 15_000 }).toBe(after - 1);
    reading!.stop();
  });

  it('the progress slider follows the WAI-ARIA pattern: value and value text name the sentence and time; arrows, Page keys, Home and End move the reading', async () => {
    await render(
      <FastSpeechProvider>
        <Player />
      </FastSpeechProvider>,
    );
    const element = slider().element();
    expect(element.getAttribute('aria-valuemin')).toBe('1');
    expect(element.getAttribute('aria-valuemax')).toBe('8');
    expect(element.getAttribute('aria-valuenow')).toBe('1');
    expect(element.getAttribute('aria-valuetext')).toMatch(/^Sentence 1 of 8, 0:00 of about \d+:\d\d: The first sentence is short\.$/);
    expect(element.tabIndex).toBe(0);

    (element as HTMLElement).focus();
    press('End');
    await expect.poll(() => reading!.sentenceIndex, { timeout: 15_000 }).toBe(7);
    await expect.poll(() => element.getAttribute('aria-valuenow')).toBe('8');
    expect(element.getAttribute('aria-valuetext')).toContain('Sentence 8 of 8');
    expect(element.getAttribute('aria-valuetext')).toContain('And the eighth ends the text.');
    press('Home');
    await expect.poll(() => reading!.sentenceIndex, { timeout: 15_000 }).toBe(0);
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(0);
    // Read from the start again: the first sentence was never received (the reading began at the last).
    press('ArrowRight');
    await expect.poll(() => element.getAttribute('aria-valuenow'), { timeout: 15_000 }).toBe('2');
    press('PageUp');
    await expect.poll(() => element.getAttribute('aria-valuenow'), { timeout: 15_000 }).toBe('3');
    press('ArrowLeft');
    await expect.poll(() => element.getAttribute('aria-valuenow'), { timeout: 15_000 }).toBe('2');
    expect(reading!.sentenceIndex).toBe(1);
    expect(element.getAttribute('style')).toContain('--cosyvoice-progress: 12.5%');
    reading!.stop();
  });

  it('the speed control changes the playback rate at once, without a new request, and the reading goes on', async () => {
    await render(
      <FastSpeechProvider>
        <Player />
      </FastSpeechProvider>,
    );
    await userEvent.click(page.getByRole('button', { name: 'Play' }));
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(0);
    const tasks = reading!.tasks;
    // Chosen as a select reports it (the Firefox and WebKit providers have no select command).
    const select = page.getByRole('combobox', { name: 'Playback speed' }).element() as HTMLSelectElement;
    select.value = '1.5';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await expect.poll(() => reading!.playbackRate).toBe(1.5);
    expect(reading!.controller.player?.playbackRate).toBe(1.5);
    const word = reading!.wordIndex;
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThan(word);
    expect(reading!.tasks).toBe(tasks);
    reading!.stop();
  });

  it('ReadAloud with controls is a player: controls first, then the text whose words read from themselves', async () => {
    await render(
      <FastSpeechProvider>
        <ReadAloud text={TEXT} controls data-testid="recipe" />
      </FastSpeechProvider>,
    );
    const root = page.getByTestId('recipe').element();
    expect(root.firstElementChild?.getAttribute('role')).toBe('group');
    await userEvent.click(page.getByText('seventh', { exact: true }));
    await expect.poll(() => root.getAttribute('data-state'), { timeout: 15_000 }).toBe('speaking');
    await expect.poll(() => [...root.querySelectorAll('[data-sentence-active]')].map((word) => word.textContent).join(' '), { timeout: 15_000 }).toBe('The seventh one is nearly last');
    await userEvent.click(page.getByRole('button', { name: 'Pause' }));
    await expect.poll(() => root.getAttribute('data-state'), { timeout: 15_000 }).toBe('paused');
  });
});
