// The speech controllers' state machines, driven step by step: an in-process server that sends each
// frame when the test says (memoryTransport), the silent player, and fake timers as the clock. Every
// phase of an utterance is reached and held, then left by each event that applies there — including
// stop and failure from every phase. (The phase table itself is tested in UtterancePhase.test.ts.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AudioFormat,
  SpeechController,
  StreamingSpeechController,
  type AudioFormatSpec,
  type Player,
  type SpeechCallbacks,
  type SpeechStatus,
} from 'cosyvoice-react/core';
import { createAudioPlayer, createSilentPlayer } from 'cosyvoice-react/playback';
import { fakeAudioContext } from '../utils/fakeAudioContext';
import { deliver, steppedMemoryServer } from '../utils/steppedMemoryServer';

const FORMAT = AudioFormat.PCM_16000HZ_MONO_16BIT;
const TEXT = 'Hello there world.';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

interface SetupOptions {
  refuse?: 'unauthorized' | 'unreachable';
  createPlayer?: () => Player;
  format?: AudioFormatSpec;
  volume?: number;
  idleFinishMs?: number;
}

function setup<C extends SpeechController = SpeechController>(options: SetupOptions = {}, Controller: new (o: ConstructorParameters<typeof StreamingSpeechController>[0]) => C = SpeechController as never) {
  const server = steppedMemoryServer({ refuse: options.refuse });
  const calls: string[] = [];
  const callbacks: SpeechCallbacks = {
    onStart: () => calls.push('start'),
    onWord: (_word, index) => calls.push(`word:${index}`),
    onEnd: () => calls.push('end'),
    onError: (error) => calls.push(`error:${error.code}`),
  };
  const format = options.format ?? FORMAT;
  const controller = new Controller({
    transport: server.transport,
    defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format, wordTimestampEnabled: true, volume: options.volume },
    createPlayer: options.createPlayer ?? (() => createSilentPlayer({ format, now: () => Date.now() })),
    getCallbacks: () => callbacks,
    idleFinishMs: options.idleFinishMs,
  });
  const statuses: SpeechStatus[] = [];
  controller.subscribe(() => {
    const status = controller.getSnapshot().status;
    if (statuses.at(-1) !== status) statuses.push(status);
  });
  return { server, controller, calls, statuses, status: () => controller.getSnapshot().status };
}

type Setup = ReturnType<typeof setup>;

/** Drives a speak to `phase` and checks it is there. */
async function reach(s: Setup, phase: 'connecting, no socket yet' | 'connecting, run-task sent' | 'synthesizing, buffering' | 'synthesizing, speaking' | 'synthesizing, paused' | 'synthesized' | 'ended') {
  s.controller.speak(TEXT);
  if (phase === 'connecting, no socket yet') return expect(s.status()).toBe('connecting');
  await deliver();
  if (phase === 'connecting, run-task sent') {
    expect(s.server.actions()).toEqual(['run-task']);
    return expect(s.status()).toBe('connecting');
  }
  s.server.started();
  await deliver();
  if (phase === 'synthesizing, buffering') return expect(s.status()).toBe('buffering');
  s.server.sentenceBegin();
  s.server.audio(1000);
  await deliver();
  if (phase === 'synthesizing, speaking') return expect(s.status()).toBe('speaking');
  if (phase === 'synthesizing, paused') {
    s.controller.pause();
    return expect(s.status()).toBe('paused');
  }
  s.server.sentenceEnd(TEXT);
  s.server.finished(TEXT.length);
  await deliver();
  expect(s.controller.getSnapshot().isComplete).toBe(true);
  if (phase === 'synthesized') return expect(s.status()).toBe('speaking');
  await vi.advanceTimersByTimeAsync(1100);
  expect(s.status()).toBe('ended');
}

const PHASES = ['connecting, no socket yet', 'connecting, run-task sent', 'synthesizing, buffering', 'synthesizing, speaking', 'synthesizing, paused', 'synthesized', 'ended'] as const;

describe('SpeechController: an utterance step by step', () => {
  it('moves connecting → synthesizing → synthesized → ended, one callback each, metrics filled in', async () => {
    const s = setup();
    s.controller.speak(TEXT);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'connecting', text: TEXT, utterance: 1, isComplete: false });
    await deliver();
    // Text waits for task-started.
    expect(s.server.actions()).toEqual(['run-task']);
    s.server.started();
    await deliver();
    expect(s.status()).toBe('buffering');
    expect(s.server.actions()).toEqual(['run-task', 'continue-task', 'finish-task']);
    expect(s.server.texts()).toEqual([TEXT]);
    s.server.sentenceBegin();
    s.server.audio(300);
    await deliver();
    expect(s.status()).toBe('speaking');
    expect(s.calls).toEqual(['start']);
    s.server.sentenceEnd(TEXT);
    await deliver();
    expect(s.controller.getSnapshot().words.map((w) => [w.text, w.beginMs])).toEqual([
      ['Hello', 0],
      ['there', 100],
      ['world.', 200],
    ]);
    expect(s.controller.getSnapshot().isComplete).toBe(false);
    s.server.finished(TEXT.length);
    await deliver();
    // synthesized: all audio here, still playing
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'speaking', isComplete: true });
    expect(s.controller.getAudio()?.chunks).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(400);
    expect(s.status()).toBe('ended');
    expect(s.calls).toEqual(['start', 'word:0', 'word:1', 'word:2', 'end']);
    expect(s.statuses).toEqual(['connecting', 'buffering', 'speaking', 'ended']);
    const { metrics } = s.controller.getSnapshot();
    expect(metrics.requestId).toBe(s.server.last().messages[0]!.header.task_id);
    expect(metrics.characters).toBe(TEXT.length);
    expect(metrics.firstPackageDelayMs).toBeGreaterThanOrEqual(0);
    expect(metrics.timeToFirstAudioMs).toBeGreaterThanOrEqual(0);
    await deliver();
    expect(s.server.last().closed).toEqual({ code: 1000, reason: 'task finished' });
  });

  it('ended: a replay speaks again and ends again without a second onStart or onEnd', async () => {
    const s = setup();
    await reach(s, 'ended');
    s.controller.resume();
    expect(s.status()).toBe('speaking');
    s.controller.pause();
    expect(s.status()).toBe('paused');
    s.controller.resume();
    await vi.advanceTimersByTimeAsync(1100);
    expect(s.status()).toBe('ended');
    expect(s.calls.filter((c) => c === 'start' || c === 'end')).toEqual(['start', 'end']);
    expect(s.controller.seek(500)).toBe(true);
    expect(s.status()).toBe('speaking');
  });

  it('an override left undefined keeps the default (voice: undefined is "not set")', async () => {
    const s = setup();
    s.controller.speak(TEXT, { voice: undefined, speechRate: 1.5 });
    expect(s.status()).toBe('connecting');
    await deliver();
    const parameters = s.server.last().messages[0]!.payload.parameters as Record<string, unknown>;
    expect(parameters).toMatchObject({ voice: 'longanyang', rate: 1.5 });
  });

  it('ignores a second task-started and events of another task', async () => {
    const s = setup();
    await reach(s, 'synthesizing, buffering');
    const snapshot = s.controller.getSnapshot();
    s.server.started();
    s.server.last().peer.send(JSON.stringify({ header: { task_id: 'another', event: 'task-failed', error_code: 'X', error_message: 'not mine', attributes: {} }, payload: {} }));
    await deliver();
    expect(s.controller.getSnapshot()).toBe(snapshot);
  });
});

describe('SpeechController: stop() from every phase', () => {
  for (const phase of PHASES) {
    it(`${phase}: idle at once, the task cancelled and its socket closed, late frames ignored, and the next speak works`, async () => {
      const s = setup();
      await reach(s, phase);
      const before = s.controller.getSnapshot();
      const started = phase.startsWith('synthesizing');
      s.controller.stop();
      expect(s.controller.getSnapshot()).toMatchObject({ status: 'idle', utterance: before.utterance, text: TEXT, error: undefined });
      expect(s.calls.some((c) => c.startsWith('error'))).toBe(false);
      await deliver();
      const connection = s.server.last();
      // A task the service had started is cancelled on the wire; every socket is closed.
      expect(s.server.actions().includes('finish-task:cancel')).toBe(started);
      expect(connection.closed?.code).toBe(1000);
      const after = s.controller.getSnapshot();
      if (phase !== 'connecting, no socket yet') {
        s.server.audio(100);
        s.server.finished();
      }
      await vi.advanceTimersByTimeAsync(2000);
      expect(s.controller.getSnapshot()).toBe(after);
      s.controller.speak('Again.');
      await deliver();
      s.server.started();
      await deliver();
      expect(s.status()).toBe('buffering');
      expect(s.controller.getSnapshot().utterance).toBe(before.utterance + 1);
    });
  }
});

describe('SpeechController: failure from every phase', () => {
  it('connecting: invalid parameters fail at once and nothing connects', async () => {
    const s = setup({ volume: 500 });
    s.controller.speak(TEXT);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'InvalidOptions', message: 'volume must be an integer from 0 to 100; received 500' } });
    expect(s.calls).toEqual(['error:InvalidOptions']);
    await deliver();
    expect(s.server.connections).toHaveLength(0);
  });

  it('connecting: too much text fails at once and nothing connects', async () => {
    const s = setup();
    s.controller.speak('a'.repeat(200_001));
    expect(s.controller.getSnapshot().error).toMatchObject({ code: 'TextTooLong' });
    await deliver();
    expect(s.server.connections).toHaveLength(0);
  });

  for (const [refuse, code] of [
    ['unauthorized', 'Unauthorized'],
    ['unreachable', 'ConnectionFailed'],
  ] as const) {
    it(`connecting: an endpoint that refuses (${refuse}) fails with ${code}`, async () => {
      const s = setup({ refuse });
      s.controller.speak(TEXT);
      await deliver();
      expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', error: { code } });
      expect(s.calls).toEqual([`error:${code}`]);
    });
  }

  it('connecting: task-failed before task-started fails with TaskFailed and the server code', async () => {
    const s = setup();
    await reach(s, 'connecting, run-task sent');
    s.server.failed('InvalidParameter', 'Engine return error code: 418');
    await deliver();
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'TaskFailed', serverCode: 'InvalidParameter' } });
    expect(s.statuses).toEqual(['connecting', 'error']);
  });

  it('connecting: no task-started within the start timeout fails with Timeout (10 s by default)', async () => {
    const s = setup();
    await reach(s, 'connecting, run-task sent');
    await vi.advanceTimersByTimeAsync(9_900);
    expect(s.status()).toBe('connecting');
    await vi.advanceTimersByTimeAsync(200);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'Timeout', retryable: true } });
  });

  it('synthesizing: task-failed mid-audio fails with TaskFailed; the audio stops', async () => {
    const s = setup();
    await reach(s, 'synthesizing, speaking');
    s.server.failed('InternalError', 'engine crashed');
    await deliver();
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'TaskFailed', retryable: true }, interrupted: false });
    expect(s.controller.player?.getSnapshot().state).toBe('idle');
    expect(s.calls).toEqual(['start', 'error:TaskFailed']);
  });

  it('synthesizing: a dropped socket fails with ConnectionClosed', async () => {
    const s = setup();
    await reach(s, 'synthesizing, buffering');
    s.server.drop(1006);
    await deliver();
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'ConnectionClosed', closeCode: 1006 } });
  });

  it('synthesizing: audio the player cannot play (stereo WAV) fails with AudioFailed and cancels the task', async () => {
    const s = setup({ format: AudioFormat.WAV_16000HZ_MONO_16BIT });
    await reach(s, 'synthesizing, buffering');
    const header = new Uint8Array(44);
    const view = new DataView(header.buffer);
    header.set([82, 73, 70, 70], 0);
    header.set([87, 65, 86, 69, 102, 109, 116, 32], 8);
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true);
    view.setUint16(22, 2, true); // stereo
    view.setUint32(24, 16000, true);
    view.setUint16(34, 16, true);
    header.set([100, 97, 116, 97], 36);
    s.server.last().peer.send(header);
    await deliver();
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'AudioFailed' } });
    await deliver();
    expect(s.server.actions()).toContain('finish-task:cancel');
  });

  it('synthesized: an audio output closed while the rest plays fails with AudioFailed (Web Audio player, context closed under it)', async () => {
    // The worklet never loads in Node: the audio waits, and the playthrough stays live.
    const { context, setState } = fakeAudioContext({ running: true });
    const s = setup({ createPlayer: () => createAudioPlayer({ createContext: () => context, format: FORMAT }) });
    s.controller.speak(TEXT);
    await deliver();
    s.server.started();
    s.server.audio(500);
    s.server.sentenceEnd(TEXT);
    s.server.finished(TEXT.length);
    await deliver();
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'buffering', isComplete: true });
    expect(s.controller.player?.getSnapshot().canSeek).toBe(true);
    setState('closed');
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'AudioFailed', message: 'The AudioContext was closed while playing.' } });
    expect(s.calls).toEqual(['error:AudioFailed']);
    s.controller.release();
  });

  it('failed: later frames change nothing, stop() dismisses the error, and the next speak works', async () => {
    const s = setup();
    await reach(s, 'synthesizing, speaking');
    s.server.failed('InternalError', 'engine crashed');
    await deliver();
    const failed = s.controller.getSnapshot();
    s.server.audio(100);
    s.controller.pause();
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.controller.getSnapshot()).toBe(failed);
    s.controller.stop();
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'idle', error: undefined });
    s.controller.speak('Again.');
    await deliver();
    s.server.started();
    await deliver();
    expect(s.status()).toBe('buffering');
  });
});

describe('SpeechController: a new utterance replaces the current one', () => {
  for (const phase of ['connecting, run-task sent', 'synthesizing, speaking', 'synthesized', 'ended'] as const) {
    it(`from ${phase}: the old task is cancelled, no idle snapshot in between, late frames of the old task are dropped`, async () => {
      const s = setup();
      await reach(s, phase);
      const first = s.server.last();
      s.controller.speak('Second one.');
      expect(s.controller.getSnapshot()).toMatchObject({ status: 'connecting', text: 'Second one.', utterance: 2, words: [], isComplete: false });
      expect(s.statuses.at(-2)).not.toBe('idle');
      await deliver();
      expect(first.closed).toBeDefined();
      const snapshot = s.controller.getSnapshot();
      first.peer.send(new Uint8Array(3200));
      await deliver();
      expect(s.controller.getSnapshot()).toBe(snapshot);
    });
  }
});

describe('StreamingSpeechController: the text stream step by step', () => {
  it('open → idle finish → a new task for later text → completing → synthesized → ended, on one timeline', async () => {
    const s = setup({ idleFinishMs: 1000 }, StreamingSpeechController);
    s.controller.start();
    expect(s.status()).toBe('connecting');
    await deliver();
    s.server.started();
    await deliver();
    s.controller.write('First part. ');
    await deliver();
    expect(s.server.texts()).toEqual(['First part. ']);
    s.server.sentenceBegin(0);
    s.server.audio(400);
    s.server.sentenceEnd('First part. ');
    await deliver();
    // No text for idleFinishMs: the task is finished (the service would fail it at 23 s).
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.server.actions()).toEqual(['run-task', 'continue-task', 'finish-task']);
    // Text written while the task finishes waits for the next task.
    s.controller.write('Second part.');
    await deliver();
    expect(s.server.connections).toHaveLength(1);
    s.server.finished(12);
    await deliver();
    expect(s.server.connections).toHaveLength(2);
    await deliver();
    s.server.started();
    await deliver();
    expect(s.server.texts()).toEqual(['Second part.']);
    s.controller.complete();
    await deliver();
    expect(s.server.actions()).toEqual(['run-task', 'continue-task', 'finish-task']);
    expect(s.controller.getSnapshot().isComplete).toBe(false);
    s.server.sentenceBegin(0);
    s.server.audio(300);
    s.server.sentenceEnd('Second part.');
    s.server.finished(12);
    await deliver();
    const snapshot = s.controller.getSnapshot();
    expect(snapshot).toMatchObject({ isComplete: true, text: 'First part. Second part.' });
    // The second task's audio and text continue the first's.
    expect(snapshot.words.map((w) => [w.text, w.beginMs, w.beginIndex])).toEqual([
      ['First', 0, 0],
      ['part.', 100, 6],
      ['Second', 400, 12],
      ['part.', 500, 19],
    ]);
    expect(snapshot.metrics.characters).toBe(24);
    await vi.advanceTimersByTimeAsync(800);
    expect(s.status()).toBe('ended');
    expect(s.calls.at(-1)).toBe('end');
  });

  it('a task started but never given text is dropped at the idle limit; the next write opens a new one', async () => {
    const s = setup({ idleFinishMs: 1000 }, StreamingSpeechController);
    s.controller.start();
    await deliver();
    s.server.started();
    await deliver();
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.server.actions()).toEqual(['run-task', 'finish-task:cancel']);
    expect(s.status()).not.toBe('error');
    s.controller.write('Later text.');
    await deliver();
    expect(s.server.connections).toHaveLength(2);
    await deliver();
    s.server.started();
    await deliver();
    expect(s.server.texts()).toEqual(['Later text.']);
  });

  it('whitespace-only fragments wait for the next text instead of going out alone', async () => {
    const s = setup({}, StreamingSpeechController);
    s.controller.start();
    await deliver();
    s.server.started();
    await deliver();
    for (const token of ['Hello', ' ', '\n', 'world', '.']) s.controller.write(token);
    await deliver();
    expect(s.server.texts()).toEqual(['Hello', ' \nworld', '.']);
    expect(s.controller.getSnapshot().text).toBe('Hello \nworld.');
  });

  const STREAM_PHASES = ['open, no text yet', 'open, text sent', 'completing', 'handing over to the next task'] as const;
  for (const phase of STREAM_PHASES) {
    it(`cancel() while ${phase}: idle at once, pipe resolves "idle", the socket closed, no timer left after release`, async () => {
      const s = setup({ idleFinishMs: 1000 }, StreamingSpeechController);
      let release!: () => void;
      const source = (async function* () {
        if (phase !== 'open, no text yet') yield 'Some text. ';
        await new Promise<void>((resolve) => (release = resolve));
      })();
      const piped = s.controller.pipe(source);
      await deliver();
      s.server.started();
      await deliver();
      if (phase === 'completing') s.controller.complete();
      if (phase === 'handing over to the next task') {
        await vi.advanceTimersByTimeAsync(1000);
        expect(s.server.actions().at(-1)).toBe('finish-task');
        s.controller.write('Held for the next task.');
      }
      s.controller.cancel();
      expect(s.status()).toBe('idle');
      await expect(piped).resolves.toBe('idle');
      await deliver();
      expect(s.server.connections.every((c) => c.closed !== undefined)).toBe(true);
      expect(s.server.connections).toHaveLength(1);
      release();
      s.controller.release();
      await deliver();
      expect(vi.getTimerCount()).toBe(0);
    });
  }

  it('a failure mid-stream settles pipe with "error" and stops the idle timer', async () => {
    const s = setup({ idleFinishMs: 1000 }, StreamingSpeechController);
    const piped = s.controller.pipe(
      (async function* () {
        yield 'Some text. ';
        await new Promise(() => {});
      })(),
    );
    await deliver();
    s.server.started();
    await deliver();
    // Not retryable (a retryable failure before any audio is retried once on a new connection, see SynthesisTask.retry.test.ts).
    s.server.failed('InvalidParameter', '[tts:]Engine return error code: 418');
    await deliver();
    await expect(piped).resolves.toBe('error');
    expect(s.controller.getSnapshot().error?.code).toBe('TaskFailed');
    s.controller.release();
    await deliver();
    expect(vi.getTimerCount()).toBe(0);
  });
});

// The Web Audio player on a fake context whose start the test controls (Node has no Web Audio; the same
// runs in real engines in useSpeechSynthesis.browser.test.tsx and test/reliability/*.firefox-pulse.test.tsx).
describe('SpeechController: an audio output that has not started', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  function blockedSetup() {
    vi.stubGlobal('navigator', { userActivation: { isActive: false }, getAutoplayPolicy: () => 'disallowed' });
    const output = fakeAudioContext({ running: false });
    const s = setup({ createPlayer: () => createAudioPlayer({ createContext: () => output.context, format: FORMAT, unlockTimeoutMs: 300 }) });
    return { ...s, output };
  }

  it('blocked before task-started: the status shows AudioBlocked until the output starts, onError once, synthesis goes on; then the same utterance plays', async () => {
    const s = blockedSetup();
    s.controller.speak(TEXT);
    await deliver();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'AudioBlocked' } });
    // Events of the synthesis keep the status on the reason, and tell onError nothing new.
    s.server.started();
    await deliver();
    expect(s.status()).toBe('error');
    s.server.sentenceBegin();
    s.server.audio(500);
    s.server.sentenceEnd(TEXT);
    s.server.finished(TEXT.length);
    await deliver();
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', isComplete: true, utterance: 1 });
    expect(s.calls).toEqual(['error:AudioBlocked']);
    expect(s.server.actions()).toEqual(['run-task', 'continue-task', 'finish-task']);
    // The output starts (a tap on resume, a slow device): the reading goes on, nothing was lost.
    s.output.setState('running');
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'buffering', error: undefined, utterance: 1, isComplete: true });
    expect(s.statuses).toEqual(['connecting', 'error', 'buffering']);
    expect(s.controller.getAudio()?.chunks.length).toBeGreaterThan(0);
  });

  it('a resume or a seek from a later gesture unlocks the same utterance: the status leaves error at once', async () => {
    const s = blockedSetup();
    s.controller.speak(TEXT);
    await deliver();
    s.server.started();
    s.server.sentenceBegin();
    s.server.audio(500);
    s.server.sentenceEnd(TEXT);
    s.server.finished(TEXT.length);
    await deliver();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.status()).toBe('error');
    vi.stubGlobal('navigator', { userActivation: { isActive: true } });
    expect(s.controller.seek(100)).toBe(true);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'buffering', error: undefined, utterance: 1 });
    // Still starting long after the unlock timeout: a slow device, not a block.
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.status()).toBe('buffering');
    expect(s.calls).toEqual(['error:AudioBlocked']);
  });

  it('a seek from a click while synthesis still runs cannot seek yet, but its gesture starts the blocked output', async () => {
    const s = blockedSetup();
    s.controller.speak(TEXT);
    await deliver();
    s.server.started();
    s.server.sentenceBegin();
    s.server.audio(500);
    await deliver();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'error', isComplete: false });
    vi.stubGlobal('navigator', { userActivation: { isActive: true } });
    expect(s.controller.seek(100)).toBe(false);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'buffering', error: undefined, utterance: 1 });
    s.output.setState('running');
    s.server.sentenceEnd(TEXT);
    s.server.finished(TEXT.length);
    await deliver();
    expect(s.controller.getSnapshot()).toMatchObject({ isComplete: true, error: undefined });
    expect(s.calls).toEqual(['error:AudioBlocked']);
  });
});

describe('SpeechController: playback rate', () => {
  it('changes speed mid-utterance with the position continuous and no new request, and keeps it for the next utterance', async () => {
    const s = setup();
    await reach(s, 'synthesizing, speaking');
    const start = s.controller.getPositionMs();
    await vi.advanceTimersByTimeAsync(200);
    const before = s.controller.getPositionMs();
    expect(before - start).toBeCloseTo(200, 0);
    const requests = s.server.actions();
    s.controller.setPlaybackRate(2);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'speaking', playbackRate: 2 });
    expect(s.controller.playbackRate).toBe(2);
    expect(s.controller.player?.playbackRate).toBe(2);
    expect(s.controller.getPositionMs()).toBeCloseTo(before, 0);
    await vi.advanceTimersByTimeAsync(100);
    expect(s.controller.getPositionMs() - before).toBeCloseTo(200, 0);
    s.server.sentenceEnd(TEXT);
    s.server.finished(TEXT.length);
    await deliver();
    // Nothing was asked of the service again: the same task's frames only.
    expect(s.server.actions()).toEqual(requests);
    expect(s.server.connections).toHaveLength(1);
    // The rest of the 1 000 ms of audio plays at 2×: half as long as at 1×.
    const left = 1000 - s.controller.getPositionMs();
    expect(left).toBeGreaterThan(400);
    await vi.advanceTimersByTimeAsync(left / 2 - 30);
    expect(s.status()).toBe('speaking');
    await vi.advanceTimersByTimeAsync(60);
    expect(s.status()).toBe('ended');
    expect(s.calls.at(-1)).toBe('end');
    // The next utterance starts at 2×.
    s.controller.speak(TEXT);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'connecting', playbackRate: 2 });
    s.controller.stop();
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'idle', playbackRate: 2 });
  });

  it('a rate set before the first speak (no player yet) or kept over release() applies to the new player', async () => {
    const s = setup();
    s.controller.setPlaybackRate(0.5);
    expect(s.controller.player).toBeUndefined();
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'idle', playbackRate: 0.5 });
    await reach(s, 'synthesizing, speaking');
    expect(s.controller.player?.playbackRate).toBe(0.5);
    const start = s.controller.getPositionMs();
    await vi.advanceTimersByTimeAsync(200);
    expect(s.controller.getPositionMs() - start).toBeCloseTo(100, 0);
    s.controller.release();
    s.controller.speak(TEXT);
    expect(s.controller.player?.playbackRate).toBe(0.5);
    s.controller.stop();
  });

  it('rejects a rate outside 0.5–2 with a ValidationError, changing nothing: the utterance plays on at its rate', async () => {
    const s = setup();
    await reach(s, 'synthesizing, speaking');
    s.controller.setPlaybackRate(1.5);
    const snapshot = s.controller.getSnapshot();
    for (const bad of [3, 0.25, Number.NaN, -1]) {
      expect(() => s.controller.setPlaybackRate(bad)).toThrow(expect.objectContaining({ name: 'ValidationError', field: 'playbackRate' }));
    }
    expect(s.controller.getSnapshot()).toBe(snapshot);
    expect(s.controller.playbackRate).toBe(1.5);
    expect(s.controller.player?.playbackRate).toBe(1.5);
    const start = s.controller.getPositionMs();
    await vi.advanceTimersByTimeAsync(100);
    expect(s.controller.getPositionMs() - start).toBeCloseTo(150, 0);
    expect(s.calls.some((c) => c.startsWith('error'))).toBe(false);
  });
});
