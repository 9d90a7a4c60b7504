import { afterEach, describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { ReadAloudControls, useReadAloud, type UseReadAloudResult } from 'cosyvoice-react';
import { FastSpeechProvider } from '../components/highlightHarness';

afterEach(async () => {
  await cleanup();
  vi.restoreAllMocks();
});

const SENTENCES = ['The first sentence is short.', 'Then a second one follows it.', 'A third sentence comes next.', 'The fourth sentence is here.', 'Number five is in the middle.', 'Sentence six goes on.', 'The seventh one is nearly last.', 'And the eighth ends the text.'];
const TEXT = SENTENCES.join(' ');

let reading: UseReadAloudResult | undefined;

function Player() {
  reading = useReadAloud(TEXT, { mediaSession: { title: 'Chapter one', artist: 'Example site', artwork: [{ src: '/cover.png', sizes: '96x96', type: 'image/png' }] } });
  return <ReadAloudControls reading={reading} />;
}

describe.skipIf(typeof navigator === 'undefined' || !('mediaSession' in navigator))('useReadAloud and the Media Session', () => {
  it('owns the Media Session while reading (metadata, actions mapped to the reading, position kept current) and clears it after', async () => {
    const session = navigator.mediaSession;
    // The real session, watched: what the browser's lock screen and media keys would call.
    const handlers = new Map<MediaSessionAction, MediaSessionActionHandler | null>();
    const setActionHandler = session.setActionHandler.bind(session);
    vi.spyOn(session, 'setActionHandler').mockImplementation((action, handler) => {
      handlers.set(action, handler);
      setActionHandler(action, handler);
    });
    const positions: MediaPositionState[] = [];
    const setPositionState = session.setPositionState.bind(session);
    vi.spyOn(session, 'setPositionState').mockImplementation((state) => {
      if (state) positions.push(state);
      setPositionState(state);
    });
    await render(
      <FastSpeechProvider>
        <Player />
      </FastSpeechProvider>,
    );
    expect(session.metadata).toBeNull();
    expect(handlers.size).toBe(0);

    await userEvent.click(page.getByRole('button', { name: 'Play' }));
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('speaking');
    expect(session.metadata?.title).toBe('Chapter one');
    expect(session.metadata?.artist).toBe('Example site');
    expect(session.metadata?.artwork[0]?.src).toMatch(/\/cover\.png$/);
    expect(session.playbackState).toBe('playing');
    for (const action of ['play', 'pause', 'stop', 'seekto', 'previoustrack', 'nexttrack'] as const) expect(handlers.get(action)).toBeTypeOf('function');
    const call = (action: MediaSessionAction, details: Partial<MediaSessionActionDetails> = {}) => handlers.get(action)!({ action, ...details });

    call('pause');
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('paused');
    expect(session.playbackState).toBe('paused');
    call('play');
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('speaking');
    expect(session.playbackState).toBe('playing');

    const from = reading!.sentenceIndex;
    call('nexttrack');
    await expect.poll(() => reading!.sentenceIndex, { timeout: 15_000 }).toBe(from + 1);
    call('previoustrack');
    await expect.poll(() => reading!.sentenceIndex, { timeout: 15_000 }).toBe(from);

    // A seek on the lock screen's bar: to the time of sentence 7.
    call('seekto', { seekTime: reading!.controller.estimateMs(reading!.sentences[6]!.start) / 1000 });
    await expect.poll(() => reading!.sentenceIndex, { timeout: 15_000 }).toBe(6);
    await expect.poll(() => reading!.wordIndex, { timeout: 15_000 }).toBeGreaterThanOrEqual(reading!.sentences[6]!.firstWord);

    // The position state followed the reading: a duration, a position within it, the rate.
    expect(positions.length).toBeGreaterThan(2);
    for (const state of positions) {
      expect(state.duration).toBeGreaterThan(0);
      expect(state.position).toBeLessThanOrEqual(state.duration!);
      expect(state.playbackRate).toBe(1);
    }
    const last = positions.at(-1)!;
    expect(last.position! / last.duration!).toBeGreaterThan(0.6);

    call('stop');
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('idle');
    expect(session.metadata).toBeNull();
    expect(session.playbackState).toBe('none');
    for (const action of ['play', 'pause', 'stop', 'seekto', 'previoustrack', 'nexttrack'] as const) expect(handlers.get(action)).toBeNull();
  });

  it('leaves the Media Session alone with mediaSession: false', async () => {
    const spy = vi.spyOn(navigator.mediaSession, 'setActionHandler');
    function Plain() {
      reading = useReadAloud(TEXT, { mediaSession: false });
      return <ReadAloudControls reading={reading} />;
    }
    await render(
      <FastSpeechProvider>
        <Plain />
      </FastSpeechProvider>,
    );
    await userEvent.click(page.getByRole('button', { name: 'Play' }));
    await expect.poll(() => reading!.status, { timeout: 15_000 }).toBe('speaking');
    expect(spy).not.toHaveBeenCalled();
    expect(navigator.mediaSession.metadata).toBeNull();
    reading!.stop();
  });
});
