import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Profiler, createRef, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  KaraokeText,
  ReadAloud,
  SpeechProvider,
  useSpeechSynthesis,
  useStreamingSynthesis,
  type SpeechProviderProps,
  type TimelineWord,
  type WordState,
} from 'cosyvoice-react';
import { splitIntoSegments } from '../../src/components/KaraokeText';
import { countingTransport, providerProps } from '../utils/speechHarness';
import { setupSpeech } from './componentHarness';

let stopServer: (() => Promise<void>) | undefined;
const scrollIntoView = vi.fn();
beforeEach(() => {
  // jsdom lays nothing out and has no scrollIntoView; record the calls instead.
  Element.prototype.scrollIntoView = scrollIntoView;
  scrollIntoView.mockClear();
});
afterEach(async () => {
  await stopServer?.();
  stopServer = undefined;
  delete (Element.prototype as Partial<Element>).scrollIntoView;
  delete (window as Partial<Window>).matchMedia;
});

async function setup(extra: Partial<SpeechProviderProps> = {}) {
  const speech = await setupSpeech(extra);
  stopServer = speech.stop;
  return speech;
}

function words(container: HTMLElement): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>('[data-word-index]')];
}

function activeWord(container: HTMLElement): HTMLElement | null {
  return container.querySelector<HTMLElement>('[data-active]');
}

/** A timeline the way the service reports it: offsets into the spoken text. */
function timelineOf(text: string, parts: string[], msPerWord = 100): TimelineWord[] {
  let cursor = 0;
  return parts.map((part, index) => {
    const beginIndex = text.indexOf(part, cursor);
    cursor = beginIndex + part.length;
    return { text: part, beginIndex, endIndex: cursor, beginMs: index * msPerWord, endMs: (index + 1) * msPerWord, sentenceIndex: 0 };
  });
}

function Reader({ text, follow }: { text: string; follow?: boolean }) {
  const speech = useSpeechSynthesis();
  return (
    <>
      <button type="button" onClick={() => speech.speak(text)}>
        Read
      </button>
      <p>status: {speech.status}</p>
      <KaraokeText text={text} speech={speech} follow={follow} data-testid="karaoke" />
    </>
  );
}

describe('KaraokeText', () => {
  it('renders the plain text before words arrive, then one element per word with the heard word marked in order', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const text = 'The quick brown fox jumps.';
    render(<Reader text={text} />, { wrapper });
    const karaoke = screen.getByTestId('karaoke');
    expect(karaoke).toHaveTextContent(text);
    expect(words(karaoke)).toHaveLength(0);

    const seen: string[] = [];
    const observer = new MutationObserver(() => {
      const active = activeWord(karaoke)?.textContent;
      if (active && seen.at(-1) !== active) seen.push(active);
    });
    observer.observe(karaoke, { attributes: true, childList: true, subtree: true, attributeFilter: ['data-active'] });
    await user.click(screen.getByRole('button', { name: 'Read' }));
    await waitFor(() => expect(screen.getByText('status: ended')).toBeInTheDocument(), { timeout: 5000 });
    observer.disconnect();

    expect(karaoke.textContent).toBe(text);
    expect(words(karaoke).map((word) => word.textContent)).toEqual(['The', 'quick', 'brown', 'fox', 'jumps']);
    // In order, never backwards, up to the last word. (A machine that stalls longer than a word lasts
    // skips that word's highlight, as it should: the highlight follows the audio, not a schedule.)
    const order = ['The', 'quick', 'brown', 'fox', 'jumps'];
    const indices = seen.map((word) => order.indexOf(word));
    expect(indices.every((index, i) => index >= 0 && (i === 0 || index > indices[i - 1]!))).toBe(true);
    expect(seen.at(-1)).toBe('jumps');
  });

  it('marks the words before the heard one as spoken, and the state in data-state', () => {
    const text = 'one two three four';
    const timeline = timelineOf(text, ['one', 'two', 'three', 'four']);
    const { container, rerender } = render(<KaraokeText timeline={timeline} activeWordIndex={2} text={text} />);
    const spans = words(container);
    expect(spans.map((span) => [span.textContent, span.dataset.state, span.hasAttribute('data-active'), span.hasAttribute('data-spoken')])).toEqual([
      ['one', 'spoken', false, true],
      ['two', 'spoken', false, true],
      ['three', 'active', true, false],
      ['four', 'pending', false, false],
    ]);
    rerender(<KaraokeText timeline={timeline} activeWordIndex={-1} text={text} />);
    expect(container.querySelectorAll('[data-spoken], [data-active]')).toHaveLength(0);
  });

  it('takes word boundaries from the timestamps, not spaces: CJK text splits into its words, punctuation stays plain text', () => {
    const text = '你好，世界。今天天气很好！';
    const timeline = timelineOf(text, ['你好', '世界', '今天', '天气', '很', '好']);
    const { container } = render(<KaraokeText timeline={timeline} activeWordIndex={3}>{text}</KaraokeText>);
    expect(words(container).map((span) => span.textContent)).toEqual(['你好', '世界', '今天', '天气', '很', '好']);
    expect(activeWord(container)).toHaveTextContent('天气');
    const root = container.firstElementChild!;
    expect(root.textContent).toBe(text);
    const plain = [...root.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.textContent);
    expect(plain).toEqual(['，', '。', '！']);
    expect(splitIntoSegments(text, timeline).map((segment) => segment.kind)).toEqual(['word', 'text', 'word', 'text', 'word', 'word', 'word', 'word', 'text']);
  });

  it('highlights Chinese spoken by the service, one element per ideograph the service reports', async () => {
    const { wrapper } = await setup({ voice: 'longanhuan' });
    const user = userEvent.setup();
    render(<Reader text="你好，世界。" />, { wrapper });
    await user.click(screen.getByRole('button', { name: 'Read' }));
    await waitFor(() => expect(screen.getByText('status: ended')).toBeInTheDocument(), { timeout: 5000 });
    const karaoke = screen.getByTestId('karaoke');
    expect(words(karaoke).map((span) => span.textContent)).toEqual(['你', '好', '世', '界']);
    expect(karaoke.textContent).toBe('你好，世界。');
  });

  it('shows text that grows while streaming (the speech text when there is no `text`)', async () => {
    const { wrapper } = await setup();
    let speech: ReturnType<typeof useStreamingSynthesis> | undefined;
    function Streamer() {
      speech = useStreamingSynthesis();
      return <KaraokeText speech={speech} data-testid="karaoke" />;
    }
    render(<Streamer />, { wrapper });
    const karaoke = screen.getByTestId('karaoke');
    expect(karaoke).toBeEmptyDOMElement();
    act(() => speech!.write('Hello there. '));
    expect(karaoke).toHaveTextContent('Hello there.');
    act(() => speech!.write('General Kenobi.'));
    expect(karaoke).toHaveTextContent('Hello there. General Kenobi.');
    act(() => speech!.complete());
    await waitFor(() => expect(words(karaoke).map((span) => span.textContent)).toEqual(['Hello', 'there', 'General', 'Kenobi']), { timeout: 5000 });
    await waitFor(() => expect(speech!.status).toBe('ended'), { timeout: 5000 });
    expect(karaoke.textContent).toBe('Hello there. General Kenobi.');
  });

  it('seeks to a clicked word once the audio is complete, and says so in the status region before', async () => {
    const { wrapper } = await setup({ speechRate: 1 });
    const user = userEvent.setup();
    let speech: ReturnType<typeof useSpeechSynthesis> | undefined;
    const text = 'Alpha bravo charlie delta echo foxtrot golf hotel india juliet.';
    function Harness() {
      speech = useSpeechSynthesis();
      return <KaraokeText text={text} speech={speech} data-testid="karaoke" />;
    }
    render(<Harness />, { wrapper });
    act(() => speech!.speak(text));
    const karaoke = screen.getByTestId('karaoke');
    // Words arrive with the sentence's end; audio is complete a little later.
    await waitFor(() => expect(words(karaoke)).toHaveLength(10), { timeout: 5000 });
    if (!speech!.isComplete) {
      await user.click(screen.getByText('india'));
      expect(screen.getByRole('status')).toHaveTextContent('Seeking is available once the audio has loaded');
    }
    await waitFor(() => expect(speech!.isComplete).toBe(true), { timeout: 5000 });
    expect(karaoke).toHaveAttribute('data-seekable');
    await user.click(screen.getByText('india'));
    await waitFor(() => expect(activeWord(karaoke)).toHaveTextContent(/india|juliet/));
    expect(screen.getByText('alpha'.replace('a', 'A'))).toHaveAttribute('data-spoken');
    expect(speech!.status).toBe('speaking');
  });

  it('says seeking is unavailable when nothing has been loaded', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const text = 'one two';
    function Harness() {
      const speech = useSpeechSynthesis();
      return <KaraokeText text={text} speech={{ ...speech, text, words: timelineOf(text, ['one', 'two']) }} />;
    }
    render(<Harness />, { wrapper });
    await user.click(screen.getByText('two'));
    expect(screen.getByRole('status')).toHaveTextContent('Seeking is available once the audio has loaded');
  });

  it('hands a word chosen before the audio is complete to seek (its click starts a blocked audio output), then says seeking is unavailable', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const text = 'one two';
    const seek = vi.fn(() => false);
    function Harness() {
      const speech = useSpeechSynthesis();
      return <KaraokeText text={text} speech={{ ...speech, text, words: timelineOf(text, ['one', 'two']), isComplete: false, seek }} />;
    }
    render(<Harness />, { wrapper });
    await user.click(screen.getByText('two'));
    expect(seek).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('status')).toHaveTextContent('Seeking is available once the audio has loaded');
  });

  it('is one tab stop; arrow keys, Home and End move between words; Enter and Space choose a word', async () => {
    const user = userEvent.setup();
    const text = 'one two three four';
    const timeline = timelineOf(text, ['one', 'two', 'three', 'four']);
    const onWordSelect = vi.fn();
    render(
      <>
        <button type="button">before</button>
        <KaraokeText timeline={timeline} text={text} onWordSelect={onWordSelect} />
        <button type="button">after</button>
      </>,
    );
    await user.tab();
    await user.tab();
    expect(screen.getByText('one')).toHaveFocus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByText('two')).toHaveFocus();
    await user.keyboard('{End}');
    expect(screen.getByText('four')).toHaveFocus();
    await user.keyboard('{ArrowLeft}');
    expect(screen.getByText('three')).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(onWordSelect).toHaveBeenLastCalledWith(timeline[2], 2, expect.anything());
    await user.keyboard('{Home}');
    expect(screen.getByText('one')).toHaveFocus();
    await user.keyboard(' ');
    expect(onWordSelect).toHaveBeenLastCalledWith(timeline[0], 0, expect.anything());
    // One tab stop: Tab leaves the text; Shift+Tab comes back to the last focused word.
    await user.keyboard('{ArrowRight}');
    await user.tab();
    expect(screen.getByRole('button', { name: 'after' })).toHaveFocus();
    await user.tab({ shift: true });
    expect(screen.getByText('two')).toHaveFocus();
    expect(screen.getByText('one')).toHaveAttribute('tabindex', '-1');
  });

  it('exposes seekable words as buttons named by the word, in one tab stop; words that cannot seek have no role', () => {
    const text = 'one two three';
    const timeline = timelineOf(text, ['one', 'two', 'three']);
    const { container, rerender } = render(<KaraokeText timeline={timeline} text={text} onWordSelect={() => {}} />);
    expect(screen.getAllByRole('button').map((button) => [button.textContent, button.getAttribute('tabindex')])).toEqual([
      ['one', '0'],
      ['two', '-1'],
      ['three', '-1'],
    ]);
    expect(screen.getByRole('button', { name: 'two' })).toBe(words(container)[1]);
    rerender(<KaraokeText timeline={timeline} text={text} onWordSelect={() => {}} seekable={false} />);
    expect(screen.queryAllByRole('button')).toEqual([]);
    rerender(<KaraokeText timeline={timeline} text={text} activeWordIndex={1} />);
    expect(screen.queryAllByRole('button')).toEqual([]);
    for (const word of words(container)) expect(word).not.toHaveAttribute('role');
  });

  it('is not focusable when it cannot seek', () => {
    const text = 'one two';
    const { container } = render(<KaraokeText timeline={timelineOf(text, ['one', 'two'])} activeWordIndex={0} text={text} />);
    for (const word of words(container)) expect(word).not.toHaveAttribute('tabindex');
  });

  it('stops following when the reader scrolls away, until the heard word is back in view', () => {
    const text = 'one two three four';
    const timeline = timelineOf(text, ['one', 'two', 'three', 'four']);
    window.matchMedia = vi.fn((query: string) => ({ matches: false, media: query }) as MediaQueryList);
    const view = (active: number) => <KaraokeText timeline={timeline} activeWordIndex={active} text={text} />;
    const { rerender } = render(view(0));
    expect(scrollIntoView).toHaveBeenCalledTimes(1);
    // The reader scrolls the page with the wheel; the next words are below the fold.
    fireEvent.wheel(document, { deltaY: 400 });
    const below = { top: 5000, bottom: 5020, left: 0, right: 10, width: 10, height: 20, x: 0, y: 5000, toJSON() {} } as DOMRect;
    const three = screen.getByText('three');
    const two = screen.getByText('two');
    two.getBoundingClientRect = () => below;
    three.getBoundingClientRect = () => below;
    rerender(view(1));
    expect(scrollIntoView).toHaveBeenCalledTimes(1);
    // Scrolled back: the heard word is visible again, so following resumes.
    three.getBoundingClientRect = () => ({ ...below, top: 100, bottom: 120, y: 100 }) as DOMRect;
    rerender(view(2));
    expect(scrollIntoView).toHaveBeenCalledTimes(2);
    expect(scrollIntoView.mock.contexts[1]).toHaveTextContent('three');
    rerender(view(3));
    expect(scrollIntoView).toHaveBeenCalledTimes(3);
  });

  it('follows the heard word into view without moving focus, smoothly unless reduced motion is asked for, and not when follow is off', async () => {
    const text = 'one two three';
    const timeline = timelineOf(text, ['one', 'two', 'three']);
    window.matchMedia = vi.fn((query: string) => ({ matches: false, media: query }) as MediaQueryList);
    const { rerender } = render(
      <>
        <input aria-label="notes" />
        <KaraokeText timeline={timeline} activeWordIndex={-1} text={text} />
      </>,
    );
    const input = screen.getByRole('textbox', { name: 'notes' });
    input.focus();
    rerender(
      <>
        <input aria-label="notes" />
        <KaraokeText timeline={timeline} activeWordIndex={1} text={text} />
      </>,
    );
    expect(scrollIntoView).toHaveBeenCalledTimes(1);
    expect(scrollIntoView.mock.contexts[0]).toHaveTextContent('two');
    expect(scrollIntoView).toHaveBeenLastCalledWith({ block: 'nearest', inline: 'nearest', behavior: 'smooth' });
    expect(input).toHaveFocus();

    window.matchMedia = vi.fn((query: string) => ({ matches: query.includes('reduce'), media: query }) as MediaQueryList);
    rerender(
      <>
        <input aria-label="notes" />
        <KaraokeText timeline={timeline} activeWordIndex={2} text={text} />
      </>,
    );
    expect(scrollIntoView).toHaveBeenLastCalledWith({ block: 'nearest', inline: 'nearest', behavior: 'auto' });

    scrollIntoView.mockClear();
    rerender(
      <>
        <input aria-label="notes" />
        <KaraokeText timeline={timeline} activeWordIndex={0} text={text} follow={false} />
      </>,
    );
    expect(screen.getByText('one')).toHaveAttribute('data-active');
    expect(scrollIntoView).not.toHaveBeenCalled();
  });

  it('with one speech shared by several texts, marks words only in the text it is speaking', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const first = 'Alpha bravo charlie.';
    const second = 'One two three four five six.';
    function Harness() {
      const speech = useSpeechSynthesis();
      return (
        <>
          <button type="button" onClick={() => speech.speak(first)}>
            Read the first
          </button>
          <p>status: {speech.status}</p>
          <KaraokeText text={first} speech={speech} data-testid="first" />
          <KaraokeText text={second} speech={speech} data-testid="second" />
        </>
      );
    }
    render(<Harness />, { wrapper });
    const firstText = screen.getByTestId('first');
    const secondText = screen.getByTestId('second');
    // Anything marked in the other text, at any moment while the first is heard.
    const markedInSecond: string[] = [];
    const observer = new MutationObserver(() => {
      for (const word of words(secondText)) markedInSecond.push(`${word.textContent}:${word.dataset.state}`);
    });
    observer.observe(secondText, { attributes: true, childList: true, subtree: true });
    const activeInFirst: string[] = [];
    const firstObserver = new MutationObserver(() => {
      const active = activeWord(firstText)?.textContent;
      if (active && activeInFirst.at(-1) !== active) activeInFirst.push(active);
    });
    firstObserver.observe(firstText, { attributes: true, childList: true, subtree: true });
    await user.click(screen.getByRole('button', { name: 'Read the first' }));
    await waitFor(() => expect(screen.getByText('status: ended')).toBeInTheDocument(), { timeout: 5000 });
    observer.disconnect();
    firstObserver.disconnect();

    expect(activeInFirst).toEqual(['Alpha', 'bravo', 'charlie']);
    expect(words(firstText).map((word) => word.textContent)).toEqual(['Alpha', 'bravo', 'charlie']);
    expect(markedInSecond).toEqual([]);
    expect(words(secondText)).toHaveLength(0);
    expect(secondText.textContent).toBe(second);
  });

  it('spreads props last, forwards the ref, and lets onClick preventDefault skip the seek', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const ref = createRef<HTMLDivElement>();
    const text = 'one two';
    function Harness() {
      const speech = useSpeechSynthesis();
      return (
        <KaraokeText
          ref={ref}
          text={text}
          speech={{ ...speech, text, words: timelineOf(text, ['one', 'two']) }}
          className="mine"
          onClick={(event) => event.preventDefault()}
          data-testid="karaoke"
        />
      );
    }
    render(<Harness />, { wrapper });
    const karaoke = screen.getByTestId('karaoke');
    expect(ref.current).toBe(karaoke);
    expect(karaoke).toHaveClass('mine');
    await user.click(screen.getByText('two'));
    expect(screen.queryByRole('status')).toBeEmptyDOMElement();
  });

  it('re-renders at most the two word elements involved per word change, on 10 000 words', async () => {
    const parts = Array.from({ length: 10_000 }, (_, index) => `w${index}`);
    const text = parts.join(' ');
    const timeline = timelineOf(text, parts);
    const renders: number[] = [];
    const renderWord = (word: string, index: number, _state: WordState) => {
      renders.push(index);
      return word;
    };
    // The React Profiler counts commits; `renderWord` counts which word elements rendered in them.
    const commits: string[] = [];
    const tree = (active: number) => (
      <Profiler id="karaoke" onRender={(_id, phase) => commits.push(phase)}>
        <KaraokeText timeline={timeline} activeWordIndex={active} text={text} renderWord={renderWord} />
      </Profiler>
    );
    const { container, rerender } = render(tree(-1));
    expect(renders).toHaveLength(10_000);
    expect(words(container)).toHaveLength(10_000);
    expect(commits).toEqual(['mount']);
    const perChange: number[][] = [];
    for (const active of [0, 1, 2, 3, 500, 501, 9_998, 9_999]) {
      renders.length = 0;
      commits.length = 0;
      rerender(tree(active));
      // The new index commits, then the words it notifies re-render in one nested commit from the store sync.
      expect(commits).toEqual(['update', 'nested-update']);
      perChange.push([...renders].sort((a, b) => a - b));
    }
    expect(perChange.slice(0, 4)).toEqual([[0], [0, 1], [1, 2], [2, 3]]);
    expect(perChange[5]).toEqual([500, 501]);
    expect(perChange[7]).toEqual([9_998, 9_999]);
    // (Changes 4 and 6 are jumps, as after a seek: every word in between changes state. The time a change takes is
    // measured in bench/karaoke, not asserted here.)
    expect(activeWord(container)).toHaveTextContent('w9999');
  }, 90_000); // 10 000 elements in jsdom: seconds on a loaded machine

  it('re-renders only the two words involved per change while a real speech is heard', async () => {
    const { wrapper } = await setup();
    const user = userEvent.setup();
    const text = 'One two three four five six seven eight nine ten eleven twelve.';
    const renders: Array<[number, WordState]> = [];
    function Harness() {
      const speech = useSpeechSynthesis();
      return (
        <>
          <button type="button" onClick={() => speech.speak(text)}>
            Read
          </button>
          <p>status: {speech.status}</p>
          <KaraokeText
            text={text}
            speech={speech}
            renderWord={(word, index, state) => {
              renders.push([index, state]);
              return word;
            }}
          />
        </>
      );
    }
    render(<Harness />, { wrapper });
    await user.click(screen.getByRole('button', { name: 'Read' }));
    await waitFor(() => expect(screen.getByText('status: ended')).toBeInTheDocument(), { timeout: 6000 });
    // Drop the first render of each word (when the words arrived); what is left are the state changes.
    const firstRenders = new Set<number>();
    const changes = renders.filter(([index]) => (firstRenders.has(index) ? true : (firstRenders.add(index), false)));
    // Each word changes state at most twice (pending → active → spoken): 12 words, ≤ 24 re-renders, none more.
    const perWord = new Map<number, WordState[]>();
    for (const [index, state] of changes) perWord.set(index, [...(perWord.get(index) ?? []), state]);
    for (const states of perWord.values()) {
      expect(['active,spoken', 'active', 'spoken']).toContain(states.join(','));
    }
    expect(changes.length).toBeLessThanOrEqual(24);
    expect(changes.length).toBeGreaterThanOrEqual(11);
  });

  it('ReadAloud combines a SpeakButton and a KaraokeText over one speech', async () => {
    const { transport, wrapper } = await setup();
    const user = userEvent.setup();
    const ref = createRef<HTMLDivElement>();
    render(<ReadAloud ref={ref} text="Read this aloud." className="recipe" data-testid="recipe" />, { wrapper });
    const recipe = screen.getByTestId('recipe');
    expect(ref.current).toBe(recipe);
    expect(recipe).toHaveClass('recipe');
    const button = screen.getByRole('button', { name: 'Read aloud' });
    expect(recipe.firstElementChild).toBe(button);
    transport.hold();
    await user.click(button);
    expect(recipe).toHaveAttribute('data-state', 'connecting');
    expect(button).toHaveAttribute('aria-busy', 'true');
    transport.release();
    await waitFor(() => expect(activeWord(recipe)).not.toBeNull(), { timeout: 5000 });
    await waitFor(() => expect(recipe).toHaveAttribute('data-state', 'ended'), { timeout: 5000 });
    expect(words(recipe).map((word) => word.textContent)).toEqual(['Read', 'this', 'aloud']);
    expect(button).toHaveAccessibleName('Read aloud');
    expect(transport.opened).toBe(1);
  });
});
