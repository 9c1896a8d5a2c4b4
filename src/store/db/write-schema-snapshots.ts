/**
 * `npm run schema:snapshot`: migrates empty stores of each dialect to the latest version and writes
 * their schema where the migrations test reads it. PostgreSQL needs a database to work in, named by
 * DATABASE_URL (or CAIRN_TEST_DATABASE_URL); a scratch schema is made there and dropped afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { openStore, type Store } from './database.js';
import type { DialectName } from './dialect.js';
import { describeSchema, schemaSnapshotFile } from './schema-snapshot.js';

async function write(store: Store, dialect: DialectName): Promise<void> {
  const file = schemaSnapshotFile(dialect);
  writeFileSync(file, await describeSchema(store.db as unknown as Kysely<unknown>, dialect));
  console.log(`wrote ${file}`);
}

async function sqlite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-schema-'));
  try {
    const store = await openStore({ sqlitePath: join(dir, 'cairn.db') });
    try {
      await write(store, 'sqlite');
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(url: string): Promise<void> {
  const schema = `schema_snapshot_${randomBytes(6).toString('hex')}`;
  const store = await openStore({ databaseUrl: url, pgSchema: schema });
  try {
    await write(store, 'postgres');
  } finally {
    await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
    await store.close();
  }
}

const url = [process.env.DATABASE_URL, process.env.CAIRN_TEST_DATABASE_URL].find((u) => u && /^postgres(ql)?:\/\//.test(u));
await sqlite();
if (url) {
  await postgres(url);
} else {
  console.error('the PostgreSQL snapshot was not written: set DATABASE_URL=postgres://… to a database this may make a scratch schema in');
  process.exitCode = 1;
}
