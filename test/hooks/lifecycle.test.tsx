import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useActiveWord, usePlaybackPosition, useSpeechSynthesis, useWordState } from 'cosyvoice-react';
import { countingServerPerTest, providerProps, wrapperFor } from '../utils/speechHarness';

const setup = countingServerPerTest();


describe('hook lifecycle', () => {
  it('opens no socket at mount in StrictMode and exactly one per speak', async () => {
    const transport = await setup();
    const { result } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport), true) });
    await new Promise((r) => setTimeout(r, 50));
    expect(transport.opened).toBe(0);
    act(() => result.current.speak('Strict mode.'));
    await waitFor(() => expect(result.current.status).toBe('ended'), { timeout: 8000 });
    expect(transport.opened).toBe(1);
  });

  it('unmounting mid-speech closes the socket, stops audio and leaves no timer running', async () => {
    const transport = await setup();
    const { result, unmount } = renderHook(() => useSpeechSynthesis(), { wrapper: wrapperFor(providerProps(transport)) });
    act(() => result.current.speak('Unmount me while I am still talking, in the middle of it all.'));
    await waitFor(() => expect(result.current.status).toBe('speaking'), { timeout: 5000 });
    const controller = result.current.controller;
    const player = controller.player!;
    unmount();
    expect(controller.getSnapshot().status).toBe('idle');
    expect(controller.player).toBeUndefined();
    expect(player.getSnapshot().state).not.toBe('playing');
    await waitFor(() => expect(transport.open).toBe(0));
    // Nothing keeps running: the position no longer moves and no further notification arrives.
    let notified = 0;
    controller.subscribe(() => notified++);
    await new Promise((r) => setTimeout(r, 300));
    expect(notified).toBe(0);
  });

  it('useActiveWord re-renders once per word change; useWordState only for its own word', async () => {
    const transport = await setup();
    const renders = { active: 0, word0: 0, word5: 0 };
    const { result } = renderHook(
      () => {
        const speech = useSpeechSynthesis();
        return { speech };
      },
      { wrapper: wrapperFor(providerProps(transport)) },
    );
    const controller = result.current.speech.controller;
    const active = renderHook(() => {
      renders.active++;
      return useActiveWord(controller);
    });
    const word0 = renderHook(() => {
      renders.word0++;
      return useWordState(controller, 0);
    });
    const word5 = renderHook(() => {
      renders.word5++;
      return useWordState(controller, 5);
    });
    const before = { ...renders };
    const heard: string[] = [];
    const unsubscribe = controller.subscribe(() => {
      const { index, word } = active.result.current;
      if (index >= 0 && heard.at(-1) !== word?.text) heard.push(word!.text);
    });
    act(() => result.current.speech.speak('one two three four five six seven eight'));
    await waitFor(() => expect(result.current.speech.status).toBe('ended'), { timeout: 8000 });
    unsubscribe();
    expect(heard).toEqual(['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight']);
    expect(active.result.current.index).toBe(-1); // nothing is being heard after the end
    expect(word0.result.current).toBe('spoken');
    expect(word5.result.current).toBe('spoken');
    // Eight words heard, then none: the active-word hook rendered once per change (9), not per frame.
    expect(renders.active - before.active).toBe(9);
    // Word 0 changed twice (pending → active → spoken); word 5 twice as well.
    expect(renders.word0 - before.word0).toBe(2);
    expect(renders.word5 - before.word5).toBe(2);
  });

  it('usePlaybackPosition advances while speaking and stops updating when paused', async () => {
    const transport = await setup();
    const { result } = renderHook(
      () => {
        const speech = useSpeechSynthesis();
        const position = usePlaybackPosition(speech, { intervalMs: 50 });
        return { speech, position };
      },
      { wrapper: wrapperFor(providerProps(transport)) },
    );
    act(() => result.current.speech.speak('A sentence long enough to watch the position move along for a while.'));
    await waitFor(() => expect(result.current.position).toBeGreaterThan(200), { timeout: 5000 });
    act(() => result.current.speech.pause());
    await new Promise((r) => setTimeout(r, 100));
    const paused = result.current.position;
    await new Promise((r) => setTimeout(r, 300));
    expect(result.current.position).toBe(paused);
    act(() => result.current.speech.stop());
  });

  it('usePlaybackPosition follows a seek made while paused', async () => {
    const transport = await setup();
    const { result } = renderHook(
      () => {
        const speech = useSpeechSynthesis();
        const position = usePlaybackPosition(speech, { intervalMs: 50 });
        return { speech, position };
      },
      { wrapper: wrapperFor(providerProps(transport)) },
    );
    act(() => result.current.speech.speak('Short words to seek around in, once they have all arrived.'));
    await waitFor(() => expect(result.current.speech.isComplete && result.current.speech.status === 'speaking').toBe(true), { timeout: 5000 });
    act(() => result.current.speech.pause());
    await waitFor(() => expect(result.current.speech.status).toBe('paused'));
    const target = result.current.speech.words.at(-2)!.beginMs;
    let seeked = false;
    act(() => {
      seeked = result.current.speech.seek(target);
    });
    expect(seeked).toBe(true);
    await waitFor(() => expect(Math.abs(result.current.position - target)).toBeLessThanOrEqual(1));
    act(() => result.current.speech.stop());
  });
});
