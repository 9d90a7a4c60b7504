// Fuzzing the client's parser and SpeechSynthesizer with random and mutated server frames.
// Seeded: the seed is printed; rerun a failure with FUZZ_SEED=<seed> (FUZZ_SEED=random explores).
// Loopback only, bounded in count (tasks, frames) and time (every task must settle within a bound).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, SpeechSynthesizer, SynthesisError, isSynthesisError, isTerminalState, proxyTransport, type AudioFormatSpec } from 'cosyvoice-react/core';
import { AudioDurationCounter } from '../../src/core/AudioDurationCounter';
import { parseServerFrame } from '../../src/core/protocol';
import { startScriptedServer, type ScriptedConnection } from '../utils/scriptedDashScopeServer';
import { fuzzSeed, garbageBytes, mutateEvent, nonEventText, prng, randomUnicode, randomValue, subSeed, taskScript, validEvent } from './support/fuzz';

const SEED = fuzzSeed(0x5eed_c05e);
console.log(`[fuzz] seed ${SEED} (rerun with FUZZ_SEED=${SEED})`);

// Any uncaught exception or unhandled rejection while this file runs is a failure (vitest reports
// them too; counting them here makes the assertion explicit and names the culprit).
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);
beforeAll(() => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});
afterAll(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

describe('parseServerFrame under fuzzing', () => {
  it(`never throws and classifies 20 000 random and mutated frames consistently (seed ${SEED})`, () => {
    const rng = prng(SEED);
    const counts = { event: 0, audio: 0, invalid: 0 };
    for (let i = 0; i < 20_000; i++) {
      const kind = rng.int(0, 6);
      let input: unknown;
      if (kind === 0) input = JSON.stringify(validEvent(rng.pick(['t', '', 'x'.repeat(64)]), rng.pick(['task-started', 'result-generated', 'task-finished', 'task-failed']), rng, rng.int(0, 5)));
      else if (kind === 1) {
        const mutated = mutateEvent(rng, validEvent('t', rng.pick(['task-started', 'result-generated', 'task-finished', 'task-failed']), rng), 'other');
        input = typeof mutated === 'string' ? mutated : JSON.stringify(mutated);
      } else if (kind === 2) input = nonEventText(rng);
      else if (kind === 3) input = garbageBytes(rng);
      else if (kind === 4) {
        const bytes = garbageBytes(rng);
        input = rng.pick([bytes.buffer, Buffer.from(bytes), new DataView(bytes.buffer), new Int16Array(bytes.buffer, 0, bytes.byteLength >> 1)]);
      } else if (kind === 5) input = randomValue(rng); // not a string or bytes at all
      else input = JSON.stringify(randomValue(rng)) ?? randomUnicode(rng);

      let frame: ReturnType<typeof parseServerFrame>;
      try {
        frame = parseServerFrame(input);
      } catch (error) {
        throw new Error(`parseServerFrame threw on input #${i} (seed ${SEED}): ${String(error)}; input ${show(input)}`);
      }
      counts[frame.kind]++;
      // Plain checks in the hot loop (expect() per frame would dominate the run time).
      const fail = (what: string) => {
        throw new Error(`input #${i} (seed ${SEED}): ${what}; input ${show(input)}`);
      };
      if (typeof input === 'string' && frame.kind === 'audio') fail('a text frame was classified as audio');
      if (frame.kind === 'audio') {
        if (!(frame.data instanceof Uint8Array)) fail('audio data is not a Uint8Array');
        if (frame.data.byteLength !== (input as ArrayBufferView | ArrayBuffer).byteLength) fail('audio length differs from the input');
      } else if (frame.kind === 'invalid') {
        if (!isSynthesisError(frame.error) || frame.error.code !== 'ProtocolError') fail('invalid frame without a ProtocolError');
      } else {
        const event = frame.event;
        if (typeof event.taskId !== 'string') fail('taskId is not a string');
        if (typeof event.raw !== 'object' || event.raw === null) fail('raw is not an object');
        if (event.usage && !Number.isFinite(event.usage.characters)) fail('usage.characters is not finite');
        if (event.event === 'result-generated') {
          if (event.sentenceIndex !== undefined && !(Number.isInteger(event.sentenceIndex) && event.sentenceIndex >= 0)) fail('bad sentenceIndex');
          for (const w of event.words) {
            if (typeof w.text !== 'string' || ![w.beginIndex, w.endIndex, w.beginTime, w.endTime].every(Number.isFinite)) fail('a word with a non-finite field');
          }
        }
        if (event.event === 'task-failed' && (typeof event.errorCode !== 'string' || typeof event.errorMessage !== 'string')) fail('task-failed without code/message strings');
      }
    }
    // The generator reaches every class, so the invariants above were exercised on each.
    expect(counts.event).toBeGreaterThan(2000);
    expect(counts.audio).toBeGreaterThan(2000);
    expect(counts.invalid).toBeGreaterThan(2000);
    expect(uncaught).toEqual([]);
  }, 120_000); // CPU-bound: about 2 s alone, far more on a machine busy elsewhere
});

function show(value: unknown): string {
  try {
    return `${Object.prototype.toString.call(value)} ${JSON.stringify(value)?.slice(0, 200)}`;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

describe('parseServerFrame on values no socket produces', () => {
  // Regression test for a fixed bug (src/core/protocol.ts, parseServerFrame): for a frame that is neither a string nor bytes it builds
  // the ProtocolError excerpt with `String(data)`, which throws "Cannot convert object to primitive value"
  // for a null-prototype object (or any object whose toString/Symbol.toPrimitive throws), breaking the
  // documented "Never throws". Fix: use `Object.prototype.toString.call(data)` for the excerpt.
  // Found by the fuzz loop above (seed 1592639582, input #549: a `{}` whose `__proto__` was set to null).
  it('returns an invalid frame for a null-prototype object instead of throwing', () => {
    const frame = parseServerFrame(Object.create(null));
    expect(frame.kind).toBe('invalid');
  });
});

describe('AudioDurationCounter on a hostile WAV header', () => {
  // Regression test for a fixed bug (src/core/AudioDurationCounter.ts, #countWav / parseWavHeader): a WAV stream whose first chunk
  // after "WAVE" (e.g. LIST) declares a huge size (0x7fffffff) makes parseWavHeader answer 'need-more'
  // forever: the counter keeps every later byte in #pending, re-concatenates and re-scans it on each push
  // (quadratic), and durationMs stays 0. Measured: 3 000 frames of 3 200 bytes take 13 s of CPU, and
  // sentence offsets / word times all collapse to 0. Found from the fuzzer's crafted RIFF header.
  // Fix: in #countWav, when the header is still 'need-more' after 64 KiB (no real WAV header is that
  // long), or when a non-data chunk's declared size runs past that cap, treat the header as 'invalid'
  // (count the bytes after the 44-byte canonical header as PCM), as is already done for 'invalid'.
  it('still counts the audio that follows', () => {
    const counter = new AudioDurationCounter(AudioFormat.WAV_16000HZ_MONO_16BIT);
    counter.push(Uint8Array.from([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x41, 0x56, 0x45, 0x4c, 0x49, 0x53, 0x54, 0xff, 0xff, 0xff, 0x7f]));
    for (let i = 0; i < 30; i++) counter.push(new Uint8Array(3200)); // 3 s of 16 kHz audio
    expect(counter.durationMs).toBeGreaterThan(2000);
  });
});

const FORMATS: AudioFormatSpec[] = [
  AudioFormat.PCM_24000HZ_MONO_16BIT,
  AudioFormat.WAV_16000HZ_MONO_16BIT,
  AudioFormat.MP3_22050HZ_MONO_256KBPS,
  AudioFormat.OGG_OPUS_24KHZ_MONO_32KBPS,
];
const TASKS = 320;
const LANES = 32;
// Long enough that a busy machine still delivers the scripts (the frame count below is checked), short
// enough that the scripts which never answer time out quickly.
const START_TIMEOUT = 1500;
const TASK_TIMEOUT = 3000;
const CONNECT_TIMEOUT = 20_000;
// A task must settle within its own timeouts plus a margin for the loopback and the event loop.
const SETTLE_BOUND = CONNECT_TIMEOUT + START_TIMEOUT + TASK_TIMEOUT + 1500;

describe('SpeechSynthesizer against a fuzzing server', () => {
  let server: Awaited<ReturnType<typeof startScriptedServer>>;
  let framesSent = 0;
  const sockets = new Set<WebSocket>();

  beforeAll(async () => {
    server = await startScriptedServer({
      onMessage(connection: ScriptedConnection, message) {
        if (message.header.action !== 'run-task') return;
        const params = new URL(connection.request.url ?? '/', 'http://x').searchParams;
        const index = Number(params.get('fuzz'));
        const rng = prng(subSeed(SEED, index));
        const frames = taskScript(rng, String(message.header.task_id), params.get('c') ?? 'pcm');
        const split = rng.int(0, frames.length);
        const send = (from: number, to: number) => {
          for (const frame of frames.slice(from, to)) {
            const socket = connection.socket;
            if (socket.readyState !== socket.OPEN) return;
            if (frame.kind === 'close') {
              if (frame.code === 1006) socket.terminate();
              else socket.close(frame.code, 'fuzz');
              return;
            }
            socket.send(frame.data, { binary: frame.kind === 'binary' });
            framesSent++;
          }
        };
        send(0, split);
        setTimeout(() => send(split, frames.length), rng.int(0, 40));
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it(`every one of ${TASKS} tasks settles with a result or a SynthesisError, within a bound (seed ${SEED})`, async () => {
    const outcomes = { resolved: 0, rejected: new Map<string, number>() };
    let slowest = 0;
    let retries = 0;

    const runTask = async (index: number) => {
      const rng = prng(subSeed(SEED, index) ^ 0xc11e47);
      const format = rng.pick(FORMATS);
      const withCallback = rng.chance(0.5);
      const streaming = rng.chance(0.35);
      const terminal: string[] = [];
      const transport = proxyTransport({ url: server.url, params: { fuzz: String(index), c: format.format }, WebSocket: WebSocket as never });
      const synthesizer = new SpeechSynthesizer({
        model: 'cosyvoice-v3-flash',
        voice: 'longanyang',
        format,
        wordTimestampEnabled: true,
        transport,
        startTimeoutMillis: START_TIMEOUT,
        connectTimeoutMillis: CONNECT_TIMEOUT,
        // A retryable failure before any audio is retried once on a new connection: one more socket.
        onWarning: (message) => {
          if (message.includes('retrying once on a new connection')) retries++;
        },
        callback: withCallback
          ? {
              onComplete: () => terminal.push('complete'),
              onError: (error) => terminal.push(`error:${error.code}`),
              onData: () => undefined,
              onSentence: () => undefined,
              onEvent: () => undefined,
            }
          : undefined,
      });
      const started = Date.now();
      let promise: Promise<Uint8Array | null>;
      if (streaming) {
        synthesizer.streamingCall('Fuzz sentence words here. ');
        synthesizer.streamingCall(randomUnicode(rng, 30).replace(/</g, '') || 'x');
        promise = synthesizer.streamingComplete({ timeoutMillis: TASK_TIMEOUT });
      } else {
        promise = synthesizer.call('Fuzz sentence words here.', { timeoutMillis: TASK_TIMEOUT });
      }
      let bound: ReturnType<typeof setTimeout> | undefined;
      const outcome = await Promise.race([
        promise.then(
          (value) => ({ kind: 'resolved' as const, value }),
          (error: unknown) => ({ kind: 'rejected' as const, error }),
        ),
        new Promise<{ kind: 'stuck' }>((resolve) => (bound = setTimeout(() => resolve({ kind: 'stuck' }), SETTLE_BOUND))),
      ]);
      clearTimeout(bound);
      slowest = Math.max(slowest, Date.now() - started);
      const where = `task #${index} (seed ${SEED}, ${streaming ? 'streaming' : 'call'}, ${format.format}, callback ${withCallback})`;
      expect(outcome.kind, `${where} did not settle within ${SETTLE_BOUND} ms; state ${synthesizer.state}`).not.toBe('stuck');
      expect(isTerminalState(synthesizer.state), `${where} ended in state ${synthesizer.state}`).toBe(true);
      if (outcome.kind === 'resolved') {
        outcomes.resolved++;
        expect(synthesizer.state).toBe('completed');
        if (withCallback) expect(outcome.value).toBeNull();
        else expect(outcome.value).toBeInstanceOf(Uint8Array);
        if (withCallback) expect(terminal, where).toEqual(['complete']);
      } else if (outcome.kind === 'rejected') {
        const error = outcome.error as SynthesisError;
        expect(error, `${where} rejected with a non-SynthesisError: ${String(error)}`).toBeInstanceOf(SynthesisError);
        outcomes.rejected.set(error.code, (outcomes.rejected.get(error.code) ?? 0) + 1);
        if (withCallback) expect(terminal, where).toEqual([`error:${error.code}`]);
      }
      // Late frames after settling change nothing.
      const state = synthesizer.state;
      await new Promise((r) => setTimeout(r, 5));
      expect(synthesizer.state).toBe(state);
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        while (next < TASKS) await runTask(next++);
      }),
    );
    for (const connection of server.connections) sockets.add(connection.socket);

    console.log(`[fuzz] ${framesSent} frames sent over ${TASKS} tasks; resolved ${outcomes.resolved}, rejected ${JSON.stringify(Object.fromEntries(outcomes.rejected))}; slowest settle ${slowest} ms`);
    // About 11 600 on an idle machine; fewer when timeouts cut scripts short on a busy one.
    expect(framesSent).toBeGreaterThanOrEqual(5_000);
    // The mix really covered both outcomes and several failure kinds.
    expect(outcomes.resolved).toBeGreaterThan(20);
    expect([...outcomes.rejected.keys()]).toEqual(expect.arrayContaining(['TaskFailed', 'Timeout', 'ConnectionClosed']));
    // Every client socket was closed by the client after settling: none left open server-side.
    const deadline = Date.now() + 3000;
    while ([...sockets].some((s) => s.readyState !== s.CLOSED) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const leaked = server.connections.filter((c) => c.socket.readyState !== c.socket.CLOSED).map((c) => `${c.request.url} readyState ${c.socket.readyState}`);
    expect(leaked).toEqual([]);
    expect(sockets.size).toBe(TASKS + retries);
    expect(uncaught).toEqual([]);
  }, 240_000);
});
