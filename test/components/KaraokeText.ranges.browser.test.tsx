import { Profiler, useEffect, useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { KaraokeText, SpeakButton, useSpeechSynthesis, type KaraokeTextSpeech, type SpeechController, type UseSpeechSynthesisResult } from 'cosyvoice-react';
import { FastSpeechProvider, highlighted, highlights } from './highlightHarness';

afterEach(async () => {
  await cleanup();
});

const TEXT = 'One two three four five six seven eight nine ten.';
// Forty words: many more word changes than status changes.
const LONG_TEXT = 'One two three four five six seven eight nine ten. '.repeat(4).trim();

describe('KaraokeText highlight="ranges" in Chromium with real audio', () => {
  it('renders plain text, moves the highlight word by word with no render per word, and leaves the DOM alone', async () => {
    let speech: UseSpeechSynthesisResult | undefined;
    let textRenders = 0;
    // The speech hook lives beside the text (its owner re-renders for every word); the text's parent
    // gets the controller once and never re-renders.
    function Controls({ onController }: { onController: (controller: SpeechController) => void }) {
      speech = useSpeechSynthesis();
      useEffect(() => onController(speech!.controller), [onController]);
      return <SpeakButton text={LONG_TEXT} speech={speech} />;
    }
    function Page() {
      const [textSpeech, setTextSpeech] = useState<KaraokeTextSpeech | undefined>(undefined);
      const [onController] = useState(() => (controller: SpeechController) =>
        setTextSpeech({ controller, status: 'idle', words: [], text: LONG_TEXT, isComplete: false, seek: controller.seek }),
      );
      return (
        <main>
          <Controls onController={onController} />
          {textSpeech && (
            <Profiler id="karaoke" onRender={() => textRenders++}>
              <KaraokeText highlight="ranges" text={LONG_TEXT} speech={textSpeech} data-testid="karaoke" />
            </Profiler>
          )}
        </main>
      );
    }
    await render(
      <FastSpeechProvider>
        <Page />
      </FastSpeechProvider>,
    );
    // The text shows at once; the mode's code loads on first use (then `data-state` appears).
    await expect.poll(() => document.querySelector('[data-testid="karaoke"]')?.textContent).toBe(LONG_TEXT);
    await expect.poll(() => document.querySelector('[data-testid="karaoke"][data-state]')).not.toBeNull();
    const karaoke = document.querySelector('[data-testid="karaoke"]')!;
    // One plain text node: no element per word.
    expect(karaoke.childNodes).toHaveLength(1);
    expect(karaoke.firstChild!.nodeType).toBe(Node.TEXT_NODE);
    expect(karaoke).toHaveAttribute('data-highlight', 'ranges');

    const mutations: MutationRecord[] = [];
    const observer = new MutationObserver((records) => mutations.push(...records));
    observer.observe(karaoke, { subtree: true, childList: true, characterData: true, attributes: true });
    const samples: Array<{ shown: string; word: string | undefined; renders: number }> = [];
    const controller = speech!.controller;
    // What KaraokeText shows besides the highlight: its status and whether the audio is complete.
    const shownStates: string[] = [];
    const unsubscribeStates = controller.subscribe(() => {
      const { status, isComplete } = controller.getSnapshot();
      if (shownStates.at(-1) !== `${status}/${isComplete}`) shownStates.push(`${status}/${isComplete}`);
    });
    const rendersBefore = textRenders;
    // Sampled after the other listeners of this notification (the highlighter's) have run.
    const unsubscribe = controller.subscribe(() =>
      queueMicrotask(() => {
        const shown = highlighted();
        if (!shown || samples.at(-1)?.shown === shown) return;
        const snapshot = controller.getSnapshot();
        samples.push({ shown, word: snapshot.words[snapshot.activeWordIndex]?.text, renders: textRenders });
      }),
    );
    await userEvent.click(page.getByRole('button', { name: 'Read aloud' }));
    await expect.poll(() => speech!.status, { timeout: 20_000 }).toBe('ended');
    unsubscribe();
    unsubscribeStates();
    observer.disconnect();

    const words = controller.getSnapshot().words;
    expect(samples.length).toBeGreaterThanOrEqual(words.length / 2);
    for (const sample of samples) expect(sample.shown).toBe(sample.word);
    // KaraokeText rendered once per change of what it shows (status, completeness), never per word.
    expect(words.length).toBeGreaterThanOrEqual(40);
    expect(textRenders - rendersBefore).toBeLessThanOrEqual(shownStates.length);
    expect(shownStates.length).toBeLessThan(words.length / 3);
    // Only its data-state changed in the DOM (status changes), never its text.
    expect(mutations.every((record) => record.type === 'attributes' && (record.attributeName === 'data-state' || record.attributeName === 'data-seekable'))).toBe(true);
    expect(karaoke.textContent).toBe(LONG_TEXT);
    expect(karaoke).toHaveAttribute('data-state', 'ended');
    expect(highlights().has('cosyvoice-word')).toBe(false);
  });

  it('does not render for words even when its parent re-renders for each, and seeks on a click once complete', async () => {
    let speech: UseSpeechSynthesisResult | undefined;
    let parentRenders = 0;
    let textRenders = 0;
    // The ranges mode reads its labels when it renders: a getter counts its renders (not its parent's).
    const countingLabels = {
      get seekUnavailable() {
        textRenders++;
        return 'Seeking is available once the audio has loaded';
      },
    };
    function Reader() {
      speech = useSpeechSynthesis();
      parentRenders++;
      return (
        <main>
          <SpeakButton text={LONG_TEXT} speech={speech} />
          <KaraokeText highlight="ranges" text={LONG_TEXT} speech={speech} labels={countingLabels} data-testid="karaoke" />
        </main>
      );
    }
    await render(
      <FastSpeechProvider>
        <Reader />
      </FastSpeechProvider>,
    );
    const samples: Array<{ shown: string; textRenders: number; parentRenders: number }> = [];
    const unsubscribe = speech!.controller.subscribe(() =>
      queueMicrotask(() => {
        const shown = highlighted();
        if (shown && samples.at(-1)?.shown !== shown) samples.push({ shown, textRenders, parentRenders });
      }),
    );
    await expect.poll(() => document.querySelector('[data-testid="karaoke"][data-state]')).not.toBeNull();
    await userEvent.click(page.getByRole('button', { name: 'Read aloud' }));
    await expect.poll(() => speech!.status, { timeout: 20_000 }).toBe('ended');
    unsubscribe();
    expect(samples.length).toBeGreaterThanOrEqual(20);
    // The parent rendered for the words; KaraokeText did not (memoized on the controller, not the snapshot).
    await expect.poll(() => parentRenders - samples[0]!.parentRenders).toBeGreaterThanOrEqual(samples.length - 1);
    // At most for the status changes it shows (all audio arriving sets data-seekable; a stall shows
    // buffering then speaking), not for the words.
    expect(samples.at(-1)!.textRenders - samples[0]!.textRenders).toBeLessThanOrEqual(3);

    const karaoke = document.querySelector<HTMLElement>('[data-testid="karaoke"][data-state]')!;
    await expect.poll(() => karaoke.hasAttribute('data-seekable')).toBe(true);
    // A click on "seven": the audio seeks there and plays on.
    const node = karaoke.firstChild as Text;
    const range = document.createRange();
    range.setStart(node, LONG_TEXT.indexOf('seven') + 2);
    range.setEnd(node, LONG_TEXT.indexOf('seven') + 3);
    const rect = range.getBoundingClientRect();
    const box = karaoke.getBoundingClientRect();
    await userEvent.click(page.getByTestId('karaoke'), { position: { x: rect.left - box.left + rect.width / 2, y: rect.top - box.top + rect.height / 2 } });
    await expect.poll(() => speech!.status).toBe('speaking');
    const seven = speech!.words.find((word) => word.text === 'seven')!;
    expect(speech!.controller.getPositionMs()).toBeGreaterThanOrEqual(seven.beginMs - 50);
    await expect.poll(() => highlighted()).toBe('eight');
  });
});
