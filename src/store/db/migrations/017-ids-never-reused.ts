import { sql, type Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * An id is never handed out twice. MISP's clients and sync peers remember events, attributes and
 * objects by their local ids; a new item that took the id of one deleted for good would be taken for it.
 * SQLite numbers an `integer primary key` from the highest id present, so deleting the newest row gave
 * its id to the next; with AUTOINCREMENT it numbers from the highest id it ever gave. PostgreSQL's
 * identity columns never go back, so nothing changes there.
 *
 * SQLite cannot add AUTOINCREMENT to a table: each table is made anew under its own definition with the
 * keyword added, filled, and swapped in (SQLite's documented way to change a table), its indexes made
 * again. Foreign keys are off meanwhile, or dropping the old table would cascade to its children; all of
 * it is one transaction.
 */
const TABLES = ['event', 'object', 'object_reference', 'attribute', 'event_report', 'sighting'] as const;

async function foreignKeysOn(db: Kysely<unknown>): Promise<boolean> {
  const { rows } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
  return rows[0]?.foreign_keys === 1;
}

async function rebuild(db: Kysely<unknown>, table: string): Promise<void> {
  const { rows: [definition] } = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  if (!definition) throw new Error(`017: no table ${table}`);
  if (/\bautoincrement\b/i.test(definition.sql)) return;
  const head = new RegExp(`^create table "${table}" \\("id" integer primary key,`, 'i');
  if (!head.test(definition.sql)) throw new Error(`017: table ${table} is not as migration 001 made it: ${definition.sql.slice(0, 80)}`);
  const next = `${table}_017`;
  const created = definition.sql.replace(head, `create table "${next}" ("id" integer primary key autoincrement,`);
  const { rows: indexes } = await sql<{ sql: string }>`select sql from sqlite_master
    where type = 'index' and tbl_name = ${table} and sql is not null order by name`.execute(db);

  await sql.raw(created).execute(db);
  await sql.raw(`insert into "${next}" select * from "${table}"`).execute(db);
  await sql.raw(`drop table "${table}"`).execute(db);
  await sql.raw(`alter table "${next}" rename to "${table}"`).execute(db);
  for (const index of indexes) await sql.raw(index.sql).execute(db);
}

export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  if (d.name !== 'sqlite') return;
  const wasOn = await foreignKeysOn(db);
  await sql`pragma foreign_keys = off`.execute(db);
  // The pragma does nothing inside a transaction: going on with keys on would empty the children.
  if (await foreignKeysOn(db)) throw new Error('017 must run outside a transaction (SQLite ignores pragma foreign_keys inside one)');
  try {
    await db.transaction().execute(async (trx) => {
      for (const table of TABLES) await rebuild(trx, table);
      const { rows } = await sql`pragma foreign_key_check`.execute(trx);
      if (rows.length > 0) throw new Error(`017: foreign keys broken after the rebuild: ${JSON.stringify(rows.slice(0, 3))}`);
    });
  } finally {
    if (wasOn) await sql`pragma foreign_keys = on`.execute(db);
  }
}
