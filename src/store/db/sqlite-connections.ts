import { SqliteDialect, type DatabaseConnection, type Driver, type QueryResult, type CompiledQuery } from 'kysely';
import type SQLite from 'better-sqlite3';

/** What a connection needs of better-sqlite3: statements (kept prepared by the caller) and closing. */
export interface StatementSource {
  prepare(sql: string): SQLite.Statement;
  close(): void;
}

/** One holder at a time; the others wait their turn without blocking the event loop. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const turn = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return turn;
  }
}

function run(db: StatementSource, query: CompiledQuery): QueryResult<unknown> {
  const stmt = db.prepare(query.sql);
  const parameters = query.parameters as unknown[];
  if (stmt.reader) return { rows: stmt.all(...parameters) };
  const { changes, lastInsertRowid } = stmt.run(...parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** A plain read: a SELECT that changes nothing (no RETURNING of a write hides behind it). */
const isRead = (sql: string) => /^\s*select\b/i.test(sql);

/**
 * A connection as Kysely sees it. Inside a transaction every query goes to the writer, which the
 * transaction holds; outside one, a read goes to the reader and a write waits for the writer.
 */
class RoutedConnection implements DatabaseConnection {
  private release: (() => void) | undefined;

  constructor(private readonly writer: StatementSource, private readonly reader: StatementSource, private readonly lock: Mutex) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.release) return run(this.writer, query) as QueryResult<R>;
    if (isRead(query.sql)) return run(this.reader, query) as QueryResult<R>;
    const release = await this.lock.lock();
    try {
      return run(this.writer, query) as QueryResult<R>;
    } finally {
      release();
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(query);
  }

  async begin(): Promise<void> {
    this.release = await this.lock.lock();
    this.writer.prepare('begin').run();
  }

  end(sql: 'commit' | 'rollback'): void {
    try {
      this.writer.prepare(sql).run();
    } finally {
      this.letGo();
    }
  }

  letGo(): void {
    this.release?.();
    this.release = undefined;
  }
}

class ReadWriteDriver implements Driver {
  private readonly lock = new Mutex();

  constructor(private readonly writer: StatementSource, private readonly reader: StatementSource) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this.writer, this.reader, this.lock);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as RoutedConnection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as RoutedConnection).end('commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as RoutedConnection).end('rollback');
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as RoutedConnection).letGo();
  }

  async destroy(): Promise<void> {
    if (this.reader !== this.writer) this.reader.close();
    this.writer.close();
  }
}

/**
 * SQLite with two connections to one file: one writes (a transaction holds it, other writes wait their
 * turn), one reads. In WAL mode the reader sees what is committed while a transaction is open, so a
 * request that only reads never waits for a commit, and the API can hold a transaction open a moment to
 * let concurrent writes share its commit. (Kysely's own SQLite driver serialises every query on one
 * connection.) A database in memory has one connection, which both roles share.
 */
export class ReadWriteSqliteDialect extends SqliteDialect {
  constructor(private readonly writer: StatementSource, private readonly reader: StatementSource) {
    super({ database: writer as never });
  }

  override createDriver(): Driver {
    return new ReadWriteDriver(this.writer, this.reader);
  }
}
