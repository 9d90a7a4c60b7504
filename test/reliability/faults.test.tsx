// Fault injection at every protocol step, against both speech hooks, over real loopback WebSockets.
// For every fault: the hook reaches a terminal state (`error`, or `ended` where the task did finish)
// promptly after the fault — driven by the fault itself, not by a library timeout (the shortest is the
// 5 s connect timeout; the bound below is 4 s so a loaded machine has slack; the figures are printed); no socket is left open on either side; no library timer, interval or
// animation frame is left pending; every player the hooks created is disposed after unmount.
//
// Timers are counted by wrapping the timer globals for this file only (support/leaks.ts) and keeping
// only those created from src/: fake timers would stop the real sockets' clocks and change the very
// behaviour under test. Players are counted with a counting `createPlayer`; real AudioContexts are
// counted in audioContexts.browser.test.tsx (jsdom has no Web Audio).
import { act, renderHook, waitFor } from '@testing-library/react';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { useSpeechSynthesis, useStreamingSynthesis, type SpeechController, type SpeechStatus } from 'cosyvoice-react';
import { AudioFormat, type Player } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';
import { countingTransport, providerProps, wrapperFor } from '../utils/speechHarness';
import { event, pcmBytes, startScriptedServer, type ScriptedConnection } from '../utils/scriptedDashScopeServer';
import { installTimerTracker } from './support/leaks';

const timers = installTimerTracker();
afterAll(() => timers.uninstall());

type Message = { header: Record<string, unknown>; payload: Record<string, unknown> };
type Fault = {
  /** The server's side of the script; calls `fault()` at the moment it misbehaves. */
  onMessage?(connection: ScriptedConnection, message: Message, fault: () => void): void;
  /** Refuse the upgrade with this status. */
  refuse?: number;
  /** Nothing listens on the port. */
  nothingListening?: boolean;
  /** The player "hears" everything at once at the end (so a flood can end within the bound). */
  instantPlayer?: boolean;
  expected: { status: SpeechStatus; code?: string };
};

const FRAME = pcmBytes(1600); // 100 ms at 16 kHz
const sentence = (c: ScriptedConnection, taskId: string, type: string, words: unknown[] = []) =>
  c.sendEvent(event(taskId, 'result-generated', { output: { type, sentence: { index: 0, words }, original_text: 'Fault line.' } }));
const words = [
  { text: 'Fault', begin_index: 0, end_index: 5, begin_time: 0, end_time: 90 },
  { text: 'line', begin_index: 6, end_index: 10, begin_time: 100, end_time: 190 },
];

const FAULTS: Record<string, Fault> = {
  'drop before task-started': {
    onMessage(c, m, fault) {
      if (m.header.action === 'run-task') {
        fault();
        c.socket.terminate();
      }
    },
    expected: { status: 'error', code: 'ConnectionClosed' },
  },
  'drop mid-audio': {
    onMessage(c, m, fault) {
      const id = String(m.header.task_id);
      if (m.header.action === 'run-task') c.sendEvent(event(id, 'task-started'));
      if (m.header.action === 'continue-task' && (m.payload.input as { text?: string }).text) {
        sentence(c, id, 'sentence-begin');
        for (let i = 0; i < 3; i++) c.sendAudio(FRAME);
        setTimeout(() => {
          fault();
          c.socket.terminate();
        }, 20);
      }
    },
    expected: { status: 'error', code: 'ConnectionClosed' },
  },
  'task-failed mid-audio': {
    onMessage(c, m, fault) {
      const id = String(m.header.task_id);
      if (m.header.action === 'run-task') c.sendEvent(event(id, 'task-started'));
      if (m.header.action === 'continue-task' && (m.payload.input as { text?: string }).text) {
        sentence(c, id, 'sentence-begin');
        c.sendAudio(FRAME);
        fault();
        c.socket.send(JSON.stringify({ header: { task_id: id, event: 'task-failed', error_code: 'InternalError', error_message: 'engine crashed', attributes: {} }, payload: {} }));
      }
    },
    expected: { status: 'error', code: 'TaskFailed' },
  },
  'drop before task-finished': {
    onMessage(c, m, fault) {
      const id = String(m.header.task_id);
      if (m.header.action === 'run-task') c.sendEvent(event(id, 'task-started'));
      if (m.header.action === 'continue-task' && (m.payload.input as { text?: string }).text) {
        sentence(c, id, 'sentence-begin');
        c.sendAudio(FRAME);
        c.sendAudio(FRAME);
        sentence(c, id, 'sentence-end', words);
      }
      if (m.header.action === 'finish-task') {
        fault();
        c.socket.terminate();
      }
    },
    expected: { status: 'error', code: 'ConnectionClosed' },
  },
  'upstream refused: nothing listening': { nothingListening: true, expected: { status: 'error', code: 'ConnectionFailed' } },
  'upstream refused: HTTP 401': { refuse: 401, expected: { status: 'error', code: 'Unauthorized' } },
  'slow client: server floods 3 000 frames, then finishes': {
    instantPlayer: true,
    onMessage(c, m, fault) {
      const id = String(m.header.task_id);
      if (m.header.action === 'run-task') c.sendEvent(event(id, 'task-started'));
      if (m.header.action === 'finish-task') {
        sentence(c, id, 'sentence-begin');
        for (let i = 0; i < 3000; i++) c.sendAudio(FRAME); // 300 s of audio, 9.6 MB, in one burst
        sentence(c, id, 'sentence-end', words);
        c.sendEvent(event(id, 'task-finished'));
        fault();
      }
    },
    expected: { status: 'ended' },
  },
  'slow client: server floods 3 000 frames, then drops': {
    onMessage(c, m, fault) {
      const id = String(m.header.task_id);
      if (m.header.action === 'run-task') c.sendEvent(event(id, 'task-started'));
      if (m.header.action === 'finish-task') {
        sentence(c, id, 'sentence-begin');
        for (let i = 0; i < 3000; i++) c.sendAudio(FRAME);
        // ws writes the burst asynchronously: drop once it has all been handed to the kernel.
        const drop = () => {
          if (c.socket.bufferedAmount > 0) return void setTimeout(drop, 5);
          fault();
          c.socket.terminate();
        };
        drop();
      }
    },
    expected: { status: 'error', code: 'ConnectionClosed' },
  },
};

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `ws://127.0.0.1:${port}/api-ws/v1/inference`;
}

function countingPlayers(instant: boolean) {
  const counts = { created: 0, disposed: 0 };
  const createPlayer = (): Player => {
    counts.created++;
    const player = createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT, realtime: !instant });
    return {
      ...player,
      volume: player.volume,
      dispose() {
        counts.disposed++;
        player.dispose();
      },
    };
  };
  return { counts, createPlayer };
}

/** Records when the controller's status first becomes terminal. */
function watchTerminal(controller: SpeechController) {
  const watch = { at: undefined as number | undefined, status: undefined as SpeechStatus | undefined };
  const off = controller.subscribe(() => {
    const status = controller.getSnapshot().status;
    if (watch.at === undefined && (status === 'error' || status === 'ended')) {
      watch.at = Date.now();
      watch.status = status;
    }
  });
  return { watch, off };
}

type HookKind = 'useSpeechSynthesis' | 'useStreamingSynthesis';

async function runFault(hook: HookKind, fault: Fault) {
  let faultAt: number | undefined;
  const markFault = () => {
    faultAt ??= Date.now();
  };
  let url: string;
  let connections: ScriptedConnection[] = [];
  if (fault.nothingListening) url = await closedPortUrl();
  else {
    const server = await startScriptedServer({
      verify: fault.refuse ? () => fault.refuse : undefined,
      onMessage: (c, m) => fault.onMessage?.(c, m, markFault),
    });
    cleanup.push(() => server.close());
    url = server.url;
    connections = server.connections;
  }
  const transport = countingTransport(url);
  const players = countingPlayers(Boolean(fault.instantPlayer));
  // Each fault is followed on the utterance's own socket, which must be closed by its terminal state; a
  // provider's warm socket (and its idle timer) would outlive it by design (see connectionReuse.test.tsx).
  const wrapper = wrapperFor(providerProps(transport, { createPlayer: players.createPlayer, connectionReuse: false }));
  const { result, unmount } = renderHook(() => (hook === 'useSpeechSynthesis' ? useSpeechSynthesis() : useStreamingSynthesis()), { wrapper });
  const controller = result.current.controller;
  const { watch, off } = watchTerminal(controller);

  act(() => {
    if (fault.refuse || fault.nothingListening) markFault(); // the fault is there from the first attempt
    if (hook === 'useSpeechSynthesis') (result.current as ReturnType<typeof useSpeechSynthesis>).speak('Fault line.');
    else {
      const stream = result.current as ReturnType<typeof useStreamingSynthesis>;
      stream.start();
      stream.write('Fault line.');
      stream.complete();
    }
  });

  await waitFor(() => expect(watch.at).toBeDefined(), { timeout: 8000, interval: 10 });
  off();
  expect(faultAt, 'the script never reached its fault').toBeDefined();
  const latency = watch.at! - faultAt!;
  expect(watch.status).toBe(fault.expected.status);
  expect(result.current.status).toBe(fault.expected.status);
  if (fault.expected.code) expect(result.current.error?.code).toBe(fault.expected.code);
  else expect(result.current.error).toBeUndefined();
  expect(latency, `terminal ${latency} ms after the fault`).toBeLessThan(4000);

  // No socket left open, on either side.
  await waitFor(() => expect(transport.open).toBe(0), { timeout: 5000, interval: 10 });
  await waitFor(() => expect(connections.filter((c) => c.socket.readyState !== c.socket.CLOSED)).toEqual([]), { timeout: 5000, interval: 10 });
  expect(transport.opened).toBe(fault.refuse || fault.nothingListening ? 1 : 1);

  // Still mounted, in a terminal state: nothing of the library keeps ticking.
  await new Promise((r) => setTimeout(r, 30));
  expect(timers.pending(), 'library timers pending while mounted in a terminal state').toEqual([]);

  unmount();
  expect(players.counts.created).toBe(1);
  expect(players.counts.disposed).toBe(players.counts.created);
  await new Promise((r) => setTimeout(r, 30));
  expect(timers.pending(), 'library timers pending after unmount').toEqual([]);
  return latency;
}

const latencies: Record<string, number> = {};
for (const hook of ['useSpeechSynthesis', 'useStreamingSynthesis'] as const) {
  describe(`${hook} under injected faults`, () => {
    for (const [name, fault] of Object.entries(FAULTS)) {
      it(`${name} → ${fault.expected.status}${fault.expected.code ? ` (${fault.expected.code})` : ''} promptly, no leaked socket, timer or player`, async () => {
        latencies[`${hook}: ${name}`] = await runFault(hook, fault);
      });
    }
  });
}

describe('the leak counters themselves', () => {
  it('saw library timers during the faults (so "none pending" is not vacuous)', () => {
    expect(timers.created).toBeGreaterThan(10);
    console.log(`[faults] fault → terminal latency (ms): ${JSON.stringify(latencies)}`);
  });
});
