import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { ClientLimiter } from './ClientLimiter';
import { isProtocolTaskId } from './isProtocolTaskId';
import type { ProxyTaskRequest } from './ProxyAuthorizeContext';
import { quoteForLog } from './quoteForLog';
import { readClientFrame, writeClientFrame, type ClientFrame, type ServiceError } from './readClientFrame';
import type { RelayPolicy } from './RelayPolicy';
import { SERVER_ERRORS, taskFailedFrame } from './serverErrors';
import { TaskRegistry } from './TaskRegistry';
import { TaskTextBudget } from './TaskTextBudget';

/** What every relay of one proxy shares: policy, limits, timeouts and the way upstream. */
export interface RelayContext {
  /** The upgrade request (for `authorize`). */
  readonly request: IncomingMessage;
  /** Who the connection belongs to, for the limits. */
  readonly clientId: string;
  readonly limiter: ClientLimiter;
  readonly policy: RelayPolicy;
  /** Per-task authorization; without it every task that passes the policy and limits starts. */
  authorizeTask?(task: ProxyTaskRequest): boolean | Promise<boolean>;
  /** Opens an upstream connection that carries the key, or says why it cannot. */
  openUpstream(): WebSocket | ServiceError;
  /** Removes the key from a text that is about to leave the proxy (an upstream that echoes it). */
  redact(text: string): string;
  log(message: string): void;
  /** The relay closed (the proxy forgets it). */
  closed(relay: SynthesisRelay): void;
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
  readonly taskStartTimeoutMs: number;
  readonly upstreamIdleTimeoutMs: number;
  readonly clientIdleTimeoutMs: number;
}

/** A task the relay admitted: its text budget and what was relayed. */
interface RelayTask {
  readonly budget: TaskTextBudget;
  readonly request: ProxyTaskRequest;
}

type Admission = boolean | Promise<boolean>;

function byteLength(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, chunk) => sum + chunk.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function isThenable(value: Admission): value is Promise<boolean> {
  return typeof (value as Promise<boolean>)?.then === 'function';
}

/**
 * One client connection of the synthesis proxy: every client frame is read with `readClientFrame` (the
 * local server's validator), checked against the policy, the task's text budget, `authorize` (per task)
 * and the client's limits, and only then sent upstream — re-serialised from the validated data, never
 * as the client's bytes. Upstream frames come back as they are (with the key redacted from text). The
 * upstream connection is opened at the first task and kept for the connection's later tasks; it is
 * closed with the client, terminated if a slow client left it paused.
 *
 * Frames are handled strictly in order: while a `run-task` waits for an asynchronous `authorize` or
 * limiter, the frames after it wait too.
 *
 * @example
 * wss.on('connection', (socket, request) => new SynthesisRelay(socket, { ...shared, request, clientId: idOf(request) }));
 */
export class SynthesisRelay {
  readonly #downstream: WebSocket;
  readonly #context: RelayContext;
  readonly #tasks = new TaskRegistry<RelayTask>();
  /** Per task until its `task-started`. */
  readonly #startTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Client frames that arrived while a `run-task` was being admitted. */
  #held: string[] = [];
  #heldBytes = 0;
  #admitting = false;
  #upstream: WebSocket | undefined;
  /** Frames for an upstream still connecting. */
  #pending: string[] = [];
  #pendingBytes = 0;
  #upstreamFailure: ServiceError | undefined;
  #paused = false;
  #closed = false;
  /** One upstream-silence timer for the connection while any task runs (frames only record when they came). */
  #silenceTimer: ReturnType<typeof setTimeout> | undefined;
  #lastUpstreamAt = Date.now();
  /** Closes a client connection that has no task for `clientIdleTimeoutMs`. */
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(downstream: WebSocket, context: RelayContext) {
    this.#downstream = downstream;
    this.#context = context;
    context.limiter.connected(context.clientId);
    downstream.on('message', (data, isBinary) => this.#onClientMessage(data, isBinary));
    downstream.on('close', () => this.close());
    downstream.on('error', () => this.close());
    this.#armClientIdle();
  }

  /** Closes both sides at once and releases everything the connection held. */
  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    this.#closed = true;
    const { limiter, clientId } = this.#context;
    for (const taskId of this.#tasks.ids()) this.#release(taskId);
    limiter.disconnected(clientId);
    for (const timer of this.#startTimers.values()) clearTimeout(timer);
    this.#startTimers.clear();
    this.#clearSilenceTimer();
    this.#clearClientIdle();
    this.#held = [];
    this.#pending = [];
    const downstream = this.#downstream;
    setTimeout(() => {
      if (downstream.readyState === WebSocket.OPEN) downstream.close(code, reason);
      else downstream.terminate();
    }, 0);
    const upstream = this.#upstream;
    if (upstream) {
      // A paused upstream is not read, so a close handshake would wait ~30 s for an answer nobody reads.
      if (upstream.readyState === WebSocket.OPEN && !this.#paused) upstream.close(1000);
      else upstream.terminate();
    }
    this.#context.closed(this);
  }

  /** Closes at once without handshakes (the proxy is shutting down). */
  destroy(): void {
    const upstream = this.#upstream;
    this.close(1001, 'proxy closing');
    upstream?.terminate();
    this.#downstream.terminate();
  }

  // ---- client → upstream -------------------------------------------------------------------------

  #onClientMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.#closed) return;
    const { maxFrameBytes } = this.#context;
    const size = byteLength(data);
    if (size > maxFrameBytes) {
      this.#context.log(`client ${quoteForLog(this.#context.clientId)} sent a ${size}-byte frame, over the ${maxFrameBytes}-byte limit`);
      const taskId = isBinary ? '' : this.#replyTaskId(data.toString());
      this.#failDownstream(taskId, { code: 'InvalidParameter', message: `Frame too large: ${size} bytes, over the limit of ${maxFrameBytes} bytes per frame` });
      return;
    }
    if (isBinary) {
      this.#failDownstream('', SERVER_ERRORS.invalidPayload);
      return;
    }
    const text = data.toString();
    if (this.#admitting) {
      this.#heldBytes += text.length;
      if (this.#heldBytes > this.#context.maxBufferedBytes) this.#failDownstream('', SERVER_ERRORS.rateLimited);
      else this.#held.push(text);
      return;
    }
    this.#handle(text);
  }

  /** The task id to answer a refused frame with: the frame's own when it has the protocol's shape. */
  #replyTaskId(text: string): string {
    const result = readClientFrame(text);
    const taskId = result.ok ? result.frame.taskId : result.taskId;
    return isProtocolTaskId(taskId) ? taskId : '';
  }

  #handle(text: string): void {
    const result = readClientFrame(text);
    const taskId = result.ok ? result.frame.taskId : result.taskId;
    if (taskId !== '' && !isProtocolTaskId(taskId)) {
      this.#context.log(`client ${quoteForLog(this.#context.clientId)} sent a task id that is not 32 hex digits or a UUID: ${quoteForLog(taskId, 40)}`);
      this.#failDownstream('', { code: 'InvalidParameter', message: 'header.task_id must be 32 hex digits or a UUID' });
      return;
    }
    if (!result.ok) {
      // Late frames for a task that already ended are dropped, as the service does, even malformed ones.
      if (!this.#tasks.isLate(result.action, taskId)) this.#failDownstream(taskId, result.error);
      return;
    }
    const frame = result.frame;
    if (frame.action === 'run-task') {
      this.#runTask(frame);
      return;
    }
    const task = this.#tasks.find(frame.taskId);
    if (task === 'ended') return;
    if (task === undefined) {
      this.#failDownstream(frame.taskId, SERVER_ERRORS.taskNull);
      return;
    }
    if (frame.action === 'continue-task') {
      const taken = task.budget.take(frame.text);
      if (!taken.ok) {
        this.#failDownstream(frame.taskId, taken.error);
        return;
      }
    }
    this.#forward(frame.taskId, writeClientFrame(frame));
  }

  #runTask(frame: Extract<ClientFrame, { action: 'run-task' }>): void {
    const { taskId, run } = frame;
    if (this.#tasks.has(taskId)) {
      this.#failDownstream(taskId, { code: 'InvalidParameter', message: `task_id ${taskId} is already running on this connection` });
      return;
    }
    if (this.#upstreamFailure) {
      this.#failDownstream(taskId, this.#upstreamFailure);
      return;
    }
    const checked = this.#context.policy.checkRunTask(run);
    if (!checked.ok) {
      this.#context.log(`client ${quoteForLog(this.#context.clientId)} refused by the relay policy: ${quoteForLog(checked.error.message, 200)}`);
      this.#failDownstream(taskId, checked.error);
      return;
    }
    const parameters = Object.fromEntries([...Object.entries(run.wireParameters), ...Object.entries(checked.extraParameters)]);
    const request: ProxyTaskRequest = { taskId, model: run.model, voice: run.parameters.voice, parameters };
    let authorized: Admission = true;
    try {
      if (this.#context.authorizeTask) authorized = this.#context.authorizeTask(request);
    } catch {
      authorized = Promise.reject(new Error('authorize threw'));
    }
    this.#admit(authorized, taskId, (ok) => {
      if (this.#closed) return;
      if (!ok) {
        this.#context.log(`client ${quoteForLog(this.#context.clientId)} not authorized for a task`);
        this.#failDownstream(taskId, { code: 'AccessDenied', message: 'Access denied: not authorized to start this task' });
        return;
      }
      this.#admit(this.#context.limiter.startTask(this.#context.clientId), taskId, (admitted) => {
        if (this.#closed) {
          if (admitted) this.#context.limiter.endTask(this.#context.clientId);
          return;
        }
        if (!admitted) {
          this.#context.log(`client ${quoteForLog(this.#context.clientId)} over its limits`);
          this.#failDownstream(taskId, SERVER_ERRORS.rateLimited);
          return;
        }
        this.#startTask(taskId, run.parameters.enableSsml, request, writeClientFrame(frame, checked.extraParameters));
      });
    });
  }

  /**
   * Runs `then` with the answer now, or once it resolves, holding later client frames until then.
   * `then` runs even if the connection closed meanwhile, so an admission counted elsewhere is given back.
   */
  #admit(answer: Admission, taskId: string, then: (ok: boolean) => void): void {
    if (!isThenable(answer)) {
      then(answer === true);
      return;
    }
    this.#admitting = true;
    answer.then(
      (ok) => {
        this.#admitting = false;
        then(ok === true);
        this.#releaseHeld();
      },
      () => {
        this.#admitting = false;
        this.#failDownstream(taskId, { code: 'InternalError', message: 'authorize failed' });
      },
    );
  }

  #releaseHeld(): void {
    while (!this.#closed && !this.#admitting && this.#held.length > 0) {
      const text = this.#held.shift()!;
      this.#heldBytes -= text.length;
      this.#handle(text);
    }
  }

  #startTask(taskId: string, ssml: boolean, request: ProxyTaskRequest, text: string): void {
    this.#tasks.add(taskId, { budget: new TaskTextBudget(ssml), request });
    this.#clearClientIdle();
    this.#forward(taskId, text);
    if (this.#closed) return;
    this.#armStartTimer(taskId);
    this.#lastUpstreamAt = Date.now();
    if (this.#silenceTimer === undefined) this.#armSilenceTimer();
  }

  #forward(taskId: string, text: string): void {
    let socket = this.#upstream;
    if (!socket) {
      const opened = this.#context.openUpstream();
      if (!(opened instanceof WebSocket)) {
        this.#failDownstream(taskId, opened);
        return;
      }
      socket = this.#connectUpstream(opened);
    }
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(text);
      return;
    }
    this.#pendingBytes += text.length;
    if (this.#pendingBytes > this.#context.maxBufferedBytes) {
      this.#failDownstream(taskId, SERVER_ERRORS.rateLimited);
      return;
    }
    this.#pending.push(text);
  }

  // ---- upstream → client -------------------------------------------------------------------------

  #connectUpstream(socket: WebSocket): WebSocket {
    this.#upstream = socket;
    socket.on('open', () => {
      if (this.#closed) return;
      for (const text of this.#pending) socket.send(text);
      this.#pending = [];
      this.#pendingBytes = 0;
    });
    socket.on('message', (data, isBinary) => this.#onUpstreamMessage(socket, data, isBinary));
    socket.on('unexpected-response', (_request, response) => {
      response.resume();
      this.#failUpstream({ code: 'ServiceUnavailable', message: `The upstream refused the connection (HTTP ${response.statusCode})` });
      socket.terminate();
    });
    socket.on('error', (error) => {
      this.#failUpstream({ code: 'ServiceUnavailable', message: `The upstream could not be reached (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
    });
    socket.on('close', (code) => {
      if (this.#closed) return;
      if (this.#tasks.size > 0) this.#failUpstream({ code: 'InternalError', message: `The upstream connection closed before the task ended (code ${code})` });
      // A client that has not started a task yet gets a moment to, so its run-task is answered with the
      // reason (task-failed) rather than a bare close.
      else if (this.#upstreamFailure) setTimeout(() => this.close(1000, 'upstream failed'), 2000).unref();
      else this.close(1000, 'upstream closed');
    });
    return socket;
  }

  #onUpstreamMessage(socket: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    const downstream = this.#downstream;
    if (this.#closed || downstream.readyState !== WebSocket.OPEN) return;
    this.#lastUpstreamAt = Date.now();
    if (isBinary) downstream.send(data, { binary: true });
    else {
      const text = data.toString();
      try {
        const header = (JSON.parse(text) as { header?: { event?: string; task_id?: string } }).header;
        const event = header?.event;
        if (event === 'task-started' && header?.task_id) this.#clearStartTimer(header.task_id);
        if ((event === 'task-finished' || event === 'task-failed') && header?.task_id) this.#release(header.task_id);
      } catch {
        // relayed as is; the client reports it
      }
      // An upstream that echoes the key (in an error message, say) must not hand it to the browser.
      downstream.send(this.#context.redact(text));
    }
    if (!this.#paused && downstream.bufferedAmount > this.#context.maxBufferedBytes) {
      this.#paused = true;
      socket.pause();
      setTimeout(() => this.#drain(), 10).unref();
    }
  }

  #drain(): void {
    if (this.#closed) return;
    if (this.#downstream.bufferedAmount < this.#context.maxBufferedBytes / 2) {
      this.#paused = false;
      this.#upstream?.resume();
      return;
    }
    setTimeout(() => this.#drain(), 10).unref();
  }

  // ---- task ends, failures, timers ---------------------------------------------------------------

  /** A task ended (upstream said so, or the connection is closing): its slot is given back. */
  #release(taskId: string): void {
    this.#clearStartTimer(taskId);
    if (this.#tasks.end(taskId) !== undefined) this.#context.limiter.endTask(this.#context.clientId);
    if (this.#tasks.size === 0) {
      this.#clearSilenceTimer();
      this.#armClientIdle();
    }
  }

  #failDownstream(taskId: string, error: ServiceError): void {
    if (this.#closed) return;
    if (this.#downstream.readyState === WebSocket.OPEN) this.#downstream.send(taskFailedFrame(taskId, error));
    this.close(1000, 'task failed');
  }

  #failUpstream(error: ServiceError): void {
    if (this.#closed) return;
    this.#upstreamFailure = error;
    this.#context.log(`upstream fault: ${error.message}`);
    if (this.#tasks.size === 0) return; // answered when the client starts a task
    for (const taskId of this.#tasks.ids()) {
      if (this.#downstream.readyState === WebSocket.OPEN) this.#downstream.send(taskFailedFrame(taskId, error));
    }
    this.close(1000, 'upstream failed');
  }

  /** The upstream went silent: every task fails and the upstream socket is dropped. */
  #timedOut(message: string): void {
    if (this.#closed) return;
    const socket = this.#upstream;
    this.#failUpstream({ code: 'ServiceUnavailable', message });
    socket?.terminate();
  }

  #armStartTimer(taskId: string): void {
    this.#clearStartTimer(taskId);
    const ms = this.#context.taskStartTimeoutMs;
    const fire = (): void => {
      // A paused upstream (slow client) is not read, so its task-started may be waiting unread.
      if (this.#paused) return void this.#startTimers.set(taskId, setTimeout(fire, ms).unref());
      this.#startTimers.delete(taskId);
      this.#timedOut(`The upstream did not start task ${taskId} within ${ms} ms`);
    };
    this.#startTimers.set(taskId, setTimeout(fire, ms).unref());
  }

  #clearStartTimer(taskId: string): void {
    const timer = this.#startTimers.get(taskId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#startTimers.delete(taskId);
  }

  #armSilenceTimer(delay = this.#context.upstreamIdleTimeoutMs): void {
    this.#clearSilenceTimer();
    if (this.#closed || this.#tasks.size === 0) return;
    const limit = this.#context.upstreamIdleTimeoutMs;
    this.#silenceTimer = setTimeout(() => {
      this.#silenceTimer = undefined;
      const quietFor = Date.now() - this.#lastUpstreamAt;
      // A paused upstream (a slow client) is not a silent one.
      if (this.#paused) return this.#armSilenceTimer();
      if (quietFor < limit) return this.#armSilenceTimer(limit - quietFor);
      this.#timedOut(`The upstream sent nothing for ${limit} ms while a task was running`);
    }, delay).unref();
  }

  #clearSilenceTimer(): void {
    if (this.#silenceTimer !== undefined) clearTimeout(this.#silenceTimer);
    this.#silenceTimer = undefined;
  }

  #armClientIdle(): void {
    this.#clearClientIdle();
    if (this.#closed) return;
    const ms = this.#context.clientIdleTimeoutMs;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#tasks.size > 0 || this.#admitting) return;
      this.#context.log(`client ${quoteForLog(this.#context.clientId)} had no task for ${ms} ms; connection closed`);
      this.close(1000, 'idle');
    }, ms);
    this.#idleTimer.unref?.();
  }

  #clearClientIdle(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }
}
