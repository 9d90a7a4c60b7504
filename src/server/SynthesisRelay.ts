import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { readCachedSynthesis, SynthesisRecording, synthesisCacheKey, type CachedSynthesis } from './CachedSynthesis';
import type { ClientLimiter, LimitDecision } from './ClientLimiter';
import { isProtocolTaskId } from './isProtocolTaskId';
import { isRecord } from './isRecord';
import type { ProxyTaskRequest } from './ProxyAuthorizeContext';
import type { ProxyMetrics, TaskOutcome } from './ProxyMetrics';
import { quoteForLog } from './quoteForLog';
import { readClientFrame, writeClientFrame, type ClientFrame, type RunTaskRequest, type ServiceError } from './readClientFrame';
import type { RelayPolicy } from './RelayPolicy';
import { SERVER_ERRORS, taskFailedFrame } from './serverErrors';
import type { SynthesisCache } from '../core/SynthesisCache';
import { TaskRegistry } from './TaskRegistry';
import { TaskTextBudget } from './TaskTextBudget';

/**
 * The `task-failed` a task gets when the proxy drains (a deploy, a scale-down): `ServiceUnavailable`,
 * which clients treat as retryable, with the task's own id, before the connection closes with 1001.
 */
export const DRAINING_ERROR: ServiceError = Object.freeze({
  code: 'ServiceUnavailable',
  message: 'The proxy is shutting down; retry the task on a new connection',
});

/** The service's rule for a task that gets no text, applied by the proxy while it holds a cacheable task. */
const TEXT_WAIT_MS = 23_000;

/** The synthesis cache as a relay uses it. */
export interface RelayCache {
  readonly store: SynthesisCache;
  /** Whose entries these are (a hash of the key, the upstream, the workspace): part of every cache key. */
  readonly scope: string;
  /**
   * How long a task whose text matches an entry waits for its `finish-task` before it is taken for
   * streamed text and synthesized upstream.
   */
  readonly wholeTextWaitMs: number;
}

/** What every relay of one proxy shares: policy, limits, timeouts and the way upstream. */
export interface RelayContext {
  /** The upgrade request (for `authorize`). */
  readonly request: IncomingMessage;
  /** Who the connection belongs to, for the limits. */
  readonly clientId: string;
  /** The limiter that admitted this connection (`closeConnection` is called when it closes). */
  readonly limiter: ClientLimiter;
  readonly policy: RelayPolicy;
  /** Per-task authorization; without it every task that passes the policy and limits starts. */
  authorizeTask?(task: ProxyTaskRequest): boolean | Promise<boolean>;
  /** An upstream connection that carries the key (a warm one from the pool, or a new one), or why there is none. */
  takeUpstream(): { socket: WebSocket; warm: boolean } | ServiceError;
  /** Removes the key from a text that is about to leave the proxy (an upstream that echoes it). */
  redact(text: string): string;
  log(message: string): void;
  /** The relay closed (the proxy forgets it). */
  closed(relay: SynthesisRelay): void;
  /** Whether the proxy is draining (new tasks are refused). */
  draining(): boolean;
  readonly metrics: ProxyMetrics;
  /** The synthesis cache, when it is on. */
  readonly cache?: RelayCache;
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
  readonly taskStartTimeoutMs: number;
  readonly upstreamIdleTimeoutMs: number;
  readonly clientIdleTimeoutMs: number;
  /** How long an upstream with no task is kept for the client's next task before it is closed. */
  readonly upstreamKeepAliveMs: number;
  /** Open the upstream connection when the client connects, not at its first task. */
  readonly upstreamOnConnect: boolean;
}

/**
 * Where a task is:
 * - `relaying`: on the upstream, frames forwarded as they come;
 * - `awaiting-text`: cacheable; the proxy said `task-started` and waits for the first frame;
 * - `looking-up`: the first text is being looked up in the cache;
 * - `awaiting-finish`: the text is in the cache; waiting for `finish-task` to know it is the whole text;
 * - `starting-upstream`: sent upstream; the client's frames wait for the upstream's `task-started`;
 * - `replaying`: answered from the cache.
 */
type TaskPhase = 'relaying' | 'awaiting-text' | 'looking-up' | 'awaiting-finish' | 'starting-upstream' | 'replaying';

/** What the cache path knows of a task. */
interface TaskCacheState {
  key: string | undefined;
  /** The task's client frames after `run-task`, by action, while they still look like a whole text. */
  shape: Array<ClientFrame['action'] | 'cancel'>;
  recording: SynthesisRecording | undefined;
  hit: CachedSynthesis | undefined;
  waitTimer: ReturnType<typeof setTimeout> | undefined;
}

/** A task the relay admitted. */
interface RelayTask {
  readonly taskId: string;
  readonly budget: TaskTextBudget;
  readonly request: ProxyTaskRequest;
  /** The `run-task` to send upstream, re-serialised. */
  readonly runFrame: string;
  readonly receivedAt: number;
  phase: TaskPhase;
  /** Its `run-task` went upstream (and the task has not ended there). */
  upstream: boolean;
  sentAt: number;
  /** The upstream answered `task-started`. */
  started: boolean;
  /** Frames written upstream before `task-started`, to send again once if a kept upstream closes first. */
  sentBeforeStart: string[];
  /** Its `run-task` went out on an upstream that was already open (kept or warm), which may die idle. */
  onKeptSocket: boolean;
  resent: boolean;
  /** Client frames held while the cache path decides, in order. */
  held: ClientFrame[];
  cache: TaskCacheState | undefined;
  cancelled: boolean;
  /** Another task shared the upstream while this one ran (its audio cannot be told apart for the cache). */
  overlapped: boolean;
  upstreamAudio: boolean;
  downstreamAudio: boolean;
}

type Admission<T> = T | Promise<T>;

function byteLength(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, chunk) => sum + chunk.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function asBuffer(data: WebSocket.RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? Buffer.from(data) : data;
}

function isThenable<T>(value: Admission<T>): value is Promise<T> {
  return typeof (value as Promise<T>)?.then === 'function';
}

/**
 * Whether a task may be answered from, and stored in, the cache: not when its audio carries a per-request
 * mark (`enable_aigc_tag` embeds the request id, or an id of the client's, into the audio).
 */
function cacheableRun(run: RunTaskRequest): boolean {
  return run.wireParameters.enable_aigc_tag !== true;
}

function taskStartedFrame(taskId: string): string {
  return JSON.stringify({ header: { task_id: taskId, event: 'task-started', attributes: {} }, payload: {} });
}

/**
 * One client connection of the synthesis proxy: every client frame is read with `readClientFrame` (the
 * local server's validator), checked against the policy, the task's text budget, `authorize` (per task)
 * and the client's limits, and only then sent upstream — re-serialised from the validated data, never
 * as the client's bytes. Upstream frames come back as they are (with the key redacted from text).
 *
 * **Upstream reuse.** The upstream connection is opened when the client connects (`upstreamOnConnect`,
 * so a client that preconnects finds both hops warm; else at the first task), or taken warm from the
 * proxy's pool, and carries the client's later tasks, each `run-task` sent as soon as the client sends
 * it. Once no task runs it is kept `upstreamKeepAliveMs`, then closed; the client connection stays.
 * An upstream that closes while idle is replaced at the next task, and one that closes after a task's
 * `run-task` went out on it but before `task-started` (the service's idle cut-off racing the task) gets
 * that task's frames again on a new connection, once: a task never fails because a kept upstream died
 * idle. After the upstream fails a task (`task-failed`, then the service closes), the next task opens a
 * new one.
 *
 * **Cache.** With a cache, a cacheable task is answered `task-started` by the proxy; its first
 * `continue-task` is looked up; when the entry exists and the next frame is `finish-task` (within
 * `wholeTextWaitMs`), the stored frames are replayed with this task's id. Otherwise the task goes
 * upstream with its frames in order (the upstream's own `task-started` is not passed on), and a task
 * made of exactly one `continue-task` then `finish-task` is recorded and stored when it finishes.
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
  /** Per task until its `task-started` (or, for a task held by the cache path, until its first text). */
  readonly #startTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Client frames that arrived while a `run-task` was being admitted. */
  #held: string[] = [];
  #heldBytes = 0;
  #admitting = false;
  #upstream: WebSocket | undefined;
  /** Tasks the current upstream socket has been given (a later one reuses it). */
  #upstreamServed = 0;
  /** Frames for an upstream still connecting. */
  #pending: string[] = [];
  #pendingBytes = 0;
  /** Closes an upstream that has had no task for `upstreamKeepAliveMs`. */
  #upstreamIdleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The task whose `sentence-synthesis` came last: the next audio frame is its. */
  #audioTask: RelayTask | undefined;
  #paused = false;
  #closed = false;
  #draining = false;
  /** One upstream-silence timer for the connection while any task runs upstream (frames only record when they came). */
  #silenceTimer: ReturnType<typeof setTimeout> | undefined;
  #lastUpstreamAt = Date.now();
  /** Closes a client connection that has no task for `clientIdleTimeoutMs`. */
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(downstream: WebSocket, context: RelayContext) {
    this.#downstream = downstream;
    this.#context = context;
    context.metrics.connection('client', 1);
    downstream.on('message', (data, isBinary) => this.#onClientMessage(data, isBinary));
    downstream.on('close', () => this.close());
    downstream.on('error', () => this.close());
    this.#armClientIdle();
    if (context.upstreamOnConnect && !context.draining()) this.#openUpstreamAhead();
  }

  /** Tasks running on this connection. */
  get taskCount(): number {
    return this.#tasks.size;
  }

  /** Closes both sides at once and releases everything the connection held. */
  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const taskId of this.#tasks.ids()) this.#release(taskId, 'aborted');
    this.#context.limiter.closeConnection(this.#context.clientId);
    this.#context.metrics.connection('client', -1);
    for (const timer of this.#startTimers.values()) clearTimeout(timer);
    this.#startTimers.clear();
    this.#clearSilenceTimer();
    this.#clearClientIdle();
    this.#clearUpstreamIdle();
    this.#held = [];
    this.#pending = [];
    const downstream = this.#downstream;
    setTimeout(() => {
      if (downstream.readyState === WebSocket.OPEN) downstream.close(code, reason);
      else downstream.terminate();
    }, 0);
    const upstream = this.#upstream;
    this.#upstream = undefined;
    if (upstream) this.#dropUpstream(upstream);
    this.#context.closed(this);
  }

  /** Closes at once without handshakes (the proxy is shutting down). */
  destroy(): void {
    const upstream = this.#upstream;
    this.close(1001, 'proxy closing');
    upstream?.terminate();
    this.#downstream.terminate();
  }

  /**
   * The proxy drains: no new task starts here (each gets `task-failed`, {@link DRAINING_ERROR}); the
   * connection closes (1001) once its running tasks ended, at once if none runs.
   */
  drain(): void {
    this.#draining = true;
    if (this.#tasks.size === 0 && !this.#admitting) this.close(1001, 'proxy draining');
  }

  /** The drain deadline passed: every running task gets `task-failed` ({@link DRAINING_ERROR}) and the connection closes. */
  endForDrain(): void {
    if (this.#closed) return;
    for (const taskId of this.#tasks.ids()) {
      if (this.#downstream.readyState === WebSocket.OPEN) this.#downstream.send(taskFailedFrame(taskId, DRAINING_ERROR));
      this.#release(taskId, 'drained');
    }
    this.close(1001, 'proxy draining');
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
    if (frame.action === 'finish-task' && frame.cancel) task.cancelled = true;
    this.#taskFrame(task, frame);
  }

  #runTask(frame: Extract<ClientFrame, { action: 'run-task' }>): void {
    const { taskId, run } = frame;
    const { metrics } = this.#context;
    if (this.#tasks.has(taskId)) {
      this.#failDownstream(taskId, { code: 'InvalidParameter', message: `task_id ${taskId} is already running on this connection` });
      return;
    }
    if (this.#draining || this.#context.draining()) {
      metrics.refused('task', 'draining');
      this.#refuseWhileDraining(taskId);
      return;
    }
    const checked = this.#context.policy.checkRunTask(run);
    if (!checked.ok) {
      metrics.refused('task', 'policy');
      this.#context.log(`client ${quoteForLog(this.#context.clientId)} refused by the relay policy: ${quoteForLog(checked.error.message, 200)}`);
      this.#failDownstream(taskId, checked.error);
      return;
    }
    const parameters = Object.fromEntries([...Object.entries(run.wireParameters), ...Object.entries(checked.extraParameters)]);
    const request: ProxyTaskRequest = { taskId, model: run.model, voice: run.parameters.voice, parameters };
    let authorized: Admission<boolean> = true;
    try {
      if (this.#context.authorizeTask) authorized = this.#context.authorizeTask(request);
    } catch {
      authorized = Promise.reject(new Error('authorize threw'));
    }
    this.#admit(authorized, taskId, (ok) => {
      if (this.#closed) return;
      if (ok !== true) {
        metrics.refused('task', 'authorize');
        this.#context.log(`client ${quoteForLog(this.#context.clientId)} not authorized for a task`);
        this.#failDownstream(taskId, { code: 'AccessDenied', message: 'Access denied: not authorized to start this task' });
        return;
      }
      this.#admit<LimitDecision>(this.#context.limiter.startTask(this.#context.clientId), taskId, (decision) => {
        if (this.#closed) {
          if (decision === 'ok') this.#context.limiter.endTask(this.#context.clientId);
          return;
        }
        if (decision !== 'ok') {
          metrics.refused('task', decision);
          if (decision === 'unavailable') {
            this.#context.log(`client ${quoteForLog(this.#context.clientId)} refused a task: the limit store is unreachable`);
            this.#failDownstream(taskId, { code: 'ServiceUnavailable', message: 'The proxy cannot check its limits right now; retry shortly' });
          } else {
            this.#context.log(`client ${quoteForLog(this.#context.clientId)} over its limits (${decision})`);
            this.#failDownstream(taskId, SERVER_ERRORS.rateLimited);
          }
          return;
        }
        this.#startTask(frame, request, writeClientFrame(frame, checked.extraParameters));
      });
    });
  }

  /** A `run-task` while draining: that task fails (retryable); tasks already running go on. */
  #refuseWhileDraining(taskId: string): void {
    if (this.#downstream.readyState === WebSocket.OPEN) this.#downstream.send(taskFailedFrame(taskId, DRAINING_ERROR));
    if (this.#tasks.size === 0) this.close(1001, 'proxy draining');
  }

  /**
   * Runs `then` with the answer now, or once it resolves, holding later client frames until then.
   * `then` runs even if the connection closed meanwhile, so an admission counted elsewhere is given back.
   */
  #admit<T>(answer: Admission<T>, taskId: string, then: (value: T) => void): void {
    if (!isThenable(answer)) {
      then(answer);
      return;
    }
    this.#admitting = true;
    answer.then(
      (value) => {
        this.#admitting = false;
        then(value);
        this.#releaseHeld();
        if (this.#draining && this.#tasks.size === 0) this.close(1001, 'proxy draining');
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

  #startTask(frame: Extract<ClientFrame, { action: 'run-task' }>, request: ProxyTaskRequest, runFrame: string): void {
    const { taskId, run } = frame;
    const cache = this.#context.cache && cacheableRun(run) ? this.#context.cache : undefined;
    const task: RelayTask = {
      taskId,
      budget: new TaskTextBudget(run.parameters.enableSsml),
      request,
      runFrame,
      receivedAt: performance.now(),
      phase: cache ? 'awaiting-text' : 'relaying',
      upstream: false,
      sentAt: 0,
      started: false,
      sentBeforeStart: [],
      onKeptSocket: false,
      resent: false,
      held: [],
      cache: cache ? { key: undefined, shape: [], recording: undefined, hit: undefined, waitTimer: undefined } : undefined,
      cancelled: false,
      overlapped: false,
      upstreamAudio: false,
      downstreamAudio: false,
    };
    for (const other of this.#tasks.values()) {
      other.overlapped = true;
      task.overlapped = true;
    }
    this.#tasks.add(taskId, task);
    this.#clearClientIdle();
    if (!cache) {
      this.#sendUpstream(task);
      return;
    }
    // The proxy starts the task itself and hears the first text before deciding where the audio comes
    // from. No upstream connection is opened for it yet: a hit needs none.
    this.#downstream.send(taskStartedFrame(taskId));
    this.#armTimer(taskId, TEXT_WAIT_MS, () => this.#failDownstream(taskId, SERVER_ERRORS.idleTimeout));
  }

  /** A validated `continue-task` / `flush` / `finish-task` of a running task. */
  #taskFrame(task: RelayTask, frame: ClientFrame): void {
    const cache = task.cache;
    if (cache && cache.shape.length < 3) {
      cache.shape.push(frame.action === 'finish-task' && frame.cancel ? 'cancel' : frame.action);
      if (!this.#wholeTextSoFar(cache)) {
        cache.recording = undefined;
        cache.shape.length = 3;
      }
    }
    switch (task.phase) {
      case 'relaying':
        this.#write(task, writeClientFrame(frame));
        return;
      case 'replaying':
        return;
      case 'starting-upstream':
      case 'looking-up':
        task.held.push(frame);
        return;
      case 'awaiting-text':
        this.#clearTimer(task.taskId);
        task.held.push(frame);
        if (frame.action !== 'continue-task') return this.#goUpstream(task);
        this.#lookUp(task, frame.text);
        return;
      case 'awaiting-finish':
        clearTimeout(cache!.waitTimer);
        task.held.push(frame);
        if (frame.action === 'finish-task' && !frame.cancel) void this.#replay(task, cache!.hit!);
        else this.#goUpstream(task);
        return;
    }
  }

  /** Whether the frames so far are one `continue-task`, then (if any) a `finish-task` that is not a cancel. */
  #wholeTextSoFar(cache: TaskCacheState): boolean {
    const [first, second, third] = cache.shape;
    return first === 'continue-task' && (second === undefined || second === 'finish-task') && third === undefined;
  }

  #lookUp(task: RelayTask, text: string): void {
    const cache = this.#context.cache!;
    task.phase = 'looking-up';
    const key = synthesisCacheKey(cache.scope, task.request.model, task.request.parameters, text);
    task.cache!.key = key;
    cache.store.get(key).then(
      (entry) => this.#lookedUp(task, entry === undefined ? undefined : readCachedSynthesis(entry)),
      () => this.#lookedUp(task, undefined),
    );
  }

  #lookedUp(task: RelayTask, hit: CachedSynthesis | undefined): void {
    if (this.#closed || this.#tasks.find(task.taskId) !== task || task.phase !== 'looking-up') return;
    this.#context.metrics.cacheLookup(hit !== undefined);
    const [, next] = task.held;
    if (!hit || (next !== undefined && (next.action !== 'finish-task' || next.cancel || task.held.length > 2))) {
      this.#goUpstream(task);
      return;
    }
    if (next !== undefined) {
      void this.#replay(task, hit);
      return;
    }
    task.phase = 'awaiting-finish';
    task.cache!.hit = hit;
    task.cache!.waitTimer = setTimeout(() => {
      if (task.phase === 'awaiting-finish' && this.#tasks.find(task.taskId) === task) this.#goUpstream(task);
    }, this.#context.cache!.wholeTextWaitMs);
    task.cache!.waitTimer.unref?.();
  }

  /** The cache path hands the task to the upstream: its `run-task`, then its held frames once started. */
  #goUpstream(task: RelayTask): void {
    const cache = task.cache!;
    if (cache.key !== undefined && this.#wholeTextSoFar(cache)) cache.recording = new SynthesisRecording(this.#context.cache!.store.maxEntryBytes);
    task.phase = 'starting-upstream';
    this.#sendUpstream(task);
  }

  /** Answers a task from the cache at full speed (pausing only for a slow client), then ends it. */
  async #replay(task: RelayTask, hit: CachedSynthesis): Promise<void> {
    task.phase = 'replaying';
    this.#context.metrics.charactersFromCache(hit.characters);
    const downstream = this.#downstream;
    const { maxBufferedBytes } = this.#context;
    for (const frame of hit.frames(task.taskId)) {
      while (!this.#closed && downstream.bufferedAmount > maxBufferedBytes) await new Promise((resolve) => setTimeout(resolve, 10));
      if (this.#closed || this.#tasks.find(task.taskId) !== task || downstream.readyState !== WebSocket.OPEN) return;
      if (frame.kind === 'text') downstream.send(frame.text);
      else {
        downstream.send(frame.data, { binary: true });
        this.#downstreamAudio(task);
      }
    }
    this.#release(task.taskId, 'finished');
  }

  /** Sends a task's `run-task` upstream (and, for the cache path, its held frames once it started). */
  #sendUpstream(task: RelayTask): void {
    const existing = this.#upstream;
    const kept = existing !== undefined && existing.readyState === WebSocket.OPEN;
    if (kept && this.#upstreamServed > 0) this.#context.metrics.upstreamUsed('reused');
    task.upstream = true;
    task.sentAt = performance.now();
    task.onKeptSocket = kept;
    this.#write(task, task.runFrame);
    if (this.#closed || !task.upstream) return;
    this.#upstreamServed++;
    this.#clearUpstreamIdle();
    this.#armTimer(task.taskId, this.#context.taskStartTimeoutMs, () => this.#timedOut(`The upstream did not start task ${task.taskId} within ${this.#context.taskStartTimeoutMs} ms`), true);
    this.#lastUpstreamAt = Date.now();
    if (this.#silenceTimer === undefined) this.#armSilenceTimer();
  }

  /** Writes a frame of a task upstream, opening (or replacing) the upstream connection as needed. */
  #write(task: RelayTask, text: string): void {
    const socket = this.#ensureUpstream();
    if (!socket) return;
    if (!task.started) task.sentBeforeStart.push(text);
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(text);
      return;
    }
    this.#pendingBytes += text.length;
    if (this.#pendingBytes > this.#context.maxBufferedBytes) {
      this.#failDownstream(task.taskId, SERVER_ERRORS.rateLimited);
      return;
    }
    this.#pending.push(text);
  }

  /** The upstream connection, opened (or taken warm from the pool) if there is none; undefined after failing the connection. */
  #ensureUpstream(): WebSocket | undefined {
    const current = this.#upstream;
    if (current && (current.readyState === WebSocket.OPEN || current.readyState === WebSocket.CONNECTING)) return current;
    const taken = this.#context.takeUpstream();
    if (!('socket' in taken)) {
      this.#failUpstream(taken);
      return undefined;
    }
    this.#context.metrics.upstreamUsed(taken.warm ? 'warm' : 'opened');
    return this.#attachUpstream(taken.socket);
  }

  /**
   * The client connected: its upstream connection opens now, beside the client's own handshake and
   * before its first `run-task`, and is closed like any idle one if no task comes. When none can be
   * opened, nothing is said: the first task asks again and reports why.
   */
  #openUpstreamAhead(): void {
    const taken = this.#context.takeUpstream();
    if (!('socket' in taken)) return;
    this.#context.metrics.upstreamUsed(taken.warm ? 'warm' : 'opened');
    this.#attachUpstream(taken.socket);
    this.#armUpstreamIdle();
  }

  // ---- upstream → client -------------------------------------------------------------------------

  #attachUpstream(socket: WebSocket): WebSocket {
    this.#upstream = socket;
    this.#upstreamServed = 0;
    this.#paused = false;
    this.#context.metrics.connection('upstream', 1);
    socket.on('open', () => {
      if (this.#closed || socket !== this.#upstream) return;
      for (const text of this.#pending) socket.send(text);
      this.#pending = [];
      this.#pendingBytes = 0;
    });
    socket.on('message', (data, isBinary) => this.#onUpstreamMessage(socket, data, isBinary));
    socket.on('unexpected-response', (_request, response) => {
      response.resume();
      this.#upstreamLost(socket, { code: 'ServiceUnavailable', message: `The upstream refused the connection (HTTP ${response.statusCode})` });
      socket.terminate();
    });
    socket.on('error', (error) => {
      this.#upstreamLost(socket, { code: 'ServiceUnavailable', message: `The upstream could not be reached (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
    });
    socket.once('close', (code) => {
      this.#context.metrics.connection('upstream', -1);
      this.#upstreamLost(socket, { code: 'InternalError', message: `The upstream connection closed before the task ended (code ${code})` });
    });
    return socket;
  }

  /**
   * The upstream connection is gone. Idle, it is simply forgotten (the next task opens another). Tasks
   * whose `run-task` went out on a kept connection and got no answer yet are sent again on a new one,
   * once; any other task running on it fails.
   */
  #upstreamLost(socket: WebSocket, error: ServiceError): void {
    if (this.#closed || socket !== this.#upstream) return;
    this.#upstream = undefined;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#paused = false;
    this.#clearUpstreamIdle();
    const active = this.#tasks.values().filter((task) => task.upstream);
    if (active.length === 0) return;
    const resendable = active.every((task) => task.onKeptSocket && !task.started && !task.resent);
    if (!resendable) {
      this.#failUpstream(error);
      return;
    }
    this.#context.log(`the kept upstream connection closed before answering (${error.message}); ${active.length === 1 ? 'its task goes' : `${active.length} tasks go`} out again on a new connection`);
    for (const task of active) {
      const frames = task.sentBeforeStart;
      task.sentBeforeStart = [];
      task.resent = true;
      task.onKeptSocket = false;
      for (const text of frames) {
        this.#write(task, text);
        if (this.#closed) return;
      }
    }
  }

  #onUpstreamMessage(socket: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (this.#closed || socket !== this.#upstream) return;
    const downstream = this.#downstream;
    this.#lastUpstreamAt = Date.now();
    if (isBinary) {
      const task = this.#audioTask;
      if (task && this.#tasks.find(task.taskId) === task) {
        if (!task.upstreamAudio) {
          task.upstreamAudio = true;
          this.#context.metrics.firstAudio('upstream', (performance.now() - task.sentAt) / 1000);
        }
        task.cache?.recording?.audio(asBuffer(data));
      }
      if (downstream.readyState === WebSocket.OPEN) {
        downstream.send(data, { binary: true });
        if (task) this.#downstreamAudio(task);
      }
    } else if (this.#upstreamEvent(data.toString())) return;
    if (!this.#paused && downstream.bufferedAmount > this.#context.maxBufferedBytes) {
      this.#paused = true;
      socket.pause();
      setTimeout(() => this.#drainDownstream(), 10).unref();
    }
  }

  /** Handles an upstream event; returns true when it is not to be passed on. */
  #upstreamEvent(text: string): boolean {
    let message: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) message = parsed;
    } catch {
      // relayed as is; the client reports it
    }
    const header = message && isRecord(message.header) ? message.header : undefined;
    const event = header?.event;
    const taskId = typeof header?.task_id === 'string' ? header.task_id : '';
    const found = taskId ? this.#tasks.find(taskId) : undefined;
    const task = found && found !== 'ended' ? found : undefined;
    if (task && event === 'task-started') {
      this.#clearTimer(taskId);
      task.started = true;
      task.sentBeforeStart = [];
      // Audio is the task's whose sentence-synthesis came last; before any, the task that just started
      // (an upstream that sends a sentence's audio ahead of its event is then still read right).
      if (this.#audioTask === undefined) this.#audioTask = task;
      if (task.phase === 'starting-upstream') {
        // The client was told the task started when the proxy took it; its frames go now.
        task.phase = 'relaying';
        for (const frame of task.held.splice(0)) {
          this.#write(task, writeClientFrame(frame));
          if (this.#closed) break;
        }
        return true;
      }
    } else if (task && event === 'result-generated') {
      const payload = isRecord(message!.payload) ? message!.payload : undefined;
      const output = payload && isRecord(payload.output) ? payload.output : undefined;
      if (output?.type === 'sentence-synthesis') this.#audioTask = task;
      task.cache?.recording?.event(message!);
    } else if (task && event === 'task-finished') {
      if (this.#finished(task, message!, text)) return true;
    } else if (task && event === 'task-failed') {
      this.#release(taskId, 'failed');
    }
    // An upstream that echoes the key (in an error message, say) must not hand it to the browser.
    if (this.#downstream.readyState === WebSocket.OPEN) this.#downstream.send(this.#context.redact(text));
    return false;
  }

  /**
   * The upstream finished a task. A recorded one is stored first, and its `task-finished` passed on
   * once the store answered (true: the caller does not pass it on), so a client that heard the end can
   * count on the next reading — on any instance — being a hit.
   */
  #finished(task: RelayTask, message: Record<string, unknown>, text: string): boolean {
    const payload = isRecord(message.payload) ? message.payload : undefined;
    const usage = payload && isRecord(payload.usage) ? payload.usage : undefined;
    if (typeof usage?.characters === 'number') this.#context.metrics.charactersRelayed(usage.characters);
    const cache = task.cache;
    const recording = cache?.recording;
    const outcome = task.cancelled ? 'cancelled' : 'finished';
    const entry = cache && recording && cache.key !== undefined && !task.overlapped && !task.cancelled && this.#wholeTextSoFar(cache) && cache.shape.length === 2 ? recording.finish(message) : undefined;
    if (!entry) {
      this.#release(task.taskId, outcome);
      return false;
    }
    cache!.recording = undefined;
    // The store bounds its own time (a command deadline); a failed store is a skipped one.
    this.#context.cache!.store.set(cache!.key!, entry).then(
      () => this.#context.metrics.cacheStored(),
      () => undefined,
    ).finally(() => {
      if (this.#closed || this.#tasks.find(task.taskId) !== task) return;
      if (this.#downstream.readyState === WebSocket.OPEN) this.#downstream.send(this.#context.redact(text));
      this.#release(task.taskId, outcome);
    });
    return true;
  }

  #downstreamAudio(task: RelayTask): void {
    if (task.downstreamAudio) return;
    task.downstreamAudio = true;
    this.#context.metrics.firstAudio('downstream', (performance.now() - task.receivedAt) / 1000);
  }

  #drainDownstream(): void {
    if (this.#closed) return;
    if (this.#downstream.bufferedAmount < this.#context.maxBufferedBytes / 2) {
      this.#paused = false;
      this.#upstream?.resume();
      return;
    }
    setTimeout(() => this.#drainDownstream(), 10).unref();
  }

  // ---- task ends, failures, timers ---------------------------------------------------------------

  /** A task ended (upstream said so, the cache answered it, or the connection is closing): its slot is given back. */
  #release(taskId: string, outcome: TaskOutcome): void {
    this.#clearTimer(taskId);
    const task = this.#tasks.end(taskId);
    if (task === undefined) return;
    if (task.cache?.waitTimer !== undefined) clearTimeout(task.cache.waitTimer);
    if (this.#audioTask === task) this.#audioTask = undefined;
    this.#context.limiter.endTask(this.#context.clientId);
    this.#context.metrics.taskEnded(outcome, task.phase === 'replaying' ? 'cache' : 'upstream');
    if (this.#closed) return;
    if (!this.#tasks.values().some((other) => other.upstream)) {
      this.#clearSilenceTimer();
      this.#armUpstreamIdle();
    }
    if (this.#tasks.size === 0) {
      if (this.#draining) this.close(1001, 'proxy draining');
      else this.#armClientIdle();
    }
  }

  #failDownstream(taskId: string, error: ServiceError): void {
    if (this.#closed) return;
    if (this.#downstream.readyState === WebSocket.OPEN) this.#downstream.send(taskFailedFrame(taskId, error));
    const task = this.#tasks.find(taskId);
    if (task && task !== 'ended') this.#release(taskId, 'failed');
    this.close(1000, 'task failed');
  }

  /** The upstream failed: every running task gets `task-failed` with the reason, and the connection closes. */
  #failUpstream(error: ServiceError): void {
    if (this.#closed) return;
    this.#context.log(`upstream fault: ${error.message}`);
    for (const taskId of this.#tasks.ids()) {
      if (this.#downstream.readyState === WebSocket.OPEN) this.#downstream.send(taskFailedFrame(taskId, error));
      this.#release(taskId, 'failed');
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

  /** Closes an upstream socket: a handshake when it is read, at once when paused (nobody reads its answer). */
  #dropUpstream(socket: WebSocket): void {
    if (socket.readyState === WebSocket.OPEN && !this.#paused) socket.close(1000);
    else socket.terminate();
  }

  #armUpstreamIdle(): void {
    this.#clearUpstreamIdle();
    if (this.#closed || !this.#upstream) return;
    this.#upstreamIdleTimer = setTimeout(() => {
      this.#upstreamIdleTimer = undefined;
      const socket = this.#upstream;
      if (!socket || this.#tasks.values().some((task) => task.upstream)) return;
      // Closed before the service's own idle cut-off, so a kept connection is never one the service is closing.
      this.#upstream = undefined;
      this.#pending = [];
      this.#dropUpstream(socket);
    }, this.#context.upstreamKeepAliveMs);
    this.#upstreamIdleTimer.unref?.();
  }

  #clearUpstreamIdle(): void {
    if (this.#upstreamIdleTimer !== undefined) clearTimeout(this.#upstreamIdleTimer);
    this.#upstreamIdleTimer = undefined;
  }

  /** A per-task timer; `whileUnpaused` re-arms it while a slow client keeps the upstream paused (its answer may be waiting unread). */
  #armTimer(taskId: string, ms: number, fire: () => void, whileUnpaused = false): void {
    this.#clearTimer(taskId);
    const run = (): void => {
      if (whileUnpaused && this.#paused) return void this.#startTimers.set(taskId, setTimeout(run, ms).unref());
      this.#startTimers.delete(taskId);
      fire();
    };
    this.#startTimers.set(taskId, setTimeout(run, ms).unref());
  }

  #clearTimer(taskId: string): void {
    const timer = this.#startTimers.get(taskId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#startTimers.delete(taskId);
  }

  #armSilenceTimer(delay = this.#context.upstreamIdleTimeoutMs): void {
    this.#clearSilenceTimer();
    if (this.#closed || !this.#tasks.values().some((task) => task.upstream)) return;
    const limit = this.#context.upstreamIdleTimeoutMs;
    this.#silenceTimer = setTimeout(() => {
      this.#silenceTimer = undefined;
      const quietFor = Date.now() - this.#lastUpstreamAt;
      // A paused upstream (a slow client) is not a silent one.
      if (this.#paused) return this.#armSilenceTimer();
      if (quietFor < limit) return this.#armSilenceTimer(limit - quietFor);
      if (!this.#tasks.values().some((task) => task.upstream)) return;
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
