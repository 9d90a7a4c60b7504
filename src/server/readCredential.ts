import type { IncomingMessage } from 'node:http';

/**
 * The credential of a request as the service reads it: `Authorization: Bearer <key>` (scheme in any
 * case, official samples send `bearer`) or `?api_key=<key>` on the URL. `undefined` when there is none.
 *
 * @example
 * readCredential(request) // 'sk-…' or 'st-…'
 */
export function readCredential(request: Pick<IncomingMessage, 'headers' | 'url'>): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^\s*bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (match?.[1]) return match[1];
  try {
    const key = new URL(request.url ?? '/', 'http://localhost').searchParams.get('api_key');
    return key || undefined;
  } catch {
    return undefined;
  }
}
