import type { Store } from '../store/db/database.js';
import { clearFailures, recentFailures, recordFailure } from '../store/access/auth-failures.js';

/**
 * Failed authentications, counted in the store so that every server of the instance shares the count.
 *
 * - API keys: a valid key is always accepted. A key is 40 random letters and digits, far beyond guessing,
 *   so refusing a valid key would protect nothing and would lock out every user behind the address of
 *   someone mistyping one. Wrong keys are counted per address; past `limit` in the window the answer to a
 *   wrong key is 429 with Retry-After, which tells a misconfigured script to stop.
 * - Passwords, which can be guessed: as MISP's brute-force protection, failures are counted per address
 *   and account; past `limit` that account is refused from that address (even the right password) until
 *   the window has passed. Other accounts, and the same account from elsewhere, are not affected.
 */
export class FailedAuthLimit {
  constructor(private readonly store: Store, private readonly limit = 10, private readonly windowMs = 60_000) {}

  static keyScope(ip: string): string {
    return `key:${ip}`;
  }

  static passwordScope(ip: string, email: string): string {
    return `password:${ip}:${email.trim().toLowerCase()}`;
  }

  /** Seconds until the scope may try again; 0 when it may now. */
  async retryAfter(scope: string, now = Date.now()): Promise<number> {
    const { count, oldest } = await recentFailures(this.store, scope, now - this.windowMs);
    return count < this.limit || oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }

  /** Counts a failure (callers count only while the scope is under the limit: a flood writes no more). */
  async fail(scope: string, now = Date.now()): Promise<void> {
    await recordFailure(this.store, scope, now, now - this.windowMs);
  }

  async succeed(scope: string): Promise<void> {
    await clearFailures(this.store, scope);
  }
}
