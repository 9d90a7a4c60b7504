/** An API key given as a string, or as a function that reads it when a request needs it. */
export type ApiKeySource = string | (() => string | undefined);

/**
 * Turns an `apiKey` option into a reader called when a request needs the key, so a module that builds
 * a handler at import time (a Next.js route during `next build`, with no secrets) loads without the key:
 * `undefined` (an unset environment variable) or a function are read per request, and a request then
 * gets a clear error if the key is still missing. A literal empty string, or anything else that is not
 * a key source, fails at once.
 *
 * @example
 * const apiKey = readApiKey('createTokenHandler', options.apiKey);
 * const key = apiKey(); // undefined when not configured
 */
export function readApiKey(owner: string, source: unknown): () => string | undefined {
  if (typeof source === 'string') {
    if (source === '') throw new TypeError(`${owner} needs apiKey: received an empty string`);
    return () => source;
  }
  if (typeof source === 'function') {
    return () => {
      const value: unknown = (source as () => unknown)();
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
  }
  if (source === undefined || source === null) return () => undefined;
  throw new TypeError(`${owner} needs apiKey as a string or a function returning one; received ${typeof source}`);
}

/** The error a request gets (and the log records once) when the key is not configured. Names the option and the usual variable. */
export function missingApiKeyMessage(owner: string): string {
  return `${owner} has no API key: its apiKey option is empty (is DASHSCOPE_API_KEY set in the server's environment?)`;
}
