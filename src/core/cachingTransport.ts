import { isSynthesisError } from './errors';
import { isRecord } from './isRecord';
import type { SynthesisCache } from './SynthesisCache';
import { readCachedSynthesis, SynthesisRecording, synthesisKeyMaterial, type CachedSynthesis } from './SynthesisRecording';
import type { Transport, TransportSocket, TransportSocketHandlers } from './Transport';
import { guarded } from './webSocketConnection';

/** Options of {@link cachingTransport}. */
export interface CachingTransportOptions {
  /** Where completed syntheses are kept: `createCacheStorageCache()` in a browser, a `MemorySynthesisCache` anywhere. */
  cache: SynthesisCache;
  /**
   * What tells this endpoint's entries apart from another's (part of every key). Entries are served only
   * to the same scope. @default the inner transport's `description` (its endpoint, never a credential)
   */
  scope?: string;
  /**
   * After a task's text was found in the cache, how long to wait for the `finish-task` that shows it is
   * the whole text (the hooks' `speak` sends it at once). Anything else goes to the endpoint. @default 200
   */
  wholeTextWaitMs?: number;
}

/** A client frame, as much of it as the cache looks at. */
interface ClientFrame {
  action: string;
  taskId: string;
  text?: string;
  cancel: boolean;
  model?: string;
  parameters?: Record<string, unknown>;
}

function readClientFrame(text: string): ClientFrame | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(message) || !isRecord(message.header) || !isRecord(message.payload)) return undefined;
  const { action, task_id: taskId, directive } = message.header;
  if (typeof action !== 'string' || typeof taskId !== 'string') return undefined;
  const { model, parameters, input } = message.payload;
  return {
    action,
    taskId,
    text: isRecord(input) && typeof input.text === 'string' ? input.text : undefined,
    cancel: directive === 'cancel',
    model: typeof model === 'string' ? model : undefined,
    parameters: isRecord(parameters) ? parameters : undefined,
  };
}

/** SHA-256 in hex through Web Crypto (browsers in secure contexts, Node ≥ 19, workers); `undefined` without it. */
async function sha256Hex(text: string): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** How one task is being handled on a cached socket. */
type TaskState =
  | { phase: 'idle' }
  /** Answered `task-started` locally; holding the client's frames while the cache is asked. */
  | {
      phase: 'holding';
      taskId: string;
      runTask: string;
      model: string;
      parameters: Record<string, unknown>;
      frames: Array<{ raw: string; frame: ClientFrame | undefined }>;
      key?: string;
      hit?: CachedSynthesis;
      lookedUp: boolean;
      timer?: ReturnType<typeof setTimeout>;
    }
  /** At the endpoint; `pending` frames wait for its `task-started`, which the client does not see twice. */
  | { phase: 'relaying'; taskId: string; awaitingStart: boolean; pending: string[]; key?: string; recording?: SynthesisRecording; seenText: boolean; seenFinish: boolean }
  | { phase: 'replaying'; taskId: string }
  /** Something this cache does not follow (tasks overlapping on one socket): every frame passes as is. */
  | { phase: 'passthrough' };

/**
 * Wraps a transport with a synthesis cache: a task whose whole text is known up front (one
 * `continue-task`, then `finish-task`: what `speak` and `SpeechSynthesizer.call` send) is answered from
 * `cache` when the same text was synthesized before with the same model and parameters — as DashScope
 * frames with this task's id, at once, without a service request and without billing (`usage.characters`
 * 0, `cache_hit: true` on `task-finished`). Tasks that finish are stored. Streamed text (several
 * `continue-task`s) is never served from the cache nor stored; neither are tasks with `enable_aigc_tag`
 * (their audio carries a per-request mark). Keys are those of the proxy's cache (see
 * `synthesisKeyMaterial`), hashed with Web Crypto; where Web Crypto is missing (pages not served over
 * HTTPS or localhost), nothing is cached.
 *
 * When the endpoint cannot be reached (`ConnectionFailed`: offline), the socket still opens and serves
 * what is cached; a task that is not ends with the connection closed (code 1006) and the reason.
 *
 * @example
 * const transport = cachingTransport(proxyTransport({ url: '/api-ws/v1/inference' }), { cache: createCacheStorageCache() });
 */
export function cachingTransport(inner: Transport, options: CachingTransportOptions): Transport {
  const scope = options.scope ?? inner.description;
  const wholeTextWaitMs = options.wholeTextWaitMs ?? 200;
  return {
    description: `${inner.description} (cached)`,
    http: inner.http,
    async connect(handlers, signal) {
      const socket = new CachedSocket(handlers, options.cache, scope, wholeTextWaitMs);
      try {
        socket.attach(await inner.connect(socket.endpointHandlers, signal));
      } catch (error) {
        if (signal.aborted || !isSynthesisError(error) || error.code !== 'ConnectionFailed') throw error;
        socket.offline(error.message);
      }
      return socket;
    },
  };
}

class CachedSocket implements TransportSocket {
  readonly #client: TransportSocketHandlers;
  readonly #cache: SynthesisCache;
  readonly #scope: string;
  readonly #wholeTextWaitMs: number;
  #endpoint: TransportSocket | undefined;
  /** Why the endpoint is gone (closed, or never reached), once it is. */
  #endpointGone: { code: number; reason: string } | undefined;
  #closed = false;
  #task: TaskState = { phase: 'idle' };
  /** A `task-finished` held back until its entry is stored; a close of the endpoint waits for it. */
  #storing: Promise<void> | undefined;

  constructor(client: TransportSocketHandlers, cache: SynthesisCache, scope: string, wholeTextWaitMs: number) {
    this.#client = client;
    this.#cache = cache;
    this.#scope = scope;
    this.#wholeTextWaitMs = wholeTextWaitMs;
  }

  /** What the endpoint's socket reports to. */
  readonly endpointHandlers: TransportSocketHandlers = {
    onMessage: (data) => this.#fromEndpoint(data),
    onClose: (code, reason) => {
      this.#endpointGone = { code, reason };
      this.#endpoint = undefined;
      // A task being answered from the cache does not need the endpoint: the close waits for its end.
      if (this.#task.phase === 'holding' || this.#task.phase === 'replaying') return;
      if (this.#storing) void this.#storing.then(() => this.#closeClient(code, reason));
      else this.#closeClient(code, reason);
    },
  };

  attach(endpoint: TransportSocket): void {
    this.#endpoint = endpoint;
  }

  offline(reason: string): void {
    this.#endpointGone = { code: 1006, reason };
  }

  send(raw: string): void {
    if (this.#closed) return;
    const task = this.#task;
    const frame = readClientFrame(raw);
    if (task.phase === 'passthrough') return this.#toEndpoint(raw);
    if (frame?.action === 'run-task') {
      if (task.phase !== 'idle') {
        this.#task = { phase: 'passthrough' };
        return this.#toEndpoint(raw);
      }
      return this.#runTask(raw, frame);
    }
    switch (task.phase) {
      case 'idle':
        return this.#toEndpoint(raw);
      case 'holding':
        task.frames.push({ raw, frame });
        if (task.frames.length === 1) void this.#lookUp(task);
        else this.#decide(task);
        return;
      case 'relaying':
        if (task.recording) {
          // Stored only when the task was exactly one text, then a plain finish.
          const plainFinish = frame?.action === 'finish-task' && !frame.cancel && task.seenText && !task.seenFinish;
          if (!plainFinish) task.recording = undefined;
        }
        if (frame?.action === 'finish-task') task.seenFinish = true;
        if (frame?.action === 'continue-task') task.seenText = true;
        if (task.awaitingStart) task.pending.push(raw);
        else this.#toEndpoint(raw);
        return;
      case 'replaying':
        // The answer is already complete; a late cancel or finish changes nothing.
        return;
    }
  }

  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    this.#clearTimer();
    this.#task = { phase: 'idle' };
    if (this.#endpoint) {
      this.#endpoint.close(code, reason);
      return;
    }
    this.#closeClient(code, reason);
  }

  #runTask(raw: string, frame: ClientFrame): void {
    const parameters = frame.parameters ?? {};
    if (!frame.model || parameters.enable_aigc_tag === true || !globalThis.crypto?.subtle) {
      this.#task = { phase: 'relaying', taskId: frame.taskId, awaitingStart: false, pending: [], seenText: false, seenFinish: false };
      return this.#toEndpoint(raw);
    }
    this.#task = { phase: 'holding', taskId: frame.taskId, runTask: raw, model: frame.model, parameters, frames: [], lookedUp: false };
    const started = JSON.stringify({ header: { task_id: frame.taskId, event: 'task-started', attributes: {} }, payload: {} });
    queueMicrotask(() => {
      if (!this.#closed && this.#task.phase === 'holding' && this.#task.taskId === frame.taskId) guarded(() => this.#client.onMessage(started));
    });
  }

  async #lookUp(task: Extract<TaskState, { phase: 'holding' }>): Promise<void> {
    const first = task.frames[0]!.frame;
    if (first?.action === 'continue-task' && first.text !== undefined && first.taskId === task.taskId) {
      try {
        task.key = await sha256Hex(synthesisKeyMaterial(this.#scope, task.model, task.parameters, first.text));
        const entry = task.key === undefined ? undefined : await this.#cache.get(task.key);
        task.hit = entry === undefined ? undefined : readCachedSynthesis(entry);
      } catch {
        // A cache that fails is a miss: it never fails a task.
        task.hit = undefined;
      }
    }
    task.lookedUp = true;
    if (this.#task === task) this.#decide(task);
  }

  #decide(task: Extract<TaskState, { phase: 'holding' }>): void {
    if (!task.lookedUp) return;
    const [, second] = task.frames;
    if (!task.hit || (second && (second.frame?.action !== 'finish-task' || second.frame.cancel)) || task.frames.length > 2) return this.#miss(task);
    if (!second) {
      task.timer ??= setTimeout(() => this.#task === task && this.#miss(task), this.#wholeTextWaitMs);
      return;
    }
    this.#clearTimer();
    void this.#replay(task.taskId, task.hit);
  }

  async #replay(taskId: string, hit: CachedSynthesis): Promise<void> {
    const task: TaskState = { phase: 'replaying', taskId };
    this.#task = task;
    let sent = 0;
    for (const frame of hit.frames(taskId)) {
      // Long readings: let the page breathe between batches of frames.
      if (++sent % 64 === 0) await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (this.#closed || this.#task !== task) return;
      guarded(() => this.#client.onMessage(frame.kind === 'text' ? frame.text : frame.data));
    }
    if (this.#task !== task) return;
    this.#task = { phase: 'idle' };
    if (this.#endpointGone) this.#closeClient(this.#endpointGone.code, this.#endpointGone.reason);
  }

  #miss(task: Extract<TaskState, { phase: 'holding' }>): void {
    this.#clearTimer();
    const texts = task.frames.map(({ frame }) => frame);
    const wholeSoFar = texts[0]?.action === 'continue-task' && (texts.length === 1 || (texts.length === 2 && texts[1]?.action === 'finish-task' && !texts[1].cancel));
    this.#task = {
      phase: 'relaying',
      taskId: task.taskId,
      awaitingStart: true,
      pending: task.frames.map(({ raw }) => raw),
      key: task.key,
      recording: task.key !== undefined && wholeSoFar ? new SynthesisRecording(this.#cache.maxEntryBytes) : undefined,
      seenText: texts.some((frame) => frame?.action === 'continue-task'),
      seenFinish: texts.some((frame) => frame?.action === 'finish-task'),
    };
    if (!this.#endpoint) {
      const gone = this.#endpointGone ?? { code: 1006, reason: 'The endpoint is not connected' };
      return this.#closeClient(gone.code, gone.reason);
    }
    this.#toEndpoint(task.runTask);
  }

  #fromEndpoint(data: string | Uint8Array): void {
    if (this.#closed) return;
    const task = this.#task;
    if (task.phase !== 'relaying') return guarded(() => this.#client.onMessage(data));
    if (typeof data !== 'string') {
      task.recording?.audio(data);
      return guarded(() => this.#client.onMessage(data));
    }
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return guarded(() => this.#client.onMessage(data));
    }
    const header = isRecord(message) && isRecord(message.header) ? message.header : {};
    const ofThisTask = header.task_id === task.taskId;
    if (ofThisTask && header.event === 'task-started' && task.awaitingStart) {
      // The client had its task-started from here already.
      task.awaitingStart = false;
      for (const raw of task.pending.splice(0)) this.#toEndpoint(raw);
      return;
    }
    if (ofThisTask && header.event === 'task-finished') {
      const entry = task.recording && task.key !== undefined ? task.recording.finish(message as Record<string, unknown>) : undefined;
      this.#task = { phase: 'idle' };
      if (entry === undefined) return guarded(() => this.#client.onMessage(data));
      // The end is passed on once stored, so a replay right after it is a hit.
      const storing = this.#cache
        .set(task.key!, entry)
        .catch(() => undefined)
        .then(() => {
          if (this.#storing === storing) this.#storing = undefined;
          if (!this.#closed) guarded(() => this.#client.onMessage(data));
        });
      this.#storing = storing;
      return;
    }
    if (ofThisTask && header.event === 'task-failed') this.#task = { phase: 'idle' };
    else if (ofThisTask) task.recording?.event(message as Record<string, unknown>);
    guarded(() => this.#client.onMessage(data));
  }

  #toEndpoint(raw: string): void {
    if (this.#endpoint) this.#endpoint.send(raw);
  }

  #clearTimer(): void {
    if (this.#task.phase === 'holding' && this.#task.timer !== undefined) clearTimeout(this.#task.timer);
  }

  #closeClient(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    this.#task = { phase: 'idle' };
    // Asynchronously, as a socket reports its close.
    setTimeout(() => guarded(() => this.#client.onClose(code, reason)), 0);
  }
}
