import { ConnectionError, ValidationError } from './errors';
import { isRecord } from './isRecord';
import type { Transport, TransportSocket, TransportSocketHandlers } from './Transport';

/** Options of {@link ConnectionPool}. */
export interface ConnectionPoolOptions {
  /**
   * Close a socket after this long without a task. The service drops a connection that carries no text
   * for 23 s, so the default stays well below that. @default 15000
   */
  idleTimeoutMs?: number;
  /** How many idle sockets to keep warm at most (more are closed when their task ends). @default 2 */
  maxIdleSockets?: number;
  /** How long opening a socket may take before the pool gives up on it. @default 10000 */
  connectTimeoutMs?: number;
  /** After a cancel, how long to wait for the cancelled task's `task-finished` before closing instead of reusing. @default 3000 */
  drainTimeoutMs?: number;
}

/** What a pool holds right now, for devtools and tests. */
export interface ConnectionPoolStats {
  /** Sockets opened since the pool was made (upgrades). */
  opened: number;
  /** Sockets open or opening now. */
  open: number;
  /** Open sockets waiting for a task. */
  idle: number;
  /** Tasks that started on a socket an earlier task or `preconnect` had opened. */
  reusedTasks: number;
}

type PooledState = 'connecting' | 'idle' | 'leased' | 'draining' | 'closed';

/** One socket of the pool. */
interface Pooled {
  state: PooledState;
  socket: TransportSocket | undefined;
  opening: Promise<TransportSocket> | undefined;
  lease: Lease | undefined;
  /** A lease is waiting for this socket to open. */
  claimed: boolean;
  /** The task whose end a draining socket waits for. */
  drainTaskId: string | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  abort: AbortController;
}

const TERMINAL_EVENTS = ['"task-finished"', '"task-failed"'] as const;

/** `{ event, taskId }` of a text frame that may end a task; `undefined` for every other frame (cheap check first). */
function terminalEventOf(data: string | Uint8Array): { event: string; taskId: string } | undefined {
  if (typeof data !== 'string' || !TERMINAL_EVENTS.some((name) => data.includes(name))) return undefined;
  try {
    const header = (JSON.parse(data) as { header?: unknown }).header;
    if (!isRecord(header) || (header.event !== 'task-finished' && header.event !== 'task-failed')) return undefined;
    return { event: header.event, taskId: typeof header.task_id === 'string' ? header.task_id : '' };
  } catch {
    return undefined;
  }
}

/** `{ action, taskId, cancel }` of a client message this library sent (its header comes first). */
function clientActionOf(text: string): { action: string; taskId: string; cancel: boolean } | undefined {
  const head = text.slice(0, 48);
  if (!head.includes('"run-task"') && !head.includes('"finish-task"')) return undefined;
  try {
    const message = JSON.parse(text) as { header?: { action?: unknown; task_id?: unknown }; payload?: { input?: { directive?: unknown } } };
    return {
      action: String(message.header?.action),
      taskId: String(message.header?.task_id ?? ''),
      cancel: message.payload?.input?.directive === 'cancel',
    };
  } catch {
    return undefined;
  }
}

/** What a lease asks of its pool. */
interface LeaseOwner {
  release(pooled: Pooled, disposition: { reuse: boolean; drainTaskId?: string }): void;
  replace(lease: Lease, frames: readonly string[]): Promise<void>;
}

/**
 * A task's hold on a pooled socket: what `connect` resolves to. Closing it hands the socket back to the
 * pool when the protocol allows another task on it (the task ended with `task-finished`, or was cancelled
 * and the service confirmed it); otherwise the socket is closed.
 */
class Lease implements TransportSocket {
  pooled: Pooled;
  /** The socket was open before this task asked for it (an earlier task's, or preconnected). */
  reused: boolean;
  /** Client frames sent before any answer: replayed once on a new socket if a reused one closes first. */
  #unanswered: string[] | undefined = [];
  #taskId: string | undefined;
  #ended: 'task-finished' | 'task-failed' | undefined;
  #cancelSent = false;
  #released = false;
  #retried = false;

  constructor(
    readonly owner: LeaseOwner,
    pooled: Pooled,
    reused: boolean,
    readonly handlers: TransportSocketHandlers,
  ) {
    this.pooled = pooled;
    this.reused = reused;
  }

  send(text: string): void {
    if (this.#released) return;
    const action = clientActionOf(text);
    if (action?.action === 'run-task') this.#taskId = action.taskId;
    else if (action?.action === 'finish-task' && action.cancel) this.#cancelSent = true;
    this.#unanswered?.push(text);
    this.pooled.socket?.send(text);
  }

  close(code = 1000, reason = ''): void {
    if (this.#released) return;
    this.#released = true;
    this.owner.release(this.pooled, this.#disposition());
    // The task waits for its socket's close: a lease closes when it is handed back.
    queueMicrotask(() => this.handlers.onClose(code, reason));
  }

  /** What the pool does with the socket once the task lets go of it. */
  #disposition(): { reuse: boolean; drainTaskId?: string } {
    if (this.#taskId === undefined || this.#ended === 'task-finished') return { reuse: true };
    if (this.#ended === undefined && this.#cancelSent) return { reuse: true, drainTaskId: this.#taskId };
    // Failed (the service asks clients to close), or left mid-task without a cancel: not reusable.
    return { reuse: false };
  }

  get released(): boolean {
    return this.#released;
  }

  /** A frame from the socket, for this lease's task. */
  deliver(data: string | Uint8Array): void {
    if (this.#released) return;
    this.#unanswered = undefined;
    const terminal = terminalEventOf(data);
    if (terminal && (terminal.taskId === this.#taskId || terminal.taskId === '')) this.#ended = terminal.event as 'task-finished' | 'task-failed';
    this.handlers.onMessage(data);
  }

  /**
   * The socket closed under this lease. A reused socket that closes before anything was answered raced the
   * server's own close (idle cut-off, restart): the task moves to a new socket once and replays its frames.
   */
  socketClosed(code: number, reason: string, retry: boolean): void {
    if (this.#released) return;
    if (retry && this.reused && !this.#retried && this.#unanswered !== undefined) {
      this.#retried = true;
      const frames = this.#unanswered;
      this.owner.replace(this, frames).catch(() => {
        if (!this.#released) {
          this.#released = true;
          this.handlers.onClose(code, reason);
        }
      });
      return;
    }
    this.#released = true;
    this.handlers.onClose(code, reason);
  }
}

/**
 * Keeps WebSockets open across tasks, as the service recommends: a {@link Transport} (pass it wherever one
 * goes: `SpeechSynthesizer`, the controllers, `SpeechProvider` makes one itself) whose `connect` hands out
 * an idle socket when there is one and opens one otherwise. A task's `run-task` goes out on the socket as
 * soon as the previous task on it has ended. Idle sockets close after `idleTimeoutMs`; one the server closed
 * while idle leaves the pool unnoticed by tasks, and a `run-task` that raced such a close moves to a new
 * socket once, before any answer (so before any audio). `preconnect()` opens a socket ahead of a task (for
 * a `getToken` transport this fetches the token too; the socket stays authorised after the token expires).
 * `close()` closes every socket; the pool stays usable.
 *
 * @example
 * const pool = new ConnectionPool(directTransport({ apiKey, WebSocket }));
 * const synthesizer = new SpeechSynthesizer({ model, voice, transport: pool });
 * await synthesizer.call('第一句。'); // opens the socket
 * await synthesizer.call('第二句。'); // same socket, no handshake
 * pool.close();
 */
export class ConnectionPool implements Transport {
  #transport: Transport;
  readonly #idleTimeoutMs: number;
  readonly #maxIdle: number;
  readonly #connectTimeoutMs: number;
  readonly #drainTimeoutMs: number;
  readonly #sockets = new Set<Pooled>();
  #opened = 0;
  #reusedTasks = 0;
  readonly #owner: LeaseOwner = {
    release: (pooled, disposition) => this.#release(pooled, disposition),
    replace: (lease, frames) => this.#replace(lease, frames),
  };

  constructor(transport: Transport, options: ConnectionPoolOptions = {}) {
    if (!transport || typeof transport.connect !== 'function') throw new ValidationError('transport', 'ConnectionPool needs a transport to open sockets with');
    for (const field of ['idleTimeoutMs', 'connectTimeoutMs', 'drainTimeoutMs', 'maxIdleSockets'] as const) {
      const value = options[field];
      if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
        throw new ValidationError(field, `${field} must be a non-negative number; received ${String(value)}`);
      }
    }
    this.#transport = transport;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 15_000;
    this.#maxIdle = options.maxIdleSockets ?? 2;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 3000;
  }

  /** The transport this pool opens its sockets with. */
  get transport(): Transport {
    return this.#transport;
  }

  get description(): string {
    return `pooled ${this.#transport.description}`;
  }

  get http(): Transport['http'] {
    return this.#transport.http;
  }

  /**
   * Opens later sockets with `transport`. Sockets already open stay in use when it reaches the same
   * endpoint (same `description`: a transport recreated on every render); otherwise the idle ones close.
   */
  setTransport(transport: Transport): void {
    if (transport === this.#transport) return;
    const sameEndpoint = transport.description === this.#transport.description;
    this.#transport = transport;
    if (sameEndpoint) return;
    for (const pooled of [...this.#sockets]) {
      if (pooled.state === 'idle' && !pooled.claimed) this.#discard(pooled, 'endpoint changed');
    }
  }

  getStats(): ConnectionPoolStats {
    let open = 0;
    let idle = 0;
    for (const pooled of this.#sockets) {
      open++;
      if (pooled.state === 'idle') idle++;
    }
    return { opened: this.#opened, open, idle, reusedTasks: this.#reusedTasks };
  }

  /**
   * Hands out a socket for one task: an idle one, one that `preconnect` is opening, or a new one. The
   * task's `close()` gives it back. Aborting `signal` before it is handed out rejects with the signal's
   * reason (a socket still opening is kept warm for the next task).
   */
  async connect(handlers: TransportSocketHandlers, signal: AbortSignal): Promise<TransportSocket> {
    if (signal.aborted) throw signal.reason;
    const idle = this.#takeIdle();
    if (idle) return this.#lease(idle, true, handlers);
    const preconnecting = [...this.#sockets].find((pooled) => pooled.state === 'connecting' && !pooled.claimed);
    const pooled = preconnecting ?? this.#open();
    pooled.claimed = true;
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    aborted.catch(() => undefined);
    try {
      await Promise.race([pooled.opening, aborted]);
    } catch (error) {
      pooled.claimed = false;
      if (pooled.state === 'idle') this.#armIdle(pooled);
      throw error;
    }
    if (pooled.state !== 'idle') throw new ConnectionError('ConnectionClosed', 'The connection closed before the task could start', { retryable: true });
    return this.#lease(pooled, preconnecting !== undefined, handlers);
  }

  /**
   * Opens a socket ahead of a task (on hover, focus, a touch: the user is about to speak). Does nothing when
   * one is idle or opening already. Resolves to whether a warm socket is ready; never rejects.
   */
  preconnect(): Promise<boolean> {
    for (const pooled of this.#sockets) {
      if (pooled.state === 'idle') return Promise.resolve(true);
      if (pooled.state === 'connecting' && !pooled.claimed) return pooled.opening!.then(() => true, () => false);
    }
    return this.#open().opening!.then(() => true, () => false);
  }

  /** Closes every socket, idle or carrying a task (its task fails as a closed connection). The pool stays usable. */
  close(): void {
    for (const pooled of [...this.#sockets]) this.#discard(pooled, 'pool closed');
  }

  /** A lease let go of its socket. */
  #release(pooled: Pooled, disposition: { reuse: boolean; drainTaskId?: string }): void {
    if (pooled.state !== 'leased') return;
    pooled.lease = undefined;
    if (!disposition.reuse) {
      this.#discard(pooled, 'task ended without task-finished');
      return;
    }
    if (disposition.drainTaskId !== undefined) {
      pooled.state = 'draining';
      pooled.drainTaskId = disposition.drainTaskId;
      pooled.timer = setTimeout(() => this.#discard(pooled, 'cancelled task did not end'), this.#drainTimeoutMs);
      return;
    }
    this.#makeIdle(pooled);
  }

  /** Moves `lease` to a new socket and replays `frames` on it (a reused socket closed before any answer). */
  async #replace(lease: Lease, frames: readonly string[]): Promise<void> {
    const pooled = this.#open();
    pooled.claimed = true;
    await pooled.opening;
    if (pooled.state !== 'idle') throw new ConnectionError('ConnectionClosed', 'The replacement connection closed');
    if (lease.released) {
      pooled.claimed = false;
      this.#makeIdle(pooled);
      return;
    }
    this.#attach(pooled, lease);
    lease.pooled = pooled;
    lease.reused = false;
    for (const frame of frames) pooled.socket!.send(frame);
  }

  #takeIdle(): Pooled | undefined {
    let found: Pooled | undefined;
    // The most recently used socket: the others may then age out.
    for (const pooled of this.#sockets) if (pooled.state === 'idle' && !pooled.claimed) found = pooled;
    return found;
  }

  #lease(pooled: Pooled, reused: boolean, handlers: TransportSocketHandlers): TransportSocket {
    const lease = new Lease(this.#owner, pooled, reused, handlers);
    this.#attach(pooled, lease);
    if (reused) this.#reusedTasks++;
    return lease;
  }

  #attach(pooled: Pooled, lease: Lease): void {
    clearTimeout(pooled.timer);
    pooled.timer = undefined;
    pooled.claimed = false;
    pooled.state = 'leased';
    pooled.lease = lease;
  }

  #open(): Pooled {
    const abort = new AbortController();
    const pooled: Pooled = { state: 'connecting', socket: undefined, opening: undefined, lease: undefined, claimed: false, drainTaskId: undefined, timer: undefined, abort };
    this.#sockets.add(pooled);
    this.#opened++;
    const timeout = setTimeout(
      () => abort.abort(new ConnectionError('ConnectionFailed', `websocket connection could not be established within ${this.#connectTimeoutMs / 1000} s`)),
      this.#connectTimeoutMs,
    );
    pooled.opening = this.#transport
      .connect(
        {
          onMessage: (data) => this.#onMessage(pooled, data),
          onClose: (code, reason) => this.#onClose(pooled, code, reason),
        },
        abort.signal,
      )
      .then(
        (socket) => {
          clearTimeout(timeout);
          pooled.socket = socket;
          if (pooled.state === 'closed') {
            socket.close(1000, 'pool closed');
            throw new ConnectionError('ConnectionClosed', 'The connection pool was closed');
          }
          this.#makeIdle(pooled);
          return socket;
        },
        (error: unknown) => {
          clearTimeout(timeout);
          pooled.state = 'closed';
          this.#sockets.delete(pooled);
          throw error;
        },
      );
    pooled.opening.catch(() => undefined);
    return pooled;
  }

  #makeIdle(pooled: Pooled): void {
    pooled.state = 'idle';
    pooled.drainTaskId = undefined;
    clearTimeout(pooled.timer);
    pooled.timer = undefined;
    const idle = [...this.#sockets].filter((other) => other.state === 'idle' && !other.claimed);
    if (!pooled.claimed && idle.length > this.#maxIdle) {
      this.#discard(pooled, 'too many idle connections');
      return;
    }
    if (!pooled.claimed) this.#armIdle(pooled);
  }

  #armIdle(pooled: Pooled): void {
    clearTimeout(pooled.timer);
    pooled.timer = setTimeout(() => this.#discard(pooled, 'idle'), this.#idleTimeoutMs);
  }

  #onMessage(pooled: Pooled, data: string | Uint8Array): void {
    if (pooled.state === 'leased') {
      pooled.lease!.deliver(data);
      return;
    }
    if (pooled.state === 'draining') {
      // The cancelled task's late audio and events are dropped; its end makes the socket reusable.
      const terminal = terminalEventOf(data);
      if (terminal && (terminal.taskId === pooled.drainTaskId || terminal.taskId === '')) {
        if (terminal.event === 'task-finished') this.#makeIdle(pooled);
        else this.#discard(pooled, 'cancelled task failed');
      }
    }
    // An idle socket has no task: whatever comes (a stray frame, the service's own timeout notice) is dropped.
  }

  #onClose(pooled: Pooled, code: number, reason: string): void {
    const lease = pooled.state === 'leased' ? pooled.lease : undefined;
    clearTimeout(pooled.timer);
    pooled.state = 'closed';
    pooled.lease = undefined;
    this.#sockets.delete(pooled);
    lease?.socketClosed(code, reason, true);
  }

  #discard(pooled: Pooled, reason: string): void {
    const lease = pooled.lease;
    clearTimeout(pooled.timer);
    pooled.state = 'closed';
    pooled.lease = undefined;
    this.#sockets.delete(pooled);
    if (pooled.socket) pooled.socket.close(1000, reason);
    else pooled.abort.abort(new ConnectionError('ConnectionClosed', `The connection pool was closed (${reason})`));
    lease?.socketClosed(1000, reason, false);
  }
}

