import { ConnectionError, redactUrl } from './errors';
import { binaryToBytes } from './protocol';
import type { TransportSocket, TransportSocketHandlers } from './Transport';

/** The part of a WebSocket this library uses: the browser's, Node 22's global, or the `ws` package's. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  // The handler parameters are `any` on purpose: the browser's and the `ws` package's event classes
  // differ, and a narrower type here would make `directTransport({ WebSocket })` fail to type-check.
  /* eslint-disable @typescript-eslint/no-explicit-any */
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  /* eslint-enable @typescript-eslint/no-explicit-any */
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor; the third argument (options with `headers`) is understood by `ws` in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: { headers?: Record<string, string> }) => WebSocketLike;

/** The global `WebSocket`, looked up when needed (never at import). */
export function resolveWebSocket(explicit: WebSocketConstructor | undefined): WebSocketConstructor {
  if (explicit) return explicit;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!global) {
    throw new ConnectionError(
      'ConnectionFailed',
      'No WebSocket implementation: this runtime has no global WebSocket. In Node 20 pass the `ws` package: directTransport({ WebSocket: (await import("ws")).default, ... })',
      { retryable: false },
    );
  }
  return global;
}

function errorText(event: unknown): string {
  const error = (event as { error?: unknown; message?: unknown } | null)?.error ?? event;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}

/** Runs a socket callback; a throw would otherwise land in the WebSocket implementation (an uncaught exception under `ws`). */
export function guarded(deliver: () => void): void {
  try {
    deliver();
  } catch (error) {
    globalThis.console?.error?.('[cosyvoice-react] a transport handler threw', error);
  }
}

/**
 * Opens a WebSocket and adapts it to {@link TransportSocket}. Resolves when open. The URL is redacted in
 * every message. An HTTP 401/403 at the upgrade (visible in Node through `ws`) becomes `Unauthorized`.
 */
export function openWebSocket(
  WebSocketImpl: WebSocketConstructor,
  url: string,
  handlers: TransportSocketHandlers,
  signal: AbortSignal,
  headers?: Record<string, string>,
): Promise<TransportSocket> {
  return new Promise<TransportSocket>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let socket: WebSocketLike;
    try {
      socket = headers ? new WebSocketImpl(url, undefined, { headers }) : new WebSocketImpl(url);
    } catch (error) {
      reject(new ConnectionError('ConnectionFailed', `Could not open a WebSocket to ${redactUrl(url)}: ${errorText(error) || String(error)}`, { cause: error }));
      return;
    }
    socket.binaryType = 'arraybuffer';
    let opened = false;
    let closed = false;
    let lastError = '';

    const onAbort = (): void => {
      if (opened) return;
      closed = true;
      try {
        socket.close();
      } catch {
        // A socket still CONNECTING may throw on close in some runtimes; it is abandoned either way.
      }
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const wrapper: TransportSocket = {
      send(text) {
        if (!closed && socket.readyState === 1) socket.send(text);
      },
      close(code = 1000, reason = '') {
        if (closed) return;
        try {
          socket.close(code, reason);
        } catch {
          socket.close();
        }
      },
    };

    socket.onopen = () => {
      signal.removeEventListener('abort', onAbort);
      if (closed) return;
      opened = true;
      resolve(wrapper);
    };
    socket.onerror = (event: unknown) => {
      lastError = errorText(event) || lastError;
    };
    socket.onmessage = (event: { data: unknown }) => {
      if (!opened || closed) return;
      const data = event.data;
      // Anything else than text or bytes (a Blob if binaryType was ignored) is reported as an unusable frame by the parser.
      guarded(() => handlers.onMessage(typeof data === 'string' ? data : (binaryToBytes(data) ?? (data as Uint8Array))));
    };
    socket.onclose = (event: { code: number; reason?: string }) => {
      signal.removeEventListener('abort', onAbort);
      const abandoned = closed;
      closed = true;
      if (opened) {
        guarded(() => handlers.onClose(event.code, event.reason ?? ''));
        return;
      }
      if (abandoned) return;
      const status = /Unexpected server response: (\d+)/.exec(lastError)?.[1];
      if (status === '401' || status === '403') {
        reject(new ConnectionError('Unauthorized', `The endpoint ${redactUrl(url)} refused the credentials (HTTP ${status})`, { closeCode: event.code }));
      } else {
        const detail = lastError ? `: ${lastError}` : event.code ? ` (close code ${event.code})` : '';
        reject(new ConnectionError('ConnectionFailed', `Could not connect to ${redactUrl(url)}${detail}`, { closeCode: event.code, closeReason: event.reason }));
      }
    };
  });
}

