/**
 * The store a benchmark works on. Embedded by default; PostgreSQL when DATABASE_URL is set, the database
 * it names being the one bench/import.ts imported into. Benchmarks that write work on a copy (a file
 * copy, or CREATE DATABASE … TEMPLATE), so that each starts from the store the import built.
 */
import { copyFileSync, rmSync } from 'node:fs';
import type { StoreConfig } from '../src/store/db/database.js';
import { copyDatabase, databaseOf, recreateDatabase, withDatabase } from '../src/store/db/pg-admin.js';

export const IMPORTED_DB = 'bench/out/import.db';

/** The PostgreSQL database of the benchmarks, when they run on PostgreSQL. */
export function benchPostgresUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

export interface BenchStore {
  dialect: 'sqlite' | 'postgres';
  /** To open it in this process. */
  config: StoreConfig;
  /** To hand it to a `cairn serve` (added to the environment). */
  env: NodeJS.ProcessEnv;
}

const sqliteStore = (path: string): BenchStore => ({ dialect: 'sqlite', config: { databaseUrl: undefined, sqlitePath: path }, env: { CAIRN_DB: path, DATABASE_URL: '' } });
const postgresStore = (url: string): BenchStore => ({ dialect: 'postgres', config: { databaseUrl: url }, env: { DATABASE_URL: url } });

/** The store bench/import.ts built, itself (for benchmarks that only read). */
export function importedStore(db = IMPORTED_DB): BenchStore {
  const pg = benchPostgresUrl();
  return pg ? postgresStore(pg) : sqliteStore(db);
}

/** A copy named `name` of the store bench/import.ts built. */
export async function copyOfImportedStore(name: string, db = IMPORTED_DB): Promise<BenchStore> {
  const pg = benchPostgresUrl();
  if (pg) return postgresStore(await copyDatabase(pg, `${databaseOf(pg)}_${name}`));
  const copy = `bench/out/${name}.db`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
  copyFileSync(db, copy);
  return sqliteStore(copy);
}

/** An empty store named `name` (the embedded one at `path`). */
export async function emptyStore(name: string, path: string): Promise<BenchStore> {
  const pg = benchPostgresUrl();
  if (pg) {
    const url = withDatabase(pg, `${databaseOf(pg)}_${name}`);
    await recreateDatabase(url);
    return postgresStore(url);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  return sqliteStore(path);
}
