import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db/database.js';

export interface StoreFixture {
  dialect: 'sqlite' | 'postgres';
  /** A fresh, empty store; each call gives another one. */
  open(): Promise<Store>;
  /** Drops every store this fixture opened. */
  cleanup(): Promise<void>;
}

function sqliteFixture(): StoreFixture {
  const dirs: string[] = [];
  const stores: Store[] = [];
  return {
    dialect: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-test-'));
      dirs.push(dir);
      const store = await openStore({ sqlitePath: join(dir, 'cairn.db') });
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

function postgresFixture(url: string): StoreFixture {
  const schemas: string[] = [];
  const stores: Store[] = [];
  return {
    dialect: 'postgres',
    async open() {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      const store = await openStore({ databaseUrl: url, pgSchema: schema });
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The PostgreSQL database of this test run (scripts/test.sh makes one), if any. */
export const TEST_DATABASE_URL = process.env.CAIRN_TEST_DATABASE_URL;

/**
 * Runs the same suite against every dialect. PostgreSQL is required unless CAIRN_TEST_SKIP_PG=1,
 * so that a store suite can never pass by quietly not running.
 */
export function forEachDialect(name: string, suite: (fixture: StoreFixture) => void): void {
  describe(`${name} [sqlite]`, () => suite(sqliteFixture()));
  if (TEST_DATABASE_URL) {
    describe(`${name} [postgres]`, () => suite(postgresFixture(TEST_DATABASE_URL)));
  } else if (process.env.CAIRN_TEST_SKIP_PG !== '1') {
    throw new Error('CAIRN_TEST_DATABASE_URL is not set: run the tests with `npm test`, or set CAIRN_TEST_SKIP_PG=1');
  }
}
