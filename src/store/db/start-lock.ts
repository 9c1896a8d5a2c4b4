import SQLite from 'better-sqlite3';
import pg from 'pg';

/** The first of the two keys of PostgreSQL's advisory locks that Cairn's start takes ("Crn"); the second is the schema's. */
const START_LOCK_CLASS = 0x43726e;

/** How often a process that waits for another's start looks again at the embedded store's lock. */
const RETRY_MS = 50;

/** Held until released: what one process's first start owns while it migrates and makes the admin. */
export interface StartLock {
  release(): Promise<void>;
}

/**
 * Takes the lock of a store's start: two processes started at once on an empty store (two servers, a
 * server and `cairn import`) would both create the tables and the first admin, and one would die. The
 * first to come migrates and sets up; the others wait, then find it done.
 *
 * On PostgreSQL, a session advisory lock keyed by the schema, on a connection of its own (the pool's are
 * free to run the migration); it is released if the process dies. On the embedded store, an exclusive
 * transaction on a small file beside the store (`<store>-lock`): the store itself cannot be the lock, as
 * the migration writes to it from another connection of the same process. The operating system releases
 * it when the process dies.
 */
export async function takeStartLock(where: { databaseUrl: string; schema: string } | { sqliteFile: string }): Promise<StartLock> {
  if ('databaseUrl' in where) {
    const client = new pg.Client({ connectionString: where.databaseUrl });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [START_LOCK_CLASS, where.schema]);
    } catch (err) {
      await client.end();
      throw err;
    }
    return {
      release: async () => {
        try {
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [START_LOCK_CLASS, where.schema]);
        } finally {
          await client.end();
        }
      },
    };
  }
  const lock = new SQLite(`${where.sqliteFile}-lock`);
  // Waiting in SQLite's busy handler would stop this thread; another process's migration can take minutes.
  lock.pragma('busy_timeout = 0');
  for (;;) {
    try {
      lock.exec('BEGIN EXCLUSIVE');
      break;
    } catch (err) {
      if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY')) {
        lock.close();
        throw err;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  return {
    release: async () => {
      lock.exec('COMMIT');
      lock.close();
    },
  };
}
