import {
  PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler,
  type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type Kysely, type QueryResult,
} from 'kysely';
import type pg from 'pg';

/** What the reading driver needs of a replica: its connections, whether to try it, and how to leave it out. */
export interface ReplicaTarget {
  readonly pool: pg.Pool;
  /** Whether queries should go to it now (healthy, not too far behind, no connection failure since the last check). */
  readonly usable: boolean;
  /** A query failed because the replica is gone or refused it: left out until its next good check. */
  failed(err: unknown): void;
  /** A query went to the primary instead (counted, for the operator and the tests). */
  fellBack(): void;
}

/**
 * SQLSTATEs of a replica that cannot answer, where the same read on the primary can: connection
 * exceptions (class 08), a server shutting down or starting (57P01-57P03), too many connections, and a
 * statement cancelled by a conflict with recovery (40001: WAL replay removed rows the query needed;
 * a single read outside a transaction fails so only on a standby).
 */
const REPLICA_GONE = /^(08...|57P0[123]|53300|40001)$/;
const NETWORK_GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether a failed query failed because of the replica (retry on the primary) rather than because of the query (report it). */
export function replicaFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (REPLICA_GONE.test(code) || NETWORK_GONE.has(code))) return true;
  // pg's own messages when the socket closes or the pool cannot connect in time carry no code.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(err.message);
}

/**
 * One statement on the replica, or on the primary when the replica is left out or fails because it is
 * gone: a stopped replica costs a retry, not a failed request. A statement that fails for its own
 * reasons (bad SQL, a cancelled query) fails as it would on the primary.
 */
class ReadingConnection implements DatabaseConnection {
  constructor(private readonly replica: ReplicaTarget, private readonly primary: Kysely<unknown>) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.replica.usable) {
      try {
        const result = await this.replica.pool.query({ text: query.sql, values: query.parameters as unknown[] });
        return { rows: (result.rows ?? []) as R[] };
      } catch (err) {
        if (!replicaFailure(err)) throw err;
        this.replica.failed(err);
      }
    }
    this.replica.fellBack();
    return this.primary.executeQuery<R>(query);
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('a replica\'s reads are paged, not streamed');
  }
}

/**
 * Kysely over a replica: PostgreSQL's SQL, each statement on a pooled connection of the replica (pg's
 * pool.query, which gives back or discards the connection as its outcome says). No transactions: the
 * reads sent here are single statements, and a transaction could not move to the primary halfway.
 */
class ReadingDriver implements Driver {
  constructor(private readonly replica: ReplicaTarget, private readonly primary: Kysely<unknown>) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new ReadingConnection(this.replica, this.primary);
  }
  async beginTransaction(): Promise<void> {
    throw new Error('the reading connections of a replica take no transactions: write through the primary store');
  }
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  // The replica set ends the pool.
  async destroy(): Promise<void> {}
}

export function readingDialect(replica: ReplicaTarget, primary: Kysely<unknown>): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new ReadingDriver(replica, primary),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}
