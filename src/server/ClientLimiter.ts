/**
 * Per-client admission of the proxy: connections held, tasks running, task starts per minute. The proxy
 * only asks this interface, so the counts can live elsewhere (another process's store, shared by
 * several proxy instances) without touching the relay. `startTask` may answer asynchronously: the relay
 * holds the client's later frames until it has.
 */
export interface ClientLimiter {
  /** Whether the client may open one more connection (asked at the upgrade, before anything is opened). */
  canConnect(clientId: string): boolean;
  /** A connection of the client opened. */
  connected(clientId: string): void;
  /** A connection of the client closed. */
  disconnected(clientId: string): void;
  /** Admits a task start (counting it) or refuses it when the client is over its concurrency or rate. */
  startTask(clientId: string): boolean | Promise<boolean>;
  /** A task admitted by `startTask` ended. */
  endTask(clientId: string): void;
  /** Clients currently tracked (a diagnostic). */
  readonly size: number;
}
