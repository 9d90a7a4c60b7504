/** Control characters, line and paragraph separators, bidi overrides, quotes and backslashes. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069"\\]/g;

/**
 * A client-supplied string made safe for one log line: quoted, cut to `max` characters, and every
 * character that could end the line or disguise it (CR, LF, other controls, Unicode line separators,
 * bidi overrides) written as a `\uXXXX` escape. A client can then never forge a second log line.
 *
 * @example
 * quoteForLog('abc\r\nFAKE entry') // '"abc\\u000d\\u000aFAKE entry"'
 */
export function quoteForLog(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return `"${cut.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}
