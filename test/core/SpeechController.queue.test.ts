import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, ConnectionPool, SpeechController, proxyTransport, type EndedReason, type HeardText, type Player, type SpeechSnapshot, type SpeechStatus } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';
import { createLocalVoiceServer, createToneEngine, type SynthesisEngine } from 'cosyvoice-react/server';
import { startDelayLink } from '../utils/delayLink';
import { countingTransport } from '../utils/speechHarness';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const FORMAT = AudioFormat.PCM_16000HZ_MONO_16BIT;

async function setup() {
  const server = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0 });
  const url = await server.listen();
  cleanup.push(() => server.close());
  let opened = 0;
  const base = proxyTransport({ url, WebSocket: WebSocket as never });
  const pool = new ConnectionPool({ ...base, connect: (handlers, signal) => (opened++, base.connect(handlers, signal)) });
  cleanup.push(() => pool.close());
  const ended: string[] = [];
  const interrupted: HeardText[] = [];
  let controller!: SpeechController;
  controller = new SpeechController({
    transport: pool,
    defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT, wordTimestampEnabled: true },
    createPlayer: () => createSilentPlayer({ format: FORMAT }),
    getCallbacks: () => ({
      onEnd: () => ended.push(controller.getSnapshot().text),
      onInterrupt: (heard) => interrupted.push(heard),
    }),
  });
  cleanup.push(() => controller.release());
  return { controller, ended, interrupted, opened: () => opened };
}

function until(controller: SpeechController, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out; status ${controller.getSnapshot().status}`));
    }, timeoutMs);
    const test = () => {
      if (!check()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const unsubscribe = controller.subscribe(test);
    test();
  });
}

const status = (controller: SpeechController): SpeechStatus => controller.getSnapshot().status;

describe('SpeechController queue', () => {
  it("speak(text, { queue: 'append' }) plays after the current utterance, in order, each with its own id and end", async () => {
    const { controller, ended, opened } = await setup();
    controller.speak('First answer.');
    controller.speak('Second answer.', { queue: 'append' });
    controller.speak('Third answer.', { queue: 'append' });
    expect(controller.getSnapshot().queued).toEqual(['Second answer.', 'Third answer.']);
    expect(controller.getSnapshot().text).toBe('First answer.');
    const first = controller.getSnapshot().utterance;
    await until(controller, () => controller.getSnapshot().text === 'Third answer.' && status(controller) === 'ended');
    expect(ended).toEqual(['First answer.', 'Second answer.', 'Third answer.']);
    expect(controller.getSnapshot()).toMatchObject({ status: 'ended', text: 'Third answer.', queued: [], utterance: first + 2 });
    expect(controller.getSnapshot().words.map((w) => w.text)).toEqual(['Third', 'answer']);
    // One socket carried the three tasks.
    expect(opened()).toBe(1);
    expect(controller.getSnapshot().metrics.connectionReused).toBe(true);
  });

  it("'append' with nothing speaking speaks at once; the default 'replace' clears the queue", async () => {
    const { controller, ended } = await setup();
    controller.speak('Alone.', { queue: 'append' });
    expect(controller.getSnapshot()).toMatchObject({ status: 'connecting', text: 'Alone.', queued: [] });
    controller.speak('Queued.', { queue: 'append' });
    controller.speak('Replacement.');
    expect(controller.getSnapshot()).toMatchObject({ text: 'Replacement.', queued: [] });
    await until(controller, () => status(controller) === 'ended');
    await new Promise((r) => setTimeout(r, 300));
    expect(ended).toEqual(['Replacement.']);
  });

  it('stop() mid-queue stops the current utterance and drops the queued ones', async () => {
    const { controller, ended, opened } = await setup();
    controller.speak('One two three four five six.');
    controller.speak('Never spoken.', { queue: 'append' });
    await until(controller, () => status(controller) === 'speaking');
    controller.stop();
    expect(controller.getSnapshot()).toMatchObject({ status: 'idle', queued: [] });
    await new Promise((r) => setTimeout(r, 400));
    expect(status(controller)).toBe('idle');
    expect(ended).toEqual([]);
    expect(opened()).toBe(1);
  });
});

describe('SpeechController barge-in', () => {
  const TEXT = 'Alpha bravo charlie delta echo foxtrot golf hotel india juliet.';

  it('stop() reports the whole words heard and the unheard rest, from the word timestamps', async () => {
    const { controller, interrupted } = await setup();
    controller.speak(TEXT);
    await until(controller, () => controller.getSnapshot().activeWordIndex >= 3);
    const heard = controller.stop()!;
    const { words } = controller.getSnapshot();
    expect(heard.heardWords).toBeGreaterThanOrEqual(3);
    expect(heard.heardWords).toBeLessThan(words.length);
    expect(heard.heardText + heard.unheardText).toBe(TEXT);
    expect(heard.heardText).toBe(TEXT.split(' ').slice(0, heard.heardWords).join(' '));
    // Every heard word's audio had ended at the position; the next one had not.
    expect(words[heard.heardWords - 1]!.endMs).toBeLessThanOrEqual(heard.positionMs);
    expect(words[heard.heardWords]!.endMs).toBeGreaterThan(heard.positionMs);
    expect(controller.getSnapshot().heard).toEqual(heard);
    expect(interrupted).toEqual([heard]);
  });

  it('a replacing speak reports what was heard of the replaced utterance', async () => {
    const { controller, interrupted } = await setup();
    controller.speak(TEXT);
    await until(controller, () => controller.getSnapshot().activeWordIndex >= 1);
    controller.speak('Something else.');
    expect(interrupted).toHaveLength(1);
    expect(TEXT.startsWith(interrupted[0]!.heardText)).toBe(true);
    expect(interrupted[0]!.heardWords).toBeGreaterThanOrEqual(1);
    expect(controller.getSnapshot().heard).toEqual(interrupted[0]);
  });

  it('stop() before any audio was heard reports nothing heard; an utterance heard to the end reports all of it', async () => {
    const { controller, interrupted } = await setup();
    controller.speak(TEXT);
    const none = controller.stop()!;
    expect(none).toMatchObject({ heardText: '', unheardText: TEXT, heardWords: 0 });
    controller.speak('Short one.');
    await until(controller, () => status(controller) === 'ended');
    expect(controller.getSnapshot().heard).toMatchObject({ heardText: 'Short one.', unheardText: '' });
    expect(interrupted).toHaveLength(1);
  });
});

describe('SpeechController queue: the next utterance synthesized while the current one plays', () => {
  // 100 ms each way: a request and its answer cost 200 ms, so synthesis started only once the current
  // utterance ended would leave at least 400 ms of silence (run-task → task-started, text → first audio).
  const ONE_WAY_MS = 100;

  /** The local server behind a delayed link; its engine notes when it is asked to speak each text. */
  async function delayedSetup(options: { pooled?: boolean } = {}) {
    const tone = createToneEngine();
    const asked: Array<{ text: string; at: number }> = [];
    const engine: SynthesisEngine = {
      name: 'recording tone',
      synthesize(request, onAudio, signal) {
        asked.push({ text: request.text, at: performance.now() });
        if (request.text.includes('explode')) return Promise.reject(new Error('the engine exploded'));
        return tone.synthesize(request, onAudio, signal);
      },
    };
    const server = createLocalVoiceServer({ engine, host: '127.0.0.1', port: 0 });
    const link = await startDelayLink(await server.listen(), ONE_WAY_MS);
    cleanup.push(() => server.close(), () => link.close());
    const counting = countingTransport(link.url);
    const pool = options.pooled === false ? undefined : new ConnectionPool(counting);
    if (pool) cleanup.push(() => pool.close());
    const log: Array<{ at: number; snapshot: SpeechSnapshot }> = [];
    const ended: string[] = [];
    const errors: Array<{ code: string; text: string; endedBefore: string[] }> = [];
    let controller!: SpeechController;
    controller = new SpeechController({
      transport: pool ?? counting,
      defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT, wordTimestampEnabled: true },
      createPlayer: () => createSilentPlayer({ format: FORMAT }),
      getCallbacks: () => ({
        onEnd: () => ended.push(controller.getSnapshot().text),
        onError: (error) => errors.push({ code: error.code, text: controller.getSnapshot().text, endedBefore: [...ended] }),
      }),
    });
    controller.subscribe(() => log.push({ at: performance.now(), snapshot: controller.getSnapshot() }));
    cleanup.push(() => controller.release());
    return { controller, pool, counting, asked, log, ended, errors };
  }

  /** When the snapshot first showed `utterance` in `state`. */
  function firstAt(log: Array<{ at: number; snapshot: SpeechSnapshot }>, utterance: number, state: SpeechStatus): number {
    const entry = log.find(({ snapshot }) => snapshot.utterance === utterance && snapshot.status === state);
    if (!entry) throw new Error(`utterance ${utterance} never showed ${state}`);
    return entry.at;
  }

  it('starts the next one the moment the current one ends, its audio already here, on the same socket', async () => {
    const { controller, counting, asked, log, ended } = await delayedSetup();
    controller.speak('First answer, a little longer than the next.');
    controller.speak('Second answer.', { queue: 'append' });
    const first = controller.getSnapshot().utterance;
    await until(controller, () => controller.getSnapshot().text === 'Second answer.' && status(controller) === 'ended');
    expect(ended).toEqual(['First answer, a little longer than the next.', 'Second answer.']);
    const firstEnded = firstAt(log, first, 'ended');
    // The service was asked for the second text while the first one was still being heard…
    expect(asked.find((call) => call.text.startsWith('Second'))!.at).toBeLessThan(firstEnded);
    // …so no round trip sits between the two: the silence is the player's own step, far below one round trip.
    const gapMs = firstAt(log, first + 1, 'speaking') - firstEnded;
    expect(gapMs).toBeLessThan(2 * ONE_WAY_MS);
    const second = controller.getSnapshot();
    expect(second).toMatchObject({ utterance: first + 1, queued: [], isComplete: true });
    expect(second.words.map((word) => word.text)).toEqual(['Second', 'answer']);
    expect(second.metrics.timeToFirstAudioMs).toBeLessThan(2 * ONE_WAY_MS);
    expect(second.metrics.connectionReused).toBe(true);
    expect(second.metrics.firstPackageDelayMs).toBeGreaterThanOrEqual(4 * ONE_WAY_MS);
    // One task after the other on the one pooled socket.
    expect(counting.opened).toBe(1);
    // The queued text stayed listed until its audio started.
    const lastOfFirst = log.filter(({ snapshot }) => snapshot.utterance === first).at(-1)!.snapshot;
    expect(lastOfFirst.queued).toEqual(['Second answer.']);
  });

  it('stop() while the next one is being synthesized cancels that synthesis: no socket or task is left', async () => {
    const { controller, counting, asked, ended, log } = await delayedSetup({ pooled: false });
    controller.speak('One two three four five six seven eight.');
    controller.speak('Never heard.', { queue: 'append' });
    // The second task's socket is opening while the first utterance plays.
    await until(controller, () => counting.opened === 2 || status(controller) === 'ended');
    expect(status(controller)).toBe('speaking');
    controller.stop();
    expect(controller.getSnapshot()).toMatchObject({ status: 'idle', queued: [] });
    const afterStop = log.length;
    await vi.waitFor(() => expect(counting.open).toBe(0), { timeout: 5000 });
    // Long enough for the cancelled task's answers to have crossed the link, had it kept running.
    await new Promise((resolve) => setTimeout(resolve, 6 * ONE_WAY_MS));
    expect(counting.open).toBe(0);
    expect(counting.opened).toBe(2);
    expect(log.length).toBe(afterStop);
    expect(ended).toEqual([]);
    expect(asked.map((call) => call.text)).not.toContain('Never heard.');
  });

  it('stop() with a pool: the cancelled synthesis gives its socket back, nothing stays leased', async () => {
    const { controller, pool, asked } = await delayedSetup();
    controller.speak('One two three four five six seven eight.');
    controller.speak('Never heard either.', { queue: 'append' });
    await until(controller, () => asked.some((call) => call.text.startsWith('Never')) || status(controller) === 'ended');
    expect(status(controller)).toBe('speaking');
    controller.stop();
    // The cancel is confirmed over the link; then the socket is idle again (none leased or draining).
    await vi.waitFor(() => expect(pool!.getStats()).toMatchObject({ open: 1, idle: 1 }), { timeout: 5000 });
    expect(status(controller)).toBe('idle');
  });

  it("a replacing speak drops the synthesis ahead; the replacement plays, the dropped text never does", async () => {
    const { controller, asked, ended } = await delayedSetup();
    controller.speak('One two three four five six seven eight.');
    controller.speak('Dropped.', { queue: 'append' });
    await until(controller, () => asked.some((call) => call.text === 'Dropped.') || status(controller) === 'ended');
    expect(status(controller)).toBe('speaking');
    controller.speak('Replacement.');
    await until(controller, () => status(controller) === 'ended');
    await new Promise((resolve) => setTimeout(resolve, 4 * ONE_WAY_MS));
    expect(ended).toEqual(['Replacement.']);
    expect(controller.getSnapshot()).toMatchObject({ text: 'Replacement.', queued: [] });
  });

  it('a failure of the synthesis ahead surfaces when its utterance becomes current, after the current one was heard', async () => {
    const { controller, asked, log, errors } = await delayedSetup();
    controller.speak('First answer, heard to the end.');
    controller.speak('This one will explode.', { queue: 'append' });
    controller.speak('Never reached.', { queue: 'append' });
    const first = controller.getSnapshot().utterance;
    await until(controller, () => status(controller) === 'error');
    // It failed while the first one played (retried once, as a retryable failure before audio)…
    expect(asked.filter((call) => call.text.includes('explode')).length).toBeGreaterThanOrEqual(1);
    expect(asked.find((call) => call.text.includes('explode'))!.at).toBeLessThan(firstAt(log, first, 'ended'));
    // …yet the first one was heard to the end, and never showed the error.
    expect(log.filter(({ snapshot }) => snapshot.utterance === first).map(({ snapshot }) => snapshot.status)).not.toContain('error');
    expect(errors).toEqual([{ code: 'TaskFailed', text: 'This one will explode.', endedBefore: ['First answer, heard to the end.'] }]);
    // The failure ends the queue, as any failure does.
    expect(controller.getSnapshot()).toMatchObject({ status: 'error', utterance: first + 1, queued: [] });
    await new Promise((resolve) => setTimeout(resolve, 4 * ONE_WAY_MS));
    expect(asked.map((call) => call.text)).not.toContain('Never reached.');
  });
});

describe('SpeechController queue: a player with an output latency', () => {
  // The silent player plays in real time but has no output latency. This one emulates it: it reports
  // its last sample as gone to the output LATENCY_MS before its own end, as the Web Audio player does
  // when its worklet has rendered the last sample (measured in Chromium in test/playback/player.browser.test.ts).
  const LATENCY_MS = 400;

  function playerWithLatency(ends: EndedReason[], drainedAt: number[]): Player {
    const player = createSilentPlayer({ format: FORMAT });
    const listeners = new Set<(remainingMs: number) => void>();
    let reported = false;
    player.onEnded((reason) => ends.push(reason));
    player.subscribe(() => {
      if (player.getSnapshot().state !== 'playing') reported = false;
    });
    const timer = setInterval(() => {
      const { canSeek, state } = player.getSnapshot();
      if (reported || !canSeek || state !== 'playing' || player.getDurationMs() - player.getPositionMs() > LATENCY_MS) return;
      reported = true;
      drainedAt.push(performance.now());
      for (const listener of [...listeners]) listener(Math.max(0, player.getDurationMs() - player.getPositionMs()));
    }, 5);
    cleanup.push(() => clearInterval(timer));
    const onOutputDrained = (listener: (remainingMs: number) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };
    return new Proxy(player, { get: (target, name) => (name === 'onOutputDrained' ? onOutputDrained : Reflect.get(target, name, target)) });
  }

  async function latencySetup() {
    const server = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0 });
    const url = await server.listen();
    cleanup.push(() => server.close());
    const pool = new ConnectionPool(proxyTransport({ url, WebSocket: WebSocket as never }));
    cleanup.push(() => pool.close());
    const ends: EndedReason[] = [];
    const drainedAt: number[] = [];
    const ended: Array<{ text: string; at: number }> = [];
    const started: Array<{ text: string; at: number }> = [];
    let controller!: SpeechController;
    controller = new SpeechController({
      transport: pool,
      defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT, wordTimestampEnabled: true },
      createPlayer: () => playerWithLatency(ends, drainedAt),
      getCallbacks: () => ({
        onStart: () => started.push({ text: controller.getSnapshot().text, at: performance.now() }),
        onEnd: () => ended.push({ text: controller.getSnapshot().text, at: performance.now() }),
      }),
    });
    cleanup.push(() => controller.release());
    return { controller, ends, drainedAt, ended, started };
  }

  it('hands over to the queued utterance when the last sample went to the output, not when it is heard: no latency of silence between', async () => {
    const { controller, ends, drainedAt, ended, started } = await latencySetup();
    controller.speak('The first reply, long enough to play a while.');
    controller.speak('The second reply.', { queue: 'append' });
    await until(controller, () => controller.getSnapshot().text === 'The second reply.' && status(controller) === 'ended');
    expect(ended.map((entry) => entry.text)).toEqual(['The first reply, long enough to play a while.', 'The second reply.']);
    expect(started.map((entry) => entry.text)).toEqual(['The first reply, long enough to play a while.', 'The second reply.']);
    // The first one ended at its drain (its playthrough cut at the output, its last LATENCY_MS already
    // there), and the second one was playing before the first would have been heard to its end.
    expect(drainedAt.length).toBeGreaterThanOrEqual(1);
    expect(ended[0]!.at).toBeGreaterThanOrEqual(drainedAt[0]!);
    expect(ends[0]).toBe('stopped');
    expect(started[1]!.at).toBeLessThan(drainedAt[0]! + LATENCY_MS);
    // Its time to first audio counts from where the first one is heard to end: the audio was due before that.
    expect(controller.getSnapshot().metrics.timeToFirstAudioMs).toBe(0);
    // With nothing queued after it, the second one ended when heard, not at its drain.
    expect(ends.at(-1)).toBe('finished');
  });

  it('without a queue, an utterance ends when it is heard to the end, not at its drain', async () => {
    const { controller, ends, drainedAt, ended } = await latencySetup();
    controller.speak('Only this one, long enough to play a while.');
    await until(controller, () => status(controller) === 'ended');
    expect(drainedAt.length).toBe(1);
    expect(ends).toEqual(['finished']);
    expect(ended[0]!.at - drainedAt[0]!).toBeGreaterThanOrEqual(LATENCY_MS - 100);
  });
});
