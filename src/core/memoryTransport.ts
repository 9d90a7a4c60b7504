import { ConnectionError } from './errors';
import type { Transport, TransportHttp, TransportSocket } from './Transport';
import { guarded } from './webSocketConnection';

/** The server's end of an in-process connection. */
export interface MemoryPeer {
  /** Sends a frame to the client: a string (JSON event) or bytes (audio). */
  send(data: string | Uint8Array): void;
  /** Closes the connection from the server side. */
  close(code?: number, reason?: string): void;
}

/** What the server end does with the client's frames. */
export interface MemoryPeerListener {
  /** A text frame from the client. */
  onMessage(data: string): void;
  /** The client closed the connection (or the server did). */
  onClose?(code: number, reason: string): void;
}

/**
 * Called for each new connection with the server's end; returns how that end handles client frames.
 * The local voice server's `handleMemoryConnection` has this shape.
 */
export type MemoryConnectionHandler = (peer: MemoryPeer, request: { url: string }) => MemoryPeerListener;

/** Options of {@link memoryTransport}. */
export interface MemoryTransportOptions {
  /** The HTTP side, if the in-process peer has one. */
  http?: TransportHttp;
  /** Refuse connections as an endpoint without credentials would (for tests of the error path). */
  refuse?: 'unauthorized' | 'unreachable';
}

/**
 * An in-process transport: frames travel between the synthesizer and `handler` through the task
 * queue (asynchronously, in order, like a socket), with no network. For tests, stories and demos.
 *
 * @example
 * const transport = memoryTransport((peer) => ({ onMessage: (text) => { ... peer.send(JSON.stringify(event)) } }));
 */
export function memoryTransport(handler: MemoryConnectionHandler, options: MemoryTransportOptions = {}): Transport {
  return {
    description: 'memory',
    http: options.http,
    async connect(handlers, signal) {
      if (signal.aborted) throw signal.reason;
      if (options.refuse === 'unauthorized') throw new ConnectionError('Unauthorized', 'The in-memory endpoint refused the credentials (HTTP 401)');
      if (options.refuse === 'unreachable') throw new ConnectionError('ConnectionFailed', 'The in-memory endpoint is unreachable');
      let open = true;
      let closing = false;
      let listener: MemoryPeerListener | undefined;
      const closeBoth = (code: number, reason: string): void => {
        if (closing) return;
        closing = true;
        // Close after the frames already queued, as a socket delivers what was sent before its close.
        setTimeout(() => {
          open = false;
          guarded(() => listener?.onClose?.(code, reason));
          guarded(() => handlers.onClose(code, reason));
        }, 0);
      };
      const peer: MemoryPeer = {
        send(data) {
          if (!open || closing) return;
          const copy = typeof data === 'string' ? data : data.slice();
          setTimeout(() => {
            if (open) guarded(() => handlers.onMessage(copy));
          }, 0);
        },
        close(code = 1000, reason = '') {
          closeBoth(code, reason);
        },
      };
      listener = handler(peer, { url: 'memory://local/api-ws/v1/inference' });
      const socket: TransportSocket = {
        send(text) {
          if (!open || closing) return;
          setTimeout(() => {
            if (open) guarded(() => listener?.onMessage(text));
          }, 0);
        },
        close(code = 1000, reason = '') {
          closeBoth(code, reason);
        },
      };
      return socket;
    },
  };
}
