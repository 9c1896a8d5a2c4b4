/**
 * A look taken every `ms` milliseconds (and once at start) that never runs twice at once, for the
 * schedulers every server process runs (feeds, sync). A look that fails is tried again at the next tick:
 * a store that cannot be read now may be readable then. The timer keeps no process alive.
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly ms: number, private readonly look: () => Promise<void>) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.ms);
    this.timer.unref();
    void this.tick();
  }

  /** One look now, or the one under way. */
  tick(): Promise<void> {
    this.ticking ??= this.look().catch(() => undefined).finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }
}
