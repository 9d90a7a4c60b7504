// cancel() at every point of a streaming utterance, over real loopback WebSockets: while connecting
// (before the socket opened, and with the socket open but no task-started yet), after start() before any
// text, while speaking, after complete() while the last audio still plays, and during the handover to a
// new task after the idle finish (text held while the old task finishes; the new task's socket still
// connecting). Each time: the status is idle at once, the pending pipe() resolves 'idle', no callback
// fires, no socket stays open (on either side where the peer is scripted), no library timer is left,
// nothing late changes the state, and a new utterance afterwards is spoken to the end.
//
// Most points run against the local voice server; the ones that need a frame withheld (task-started,
// task-finished) against the scripted DashScope peer. Timers are counted as in the fault tests
// (support/leaks.ts: only timers created from src/; fake timers would stop the real sockets).
import { act, renderHook, waitFor } from '@testing-library/react';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useStreamingSynthesis, type SpeechProviderProps, type SpeechStatus, type UseStreamingSynthesisResult } from 'cosyvoice-react';
import { createLocalVoiceServer } from 'cosyvoice-react/server';
import { streamingControllerSource } from '../../src/hooks/internal/streamingControllerSource';
import { installTimerTracker } from '../reliability/support/leaks';
import { countingTransport, providerProps as harnessProps, wrapperFor } from '../utils/speechHarness';

// These tests follow each utterance's own socket (opened, closed at its end): the provider's connection
// reuse is off here, and tested in connectionReuse.test.tsx.
const providerProps: typeof harnessProps = (transport, extra = {}) => harnessProps(transport, { connectionReuse: false, ...extra });
import { happyPath, startScriptedServer, type ScriptedConnection } from '../utils/scriptedDashScopeServer';

const timers = installTimerTracker();
afterAll(() => timers.uninstall());
// The points are the engine's: load it first (the hook loads it on first intent; a cancel before it has
// arrived is tested in test/hooks/LazySpeechController.test.ts).
beforeAll(() => streamingControllerSource.preload());

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A text source the test feeds by hand (an LLM whose tokens come when the test says so). */
function textFeed() {
  const queue: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  return {
    push(text: string) {
      queue.push(text);
      poke();
    },
    end() {
      ended = true;
      poke();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

async function* tokens(pieces: string[]) {
  for (const piece of pieces) {
    await sleep(5);
    yield piece;
  }
}

/** Lets promise callbacks run (no macrotask: no socket event can arrive meanwhile) until `done()`. */
async function microtasksUntil(done: () => boolean) {
  for (let i = 0; i < 1000 && !done(); i++) await Promise.resolve();
  expect(done()).toBe(true);
}

type Message = { header: Record<string, unknown>; payload: Record<string, unknown> };
type Held = { kind: 'task-started' | 'task-finished'; release: () => void };

/** The scripted peer answering as `happyPath`, except that it withholds what `hold` says (first connection only). */
async function scriptedPeer(hold: Held['kind']) {
  const happy = happyPath();
  const held: Held[] = [];
  const server = await startScriptedServer({
    onMessage(c: ScriptedConnection, m: Message) {
      const first = server.connections[0] === c;
      const cancelling = (m.payload.input as { directive?: string } | undefined)?.directive === 'cancel';
      if (first && hold === 'task-started' && m.header.action === 'run-task') {
        held.push({ kind: hold, release: () => happy(c, m) });
        return;
      }
      if (first && hold === 'task-finished' && m.header.action === 'finish-task' && !cancelling) {
        held.push({ kind: hold, release: () => happy(c, m) });
        return;
      }
      happy(c, m);
    },
  });
  cleanup.push(() => server.close());
  return { url: server.url, connections: server.connections, held };
}

type Hook = { readonly current: UseStreamingSynthesisResult };
interface Point {
  /** Where the peer is and what the provider gets. */
  setup(): Promise<{ url: string; connections?: ScriptedConnection[]; serverSockets?: Set<Socket>; held?: Held[]; provider?: Partial<SpeechProviderProps> }>;
  /** Brings the piped utterance to the point where cancel() is called. */
  reach(context: { result: Hook; feed: ReturnType<typeof textFeed>; transport: ReturnType<typeof countingTransport>; connections: ScriptedConnection[] }): Promise<void>;
}

/**
 * The local voice server on an HTTP server of the test's own, so the server's side of every socket is
 * seen too (a socket given up by the client before it opened would escape the client-side count).
 */
async function localPeer() {
  const http = createServer();
  const serverSockets = new Set<Socket>();
  http.on('connection', (socket) => {
    serverSockets.add(socket);
    socket.on('close', () => serverSockets.delete(socket));
  });
  const local = createLocalVoiceServer({ engine: 'tone', server: http });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  cleanup.push(async () => {
    await local.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  return { url: local.url, serverSockets };
}

const POINTS: Record<string, Point> = {
  'while connecting, before the socket has opened': {
    setup: () => localPeer(),
    async reach({ result, transport }) {
      // pipe() called start() synchronously: the connection is being opened.
      expect(result.current.status).toBe('connecting');
      expect(transport.opened).toBe(1);
      expect(transport.open).toBe(0);
    },
  },
  'while connecting, socket open but no task-started yet': {
    setup: () => scriptedPeer('task-started'),
    async reach({ result, transport, connections }) {
      await waitFor(() => expect(connections[0]?.messages.map((m) => m.header.action)).toEqual(['run-task']));
      await waitFor(() => expect(transport.open).toBe(1));
      expect(result.current.status).toBe('connecting');
    },
  },
  'after start(), the task started, before the first write': {
    setup: () => localPeer(),
    async reach({ result }) {
      await waitFor(() => expect(result.current.status).toBe('buffering'), { timeout: 5000 });
      expect(result.current.text).toBe('');
    },
  },
  'while speaking (the source has gone quiet)': {
    setup: () => localPeer(),
    async reach({ result, feed }) {
      feed.push('A first sentence that is heard while the source stays quiet. ');
      await waitFor(() => expect(result.current.status).toBe('speaking'), { timeout: 5000 });
    },
  },
  'after complete(), while the last audio is still playing': {
    setup: () => localPeer(),
    async reach({ result, feed }) {
      feed.push('The whole text has arrived, ');
      feed.push('and its last words are still being heard when the cancel comes.');
      feed.end(); // pipe() completes the utterance
      await waitFor(() => expect(result.current.isComplete && result.current.status === 'speaking').toBe(true), { timeout: 5000 });
    },
  },
  'during the handover: idle finish sent, task-finished not yet back, new text held for the next task': {
    setup: async () => ({ ...(await scriptedPeer('task-finished')), provider: { idleFinishMs: 150 } }),
    async reach({ result, feed, transport, connections }) {
      feed.push('Before the pause. ');
      // The idle finish: finish-task sent on the first task, its task-finished withheld.
      await waitFor(() => expect(connections[0]?.messages.map((m) => m.header.action)).toContain('finish-task'), { timeout: 5000 });
      feed.push('After the pause. ');
      await waitFor(() => expect(result.current.text).toBe('Before the pause. After the pause. '));
      expect(transport.opened).toBe(1); // the new text waits for the old task to finish
    },
  },
  'during the handover: the new task is connecting after the idle finish': {
    setup: async () => ({ ...(await localPeer()), provider: { idleFinishMs: 150 } }),
    async reach({ result, feed, transport }) {
      feed.push('Before the pause. ');
      await waitFor(() => expect(result.current.words.map((w) => w.text)).toEqual(['Before', 'the', 'pause']), { timeout: 5000 });
      // The idle finish ended the first task and closed its socket.
      await waitFor(() => expect(transport.open).toBe(0), { timeout: 5000 });
      expect(transport.opened).toBe(1);
      feed.push('After the pause. ');
      // No macrotask passes: the new task's socket has been asked for but cannot have opened.
      await microtasksUntil(() => transport.opened === 2);
      expect(transport.open).toBe(0);
    },
  },
};

describe('useStreamingSynthesis: cancel() at every point', () => {
  for (const [name, point] of Object.entries(POINTS)) {
    it(`${name}: idle at once, pipe resolves "idle", no socket or timer left, and the next utterance speaks to the end`, async () => {
      // Only this test's timers: a leak in one point must not fail the next ones.
      const earlier = new Set(timers.pending());
      const pending = () => timers.pending().filter((timer) => !earlier.has(timer));
      const peer = await point.setup();
      const connections = peer.connections ?? [];
      const transport = countingTransport(peer.url);
      const onError = vi.fn();
      const onEnd = vi.fn();
      const { result } = renderHook(() => useStreamingSynthesis({ onError, onEnd }), { wrapper: wrapperFor(providerProps(transport, peer.provider)) });
      const feed = textFeed();
      let piped!: Promise<SpeechStatus>;
      act(() => {
        piped = result.current.pipe(feed);
      });
      await point.reach({ result, feed, transport, connections });

      act(() => result.current.cancel());
      expect(result.current.status).toBe('idle');
      expect(result.current.error).toBeUndefined();
      await expect(piped).resolves.toBe('idle');
      await waitFor(() => expect(transport.open).toBe(0));
      await waitFor(() => expect(connections.filter((c) => c.socket.readyState !== c.socket.CLOSED)).toEqual([]));
      await waitFor(() => expect(peer.serverSockets?.size ?? 0).toBe(0));
      expect(pending(), 'library timers pending after the cancel').toEqual([]);

      // Whatever the peer still had to say arrives too late to matter.
      for (const held of peer.held ?? []) held.release();
      await sleep(100);
      expect(result.current.status).toBe('idle');
      expect(result.current.error).toBeUndefined();
      expect(onError).not.toHaveBeenCalled();
      expect(onEnd).not.toHaveBeenCalled();
      const socketsOfCancelled = transport.opened;
      expect(transport.open).toBe(0);
      expect(pending(), 'library timers pending after late frames').toEqual([]);

      let final: SpeechStatus | undefined;
      await act(async () => {
        final = await result.current.pipe(tokens(['After ', 'the ', 'cancel.']));
      });
      expect(final).toBe('ended');
      expect(result.current.status).toBe('ended');
      expect(result.current.error).toBeUndefined();
      expect(result.current.text).toBe('After the cancel.');
      expect(result.current.words[0]?.text).toBe('After');
      expect(onEnd).toHaveBeenCalledTimes(1);
      expect(onError).not.toHaveBeenCalled();
      expect(transport.opened).toBe(socketsOfCancelled + 1);
      await waitFor(() => expect(transport.open).toBe(0));
      await waitFor(() => expect(peer.serverSockets?.size ?? 0).toBe(0));
      expect(pending(), 'library timers pending after the next utterance ended').toEqual([]);
    });
  }

  it('the leak counter saw library timers (so "none pending" is not vacuous)', () => {
    expect(timers.created).toBeGreaterThan(10);
  });
});
