/** A set of excluded values and `%` patterns, matched as MISP matches them: case-insensitively. */
export class ExclusionMatcher {
  private readonly exact = new Set<string>();
  private readonly patterns: RegExp[] = [];

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      if (e.includes('%')) {
        const body = e.split('%').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
        this.patterns.push(new RegExp(`^${body}$`, 'is'));
      } else {
        this.exact.add(e.toLowerCase());
      }
    }
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.patterns.length === 0;
  }

  matches(value: string): boolean {
    return this.exact.has(value.toLowerCase()) || this.patterns.some((p) => p.test(value));
  }
}
