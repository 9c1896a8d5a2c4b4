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

/**
 * Turns at the store's one writer lock shared with other processes of one instance (`serve --workers
 * N`), handed out by a coordinator in turn (src/cli/write-turns.ts): a process waiting for the lock
 * would otherwise retry on timers, leaving the lock idle up to its pause after the holder lets go, and
 * each try waits in SQLite's busy handler, which stops every request of its process meanwhile.
 * Processes outside the instance (`cairn import`) are still waited for by retrying (whenWritable).
 */
export interface WriteTurns {
  /** Resolves when this process's turn comes; `give` ends it. */
  take(): Promise<number>;
  give(turn: number): void;
}

let sharedTurns: WriteTurns | undefined;

/** The turns every embedded store this process opens from now on takes to write (serve's workers). */
export function shareWriteTurns(turns: WriteTurns | undefined): void {
  sharedTurns = turns;
}

/** The process's turn to write: its own writers one at a time, then the instance's turn when shared. */
async function writeTurn(lock: Mutex, turns: WriteTurns | undefined): Promise<() => void> {
  const release = await lock.lock();
  if (!turns) return release;
  let turn: number;
  try {
    turn = await turns.take();
  } catch (err) {
    release();
    throw err;
  }
  return () => {
    turns.give(turn);
    release();
  };
}

function run(db: StatementSource, query: CompiledQuery): QueryResult<unknown> {
  const stmt = db.prepare(query.sql);
  const parameters = query.parameters as unknown[];
  if (stmt.reader) return { rows: stmt.all(...parameters) };
  const { changes, lastInsertRowid } = stmt.run(...parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** Another connection (another process: a second server, `cairn import`) holds the write lock. */
const isBusy = (err: unknown) => typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY');

/** How long a write waits for another process to let go of the file before it fails. */
export const WRITE_WAIT_MS = 60_000;

/**
 * Runs `attempt` until no other connection holds the write lock, waiting between tries on timers:
 * better-sqlite3's own busy wait sleeps in the thread, which would stop every other request of this
 * process for as long as another process writes (a `cairn import` commits every few seconds). The
 * writer's busy timeout is a few milliseconds; this is the patient part.
 */
async function whenWritable<T>(attempt: () => T, waitMs = WRITE_WAIT_MS): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      return attempt();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** A plain read: a SELECT that changes nothing (no RETURNING of a write hides behind it). */
const isRead = (sql: string) => /^\s*select\b/i.test(sql);

/**
 * A connection as Kysely sees it. Inside a transaction every query goes to the writer, which the
 * transaction holds; outside one, a read goes to the reader and a write waits for the writer.
 */
class RoutedConnection implements DatabaseConnection {
  private release: (() => void) | undefined;

  constructor(private readonly writer: StatementSource, private readonly reader: StatementSource, private readonly lock: Mutex, private readonly turns: WriteTurns | undefined) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.release) return run(this.writer, query) as QueryResult<R>;
    if (isRead(query.sql)) return run(this.reader, query) as QueryResult<R>;
    const release = await writeTurn(this.lock, this.turns);
    try {
      // Outside a transaction a write is its own; failing on a busy lock it changed nothing and may run again.
      return await whenWritable(() => run(this.writer, query) as QueryResult<R>);
    } finally {
      release();
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(query);
  }

  /**
   * Opens the transaction as a writer from the start: a deferred one that read first and then wrote
   * would fail at its first write ("database is locked") whenever another process committed meanwhile,
   * since its snapshot is stale by then and SQLite cannot wait that out. Taken at BEGIN, the lock is
   * waited for (on timers, see whenWritable) and, once held, no statement of the transaction can be refused.
   */
  async begin(): Promise<void> {
    const release = await writeTurn(this.lock, this.turns);
    try {
      await whenWritable(() => this.writer.prepare('begin immediate').run());
    } catch (err) {
      release();
      throw err;
    }
    this.release = release;
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
  private readonly turns = sharedTurns;

  constructor(private readonly writer: StatementSource, private readonly reader: StatementSource) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this.writer, this.reader, this.lock, this.turns);
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
