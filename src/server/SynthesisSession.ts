import { readClientFrame, type ClientFrame, type RunTaskRequest, type ServiceError } from './readClientFrame';
import { SERVER_ERRORS, taskFailedFrame } from './serverErrors';
import type { SynthesisEngine } from './SynthesisEngine';
import { SynthesisTask } from './SynthesisTask';
import { TaskRegistry } from './TaskRegistry';

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

/**
 * One client connection of the local voice server: reads frames with `readClientFrame` (the proxy's
 * validator too), dispatches `run-task`, `continue-task` and `finish-task` to {@link SynthesisTask}s
 * (several tasks one after another, each with its own id), and on any failure sends `task-failed` and
 * closes, like the service. Malformed frames become `task-failed`; nothing a client sends can throw out
 * of here.
 *
 * @example
 * const session = new SynthesisSession(peer, options);
 * socket.on('message', (data, binary) => binary ? session.handleBinary() : session.handleText(String(data)));
 * socket.on('close', () => session.handleClose());
 */
export class SynthesisSession {
  readonly #peer: SessionPeer;
  readonly #options: SessionOptions;
  readonly #tasks = new TaskRegistry<SynthesisTask>();
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
    const result = readClientFrame(text);
    if (!result.ok) {
      // Late frames for a task that already ended are dropped, as the service does, even malformed ones.
      if (!this.#tasks.isLate(result.action, result.taskId)) this.#fail(result.taskId, result.error);
      return;
    }
    try {
      this.#dispatch(result.frame);
    } catch (error) {
      this.#fail(result.frame.taskId, { code: 'InternalError', message: (error as Error)?.message ?? String(error) });
    }
  }

  #dispatch(frame: ClientFrame): void {
    if (frame.action === 'run-task') {
      this.#runTask(frame.taskId, frame.run);
      return;
    }
    const task = this.#tasks.find(frame.taskId);
    if (task === 'ended') return;
    if (task === undefined) {
      this.#fail(frame.taskId, SERVER_ERRORS.taskNull);
      return;
    }
    if (frame.action === 'continue-task') {
      const error = task.onText(frame.text);
      if (error) this.#fail(frame.taskId, error);
    } else if (frame.action === 'flush') task.onFlush();
    else task.onFinish(frame.cancel);
  }

  /** A binary frame from the client (the protocol has none): fails like any malformed frame. */
  handleBinary(): void {
    this.#fail('', SERVER_ERRORS.invalidPayload);
  }

  /** The client went away: stop every task. */
  handleClose(): void {
    this.#closed = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    for (const task of this.#tasks.values()) task.dispose();
    this.#tasks.clear();
  }

  #runTask(taskId: string, run: RunTaskRequest): void {
    if (this.#tasks.has(taskId)) {
      this.#fail(taskId, { code: 'InvalidParameter', message: `task_id ${taskId} is already running on this connection` });
      return;
    }
    const params = run.parameters;
    if (!this.#options.voiceAllowed(params.voice, params.model)) {
      this.#fail(taskId, SERVER_ERRORS.voiceNotInModel);
      return;
    }
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    const task = new SynthesisTask(taskId, params, {
      engine: this.#options.engine,
      sendText: (text) => this.#send(text),
      sendAudio: (bytes) => this.#send(bytes),
      drained: () => this.#drained(),
      fail: (id, failure) => this.#fail(id, failure),
      ended: (id) => {
        this.#tasks.end(id);
        if (this.#tasks.size === 0) this.#armConnectionIdle();
      },
      idleTimeoutMs: this.#options.idleTimeoutMs,
      wordTimeBase: this.#options.wordTimeBase,
      ssmlSupported: this.#options.ssmlSupported(params.voice, params.model),
    });
    if (!task.ended) this.#tasks.add(taskId, task);
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

  #fail(taskId: string, failure: ServiceError): void {
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
