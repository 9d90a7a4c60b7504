// The only globals the core uses, present in Node ≥ 20, browsers and workers alike.
// tsconfig.core.json compiles src/core against these instead of the DOM library, which proves the core
// touches no DOM API.
declare function setTimeout(handler: () => void, timeout?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare function queueMicrotask(callback: () => void): void;

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
declare var AbortSignal: { prototype: AbortSignal };
interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
declare var AbortController: { prototype: AbortController; new (): AbortController };

declare var performance: { now(): number };
// Node's, or the `process.env.NODE_ENV` that bundlers replace; read only inside a try (absent in unbundled browsers).
declare var process: { env: Record<string, string | undefined> };
declare var console: { warn(...data: unknown[]): void; error(...data: unknown[]): void } | undefined;
declare var crypto: {
  getRandomValues<T extends Uint8Array>(array: T): T;
  // Web Crypto's digest: in Node, workers, and browsers in secure contexts only (hence optional).
  readonly subtle?: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> };
};

interface TextEncoder {
  encode(input?: string): Uint8Array;
}
declare var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };
interface TextDecoder {
  decode(input?: Uint8Array): string;
}
declare var TextDecoder: { prototype: TextDecoder; new (): TextDecoder };

interface URLSearchParams {
  set(name: string, value: string): void;
  get(name: string): string | null;
}
interface URL {
  href: string;
  protocol: string;
  pathname: string;
  search: string;
  readonly searchParams: URLSearchParams;
  toString(): string;
}
declare var URL: { prototype: URL; new (url: string, base?: string): URL };
