import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useSpeechSynthesis, type SpeechStatus } from 'cosyvoice-react';
import { directTransport } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';
import WebSocket from 'ws';
import { event, pcmBytes, startScriptedServer } from '../utils/scriptedDashScopeServer';
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
  const transport = countingTransport(url);
  return { server, url, transport };
}

describe('useSpeechSynthesis', () => {
  it('goes idle → connecting → buffering → speaking → ended with words, metrics, audio and captions', async () => {
    const { transport } = await setup();
    const onStart = vi.fn();
    const onWord = vi.fn();
    const onEnd = vi.fn();
    const { result } = renderHook(() => useSpeechSynthesis({ onStart, onWord, onEnd }), { wrapper: wrapperFor(providerProps(transport)) });
    expect(result.current.status).toBe('idle');
    const statuses: SpeechStatus[] = [];
    const unsubscribe = result.current.controller.subscribe(() => {
      const status = result.current.controller.getSnapshot().status;
      if (statuses.at(-1) !== status) statuses.push(status);
    });
    act(() => result.current.speak('Hello there. How are you today?'));
    expect(result.current.status).toBe('connecting');
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    unsubscribe();
    expect(statuses[0]).toBe('connecting');
    expect(statuses).toContain('buffering');
    expect(statuses).toContain('speaking');
    expect(statuses.at(-1)).toBe('ended');
    expect(statuses.indexOf('buffering')).toBeLessThan(statuses.indexOf('speaking'));
    const { words, metrics } = result.current;
    expect(words.map((w) => w.text)).toEqual(['Hello', 'there', 'How', 'are', 'you', 'today']);
    for (let i = 1; i < words.length; i++) expect(words[i]!.beginMs).toBeGreaterThanOrEqual(words[i - 1]!.endMs - 1);
    expect(metrics.firstPackageDelayMs).toBeGreaterThanOrEqual(0);
    expect(metrics.timeToFirstAudioMs).toBeGreaterThanOrEqual(metrics.firstPackageDelayMs! - 1); // both rounded
    expect(metrics.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(metrics.characters).toBe('Hello there. How are you today?'.length);
    expect(result.current.isComplete).toBe(true);
    expect(result.current.audio?.type).toBe('audio/wav');
    expect(result.current.audio!.size).toBeGreaterThan(44 + 16000); // more than half a second of 16 kHz PCM
    expect(result.current.captions()).toMatch(/^WEBVTT\n\n00:00:00\.\d{3} --> 00:00:0\d\.\d{3}\nHello <00:00:00\.\d{3}>there\./);
    expect(onStart).toHaveBeenCalledTimes(1);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(onWord.mock.calls.map(([word]) => word.text)).toEqual(['Hello', 'there', 'How', 'are', 'you', 'today']);
    expect(transport.opened).toBe(1);
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('playback rate: the provider default, changed while speaking, kept for the next utterance, never sent to the service', async () => {
    const scripted = await startScriptedServer();
    stopServer = () => scripted.close();
    const transport = countingTransport(scripted.url);
    const { result } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport, { playbackRate: 1.5 })) });
    expect(result.current.playbackRate).toBe(1.5);
    act(() => result.current.speak('Hello there. How are you today?'));
    await waitFor(() => expect(['speaking', 'ended']).toContain(result.current.status), { timeout: 5000 });
    expect(result.current.controller.player?.playbackRate).toBe(1.5);
    act(() => result.current.setPlaybackRate(2));
    expect(result.current.playbackRate).toBe(2);
    expect(result.current.controller.player?.playbackRate).toBe(2);
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 5000 });
    act(() => result.current.speak('Once more.'));
    expect(result.current.playbackRate).toBe(2);
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 5000 });
    // Bad input: a clear error, nothing changed.
    const before = result.current;
    expect(() => result.current.setPlaybackRate(2.5)).toThrow(/playbackRate must be a number from 0\.5 to 2/);
    expect(result.current.playbackRate).toBe(2);
    expect(result.current.controller.getSnapshot()).toBe(before.controller.getSnapshot());
    // One task per utterance, and the rate is in none of the requests.
    const runTasks = scripted.connections.flatMap((c) => c.messages).filter((m) => m.header.action === 'run-task');
    expect(runTasks).toHaveLength(2);
    for (const runTask of runTasks) expect(JSON.stringify(runTask.payload)).not.toMatch(/playback/i);
  });

  it("playback rate: the hook's own option wins over the provider's and is applied again when it changes", async () => {
    const { transport } = await setup();
    const { result, rerender } = renderHook(({ rate }: { rate: number | undefined }) => useSpeechSynthesis({ playbackRate: rate }), {
      wrapper: wrapperFor(providerProps(transport, { playbackRate: 1.5 })),
      initialProps: { rate: 0.75 },
    });
    expect(result.current.playbackRate).toBe(0.75);
    act(() => result.current.setPlaybackRate(1.25));
    expect(result.current.playbackRate).toBe(1.25);
    rerender({ rate: 0.75 });
    expect(result.current.playbackRate).toBe(1.25);
    rerender({ rate: 2 });
    expect(result.current.playbackRate).toBe(2);
  });

  it('keeps stable action identities across renders', async () => {
    const { transport } = await setup();
    const { result, rerender } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    const first = result.current;
    rerender();
    expect(result.current.speak).toBe(first.speak);
    expect(result.current.stop).toBe(first.stop);
    expect(result.current.pause).toBe(first.pause);
    expect(result.current.seek).toBe(first.seek);
    expect(result.current.setPlaybackRate).toBe(first.setPlaybackRate);
  });

  it('replaces the current utterance when speak is called while speaking: no stale words, one end', async () => {
    const { transport } = await setup();
    const onEnd = vi.fn();
    const { result } = renderHook(() => useSpeechSynthesis({ onEnd }), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('First sentence that is rather long and keeps going for a while.'));
    await waitFor(() => expect(result.current.status).toBe('speaking'), { timeout: 5000 });
    const controller = result.current.controller;
    const firstUtterance = controller.getSnapshot().utterance;
    const published: Array<{ utterance: number; status: string; words: number }> = [];
    const unsubscribe = controller.subscribe(() => {
      const { utterance, status, words } = controller.getSnapshot();
      published.push({ utterance, status, words: words.length });
    });
    act(() => result.current.speak('Second one.'));
    expect(result.current.status).toBe('connecting');
    // Every snapshot after the second speak belongs to it: none re-publishes the first one's id or words.
    expect(published.length).toBeGreaterThan(0);
    expect(published[0]).toEqual({ utterance: firstUtterance + 1, status: 'connecting', words: 0 });
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(result.current.words.map((w) => w.text)).toEqual(['Second', 'one']);
    expect(result.current.text).toBe('Second one.');
    unsubscribe();
    expect(published.every((snapshot) => snapshot.utterance === firstUtterance + 1)).toBe(true);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(transport.opened).toBe(2);
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it.each(['connecting', 'buffering', 'speaking', 'paused'] as const)('stop() while %s ends in idle and closes the socket', async (phase) => {
    const { transport } = await setup();
    const onEnd = vi.fn();
    const onError = vi.fn();
    const { result } = renderHook(() => useSpeechSynthesis({ onEnd, onError }), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('Stop me somewhere in the middle of this sentence, please.'));
    if (phase === 'paused') {
      await waitFor(() => expect(result.current.status).toBe('speaking'), { timeout: 5000 });
      act(() => result.current.pause());
    }
    await waitFor(() => expect(result.current.status).toBe(phase), { timeout: 5000, interval: 1 });
    act(() => result.current.stop());
    expect(result.current.status).toBe('idle');
    await new Promise((r) => setTimeout(r, 300));
    expect(result.current.status).toBe('idle');
    expect(onEnd).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
    await waitFor(() => expect(transport.open).toBe(0));
  });

  it('pauses and resumes', async () => {
    const { transport } = await setup();
    const { result } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('Pause in the middle of this sentence and then carry on.'));
    await waitFor(() => expect(result.current.status).toBe('speaking'), { timeout: 5000 });
    act(() => result.current.pause());
    expect(result.current.status).toBe('paused');
    const positionWhenPaused = result.current.controller.getPositionMs();
    await new Promise((r) => setTimeout(r, 250));
    expect(result.current.controller.getPositionMs()).toBe(positionWhenPaused);
    act(() => result.current.resume());
    expect(result.current.status).toBe('speaking');
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
  });

  it('seeks only once the audio is complete', async () => {
    const { transport } = await setup();
    const { result } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('One two three four five six.'));
    expect(result.current.seek(100)).toBe(false);
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    const target = result.current.words[3]!.beginMs;
    let seeked = false;
    act(() => {
      seeked = result.current.seek(target + 1);
    });
    expect(seeked).toBe(true);
    await waitFor(() => expect(result.current.activeWordIndex).toBe(3));
  });

  it('reports invalid options as an error state with a message that says what was wrong', async () => {
    const { transport } = await setup();
    const { result } = renderHook(() => useSpeechSynthesis({ volume: 500 }), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('x'));
    expect(result.current.status).toBe('error');
    expect(result.current.error).toMatchObject({ code: 'InvalidOptions', retryable: false, message: 'volume must be an integer from 0 to 100; received 500' });
    expect(transport.opened).toBe(0);
  });

  it('reports task-failed (a voice of another model) as an error state', async () => {
    const { transport } = await setup();
    const onError = vi.fn();
    const { result } = renderHook(() => useSpeechSynthesis({ model: 'cosyvoice-v1', voice: 'longanyang', onError }), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('Wrong voice.'));
    await waitFor(() => expect(result.current.status).toBe('error'), { timeout: 5000 });
    expect(result.current.error).toMatchObject({ code: 'TaskFailed', serverCode: 'InvalidParameter' });
    expect(result.current.error!.message).toMatch(/418/);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('reports a socket dropped mid-audio as an error state', async () => {
    const scripted = await startScriptedServer({
      onMessage(conn, message) {
        const taskId = String(message.header.task_id);
        if (message.header.action === 'run-task') conn.sendEvent(event(taskId, 'task-started'));
        if (message.header.action === 'continue-task') {
          conn.sendAudio(pcmBytes(16000)); // one second at 16 kHz, then the connection dies
          setTimeout(() => conn.socket.terminate(), 300);
        }
      },
    });
    stopServer = () => scripted.close();
    const transport = countingTransport(scripted.url);
    const { result } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('This never finishes.'));
    await waitFor(() => expect(result.current.status).toBe('speaking'), { timeout: 5000 });
    await waitFor(() => expect(result.current.status).toBe('error'), { timeout: 5000 });
    expect(result.current.error).toMatchObject({ code: 'ConnectionClosed', retryable: true });
  });

  it('reports a player that cannot be created or unlocked as an error state, without opening a connection', async () => {
    const { transport } = await setup();
    const cannotCreate = () => {
      throw new Error('AudioContext is not defined');
    };
    const { result } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport, { createPlayer: cannotCreate })) });
    act(() => result.current.speak('Nothing to hear.'));
    expect(result.current.status).toBe('error');
    expect(result.current.error?.code).toBe('AudioFailed');
    expect(result.current.error?.message).toMatch(/AudioContext is not defined/);

    const cannotUnlock = () => ({
      ...createSilentPlayer(),
      unlock() {
        throw new Error('the audio output is blocked');
      },
    });
    const second = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport, { createPlayer: cannotUnlock })) });
    act(() => second.result.current.speak('Nothing to hear either.'));
    expect(second.result.current.status).toBe('error');
    expect(second.result.current.error?.message).toMatch(/blocked/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(second.result.current.status).toBe('error');
    expect(transport.opened).toBe(0);
  });

  it('reports a token provider that fails as a TokenFailed error state, with nothing connected', async () => {
    const transport = directTransport({
      url: 'ws://127.0.0.1:9/api-ws/v1/inference',
      getToken: async () => {
        throw new Error('the token endpoint answered 503');
      },
      WebSocket: WebSocket as never,
    });
    const onError = vi.fn();
    const { result } = renderHook(() => useSpeechSynthesis({ onError }), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('Needs a token.'));
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error).toMatchObject({ code: 'TokenFailed' });
    expect(result.current.error?.message).toMatch(/token endpoint answered 503/);
    expect(onError).toHaveBeenCalledTimes(1);
  });
});
