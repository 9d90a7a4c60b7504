import type { Transport } from 'cosyvoice-react';

/** A transport that stays "connecting" until the synthesizer gives up (shows the connecting state). */
export const neverConnects: Transport = {
  description: 'never connects',
  connect: (_handlers, signal) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    }),
};

/** A transport whose HTTP side fails (shows VoicePicker's error state); `heal()` makes it work again. */
export function flakyListing(base: Transport): Transport & { heal(): void } {
  let broken = true;
  return {
    description: 'flaky listing',
    connect: (handlers, signal) => base.connect(handlers, signal),
    http: {
      post: async (path, body, options) => {
        if (broken) throw new Error('The voice list is unavailable (simulated outage)');
        return base.http!.post(path, body, options);
      },
    },
    heal() {
      broken = false;
    },
  };
}

/** A transport whose HTTP side never answers (shows VoicePicker's loading state). */
export function slowListing(base: Transport): Transport {
  return { description: 'slow listing', connect: (handlers, signal) => base.connect(handlers, signal), http: { post: () => new Promise(() => undefined) } };
}

/**
 * A transport that holds every connection at "connecting" until `release()`, then connects through
 * `base` and speaks for real (shows the connecting state, and that it moves on). The synthesizer gives
 * up after its connect timeout (5 s by default) if nothing releases it.
 */
export function heldConnection(base: Transport): Transport & { release(): void } {
  let released = false;
  const waiting = new Set<() => void>();
  return {
    description: `${base.description} (held)`,
    http: base.http,
    connect: (handlers, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        if (released) return resolve();
        const go = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          waiting.delete(go);
          reject(signal.reason);
        };
        waiting.add(go);
        signal.addEventListener('abort', onAbort, { once: true });
      }).then(() => base.connect(handlers, signal)),
    release() {
      released = true;
      for (const go of [...waiting]) go();
      waiting.clear();
    },
  };
}

/** One task as seen on the wire by {@link recordingTransport}. */
export interface RecordedTask {
  taskId: string;
  model: string;
  voice: string;
  /** The server's events for the task, in order (`task-started`, `result-generated`…, `task-finished`). */
  events: string[];
  /** Binary audio bytes the server sent for it. */
  audioBytes: number;
}

/** A transport that records what goes over the wire through `base`: each task's model, voice, events and audio. */
export function recordingTransport(base: Transport): Transport & { tasks: RecordedTask[]; clear(): void } {
  const tasks: RecordedTask[] = [];
  return {
    description: `${base.description} (recorded)`,
    http: base.http,
    tasks,
    clear() {
      tasks.length = 0;
    },
    async connect(handlers, signal) {
      // Audio frames carry no task id: they belong to the connection's latest task.
      let current: RecordedTask | undefined;
      const socket = await base.connect(
        {
          onMessage(data) {
            if (typeof data === 'string') {
              const header = (JSON.parse(data) as { header?: { event?: string; task_id?: string } }).header;
              const task = tasks.find((candidate) => candidate.taskId === header?.task_id) ?? current;
              if (task && header?.event) task.events.push(header.event);
            } else if (current) {
              current.audioBytes += data.byteLength;
            }
            handlers.onMessage(data);
          },
          onClose: (code, reason) => handlers.onClose(code, reason),
        },
        signal,
      );
      return {
        send(text) {
          const message = JSON.parse(text) as { header: { action: string; task_id: string }; payload: { model: string; parameters: { voice: string } } };
          if (message.header.action === 'run-task') {
            current = { taskId: message.header.task_id, model: message.payload.model, voice: message.payload.parameters.voice, events: [], audioBytes: 0 };
            tasks.push(current);
          }
          socket.send(text);
        },
        close: (code, reason) => socket.close(code, reason),
      };
    },
  };
}
