import WebSocket from 'ws';
import type { ProxyMetrics } from './ProxyMetrics';
import type { ServiceError } from './readClientFrame';

/** Options of {@link UpstreamPool}. */
export interface UpstreamPoolOptions {
  /** Warm connections kept open; 0 turns the pool off. */
  size: number;
  /**
   * How long a warm connection is kept before it is replaced, in ms (each one ±20 %, so they do not all
   * renew at once). Below the service's idle cut-off, so a warm connection is never one it is closing.
   */
  renewMs: number;
  /** Opens a new upstream connection (with the key), or says why it cannot. */
  open(): WebSocket | ServiceError;
  metrics: ProxyMetrics;
  log(message: string): void;
}

interface Warm {
  socket: WebSocket;
  open: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  detach(): void;
}

/** Longest pause between attempts when the upstream cannot be reached. */
const MAX_BACKOFF_MS = 30_000;

/**
 * A few upstream connections opened ahead of need, so a client's first task does not wait for the
 * upstream handshake (TLS and the service's authentication: 1–1.5 s of the service's first-package
 * delay on a first connect). Like the Python SDK's pre-connected pool, each connection is renewed after
 * `renewMs` (before the service would drop it idle) and a connection the service closes is replaced.
 * A relay takes one with {@link take}; the pool opens another in its place. When the upstream cannot be
 * reached, attempts back off up to 30 s.
 *
 * @example
 * const pool = new UpstreamPool({ size: 2, renewMs: 15_000, open, metrics, log });
 * const socket = pool.take() ?? open();
 */
export class UpstreamPool {
  readonly #options: UpstreamPoolOptions;
  readonly #warm = new Set<Warm>();
  #failures = 0;
  #refillTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: UpstreamPoolOptions) {
    this.#options = options;
    this.#refill();
  }

  /** Warm connections open right now. */
  get openCount(): number {
    let count = 0;
    for (const warm of this.#warm) if (warm.open) count++;
    return count;
  }

  /** An open warm connection, no longer the pool's (its listeners removed), or `undefined`. */
  take(): WebSocket | undefined {
    for (const warm of this.#warm) {
      if (!warm.open || warm.socket.readyState !== WebSocket.OPEN) continue;
      this.#forget(warm);
      this.#refill();
      return warm.socket;
    }
    return undefined;
  }

  /** Closes every warm connection; the pool opens no more. */
  close(): void {
    this.#closed = true;
    if (this.#refillTimer !== undefined) clearTimeout(this.#refillTimer);
    this.#refillTimer = undefined;
    for (const warm of [...this.#warm]) {
      this.#forget(warm);
      if (warm.socket.readyState === WebSocket.OPEN) warm.socket.close(1000);
      else warm.socket.terminate();
    }
  }

  #forget(warm: Warm): void {
    if (!this.#warm.delete(warm)) return;
    if (warm.timer !== undefined) clearTimeout(warm.timer);
    warm.detach();
    // A socket closing (or handed over) must never emit an 'error' nobody listens to: that would throw.
    warm.socket.on('error', () => undefined);
    this.#options.metrics.connection('upstream', -1);
  }

  #refill(): void {
    if (this.#closed || this.#refillTimer !== undefined) return;
    while (this.#warm.size < this.#options.size) {
      const opened = this.#options.open();
      if (!(opened instanceof WebSocket)) {
        this.#retryLater();
        return;
      }
      this.#add(opened);
    }
  }

  #retryLater(): void {
    if (this.#closed || this.#refillTimer !== undefined) return;
    this.#failures++;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.#failures, 6));
    this.#refillTimer = setTimeout(() => {
      this.#refillTimer = undefined;
      this.#refill();
    }, delay);
    this.#refillTimer.unref?.();
  }

  #add(socket: WebSocket): void {
    const warm: Warm = { socket, open: false, timer: undefined, detach: () => undefined };
    const onOpen = (): void => {
      warm.open = true;
      this.#failures = 0;
      const jitter = 0.8 + Math.random() * 0.4;
      warm.timer = setTimeout(() => {
        // Renewed: a fresh one first, then this one closes.
        this.#forget(warm);
        this.#refill();
        if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      }, this.#options.renewMs * jitter);
      warm.timer.unref?.();
    };
    const onGone = (): void => {
      const wasOpen = warm.open;
      this.#forget(warm);
      socket.terminate();
      if (this.#closed) return;
      // Closed by the service while warm: replaced at once; never opened: the upstream is unreachable.
      if (wasOpen) this.#refill();
      else this.#retryLater();
    };
    const onUnexpected = (_request: unknown, response: { resume(): void; statusCode?: number }): void => {
      response.resume();
      this.#options.log(`warm upstream connection refused (HTTP ${response.statusCode})`);
      onGone();
    };
    // Nothing is expected on an idle connection; anything that comes is dropped.
    const onMessage = (): void => undefined;
    socket.on('open', onOpen);
    socket.on('close', onGone);
    socket.on('error', onGone);
    socket.on('unexpected-response', onUnexpected);
    socket.on('message', onMessage);
    warm.detach = () => {
      socket.off('open', onOpen);
      socket.off('close', onGone);
      socket.off('error', onGone);
      socket.off('unexpected-response', onUnexpected);
      socket.off('message', onMessage);
    };
    this.#warm.add(warm);
    this.#options.metrics.connection('upstream', 1);
  }
}
