import type { Store } from '../../store/db/database.js';
import {
  claimServerRun, failAbandonedRuns, findServerRun, insertServerRun, releaseServerRun, saveServerRun, type RunKind, type ServerRun,
} from '../../store/server-runs.js';
import { findServer, listServers } from '../../store/servers.js';
import type { EventWriter } from '../import/pipeline.js';
import { ServiceError } from '../errors.js';
import { RemoteClient, type ClientOptions } from './client.js';
import { pull } from './pull.js';
import { push } from './push.js';
import type { SyncCounts, SyncRunContext } from './run-context.js';

export interface SyncRunnerOptions extends ClientOptions {
  /** Longest a run may take (default 2 h): past it, its requests fail and another process may take the server over. */
  runTimeoutMs?: number;
  /** How long a run waits for another process's run of the same server to end (default 10 min). */
  claimWaitMs?: number;
}

/** A run as it ended. */
export type FinishedRun = ServerRun;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);
/** Refusals kept with a run: enough to see why, bounded for a remote that refuses thousands. */
const MAX_REFUSALS = 1000;

/**
 * Runs pulls and pushes of servers in the background (MISP's jobs), each recorded as a run
 * (servers/runs). One run per server at a time: within this process runs of a server queue behind each
 * other; across processes a run first claims the server in the store and waits while another holds it.
 * A failing remote ends its own run as failed and never stops the runs of others.
 */
export class SyncRunner {
  private readonly tails = new Map<number, Promise<unknown>>();
  private readonly done = new Map<number, Promise<FinishedRun>>();
  private closed = false;

  constructor(private readonly store: Store, private readonly writer: EventWriter, private readonly options: SyncRunnerOptions = {}) {}

  /** Records a run and starts it after the server's run under way; answers the run's id at once. */
  async start(serverId: number, kind: RunKind, scope: string): Promise<number> {
    if (this.closed) throw new ServiceError('invalid', 'The server is stopping: no new sync run is started.');
    const server = await findServer(this.store, serverId);
    if (!server) throw new ServiceError('not-found', 'Invalid server');
    const runId = await insertServerRun(this.store, serverId, kind, scope, now());
    const before = this.tails.get(serverId) ?? Promise.resolve();
    const run = before.then(() => this.execute(runId, serverId, kind, scope));
    const tail = run.catch(() => undefined);
    this.tails.set(serverId, tail);
    this.done.set(runId, run);
    void tail.then(() => {
      if (this.tails.get(serverId) === tail) this.tails.delete(serverId);
      this.done.delete(runId);
    });
    return runId;
  }

  /** The run once it has ended (a run of another process: as the store holds it now). */
  async wait(runId: number): Promise<FinishedRun> {
    const pending = this.done.get(runId);
    if (pending) return pending;
    const run = await findServerRun(this.store, runId);
    if (!run) throw new ServiceError('not-found', 'Invalid run');
    return run;
  }

  /** Starts a push of one event to every server with push on (MISP's push when an event is published). */
  async pushPublished(eventId: number): Promise<number[]> {
    const runs: number[] = [];
    for (const s of await listServers(this.store)) {
      if (s.flags.push) runs.push(await this.start(s.id, 'push', String(eventId)));
    }
    return runs;
  }

  private async claim(serverId: number, leaseSeconds: number): Promise<number | undefined> {
    const deadline = Date.now() + (this.options.claimWaitMs ?? 600_000);
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      const since = now();
      if (await claimServerRun(this.store, serverId, since, leaseSeconds)) return since;
      if (Date.now() + delay > deadline || this.closed) return undefined;
      await sleep(delay);
    }
  }

  private async execute(runId: number, serverId: number, kind: RunKind, scope: string): Promise<FinishedRun> {
    const runTimeout = this.options.runTimeoutMs ?? 2 * 3600_000;
    const counts: SyncCounts = { pulled: 0, pushed: 0, sightings: 0, proposals: 0, clusters: 0, analystData: 0, refusals: [] };
    const stored = () => ({ ...counts, refused: counts.refusals.length, refusals: counts.refusals.slice(0, MAX_REFUSALS) });
    let status: 'ok' | 'failed' = 'ok';
    let error: string | null = null;
    const since = await this.claim(serverId, Math.ceil(runTimeout / 1000) + 60);
    if (since === undefined) {
      status = 'failed';
      error = 'Another run of this server was still under way.';
    } else {
      let client: RemoteClient | undefined;
      try {
        // A run that finds the server's earlier runs still marked running knows their process stopped: it holds the claim now.
        await failAbandonedRuns(this.store, serverId, now(), runId);
        const server = await findServer(this.store, serverId);
        if (!server) throw new ServiceError('not-found', 'Invalid server');
        client = await RemoteClient.open(this.store, server, { ...this.options, deadline: Date.now() + runTimeout });
        const ctx: SyncRunContext = {
          store: this.store, writer: this.writer, server, client, counts,
          refuse: (event, reason) => counts.refusals.push({ event, reason }),
        };
        if (kind === 'pull') await pull(ctx, scope);
        else await push(ctx, scope);
      } catch (err) {
        status = 'failed';
        error = (err as Error).message;
      } finally {
        client?.close();
        await releaseServerRun(this.store, serverId, since).catch(() => undefined);
      }
    }
    await saveServerRun(this.store, runId, stored(), { status, finished: now(), error });
    return (await findServerRun(this.store, runId))!;
  }

  /** Waits for every run under way; none starts after. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.tails.values()]);
  }
}
