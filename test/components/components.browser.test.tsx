import axe from 'axe-core';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import {
  KaraokeText,
  ReadAloud,
  SpeakButton,
  SpeechProvider,
  VoicePicker,
  useSpeechSynthesis,
  type TimelineWord,
  type Transport,
  type UseSpeechSynthesisResult,
} from 'cosyvoice-react';
import { proxyTransport } from 'cosyvoice-react/core';

// A local voice server (tone engine) started by the browser project's global setup.
const serverUrl = inject('voiceServerUrl');

afterEach(async () => {
  await cleanup();
});

/** The real transport to the local server, holding connections while `hold()` is in effect. */
function gatedTransport(url = serverUrl) {
  const base = proxyTransport({ url });
  let gate: Promise<void> | undefined;
  let release = () => {};
  const transport: Transport & { hold(): void; open(): void } = {
    description: base.description,
    http: base.http,
    async connect(handlers, signal) {
      await gate;
      return base.connect(handlers, signal);
    },
    hold() {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    open() {
      release();
    },
  };
  return transport;
}

/** Real audio: the provider's default Web Audio player. */
function Provider({ transport, children }: { transport: Transport; children: ReactNode }) {
  return (
    <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang" wordTimestampEnabled>
      {children}
    </SpeechProvider>
  );
}

async function expectNoAxeViolations(state: string) {
  const results = await axe.run(document.body, { resultTypes: ['violations'] });
  const summary = results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect(summary, `axe violations while ${state}`).toEqual([]);
}

function activeWordText(): string | undefined {
  return document.querySelector('[data-active]')?.textContent ?? undefined;
}

const TEXT = 'One two three four five six seven eight nine ten.';
// Long enough (about 4 s at speechRate 2) that a click on Pause lands while it speaks, even through
// WebDriver on a busy machine.
const LONG_TEXT = `${TEXT} ${TEXT} ${TEXT} ${TEXT}`;
const WORDS = ['One', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

describe('components in Chromium with real audio', () => {
  it('highlights each word while its audio is heard, in order', async () => {
    let speech: UseSpeechSynthesisResult | undefined;
    const samples: Array<{ text: string; positionMs: number; word: TimelineWord | undefined }> = [];
    function Reader() {
      speech = useSpeechSynthesis();
      return (
        <main>
          <SpeakButton text={TEXT} speech={speech} />
          <KaraokeText text={TEXT} speech={speech} data-testid="karaoke" />
        </main>
      );
    }
    await render(
      <Provider transport={gatedTransport()}>
        <Reader />
      </Provider>,
    );
    const karaoke = document.querySelector('[data-testid="karaoke"]')!;
    const observer = new MutationObserver(() => {
      const element = karaoke.querySelector<HTMLElement>('[data-active]');
      const text = element?.textContent;
      if (!element || !text || samples.at(-1)?.text === text) return;
      const index = Number(element.dataset.wordIndex);
      samples.push({ text, positionMs: speech!.controller.getPositionMs(), word: speech!.controller.getSnapshot().words[index] });
    });
    observer.observe(karaoke, { attributes: true, childList: true, subtree: true });
    await userEvent.click(page.getByRole('button', { name: 'Read aloud' }));
    await expect.poll(() => speech!.status, { timeout: 9000 }).toBe('ended');
    observer.disconnect();

    // In order, through to the last word. A main thread that stalls (a loaded machine) may miss a word's
    // frames entirely, so not every word has to be seen; none may come out of order or twice.
    const seen = samples.map((sample) => WORDS.indexOf(sample.text));
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
    expect(seen.at(-1)).toBe(WORDS.length - 1);
    expect(seen.length).toBeGreaterThanOrEqual(WORDS.length / 2);
    // The highlight changed when the word's audio was being heard (the player's clock counts played samples).
    for (const { word, positionMs } of samples) {
      expect(positionMs).toBeGreaterThanOrEqual(word!.beginMs - 50);
      expect(positionMs).toBeLessThanOrEqual(word!.endMs + 50);
    }
  });

  it('seeks to a clicked word once the audio is complete, and plays on from there', async () => {
    let speech: UseSpeechSynthesisResult | undefined;
    function Reader() {
      speech = useSpeechSynthesis({ speechRate: 2 });
      return (
        <main>
          <SpeakButton text={TEXT} speech={speech} />
          <KaraokeText text={TEXT} speech={speech} />
        </main>
      );
    }
    await render(
      <Provider transport={gatedTransport()}>
        <Reader />
      </Provider>,
    );
    await userEvent.click(page.getByRole('button', { name: 'Read aloud' }));
    await expect.poll(() => speech!.status, { timeout: 9000 }).toBe('ended');
    // Seekable words are buttons named by the word.
    await userEvent.click(page.getByRole('button', { name: 'seven', exact: true }));
    await expect.poll(() => speech!.status).toBe('speaking');
    const seven = speech!.words[6]!;
    expect(speech!.controller.getPositionMs()).toBeGreaterThanOrEqual(seven.beginMs - 50);
    await expect.poll(activeWordText).toBe('eight');
    expect(document.querySelector('[data-word-index="5"]')).toHaveAttribute('data-spoken');
    await expect.poll(() => speech!.status, { timeout: 5000 }).toBe('ended');
  });

  it('has no axe violations in any state: idle, connecting, speaking, paused, ended, error', async () => {
    const transport = gatedTransport();
    let speech: UseSpeechSynthesisResult | undefined;
    function Page() {
      speech = useSpeechSynthesis({ speechRate: 2 });
      return (
        <main>
          <h1>Reader</h1>
          <SpeakButton text={LONG_TEXT} speech={speech} stopBehavior="pause" />
          <KaraokeText text={LONG_TEXT} speech={speech} />
          <VoicePicker filter={{ query: 'loong' }} groupBy="language" defaultValue="loongriko_v3" />
        </main>
      );
    }
    await render(
      <Provider transport={transport}>
        <Page />
      </Provider>,
    );
    await expect.element(page.getByRole('option', { name: /Riko/ })).toBeInTheDocument();
    await expectNoAxeViolations('idle');

    transport.hold();
    await userEvent.click(page.getByRole('button', { name: 'Read aloud' }));
    expect(speech!.status).toBe('connecting');
    await expectNoAxeViolations('connecting');
    transport.open();

    await expect.poll(() => speech!.status, { timeout: 5000 }).toBe('speaking');
    await expectNoAxeViolations('speaking');

    await userEvent.click(page.getByRole('button', { name: 'Pause reading' }));
    await expect.poll(() => speech!.status).toBe('paused');
    await expectNoAxeViolations('paused');

    await userEvent.click(page.getByRole('button', { name: 'Resume reading' }));
    await expect.poll(() => speech!.status, { timeout: 20_000 }).toBe('ended');
    // The seekable words are buttons by now, and checked with the rest.
    expect(page.getByRole('button', { name: 'seven', exact: true }).elements()).toHaveLength(4);
    await expectNoAxeViolations('ended');
    await cleanup();

    // Nothing listens on port 9: the connection fails.
    const failing = gatedTransport('ws://127.0.0.1:9/api-ws/v1/inference');
    await render(
      <Provider transport={failing}>
        <main>
          <ReadAloud text="Hello." />
        </main>
      </Provider>,
    );
    await userEvent.click(page.getByRole('button', { name: 'Read aloud' }));
    await expect.element(page.getByRole('button', { name: 'Read aloud' })).toHaveAttribute('data-state', 'error');
    await expect.element(page.getByRole('status')).toHaveTextContent(/Could not read aloud/);
    await expectNoAxeViolations('error');
  });

  it('changes the heard word in a 10 000-word text by re-rendering only the two word elements involved', async () => {
    const parts = Array.from({ length: 10_000 }, (_, index) => `w${index}`);
    const text = parts.join(' ');
    let cursor = 0;
    const timeline: TimelineWord[] = parts.map((part, index) => {
      const beginIndex = text.indexOf(part, cursor);
      cursor = beginIndex + part.length;
      return { text: part, beginIndex, endIndex: cursor, beginMs: index * 100, endMs: index * 100 + 100, sentenceIndex: 0 };
    });
    const rendered: number[] = [];
    const renderWord = (word: string, index: number) => {
      rendered.push(index);
      return word;
    };
    const tree = (active: number) => (
      <KaraokeText text={text} timeline={timeline} activeWordIndex={active} renderWord={renderWord} follow={false} />
    );
    const screen = await render(tree(-1));
    const perChange: number[][] = [];
    for (let active = 0; active < 20; active++) {
      rendered.length = 0;
      await screen.rerender(tree(active));
      perChange.push([...rendered].sort((a, b) => a - b));
    }
    expect(perChange[0]).toEqual([0]);
    for (let active = 1; active < 20; active++) expect(perChange[active]).toEqual([active - 1, active]);
    const active = screen.container.querySelectorAll('[data-active]');
    expect(active).toHaveLength(1);
    expect(active[0]).toHaveTextContent('w19');
    // The time per change is measured in bench/karaoke on a production build, not asserted here.
  });
});
