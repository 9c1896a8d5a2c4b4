/** How long the server trusts what it read of the settings and libraries before it reads them again. */
export const FRESH_MS = 5_000;

/**
 * A value read from the store at most every few seconds: a change made by another process (the CLI,
 * a second server) is seen within that time, one made through this server at once (`invalidate`).
 */
export class Fresh<T> {
  private value: Promise<T> | undefined;
  private readAt = 0;

  constructor(private readonly read: () => Promise<T>, private readonly ms = FRESH_MS) {}

  invalidate(): void {
    this.value = undefined;
  }

  get(): Promise<T> {
    if (!this.value || Date.now() - this.readAt > this.ms) {
      this.readAt = Date.now();
      this.value = this.read();
    }
    return this.value;
  }
}
