import type { Store } from '../../store/db/database.js';
import { claimScheduledSync } from '../../store/server-runs.js';
import { listServers } from '../../store/servers.js';
import { Ticker } from '../ticker.js';
import type { SyncRunner } from './runner.js';

/**
 * Pulls from and pushes to each server on its own intervals (pull_interval / push_interval minutes; 0:
 * only when asked), incrementally, as MISP's scheduled server jobs do. Every process of an instance may
 * run a scheduler: each run is claimed in the store first (claimScheduledSync), so a server is pulled once
 * per interval however many run. A failing server's run fails alone; the next interval tries again.
 */
export class SyncScheduler extends Ticker {
  constructor(store: Store, runner: SyncRunner, tickMs = 60_000) {
    super(tickMs, async () => {
      const at = Math.floor(Date.now() / 1000);
      for (const s of await listServers(store)) {
        try {
          if (s.flags.pull && s.pullInterval > 0 && (await claimScheduledSync(store, s.id, 'pull', at, s.pullInterval * 60))) await runner.start(s.id, 'pull', 'incremental');
          if (s.flags.push && s.pushInterval > 0 && (await claimScheduledSync(store, s.id, 'push', at, s.pushInterval * 60))) await runner.start(s.id, 'push', 'incremental');
        } catch {
          // One server that cannot be started now does not keep the others from theirs.
        }
      }
    });
  }
}
