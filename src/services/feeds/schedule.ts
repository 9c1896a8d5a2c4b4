import type { Store } from '../../store/db/database.js';
import { claimScheduledRun, listFeeds } from '../../store/feeds.js';
import { Ticker } from '../ticker.js';
import type { FeedRunner } from './runner.js';

/**
 * Fetches each enabled feed on its own interval (`interval_minutes`; 0: only when asked), and caches it
 * after when caching is on. Every server of an instance may run a scheduler: a run is claimed in the
 * store first (claimScheduledRun), so one feed is fetched once per interval however many run. A feed's
 * failure is kept in its last result; the next interval tries again.
 */
export class FeedScheduler extends Ticker {
  constructor(store: Store, runner: FeedRunner, tickMs = 60_000) {
    super(tickMs, async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const f of await listFeeds(store)) {
        if (!f.enabled || f.intervalMinutes <= 0) continue;
        if (!(await claimScheduledRun(store, f.id, now, f.intervalMinutes * 60))) continue;
        runner.start(f.id, 'fetch');
        if (f.cachingEnabled && f.sourceFormat !== 'taxii') runner.start(f.id, 'cache');
      }
    });
  }
}
