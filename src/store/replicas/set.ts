import { Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/schema.js';
import { redacted, type ReplicaConfig } from './config.js';
import { readingDialect, type ReplicaTarget } from './reading-driver.js';

/** How often each replica (and the primary's WAL position) is checked: a tenth of the lag bound, from 0.25 to 2 s. */
const checkIntervalMs = (maxLagSeconds: number) => Math.min(2_000, Math.max(250, maxLagSeconds * 100));
/** A check that takes longer than this counts as a replica that stopped answering. */
const CHECK_TIMEOUT_MS = 2_000;

/** What one check of a replica found. */
export interface ReplicaState {
  url: string;
  /** Whether its last check (or the last read sent to it) got an answer: it may answer and still be left out, too far behind or promoted. */
  answering: boolean;
  /** Whether reads go to it now. */
  usable: boolean;
  /** The WAL position it had replayed at its last good check (bytes), a lower bound of where it is now. */
  replayedLsn: number;
  /** Seconds behind the primary at its last good check. */
  lagSeconds: number;
  /** Why it is left out, when it is. */
  reason?: string;
  /** Reads it answered / reads sent to the primary instead because it failed or was left out. */
  served: number;
  fellBack: number;
}

/** One replica: its pool, its reading Kysely, and what the last check said. */
class Replica implements ReplicaTarget {
  readonly db: Kysely<Database>;
  replayedLsn = 0;
  lagSeconds = Number.POSITIVE_INFINITY;
  inRecovery = false;
  checkedOk = false;
  /** The last check, or the last read, got an answer. */
  answering = false;
  /** Set by a failed query: the replica stays out until a check succeeds after it. */
  failedAt = 0;
  reason: string | undefined = 'not checked yet';
  served = 0;
  fellBackCount = 0;

  constructor(readonly url: string, readonly pool: pg.Pool, primary: Kysely<unknown>, private readonly maxLagSeconds: number) {
    this.db = new Kysely<Database>({ dialect: readingDialect(this, primary) });
    // A replica that goes away closes its idle connections with an error: without a listener that
    // error would end the process. Here it only leaves the replica out until it answers again.
    pool.on('error', (err) => this.failed(err));
  }

  get usable(): boolean {
    return this.checkedOk && this.inRecovery && this.failedAt === 0 && this.lagSeconds <= this.maxLagSeconds;
  }

  failed(err: unknown): void {
    this.failedAt = Date.now();
    this.checkedOk = false;
    this.answering = false;
    this.reason = `failed: ${err instanceof Error ? err.message : String(err)}`;
  }

  fellBack(): void {
    this.fellBackCount++;
  }

  state(): ReplicaState {
    return {
      url: redacted(this.url), answering: this.answering, usable: this.usable, replayedLsn: this.replayedLsn, lagSeconds: this.lagSeconds,
      ...(this.usable ? {} : { reason: this.reason ?? `more than ${this.maxLagSeconds} s behind the primary` }),
      served: this.served, fellBack: this.fellBackCount,
    };
  }
}

/** The primary's WAL position at a moment: what a replica has replayed is dated by these. */
interface Sample {
  at: number;
  lsn: number;
}

/** `pg_lsn` as a number of bytes (exact below 2^53: 8 PB of WAL). */
const LSN_BYTES = (expr: ReturnType<typeof sql>) => sql<number>`(${expr} - '0/0'::pg_lsn)::bigint`;

/**
 * The replicas of a PostgreSQL store, checked in the background. Every check reads the primary's WAL
 * position, then each replica's replayed position: a replica's lag is how long ago the primary was
 * first seen past where the replica is now (0 when it has replayed everything seen). Lag measured so
 * stays 0 on an idle primary, where `now() - pg_last_xact_replay_timestamp()` would grow without end.
 * The checks are a few queries a second, awaited like any other I/O: they never hold the event loop.
 */
export class ReplicaSet {
  private readonly replicas: Replica[];
  private samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private next = 0;

  constructor(private readonly primary: Kysely<Database>, readonly config: ReplicaConfig, poolFor: (url: string) => pg.Pool) {
    this.replicas = config.urls.map((url) => new Replica(url, poolFor(url), primary as unknown as Kysely<unknown>, config.maxLagSeconds));
  }

  /** Checks now, then every interval; the timer does not keep the process alive. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), checkIntervalMs(this.config.maxLagSeconds));
    this.timer.unref();
  }

  /** One round of checks (a round under way is waited for rather than doubled). */
  check(): Promise<void> {
    this.checking ??= this.round().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async round(): Promise<void> {
    const at = Date.now();
    try {
      const { rows } = await sql<{ lsn: number }>`select ${LSN_BYTES(sql`pg_current_wal_lsn()`)} as lsn`.execute(this.primary);
      this.samples.push({ at, lsn: Number(rows[0]!.lsn) });
    } catch {
      // The primary not answering fails every write anyway; the replicas keep their last state.
    }
    // Enough history to date a lag well past the bound.
    const keep = at - (2 * this.config.maxLagSeconds + 10) * 1000;
    while (this.samples.length > 1 && this.samples[0]!.at < keep) this.samples.shift();
    await Promise.all(this.replicas.map((r) => this.checkReplica(r)));
  }

  private async checkReplica(r: Replica): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const probe = r.pool.query<{ recovery: boolean; lsn: string | null }>(
        `select pg_is_in_recovery() as recovery, (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint::text as lsn`);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      });
      probe.catch(() => undefined);
      const { rows } = await Promise.race([probe, timeout]);
      const row = rows[0]!;
      const now = Date.now();
      r.answering = true;
      r.inRecovery = row.recovery;
      if (!row.recovery) {
        r.checkedOk = false;
        r.reason = 'not in recovery: a primary (promoted?), not a streaming replica';
        return;
      }
      r.replayedLsn = Number(row.lsn ?? 0);
      const behind = this.samples.find((s) => s.lsn > r.replayedLsn);
      r.lagSeconds = behind ? (now - behind.at) / 1000 : 0;
      r.checkedOk = true;
      r.failedAt = 0;
      r.reason = undefined;
    } catch (err) {
      r.failed(err);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A replica to read from that has replayed at least `since` (a WAL position in bytes; 0 for any), in
   * turn among those that qualify; undefined when none does.
   */
  pick(since: number): Kysely<Database> | undefined {
    const fit = this.replicas.filter((r) => r.usable && r.replayedLsn >= since);
    if (fit.length === 0) return undefined;
    const r = fit[this.next++ % fit.length]!;
    r.served++;
    return r.db;
  }

  /** Whether any replica may take reads now (else asking who wrote what is not worth a query). */
  get anyUsable(): boolean {
    return this.replicas.some((r) => r.usable);
  }

  states(): ReplicaState[] {
    return this.replicas.map((r) => r.state());
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.checking?.catch(() => undefined);
    await Promise.all(this.replicas.map((r) => r.pool.end().catch(() => undefined)));
  }
}

/** A pool of connections to a replica: as the primary's (types, session settings), and quick to give up on a replica that is gone. */
export function replicaPool(url: string, base: pg.PoolConfig): pg.Pool {
  return new pg.Pool({
    ...base,
    connectionString: url,
    // A replica that is down must cost a read a moment, not the client's patience: then the primary answers.
    connectionTimeoutMillis: 2_000,
    keepAlive: true,
    application_name: 'cairn-reader',
  });
}
