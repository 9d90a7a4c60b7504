import { useRef } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { ReadAloudRegion, createAudioPlayer, useReadAloudRegion, type Player, type UseReadAloudRegionOptions, type UseReadAloudRegionResult } from 'cosyvoice-react';
import { FastSpeechProvider, highlighted, highlights } from '../components/highlightHarness';
import { MARKDOWN_ARTICLE } from '../dom/regionFixtures';
import { watchMainThreadStalls } from '../playback/browserAudio';

afterEach(async () => {
  await cleanup();
  document.getSelection()?.removeAllRanges();
});

let region: UseReadAloudRegionResult | undefined;

/** An `<article>` with `html`, read through `useReadAloudRegion`. */
function Article({ html, options }: { html: string; options?: UseReadAloudRegionOptions }) {
  const ref = useRef<HTMLElement>(null);
  region = useReadAloudRegion(ref, options);
  return (
    <main>
      <button type="button" onClick={() => region!.read()}>
        Read the article
      </button>
      <article ref={ref} data-testid="article" dangerouslySetInnerHTML={{ __html: html }} />
    </main>
  );
}

/** Every change of the word highlight during a reading: what it covers, the timeline's word, and the heard position. */
function recordHighlights() {
  const samples: Array<{ shown: string; sentence: string; word: string | undefined; positionMs: number; beginMs: number; endMs: number; nextBeginMs: number }> = [];
  const controller = region!.controller;
  // Sampled after the other listeners of this notification (the highlighter's) have run.
  const unsubscribe = controller.subscribe(() => queueMicrotask(() => {
    const shown = highlighted();
    if (!shown || samples.at(-1)?.shown === shown) return;
    const snapshot = controller.getSnapshot();
    const word = snapshot.words[snapshot.activeWordIndex];
    const next = snapshot.words[snapshot.activeWordIndex + 1];
    samples.push({ shown, sentence: highlighted('cosyvoice-sentence'), word: word?.text, positionMs: controller.getPositionMs(), beginMs: word?.beginMs ?? NaN, endMs: word?.endMs ?? NaN, nextBeginMs: next?.beginMs ?? Infinity });
  }));
  return { samples, stop: unsubscribe };
}

const LONG_PARAGRAPH = 'A longer paragraph follows, so that reading the whole region takes a few seconds: it has one sentence, then another, and then a third one that goes on for a while before it ends.';

const HIDDEN_PARTS = `<p hidden>Hidden paragraph.</p><p aria-hidden="true">Decorative words.</p><p style="display:none">Not displayed.</p><p data-read-aloud="skip">Skipped on purpose.</p><p><b>Hel</b>lo soft&shy;ware.</p>`;

describe('useReadAloudRegion in Chromium with real audio', () => {
  it('reads a Markdown-rendered article, highlighting each heard word in place, and leaves its DOM byte-for-byte unchanged', async () => {
    await render(
      <FastSpeechProvider>
        <Article html={MARKDOWN_ARTICLE + HIDDEN_PARTS} options={{ imageAlt: true }} />
      </FastSpeechProvider>,
    );
    const article = document.querySelector('[data-testid="article"]')!;
    const before = article.outerHTML;
    const text = region!.getText()!.text;
    expect(text).toContain('A cat on a mat');
    expect(text).toContain('Hello software.');
    for (const hidden of ['Hidden paragraph', 'Decorative', 'Not displayed', 'Skipped', 'const answer']) expect(text).not.toContain(hidden);

    const recording = recordHighlights();
    const stalls = watchMainThreadStalls();
    await userEvent.click(page.getByRole('button', { name: 'Read the article' }));
    await expect.poll(() => region!.status).toBe('speaking');
    expect(document.querySelector('article[data-state], article [data-state]')).toBeNull();
    await expect.poll(() => region!.status, { timeout: 25_000 }).toBe('ended');
    recording.stop();
    const longestStallMs = stalls.stop();

    const { samples } = recording;
    const words = region!.controller.getSnapshot().words;
    // What was sent is the region's text (trimmed).
    expect(region!.controller.getSnapshot().text).toBe(text.trim());
    // Each highlight covers exactly the heard word of the timeline, in order (a busy main thread may skip
    // many: the words are short at speechRate 2).
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (const sample of samples) expect(sample.shown).toBe(sample.word);
    const order = samples.map((sample) => words.findIndex((word) => word.text === sample.word && word.beginMs === sample.beginMs));
    for (let i = 1; i < order.length; i++) expect(order[i]).toBeGreaterThan(order[i - 1]!);
    // ...while its audio was being heard, or the silence after it (the player's clock counts played
    // samples; a word stays highlighted until the next one begins). Never early; late by no more than a
    // stall of the main thread (a busy machine) explains — the sample is read after it.
    for (const sample of samples) {
      expect(sample.positionMs).toBeGreaterThanOrEqual(sample.beginMs - 50);
      expect(sample.positionMs, `longest main-thread stall ${Math.round(longestStallMs)} ms`).toBeLessThanOrEqual(Math.max(sample.endMs, sample.nextBeginMs) + 50 + longestStallMs);
    }
    // Sentences are highlighted with their words: the word split by an element, the image's alt text.
    // (A stalled main thread may skip a word's highlight; the others must be right.)
    for (const sample of samples) expect(sample.sentence.replace(/\s+/g, ' ')).toContain(sample.shown);
    expect(samples.filter((sample) => sample.sentence === 'Hello software.').length).toBeGreaterThan(0);
    const cat = samples.find((sample) => sample.shown === 'cat' || sample.shown === 'mat');
    if (cat) expect(cat.sentence).toBe('A cat on a mat Pictures say more.');

    // Nothing left behind: no wrapping, no attributes, no highlight.
    expect(article.outerHTML).toBe(before);
    expect(highlights().has('cosyvoice-word')).toBe(false);
    expect(highlights().has('cosyvoice-sentence')).toBe(false);
  });

  it('reads from a clicked word to the end, and leaves clicks on links alone', async () => {
    await render(
      <FastSpeechProvider>
        <Article html={MARKDOWN_ARTICLE} />
      </FastSpeechProvider>,
    );
    await userEvent.click(page.getByRole('link', { name: 'a link' }));
    expect(region!.status).toBe('idle');

    const recording = recordHighlights();
    await userEvent.click(page.getByText('item', { exact: true }));
    await expect.poll(() => region!.status).not.toBe('idle');
    const sent = region!.controller.getSnapshot().text;
    expect(sent.startsWith('item here\n')).toBe(true);
    expect(region!.getText()!.text.endsWith(sent)).toBe(true);
    await expect.poll(() => recording.samples.length, { timeout: 9000 }).toBeGreaterThanOrEqual(2);
    recording.stop();
    expect(region!.controller.getSnapshot().words[0]?.text).toBe('item');
    // From the clicked word on (a stalled main thread may skip one).
    expect(['item', 'here']).toContain(recording.samples[0]!.shown);
    for (const sample of recording.samples) expect(sample.shown).toBe(sample.word);
    region!.stop();
    await expect.poll(() => region!.status).toBe('idle');
    expect(highlights().has('cosyvoice-word')).toBe(false);
  });

  it('moves by sentence from the heard one', async () => {
    await render(
      <FastSpeechProvider>
        <Article html="<p>First sentence here. Second sentence now. Third one.</p>" />
      </FastSpeechProvider>,
    );
    const sentences = ['First sentence here.', 'Second sentence now.', 'Third one.'];
    region!.read();
    await expect.poll(() => highlighted('cosyvoice-sentence'), { timeout: 9000 }).toBe('First sentence here.');
    // From the sentence heard when it is asked (a busy machine may have moved on to the second).
    const heard = sentences.indexOf(highlighted('cosyvoice-sentence'));
    expect(heard).toBeGreaterThanOrEqual(0);
    if (heard < 2) {
      expect(region!.nextSentence()).toBe(true);
      expect(region!.controller.getSnapshot().text).toBe(sentences.slice(heard + 1).join(' '));
      await expect.poll(() => sentences.indexOf(highlighted('cosyvoice-sentence')), { timeout: 9000 }).toBeGreaterThanOrEqual(heard + 1);
    }
    const now = sentences.indexOf(highlighted('cosyvoice-sentence'));
    if (now > 0) {
      expect(region!.previousSentence()).toBe(true);
      expect(region!.controller.getSnapshot().text).toBe(sentences.slice(now - 1).join(' '));
    }
    expect(heard < 2 || now > 0).toBe(true);
    region!.stop();
  });

  it('reads CJK text without spaces, highlighting each ideograph the service times', async () => {
    await render(
      <FastSpeechProvider>
        <Article html={'<h2 lang="zh">静夜思</h2><p lang="zh">床前明月光，\n疑是地上霜。</p>'} />
      </FastSpeechProvider>,
    );
    const article = document.querySelector('[data-testid="article"]')!;
    const before = article.innerHTML;
    // The source line break between two ideographs is not a space (as CSS shows it).
    expect(region!.getText()!.text).toBe('静夜思\n床前明月光，疑是地上霜。');
    const recording = recordHighlights();
    region!.read();
    await expect.poll(() => region!.status, { timeout: 20_000 }).toBe('ended');
    recording.stop();
    const shown = recording.samples.map((sample) => sample.shown);
    expect(shown.length).toBeGreaterThanOrEqual(6);
    for (const sample of recording.samples) expect(sample.shown).toBe(sample.word);
    const all = '静夜思床前明月光疑是地上霜';
    for (let i = 1; i < shown.length; i++) expect(all.indexOf(shown[i]!)).toBeGreaterThan(all.indexOf(shown[i - 1]!));
    // The source line break inside the sentence is in its range (collapsed on screen), not in what is read.
    for (const sample of recording.samples) expect(sample.sentence).toBe('床前明月光疑是地上霜'.includes(sample.shown) ? '床前明月光，\n疑是地上霜。' : '静夜思');
    expect(article.innerHTML).toBe(before);
  });

  describe('live content', () => {
    it('continues when text is appended after what is read (a streamed message), and follows an edit before it', async () => {
      const MESSAGE = 'One two three four five six seven eight nine ten eleven twelve.';
      await render(
        <FastSpeechProvider>
          <Article html={`<p id='intro'>Intro.</p><p id='message'>${MESSAGE}</p>`} />
        </FastSpeechProvider>,
      );
      const message = document.getElementById('message')!;
      const recording = recordHighlights();
      region!.readFrom(region!.getText()!.text.indexOf('One'));
      await expect.poll(() => highlighted(), { timeout: 9000 }).not.toBe('');
      // Streamed tokens arrive: appended after the part being read.
      message.append(' Seven', ' eight.');
      // A banner is inserted before it: offsets move, the highlight follows the words.
      document.getElementById('intro')!.insertAdjacentHTML('beforebegin', '<p>A new banner line.</p>');
      await expect.poll(() => region!.getText()!.text).toBe(`A new banner line.\nIntro.\n${MESSAGE} Seven eight.`);
      await expect.poll(() => region!.status, { timeout: 20_000 }).toBe('ended');
      recording.stop();
      for (const sample of recording.samples) expect(sample.shown).toBe(sample.word);
      // The edits came at the first highlight; the reading went on over the moved words to the end of
      // what was being read (a busy main thread may skip a word: the last one seen is one of the last few).
      expect(['ten', 'eleven', 'twelve']).toContain(recording.samples.at(-1)!.shown);
    });

    it("stops cleanly when the text being read changes, and on any change with onContentChange: 'stop'", async () => {
      await render(
        <FastSpeechProvider>
          <Article html="<p id='a'>One two three four five six seven.</p><p id='b'>Later text.</p>" />
        </FastSpeechProvider>,
      );
      region!.read(0, 'One two three four five six seven.'.length);
      await expect.poll(() => highlighted(), { timeout: 9000 }).not.toBe('');
      document.getElementById('b')!.textContent = 'Changed later text.';
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(region!.isActive).toBe(true);
      document.getElementById('a')!.firstChild!.textContent = 'One two three FOUR five six seven.';
      await expect.poll(() => region!.status).toBe('idle');
      expect(highlights().has('cosyvoice-word')).toBe(false);
      await cleanup();

      await render(
        <FastSpeechProvider>
          <Article html="<p id='c'>One two three four five six seven.</p><p id='d'>Later text.</p>" options={{ onContentChange: 'stop' }} />
        </FastSpeechProvider>,
      );
      region!.read(0, 'One two three four five six seven.'.length);
      await expect.poll(() => highlighted(), { timeout: 9000 }).not.toBe('');
      document.getElementById('d')!.append(' More.');
      await expect.poll(() => region!.status).toBe('idle');
      expect(highlights().has('cosyvoice-word')).toBe(false);
    });
  });

  it('<ReadAloudRegion> reads the selection, and its controls (pause, speed) and data-state follow the reading', async () => {
    const players: Player[] = [];
    const createPlayer = () => {
      const player = createAudioPlayer();
      players.push(player);
      return player;
    };
    await render(
      <FastSpeechProvider createPlayer={createPlayer}>
        <ReadAloudRegion>
          <p>
            Before. This is <em>emphasis</em> and <strong>strong text</strong> here.
          </p>
          <p>{LONG_PARAGRAPH}</p>
        </ReadAloudRegion>
      </FastSpeechProvider>,
    );
    const root = document.querySelector('.cosyvoice-region')!;
    const content = root.querySelector('.cosyvoice-region-content')!;
    const before = content.innerHTML;
    expect(root).toHaveAttribute('data-state', 'idle');
    // Nothing selected: announced, nothing read.
    await userEvent.click(page.getByRole('button', { name: 'Read selection' }));
    expect(root).toHaveAttribute('data-state', 'idle');
    await expect.poll(() => document.querySelector('[data-cosyvoice-announcer]')?.textContent).toContain('Select text');

    const selection = document.getSelection()!;
    const range = document.createRange();
    range.setStart(content.querySelector('em')!.firstChild!, 0);
    range.setEnd(content.querySelector('strong')!.firstChild!, 'strong text'.length);
    selection.removeAllRanges();
    selection.addRange(range);
    await userEvent.click(page.getByRole('button', { name: 'Read selection' }));
    await expect.poll(() => root.getAttribute('data-state')).not.toBe('idle');
    await expect.poll(() => highlighted('cosyvoice-sentence'), { timeout: 9000 }).toBe('emphasis and strong text');
    expect(document.querySelector('[data-cosyvoice-announcer]')).not.toBeNull();
    await expect.poll(() => root.getAttribute('data-state'), { timeout: 9000 }).toBe('ended');

    // The whole region (long enough that a click lands while it speaks, even through WebDriver on a busy
    // machine), at another speed, paused and resumed.
    const speed = page.getByRole('combobox', { name: 'Playback speed' }).element() as HTMLSelectElement;
    expect(speed.value).toBe('1');
    // Set as a user would; dispatched, since not every browser's test driver can pick an option.
    speed.value = '1.5';
    speed.dispatchEvent(new Event('change', { bubbles: true }));
    await userEvent.click(page.getByRole('button', { name: 'Read aloud' }));
    await expect.poll(() => page.getByRole('button', { name: 'Stop' }).query()).not.toBeNull();
    expect(speed.value).toBe('1.5');
    await expect.poll(() => root.getAttribute('data-state')).toBe('speaking');
    // The select set the reading's rate: the audio is heard at it.
    expect(players.length).toBeGreaterThan(0);
    expect(players.at(-1)!.playbackRate).toBe(1.5);
    await userEvent.click(page.getByRole('button', { name: 'Pause' }));
    await expect.poll(() => root.getAttribute('data-state')).toBe('paused');
    await userEvent.click(page.getByRole('button', { name: 'Resume' }));
    await expect.poll(() => root.getAttribute('data-state'), { timeout: 20_000 }).toBe('ended');
    expect(content.innerHTML).toBe(before);
  });
});
