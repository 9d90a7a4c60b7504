/**
 * What a limiter answers: `'ok'` (admitted and counted) or which limit refused — the client's
 * connections, its concurrent tasks, its task starts per minute — or `'unavailable'` when the store that
 * keeps the counts cannot be reached and the limiter fails closed.
 */
export type LimitDecision = 'ok' | 'connections' | 'concurrency' | 'rate' | 'unavailable';

/**
 * Per-client admission of the proxy: connections held, tasks running, task starts per minute. The proxy
 * only asks this interface, so the counts can live in this process ({@link MemoryClientLimiter}) or in a
 * store shared by several proxy instances (Redis). Admission is atomic — check and count in one step —
 * and may answer asynchronously: the relay holds the client's later frames until it has.
 *
 * @example
 * const decision = await limiter.startTask(clientId);
 * if (decision !== 'ok') refuse(decision);
 * // … later, once the task ended:
 * limiter.endTask(clientId);
 */
export interface ClientLimiter {
  /** Admits one more connection of the client (counting it), or says which limit refused. */
  openConnection(clientId: string): LimitDecision | Promise<LimitDecision>;
  /** A connection admitted by `openConnection` closed. */
  closeConnection(clientId: string): void;
  /** Admits a task start (counting it), or says which limit refused. */
  startTask(clientId: string): LimitDecision | Promise<LimitDecision>;
  /** A task admitted by `startTask` ended. */
  endTask(clientId: string): void;
  /** Clients this process currently tracks (a diagnostic). */
  readonly size: number;
  /** Stops timers (lease renewal) and gives back what is held; the limiter is not used after. */
  close?(): Promise<void>;
}
