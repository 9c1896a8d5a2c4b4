/**
 * Failed authentications by client address: after `limit` wrong keys within `windowMs`, the address
 * is refused (429) until the window has passed, so that keys cannot be guessed at the server's speed.
 * Kept in memory, per server process.
 */
export class FailedAuthLimit {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit = 10, private readonly windowMs = 60_000) {}

  private recent(ip: string, now: number): number[] {
    const list = (this.failures.get(ip) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length === 0) this.failures.delete(ip);
    else this.failures.set(ip, list);
    return list;
  }

  /** Seconds until the address may try again; 0 when it may now. */
  retryAfter(ip: string, now = Date.now()): number {
    if (!this.failures.has(ip)) return 0;
    const list = this.recent(ip, now);
    return list.length < this.limit ? 0 : Math.ceil((list[0]! + this.windowMs - now) / 1000);
  }

  fail(ip: string, now = Date.now()): void {
    // A bounded map: under a flood of addresses the oldest entries go first.
    if (this.failures.size >= 100_000) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(ip, [...this.recent(ip, now), now]);
  }
}
