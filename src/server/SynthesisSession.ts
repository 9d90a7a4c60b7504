import { readTaskParameters } from './readTaskParameters';
import { RecentIds } from './RecentIds';
import { SERVER_ERRORS, TaskFailure, missingParameter, taskFailedFrame } from './serverErrors';
import type { SynthesisEngine } from './SynthesisEngine';
import { SynthesisTask } from './SynthesisTask';

/** The server's end of one connection (a `ws` socket or an in-memory peer). */
export interface SessionPeer {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Bytes queued for the client and not yet written (ws `bufferedAmount`); omit for in-memory peers. */
  readonly bufferedAmount?: number;
}

/** How a session checks voices and speaks. */
export interface SessionOptions {
  engine(): Promise<SynthesisEngine>;
  /** Whether `voice` may be used with `model` (system voice of that model or a known custom voice). */
  voiceAllowed(voice: string, model: string): boolean;
  /** Whether `voice` accepts SSML. */
  ssmlSupported(voice: string, model: string): boolean;
  idleTimeoutMs: number;
  wordTimeBase: 'sentence' | 'task';
  /** Close the connection after this long without any task. @default 60000 */
  connectionIdleMs?: number;
}

const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Ended task ids remembered per connection, for ignoring their late frames (a long-lived connection runs many tasks). */
const FINISHED_IDS_KEPT = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One client connection of the local voice server: parses frames, dispatches `run-task`,
 * `continue-task` and `finish-task` to {@link SynthesisTask}s (several tasks one after another, each
 * with its own id), and on any failure sends `task-failed` and closes, like the service. Malformed
 * frames become `task-failed`; nothing a client sends can throw out of here.
 *
 * @example
 * const session = new SynthesisSession(peer, options);
 * socket.on('message', (data, binary) => binary ? session.handleBinary() : session.handleText(String(data)));
 * socket.on('close', () => session.handleClose());
 */
export class SynthesisSession {
  readonly #peer: SessionPeer;
  readonly #options: SessionOptions;
  readonly #tasks = new Map<string, SynthesisTask>();
  readonly #finished = new RecentIds(FINISHED_IDS_KEPT);
  #closed = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(peer: SessionPeer, options: SessionOptions) {
    this.#peer = peer;
    this.#options = options;
    this.#armConnectionIdle();
  }

  /** A text frame from the client. */
  handleText(text: string): void {
    if (this.#closed) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.#fail('', new TaskFailure(SERVER_ERRORS.invalidPayload));
      return;
    }
    const header = isRecord(message) ? message.header : undefined;
    if (!isRecord(header)) {
      this.#fail('', new TaskFailure(missingParameter('header')));
      return;
    }
    const taskId = typeof header.task_id === 'string' ? header.task_id : '';
    const payload = (message as Record<string, unknown>).payload;
    try {
      if (taskId === '') throw new TaskFailure(missingParameter('header.task_id'));
      switch (header.action) {
        case 'run-task':
          this.#runTask(taskId, payload);
          return;
        case 'continue-task':
          this.#taskFor(taskId)?.onContinue(payload);
          return;
        case 'finish-task':
          this.#taskFor(taskId)?.onFinish(payload);
          return;
        default:
          throw new TaskFailure(typeof header.action === 'string' ? SERVER_ERRORS.invalidPayload : missingParameter('header.action'));
      }
    } catch (error) {
      const failure = error instanceof TaskFailure ? error : new TaskFailure({ code: 'InternalError', message: (error as Error)?.message ?? String(error) });
      this.#fail(taskId, failure);
    }
  }

  /** A binary frame from the client (the protocol has none): fails like any malformed frame. */
  handleBinary(): void {
    this.#fail('', new TaskFailure(SERVER_ERRORS.invalidPayload));
  }

  /** The client went away: stop every task. */
  handleClose(): void {
    this.#closed = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    for (const task of this.#tasks.values()) task.dispose();
    this.#tasks.clear();
  }

  #taskFor(taskId: string): SynthesisTask | undefined {
    const task = this.#tasks.get(taskId);
    if (task) return task;
    // Late frames for a task that already ended (e.g. finish after cancel) are ignored, as the service does
    // (for the last FINISHED_IDS_KEPT tasks of the connection; older ids are forgotten).
    if (this.#finished.has(taskId)) return undefined;
    throw new TaskFailure(SERVER_ERRORS.taskNull);
  }

  #runTask(taskId: string, payload: unknown): void {
    if (this.#tasks.has(taskId)) throw new TaskFailure({ code: 'InvalidParameter', message: `task_id ${taskId} is already running on this connection` });
    const params = readTaskParameters(payload);
    if (!this.#options.voiceAllowed(params.voice, params.model)) throw new TaskFailure(SERVER_ERRORS.voiceNotInModel);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    const task = new SynthesisTask(taskId, params, {
      engine: this.#options.engine,
      sendText: (text) => this.#send(text),
      sendAudio: (bytes) => this.#send(bytes),
      drained: () => this.#drained(),
      fail: (id, failure) => this.#fail(id, failure),
      ended: (id) => {
        this.#tasks.delete(id);
        this.#finished.add(id);
        if (this.#tasks.size === 0) this.#armConnectionIdle();
      },
      idleTimeoutMs: this.#options.idleTimeoutMs,
      wordTimeBase: this.#options.wordTimeBase,
      ssmlSupported: this.#options.ssmlSupported(params.voice, params.model),
    });
    if (!task.ended) this.#tasks.set(taskId, task);
  }

  #send(data: string | Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#peer.send(data);
    } catch {
      this.handleClose();
    }
  }

  async #drained(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!this.#closed && (this.#peer.bufferedAmount ?? 0) > MAX_BUFFERED_BYTES) {
      if (Date.now() > deadline) {
        this.#close(1008, 'client too slow');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  #fail(taskId: string, failure: TaskFailure): void {
    if (this.#closed) return;
    this.#send(taskFailedFrame(taskId, failure));
    this.#close(1000, 'task failed');
  }

  #close(code: number, reason: string): void {
    if (this.#closed) return;
    this.handleClose();
    // After the frames already queued (an in-memory peer delivers sends on later ticks).
    setTimeout(() => {
      try {
        this.#peer.close(code, reason);
      } catch {
        // already closed
      }
    }, 0);
  }

  #armConnectionIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    const ms = this.#options.connectionIdleMs ?? 60_000;
    this.#idleTimer = setTimeout(() => {
      if (this.#tasks.size === 0) this.#close(1000, 'idle');
    }, ms);
    this.#idleTimer.unref?.();
  }
}
