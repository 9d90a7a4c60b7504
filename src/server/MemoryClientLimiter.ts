import type { ClientLimiter, LimitDecision } from './ClientLimiter';

/** The window of `maxTasksPerMinute`. */
const RATE_WINDOW_MS = 60_000;

interface ClientCounts {
  connections: number;
  running: number;
  /** Start times of the tasks in the rate window, oldest first. */
  starts: number[];
}

/** The limits a {@link MemoryClientLimiter} enforces per client. */
export interface ClientLimits {
  maxConnections: number;
  maxConcurrentTasks: number;
  maxTasksPerMinute: number;
}

/**
 * The proxy's default {@link ClientLimiter}: counts in this process's memory. A client is forgotten once
 * it has no connection, no running task and no task start in the last minute (checked when it changes,
 * and for clients that left, at most once a minute), so memory follows the active clients only.
 *
 * @example
 * const limiter = new MemoryClientLimiter({ maxConnections: 8, maxConcurrentTasks: 4, maxTasksPerMinute: 60 });
 * if (limiter.startTask(clientId) !== 'ok') refuse();
 */
export class MemoryClientLimiter implements ClientLimiter {
  readonly #limits: ClientLimits;
  readonly #clients = new Map<string, ClientCounts>();
  readonly #now: () => number;
  #lastSweep: number;

  constructor(limits: ClientLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
    this.#lastSweep = now();
  }

  get size(): number {
    return this.#clients.size;
  }

  openConnection(clientId: string): LimitDecision {
    const counts = this.#counts(clientId);
    if (counts.connections >= this.#limits.maxConnections) {
      this.#prune(clientId, counts);
      return 'connections';
    }
    counts.connections++;
    return 'ok';
  }

  closeConnection(clientId: string): void {
    const counts = this.#clients.get(clientId);
    if (!counts) return;
    counts.connections = Math.max(0, counts.connections - 1);
    this.#prune(clientId, counts);
  }

  startTask(clientId: string): LimitDecision {
    const counts = this.#counts(clientId);
    this.#expire(counts);
    if (counts.running >= this.#limits.maxConcurrentTasks) return 'concurrency';
    if (counts.starts.length >= this.#limits.maxTasksPerMinute) return 'rate';
    counts.running++;
    counts.starts.push(this.#now());
    return 'ok';
  }

  endTask(clientId: string): void {
    const counts = this.#clients.get(clientId);
    if (!counts) return;
    counts.running = Math.max(0, counts.running - 1);
    this.#prune(clientId, counts);
  }

  #counts(clientId: string): ClientCounts {
    this.#sweep();
    let counts = this.#clients.get(clientId);
    if (!counts) this.#clients.set(clientId, (counts = { connections: 0, running: 0, starts: [] }));
    return counts;
  }

  #expire(counts: ClientCounts): void {
    const now = this.#now();
    let old = 0;
    while (old < counts.starts.length && now - counts.starts[old]! >= RATE_WINDOW_MS) old++;
    if (old > 0) counts.starts.splice(0, old);
  }

  #prune(clientId: string, counts: ClientCounts): void {
    this.#expire(counts);
    if (counts.connections === 0 && counts.running === 0 && counts.starts.length === 0) this.#clients.delete(clientId);
  }

  /** Clients that left with task starts still in the rate window are swept later, at most once a window. */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < RATE_WINDOW_MS) return;
    this.#lastSweep = now;
    for (const [id, counts] of this.#clients) this.#prune(id, counts);
  }
}
