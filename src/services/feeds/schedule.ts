import type { Store } from '../../store/db/database.js';
import { claimScheduledRun, listFeeds } from '../../store/feeds.js';
import type { FeedRunner } from './runner.js';

/**
 * Fetches each enabled feed on its own interval (`interval_minutes`; 0: only when asked), and caches it
 * after when caching is on. Every server of an instance may run a scheduler: a run is claimed in the
 * store first (claimScheduledRun), so one feed is fetched once per interval however many run. A feed's
 * failure is kept in its last result; the next interval tries again.
 */
export class FeedScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly store: Store, private readonly runner: FeedRunner, private readonly tickMs = 60_000) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** One look at the feeds: starts the runs that are due, without waiting for them. */
  tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      try {
        const now = Math.floor(Date.now() / 1000);
        for (const f of await listFeeds(this.store)) {
          if (!f.enabled || f.intervalMinutes <= 0) continue;
          if (!(await claimScheduledRun(this.store, f.id, now, f.intervalMinutes * 60))) continue;
          this.runner.start(f.id, 'fetch');
          if (f.cachingEnabled && f.sourceFormat !== 'taxii') this.runner.start(f.id, 'cache');
        }
      } catch {
        // A store that cannot be read now is read again at the next tick.
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }
}
