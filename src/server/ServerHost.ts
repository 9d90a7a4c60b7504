import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { INFERENCE_PATH, rejectUpgrade, requestPath } from './httpJson';
import { quoteForLog } from './quoteForLog';
import { urlHost } from './urlHost';

/** Options of {@link ServerHost}. */
export interface ServerHostOptions {
  /** Attach to this server instead of creating one. */
  server?: Server;
  /** Port for `listen()` on a server of our own. */
  port: number;
  /** Host for `listen()` on a server of our own. */
  host: string;
  /** What the owner is called in errors (`'The proxy'`). */
  name: string;
  /** A WebSocket upgrade on the inference path (other paths: 404 on our own server, left alone on an attached one). */
  onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Every HTTP request of a server of our own. */
  onRequest(request: IncomingMessage, response: ServerResponse): void;
}

/**
 * The HTTP side the local voice server and the proxy share: their own `http.Server` or one they are
 * attached to, upgrades routed to the inference path (with or without trailing slash), `listen()`,
 * connectable URLs (IPv6 bracketed, wildcard addresses as loopback) and `close()`.
 *
 * @example
 * const host = new ServerHost({ server: options.server, port: 8765, host: '127.0.0.1', name: 'The proxy', onUpgrade, onRequest: handler });
 * await host.listen(); host.url('ws', INFERENCE_PATH);
 */
export class ServerHost {
  /** The server in use. */
  readonly server: Server;
  /** Whether the server was created here (and is closed here). */
  readonly owned: boolean;
  readonly #options: ServerHostOptions;
  #address: AddressInfo | undefined;

  constructor(options: ServerHostOptions) {
    this.#options = options;
    this.owned = !options.server;
    this.server = options.server ?? http.createServer();
    this.server.on('upgrade', this.#onUpgrade);
    if (this.owned) this.server.on('request', options.onRequest);
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = requestPath(request.url);
    if (path !== INFERENCE_PATH) {
      if (this.owned) rejectUpgrade(socket, 404, 'NotFound', `No WebSocket endpoint at ${quoteForLog(path)}; use ${INFERENCE_PATH}`);
      return;
    }
    socket.on('error', () => socket.destroy());
    this.#options.onUpgrade(request, socket, head);
  };

  /** Listens (on a server of our own, once); resolves to whether the server is listening. */
  async listen(): Promise<boolean> {
    const server = this.server;
    if (this.owned && !server.listening) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.#options.port, this.#options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.#address = server.address() as AddressInfo;
    }
    return server.listening;
  }

  /** `protocol://host:port` + `path`, for a client to connect to. Throws before `listen()`. */
  url(protocol: 'ws' | 'http', path: string): string {
    const address = this.#address ?? (this.server.address() as AddressInfo | string | null);
    if (!address || typeof address === 'string') throw new Error(`${this.#options.name} is not listening yet; await listen() first`);
    return `${protocol}://${urlHost(this.owned ? this.#options.host : address.address)}:${address.port}${path}`;
  }

  /** Stops routing upgrades here and closes a server of our own (with every connection it holds). */
  async close(): Promise<void> {
    this.server.off('upgrade', this.#onUpgrade);
    if (this.owned) this.server.off('request', this.#options.onRequest);
    if (this.owned && this.server.listening) {
      this.server.closeAllConnections?.();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }
}
