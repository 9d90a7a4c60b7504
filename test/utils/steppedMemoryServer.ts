import { vi } from 'vitest';
import { memoryTransport, type MemoryPeer, type MemoryTransportOptions } from 'cosyvoice-react/core';

type ClientMessage = { header: { action: string; task_id: string; streaming: string }; payload: Record<string, unknown> };

/** One connection as the in-process server saw it. */
export interface SteppedConnection {
  peer: MemoryPeer;
  messages: ClientMessage[];
  closed: { code: number; reason: string } | undefined;
}

/**
 * A DashScope-shaped peer over `memoryTransport` that does nothing by itself: the test sends each
 * server frame when it wants (`started()`, `audio()`, `sentenceEnd()`, `finished()`, `failed()`,
 * `drop()`), so every phase of a client can be reached and held. Frames travel through the timer
 * queue as on a socket: with fake timers, `await deliver()` hands them over.
 */
export function steppedMemoryServer(options: MemoryTransportOptions = {}) {
  const connections: SteppedConnection[] = [];
  const transport = memoryTransport((peer) => {
    const connection: SteppedConnection = { peer, messages: [], closed: undefined };
    connections.push(connection);
    return {
      onMessage: (text) => connection.messages.push(JSON.parse(text) as ClientMessage),
      onClose: (code, reason) => {
        connection.closed = { code, reason };
      },
    };
  }, options);
  const last = (): SteppedConnection => {
    const connection = connections.at(-1);
    if (!connection) throw new Error('no connection yet');
    return connection;
  };
  const taskId = (): string => {
    const run = last().messages.find((m) => m.header.action === 'run-task');
    if (!run) throw new Error('no run-task yet');
    return run.header.task_id;
  };
  const event = (name: string, payload: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    last().peer.send(JSON.stringify({ header: { task_id: taskId(), event: name, attributes: {}, ...header }, payload }));
  return {
    transport,
    connections,
    last,
    /** Messages the client sent on the latest connection, by action (`continue-task` texts, …). */
    actions: () => last().messages.map((m) => m.header.action + ((m.payload.input as { directive?: string } | undefined)?.directive ? `:${(m.payload.input as { directive: string }).directive}` : '')),
    texts: () => last().messages.flatMap((m) => (m.header.action === 'continue-task' && typeof (m.payload.input as { text?: unknown }).text === 'string' ? [(m.payload.input as { text: string }).text] : [])),
    started: () => event('task-started'),
    sentenceBegin: (index = 0) => event('result-generated', { output: { type: 'sentence-begin', sentence: { index, words: [] } } }),
    /** `ms` of silent 16 kHz PCM16 audio (32 bytes per ms). */
    audio: (ms: number) => last().peer.send(new Uint8Array(ms * 32)),
    /** A sentence of `text` with one word per space-separated token, 100 ms apart, sentence-relative. */
    sentenceEnd: (text: string, index = 0, characters = text.length) => {
      let cursor = 0;
      const words = text
        .split(' ')
        .filter(Boolean)
        .map((word, i) => {
          const begin = text.indexOf(word, cursor);
          cursor = begin + word.length;
          return { text: word, begin_index: begin, end_index: begin + word.length, begin_time: i * 100, end_time: i * 100 + 90 };
        });
      event('result-generated', { output: { type: 'sentence-end', sentence: { index, words }, original_text: text }, usage: { characters } });
    },
    finished: (characters?: number) => event('task-finished', characters === undefined ? {} : { usage: { characters } }),
    failed: (code: string, message: string) => event('task-failed', {}, { error_code: code, error_message: message }),
    /** The server closes the socket (a dropped connection). */
    drop: (code = 1006) => last().peer.close(code, 'dropped'),
  };
}

/**
 * Lets queued frames, the answers they cause and the promises they settle run, under fake timers: a
 * frame, the client's answer and the server's next frame are one round each. Each round moves the clock
 * by 1 ms, since fake timers schedule a 0 ms timer set while timers run 1 ms later.
 */
export async function deliver(rounds = 6): Promise<void> {
  for (let round = 0; round < rounds; round++) await vi.advanceTimersByTimeAsync(1);
}
