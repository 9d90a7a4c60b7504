// The facades that load the speech engine on first intent (src/hooks/internal/LazySpeechController.ts and
// LazyStreamingSpeechController.ts), over real loopback WebSockets to the local voice server with the
// silent real-time player. The engine's module is the real one, held back until the test lets it arrive
// (a slow network for its chunk), or failing to arrive. What is asked before it arrives is kept in order,
// dropped by a stop, and never opens a socket on its own. (A speak from a real click in Chromium, with
// the audio unlocked in that click, is in lazyEngine.browser.test.tsx.)
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AudioFormat } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';
import type { ReadAloudController, ReadAloudControllerOptions } from '../../src/core/ReadAloudController';
import type { SpeechController, SpeechControllerOptions, SpeechStatus } from '../../src/core/SpeechController';
import type { StreamingSpeechController, StreamingSpeechControllerOptions } from '../../src/core/StreamingSpeechController';
import { LazyReadAloudController } from '../../src/hooks/internal/LazyReadAloudController';
import { LazySpeechController, speechEngineSource } from '../../src/hooks/internal/LazySpeechController';
import { LazyStreamingSpeechController } from '../../src/hooks/internal/LazyStreamingSpeechController';
import { countingTransport, startLocalServer } from '../utils/speechHarness';

let local: Awaited<ReturnType<typeof startLocalServer>>;
beforeAll(async () => {
  local = await startLocalServer();
});
afterAll(async () => {
  await local.server.close();
});

const FORMAT = AudioFormat.PCM_16000HZ_MONO_16BIT;

/** The real engine module, arriving when `arrive()` is called (or failing the first `failures` loads). */
function heldBack<M, E extends SpeechController, O extends SpeechControllerOptions>(importModule: () => Promise<M>, make: (module: M, options: O) => E, failures = 0) {
  let arrive: (() => void) | undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let loads = 0;
  const source = speechEngineSource(() => {
    loads++;
    if (loads <= failures) return Promise.reject(new Error('Failed to fetch dynamically imported module'));
    return arrived.then(importModule);
  }, make);
  return { source, arrive: () => arrive!(), loads: () => loads };
}

const speechSource = (failures = 0) =>
  heldBack(() => import('../../src/core/SpeechController'), (module, options: SpeechControllerOptions): SpeechController => new module.SpeechController(options), failures);

function options(transport: ReturnType<typeof countingTransport>, callbacks: ReturnType<NonNullable<SpeechControllerOptions['getCallbacks']>> = {}) {
  const player = vi.fn(() => createSilentPlayer({ format: FORMAT }));
  return {
    player,
    options: {
      transport,
      defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT, wordTimestampEnabled: true },
      createPlayer: player,
      getCallbacks: () => callbacks,
    } satisfies SpeechControllerOptions,
  };
}

function settled(controller: LazySpeechController, status: SpeechStatus): Promise<void> {
  return vi.waitFor(() => expect(controller.getSnapshot().status).toBe(status), { timeout: 10_000 });
}

describe('LazySpeechController: before the engine has arrived', () => {
  it('a speak shows connecting at once, makes the player (the gesture part), and plays to the end once the engine arrives', async () => {
    const transport = countingTransport(local.url);
    const onEnd = vi.fn();
    const { options: controllerOptions, player } = options(transport, { onEnd });
    const held = speechSource();
    const controller = new LazySpeechController(controllerOptions, held.source);
    const seen: SpeechStatus[] = [];
    controller.subscribe(() => seen.push(controller.getSnapshot().status));

    controller.speak('One two three.');
    expect(controller.getSnapshot()).toMatchObject({ status: 'connecting', text: 'One two three.', utterance: 1 });
    expect(player).toHaveBeenCalledTimes(1);
    expect(controller.player).toBeDefined();
    expect(held.loads()).toBe(1);
    expect(transport.opened).toBe(0);

    held.arrive();
    await settled(controller, 'ended');
    expect(controller.isLoaded).toBe(true);
    // The engine took the player made in the gesture: no second one.
    expect(player).toHaveBeenCalledTimes(1);
    expect(controller.getSnapshot().words.map((word) => word.text)).toEqual(['One', 'two', 'three']);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(seen[0]).toBe('connecting');
    expect(transport.opened).toBe(1);
    controller.release();
  }, 20_000);

  it('a stop drops the queued speak: idle at once, onInterrupt with nothing heard, and nothing connects when the engine arrives', async () => {
    const transport = countingTransport(local.url);
    const onInterrupt = vi.fn();
    const { options: controllerOptions } = options(transport, { onInterrupt });
    const held = speechSource();
    const controller = new LazySpeechController(controllerOptions, held.source);

    controller.speak('Never heard.');
    const heard = controller.stop();
    expect(heard).toEqual({ heardText: '', unheardText: 'Never heard.', heardWords: 0, positionMs: 0 });
    expect(controller.getSnapshot()).toMatchObject({ status: 'idle', heard });
    expect(onInterrupt).toHaveBeenCalledWith(heard);
    expect(controller.stop()).toBeUndefined();

    held.arrive();
    await vi.waitFor(() => expect(controller.isLoaded).toBe(true));
    expect(controller.getSnapshot().status).toBe('idle');
    expect(transport.opened).toBe(0);

    controller.speak('Heard now.');
    await settled(controller, 'ended');
    expect(transport.opened).toBe(1);
    controller.release();
  }, 20_000);

  it('append queues behind the first speak, a replacing speak drops both, and the playback rate set before is the engine\'s', async () => {
    const transport = countingTransport(local.url);
    const { options: controllerOptions } = options(transport);
    const held = speechSource();
    const controller = new LazySpeechController(controllerOptions, held.source);

    expect(() => controller.setPlaybackRate(3)).toThrow(expect.objectContaining({ name: 'ValidationError', field: 'playbackRate' }));
    controller.setPlaybackRate(1.5);
    expect(controller.getSnapshot().playbackRate).toBe(1.5);
    controller.speak('First.');
    controller.speak('Second.', { queue: 'append' });
    expect(controller.getSnapshot()).toMatchObject({ status: 'connecting', text: 'First.', queued: ['Second.'] });
    controller.speak('Replaced.');
    controller.speak('Appended.', { queue: 'append' });
    expect(controller.getSnapshot()).toMatchObject({ text: 'Replaced.', queued: ['Appended.'] });

    held.arrive();
    await vi.waitFor(() => expect(controller.getSnapshot().text).toBe('Appended.'), { timeout: 10_000 });
    await settled(controller, 'ended');
    expect(controller.playbackRate).toBe(1.5);
    expect(controller.getSnapshot().playbackRate).toBe(1.5);
    expect(controller.player?.playbackRate).toBe(1.5);
    // Two utterances, one socket task after task.
    expect(controller.getSnapshot().utterance).toBe(2);
    controller.release();
  }, 20_000);

  it('a failed load ends the queued speak in a retryable ConnectionFailed error with onError; the next speak loads again and plays', async () => {
    const transport = countingTransport(local.url);
    const onError = vi.fn();
    const { options: controllerOptions } = options(transport, { onError });
    const held = speechSource(1);
    const controller = new LazySpeechController(controllerOptions, held.source);
    held.arrive();

    controller.speak('Lost chunk.');
    await settled(controller, 'error');
    expect(controller.getSnapshot().error).toMatchObject({ code: 'ConnectionFailed', retryable: true });
    expect(controller.getSnapshot().error?.message).toMatch(/Could not load the speech engine: Failed to fetch/);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(controller.isLoaded).toBe(false);

    controller.speak('Found it.');
    expect(held.loads()).toBe(2);
    await settled(controller, 'ended');
    expect(controller.isLoaded).toBe(true);
    controller.release();
  }, 20_000);

  it('once one facade has loaded the engine, a new one is a pass-through from the start (its first speak connects synchronously)', async () => {
    const held = speechSource();
    held.arrive();
    await held.source.preload();
    const transport = countingTransport(local.url);
    const controller = new LazySpeechController(options(transport).options, held.source);
    expect(controller.isLoaded).toBe(true);
    controller.speak('At once.');
    expect(transport.opened).toBe(1);
    await settled(controller, 'ended');
    controller.release();
  }, 20_000);
});

describe('LazyStreamingSpeechController: before the engine has arrived', () => {
  const streamingSource = () =>
    heldBack(
      () => import('../../src/core/StreamingSpeechController'),
      (module, options: StreamingSpeechControllerOptions): StreamingSpeechController => new module.StreamingSpeechController(options),
    );

  it('writes and complete() are kept in order and spoken once the engine arrives; the text shows as it is written', async () => {
    const transport = countingTransport(local.url);
    const held = streamingSource();
    const controller = new LazyStreamingSpeechController(options(transport).options, held.source);

    controller.write('Hello ');
    controller.write('there.');
    expect(controller.getSnapshot()).toMatchObject({ status: 'connecting', text: 'Hello there.' });
    controller.complete();
    held.arrive();
    await settled(controller, 'ended');
    expect(controller.getSnapshot().words.map((word) => word.text)).toEqual(['Hello', 'there']);
    controller.release();
  }, 20_000);

  it('cancel() before the engine arrives resolves the pending pipe with "idle" and opens no socket', async () => {
    const transport = countingTransport(local.url);
    const held = streamingSource();
    const controller = new LazyStreamingSpeechController(options(transport).options, held.source);
    async function* tokens() {
      yield 'Never ';
      yield 'spoken.';
    }

    const piped = controller.pipe(tokens());
    expect(controller.getSnapshot().status).toBe('connecting');
    controller.cancel();
    await expect(piped).resolves.toBe('idle');
    held.arrive();
    await vi.waitFor(() => expect(controller.isLoaded).toBe(true));
    expect(controller.getSnapshot().status).toBe('idle');
    expect(transport.opened).toBe(0);

    await expect(controller.pipe(tokens())).resolves.toBe('ended');
    controller.release();
  }, 20_000);
});

const readingSource = () =>
  heldBack(() => import('../../src/core/ReadAloudController'), (module, options: ReadAloudControllerOptions): ReadAloudController => new module.ReadAloudController(options));

describe('LazyReadAloudController: before the engine has arrived', () => {
  it('shows the text\'s words and sentences, a speed set before (reading listeners told), and a play that reads to the end at that speed once the engine arrives', async () => {
    const transport = countingTransport(local.url);
    const held = readingSource();
    const controller = new LazyReadAloudController(options(transport).options, held.source);
    let notified = 0;
    controller.subscribeReading(() => notified++);

    controller.setText('One sentence here. Another one there.');
    expect(controller.getReadingSnapshot()).toMatchObject({ status: 'idle', playbackRate: 1 });
    expect(controller.getReadingSnapshot().sentences).toHaveLength(2);
    expect(controller.getReadingSnapshot().words.map((word) => word.end - word.start)).toEqual([3, 8, 4, 7, 3, 5]);
    const before = notified;
    // A speed control bound to the reading (ReadAloudControls) shows it at once, engine or not.
    controller.setPlaybackRate(1.5);
    expect(controller.getReadingSnapshot().playbackRate).toBe(1.5);
    expect(notified).toBeGreaterThan(before);
    expect(() => controller.setPlaybackRate(0.1)).toThrow(expect.objectContaining({ field: 'playbackRate' }));
    expect(controller.getReadingSnapshot().playbackRate).toBe(1.5);

    expect(controller.play()).toBeUndefined();
    expect(controller.getReadingSnapshot()).toMatchObject({ status: 'connecting', sentenceIndex: -1 });
    expect(transport.opened).toBe(0);
    held.arrive();
    await vi.waitFor(() => expect(controller.getReadingSnapshot().status).toBe('ended'), { timeout: 10_000 });
    expect(controller.getReadingSnapshot()).toMatchObject({ playbackRate: 1.5, tasks: 1 });
    expect(controller.player?.playbackRate).toBe(1.5);
    controller.release();
  }, 20_000);
});
