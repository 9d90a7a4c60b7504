import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useStreamingSynthesis, type SpeechStatus } from 'cosyvoice-react';
import { countingTransport, providerProps as harnessProps, startLocalServer, wrapperFor } from '../utils/speechHarness';

// These tests follow each utterance's own socket (opened, closed at its end): the provider's connection
// reuse is off here, and tested in connectionReuse.test.tsx.
const providerProps: typeof harnessProps = (transport, extra = {}) => harnessProps(transport, { connectionReuse: false, ...extra });

let stopServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopServer?.();
  stopServer = undefined;
});

async function setup(options: Parameters<typeof startLocalServer>[0] = {}) {
  const { server, url } = await startLocalServer(options);
  stopServer = () => server.close();
  return { server, transport: countingTransport(url) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function* tokens(pieces: string[], delayMs: number, longPauseAt = -1, longPauseMs = 0) {
  for (let i = 0; i < pieces.length; i++) {
    if (i === longPauseAt) await sleep(longPauseMs);
    else await sleep(delayMs);
    yield pieces[i]!;
  }
}

describe('useStreamingSynthesis', () => {
  it('pipes an async iterator of tokens and resolves with "ended" once everything was heard', async () => {
    const { transport } = await setup();
    const onEnd = vi.fn();
    const { result } = renderHook(() => useStreamingSynthesis({ onEnd }), { wrapper: wrapperFor(providerProps(transport)) });
    const pieces = ['The ', 'quick ', 'brown ', 'fox. ', 'It ', 'jumps ', 'over ', 'the ', 'dog.'];
    let final: SpeechStatus | undefined;
    await act(async () => {
      final = await result.current.pipe(tokens(pieces, 10));
    });
    expect(final).toBe('ended');
    expect(result.current.status).toBe('ended');
    expect(result.current.text).toBe(pieces.join(''));
    expect(result.current.words.map((w) => w.text)).toEqual(['The', 'quick', 'brown', 'fox', 'It', 'jumps', 'over', 'the', 'dog']);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(transport.opened).toBe(1);
  });

  it('changes playback rate while streaming, in the state, with no new task', async () => {
    const { transport } = await setup();
    const { result } = renderHook(() => useStreamingSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    expect(result.current.playbackRate).toBe(1);
    act(() => result.current.write('The first sentence is here. '));
    await waitFor(() => expect(['speaking', 'ended']).toContain(result.current.status), { timeout: 5000 });
    act(() => result.current.setPlaybackRate(1.75));
    expect(result.current.playbackRate).toBe(1.75);
    expect(result.current.controller.player?.playbackRate).toBe(1.75);
    act(() => {
      result.current.write('And a second one.');
      result.current.complete();
    });
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(result.current.playbackRate).toBe(1.75);
    expect(transport.opened).toBe(1);
  });

  it('grows the timeline as sentences end, while text is still arriving', async () => {
    const { transport } = await setup();
    const { result } = renderHook(() => useStreamingSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.start());
    act(() => result.current.write('First sentence here. Second'));
    await waitFor(() => expect(result.current.words.map((w) => w.text)).toEqual(['First', 'sentence', 'here']), { timeout: 5000 });
    act(() => result.current.write(' one ends.'));
    act(() => result.current.complete());
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(result.current.words.map((w) => w.text)).toEqual(['First', 'sentence', 'here', 'Second', 'one', 'ends']);
    const second = result.current.words[3]!;
    expect(result.current.text.slice(second.beginIndex, second.endIndex)).toBe('Second');
  });

  it('continues in a new task when the source pauses longer than the service idle limit, losing nothing', async () => {
    // The server's idle limit shortened to 600 ms (the service's is 23 s) and the hook's finish margin to 250 ms.
    const { server, transport } = await setup({ idleTimeoutMs: 600 });
    const { result } = renderHook(() => useStreamingSynthesis(), { wrapper: wrapperFor(providerProps(transport, { idleFinishMs: 250 })) });
    const pieces = ['Before ', 'the ', 'pause. ', 'After ', 'the ', 'long ', 'pause.'];
    let final: SpeechStatus | undefined;
    await act(async () => {
      final = await result.current.pipe(tokens(pieces, 5, 3, 1600));
    });
    expect(final).toBe('ended');
    expect(result.current.error).toBeUndefined();
    const words = result.current.words;
    expect(words.map((w) => w.text)).toEqual(['Before', 'the', 'pause', 'After', 'the', 'long', 'pause']);
    for (let i = 1; i < words.length; i++) expect(words[i]!.beginMs).toBeGreaterThan(words[i - 1]!.beginMs);
    expect(result.current.text.slice(words[3]!.beginIndex, words[3]!.endIndex)).toBe('After');
    expect(transport.opened).toBe(2); // two tasks, one after the other
    void server;
  });

  it('without the continuation the same slow source fails with the service idle error (control)', async () => {
    const { transport } = await setup({ idleTimeoutMs: 600 });
    const { result } = renderHook(() => useStreamingSynthesis(), { wrapper: wrapperFor(providerProps(transport, { idleFinishMs: 60_000 })) });
    let final: SpeechStatus | undefined;
    await act(async () => {
      final = await result.current.pipe(tokens(['Before ', 'the ', 'pause. ', 'After.'], 5, 3, 1600));
    });
    expect(final).toBe('error');
    expect(result.current.error).toMatchObject({ code: 'TaskFailed', serverMessage: 'request timeout after 23 seconds.' });
  });

  it('reads a ReadableStream source', async () => {
    const { transport } = await setup();
    const { result } = renderHook(() => useStreamingSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    const stream = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('From a ');
        controller.enqueue('stream.');
        controller.close();
      },
    });
    let final: SpeechStatus | undefined;
    await act(async () => {
      final = await result.current.pipe(stream);
    });
    expect(final).toBe('ended');
    expect(result.current.words.map((w) => w.text)).toEqual(['From', 'a', 'stream']);
  });

  it('cancel() during a pipe stops speaking, resolves the pipe with idle and closes the socket', async () => {
    const { transport } = await setup();
    const { result } = renderHook(() => useStreamingSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    let piped: Promise<SpeechStatus> | undefined;
    act(() => {
      piped = result.current.pipe(tokens(['One. ', 'Two. ', 'Three. ', 'Four. ', 'Five.'], 150));
    });
    await waitFor(() => expect(result.current.words.length).toBeGreaterThan(0), { timeout: 5000 });
    act(() => result.current.cancel());
    expect(result.current.status).toBe('idle');
    await expect(piped).resolves.toBe('idle');
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('a failing source ends in an error state', async () => {
    const { transport } = await setup();
    const { result } = renderHook(() => useStreamingSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    async function* broken() {
      yield 'Some text. ';
      throw new Error('LLM stream broke');
    }
    let final: SpeechStatus | undefined;
    await act(async () => {
      final = await result.current.pipe(broken());
    });
    expect(final).toBe('error');
    expect(result.current.error?.message).toMatch(/LLM stream broke/);
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('cancel() while the source is quiet resolves the pipe at once and releases the source (iterator and stream)', async () => {
    const { transport } = await setup();
    const { result } = renderHook(() => useStreamingSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    let released = false;
    let neverSpeaksAgain!: () => void;
    async function* quiet() {
      try {
        yield 'A first sentence. ';
        await new Promise<void>((resolve) => (neverSpeaksAgain = resolve)); // an LLM that went silent
        yield 'Never written.';
      } finally {
        released = true;
      }
    }
    let piped: Promise<SpeechStatus> | undefined;
    act(() => {
      piped = result.current.pipe(quiet());
    });
    await waitFor(() => expect(result.current.text).toBe('A first sentence. '), { timeout: 5000 });
    act(() => result.current.cancel());
    await expect(piped).resolves.toBe('idle');
    neverSpeaksAgain(); // the generator can only run its finally once its pending step resumes
    await waitFor(() => expect(released).toBe(true));
    expect(result.current.text).toBe('A first sentence. ');

    let cancelledWith: unknown = 'not cancelled';
    const stream = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('From a stream that stalls. ');
      },
      cancel(reason) {
        cancelledWith = reason;
      },
    });
    act(() => {
      piped = result.current.pipe(stream);
    });
    await waitFor(() => expect(result.current.text).toBe('From a stream that stalls. '), { timeout: 5000 });
    act(() => result.current.cancel());
    await expect(piped).resolves.toBe('idle');
    await waitFor(() => expect(cancelledWith).toBeUndefined());
    await waitFor(() => expect(transport.open).toBe(0));
  });
});
