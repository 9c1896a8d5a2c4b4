import pg from 'pg';

/**
 * Whole databases on a PostgreSQL server, for the benchmarks: a fresh one to import into, and copies
 * of it (CREATE DATABASE … TEMPLATE copies its files, far faster than importing again) for those
 * that write. Run on the server's `postgres` database; names are checked, never taken from input.
 */

function checkedName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid PostgreSQL database name "${name}"`);
  return name;
}

/** The database a URL names. */
export function databaseOf(url: string): string {
  return checkedName(decodeURIComponent(new URL(url).pathname.slice(1)));
}

/** The URL of another database on the same server. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${checkedName(name)}`;
  return u.toString();
}

async function onServer(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/** Drops the database the URL names (closing its connections) and creates it empty. */
export async function recreateDatabase(url: string): Promise<void> {
  const name = databaseOf(url);
  await onServer(url, [`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, `CREATE DATABASE "${name}"`]);
}

/** A copy, named `name` (replaced if it exists), of the database the URL names; answers its URL. */
export async function copyDatabase(url: string, name: string): Promise<string> {
  const from = databaseOf(url);
  await onServer(url, [`DROP DATABASE IF EXISTS "${checkedName(name)}" WITH (FORCE)`, `CREATE DATABASE "${name}" TEMPLATE "${from}"`]);
  return withDatabase(url, name);
}

export async function dropDatabase(url: string): Promise<void> {
  await onServer(url, [`DROP DATABASE IF EXISTS "${databaseOf(url)}" WITH (FORCE)`]);
}
