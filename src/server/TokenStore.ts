import { randomBytes } from 'node:crypto';

/**
 * Short-lived `st-` tokens as `POST /api/v1/tokens` issues them: 1–1800 s (default 60), checked on
 * every later upgrade, forgotten some time after they expire.
 *
 * @example
 * const { token, expires_at } = store.issue(300);
 * store.check(token); // 'valid' | 'expired' | 'unknown'
 */
export class TokenStore {
  readonly #tokens = new Map<string, number>(); // token → expiry (ms)

  /** Issues a token valid for `seconds`. */
  issue(seconds: number): { token: string; expires_at: number } {
    this.#sweep();
    const token = `st-${randomBytes(16).toString('hex')}`;
    const expiresAt = Date.now() + seconds * 1000;
    this.#tokens.set(token, expiresAt);
    return { token, expires_at: Math.floor(expiresAt / 1000) };
  }

  /** Whether a credential is one of our tokens, and still valid. */
  check(token: string): 'valid' | 'expired' | 'unknown' {
    const expiresAt = this.#tokens.get(token);
    if (expiresAt === undefined) return 'unknown';
    return Date.now() < expiresAt ? 'valid' : 'expired';
  }

  #sweep(): void {
    const cutoff = Date.now() - 3_600_000;
    for (const [token, expiresAt] of this.#tokens) if (expiresAt < cutoff) this.#tokens.delete(token);
  }
}
