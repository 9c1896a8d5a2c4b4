import type { Store } from '../../store/db/database.js';
import { claimScheduledSync } from '../../store/server-runs.js';
import { listServers } from '../../store/servers.js';
import type { SyncRunner } from './runner.js';

/**
 * Pulls from and pushes to each server on its own intervals (pull_interval / push_interval minutes; 0:
 * only when asked), incrementally, as MISP's scheduled server jobs do. Every process of an instance may
 * run a scheduler: each run is claimed in the store first (claimScheduledSync), so a server is pulled once
 * per interval however many run. A failing server's run fails alone; the next interval tries again.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly store: Store, private readonly runner: SyncRunner, private readonly tickMs = 60_000) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** One look at the servers: starts the runs that are due, without waiting for them. */
  tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      try {
        const at = Math.floor(Date.now() / 1000);
        for (const s of await listServers(this.store)) {
          try {
            if (s.flags.pull && s.pullInterval > 0 && (await claimScheduledSync(this.store, s.id, 'pull', at, s.pullInterval * 60))) await this.runner.start(s.id, 'pull', 'incremental');
            if (s.flags.push && s.pushInterval > 0 && (await claimScheduledSync(this.store, s.id, 'push', at, s.pushInterval * 60))) await this.runner.start(s.id, 'push', 'incremental');
          } catch {
            // One server that cannot be started now does not keep the others from theirs.
          }
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
