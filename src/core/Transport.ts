/** What a transport tells the synthesizer about its socket after it opened. */
export interface TransportSocketHandlers {
  /** A frame arrived: a string for text (JSON events), bytes for binary (audio). */
  onMessage(data: string | Uint8Array): void;
  /** The socket closed (either side). Called at most once. */
  onClose(code: number, reason: string): void;
}

/** An open socket as the synthesizer sees it. */
export interface TransportSocket {
  /** Sends one text frame (a JSON client message). Ignored after close. */
  send(text: string): void;
  /** Closes the socket; `onClose` follows. Safe to call more than once. */
  close(code?: number, reason?: string): void;
  /** The socket was open before the task asked for it (a `ConnectionPool` reused it, or preconnected it). */
  readonly reused?: boolean;
}

/** The HTTP side of a transport, for DashScope-shaped paths (`/tokens`, `/services/audio/tts/customization`). */
export interface TransportHttp {
  /**
   * POSTs JSON to a path relative to the `/api/v1` base and returns the parsed JSON body.
   * Rejects with a `SynthesisError` on a non-2xx answer (never including credentials in the message).
   */
  post(path: string, body: unknown, options?: { query?: Record<string, string | number>; signal?: AbortSignal }): Promise<unknown>;
}

/**
 * How the library reaches a DashScope-shaped endpoint: the real service with a token
 * ({@link directTransport}), the app's own proxy ({@link proxyTransport}) or an in-process peer
 * ({@link memoryTransport}). Inject one; nothing is read from globals until `connect` runs.
 */
export interface Transport {
  /** Short description for messages and devtools, never containing credentials. */
  readonly description: string;
  /**
   * Opens one WebSocket to the inference endpoint. Resolves once it is open; rejects with a
   * `ConnectionError` (`ConnectionFailed`, `Unauthorized`, `TokenFailed`) otherwise. Aborting `signal`
   * closes whatever is half-open and rejects with the signal's reason.
   */
  connect(handlers: TransportSocketHandlers, signal: AbortSignal): Promise<TransportSocket>;
  /** The HTTP side, when the endpoint has one (tokens, custom voice listing). */
  readonly http?: TransportHttp;
  /**
   * Opens a socket ahead of a task, for transports that keep sockets warm (`ConnectionPool`). Resolves to
   * whether one is ready; never rejects.
   */
  preconnect?(): Promise<boolean>;
}

/** A short-lived credential for the browser (`st-…` temporary key) and when it stops working. */
export interface SynthesisToken {
  /** The temporary key, sent as `?api_key=`. */
  token: string;
  /** When it expires, in milliseconds since the epoch. */
  expiresAt: number;
}

/** Supplies a token for each new connection. */
export type TokenProvider = () => Promise<string | SynthesisToken> | string | SynthesisToken;
