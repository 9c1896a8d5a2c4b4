import type { Insertable, Transaction } from 'kysely';
import { preparedStatement, type SqliteStatement, type Store } from './database.js';
import type { Database } from './schema.js';
import { insertByArrays } from './pg-arrays.js';

/** Tables whose rows carry a uuid that is unique across the store. */
export type UuidTable = 'attribute' | 'object' | 'object_reference' | 'event_report' | 'sighting';
type Row<T extends keyof Database> = Insertable<Database[T]>;

/**
 * Writes many rows within a transaction, the fastest way each dialect allows. SQLite runs one cached
 * prepared statement per row (far cheaper in better-sqlite3 than long multi-row statements); PostgreSQL
 * one statement over column arrays per few thousand rows (pg-arrays.ts). The SQL itself is compiled by Kysely from the schema.
 */
export interface BulkInsert {
  /** Inserts rows; for each, its new id, or null where a row with the same uuid already exists. */
  unique<T extends UuidTable>(table: T, rows: ReadonlyArray<Row<T> & { uuid: Buffer }>): Promise<Array<number | null>>;
  /**
   * Inserts rows that cannot clash. `rowsPerStatement` (SQLite): narrow rows of a few columns go about
   * twice as fast several to a statement, where a call per row costs more than SQLite's own work.
   */
  all<T extends keyof Database>(table: T, rows: ReadonlyArray<Row<T>>, options?: { rowsPerStatement?: number }): Promise<void>;
}

function sqliteBulk(store: Store, trx: Transaction<Database>): BulkInsert {
  const statement = (table: keyof Database, sample: object, unique: boolean, count = 1): { stmt: SqliteStatement; columns: string[] } => {
    const columns = Object.keys(sample);
    // Compiled once by Kysely from a row of this shape.
    const stmt = preparedStatement(store, `insert:${table}:${unique}:${columns.join(',')}${count > 1 ? `:${count}` : ''}`, () => {
      let q = trx.insertInto(table).values((count > 1 ? Array.from({ length: count }, () => sample) : sample) as never);
      if (unique) q = q.onConflict((oc) => oc.column('uuid' as never).doNothing());
      return q.compile().sql;
    });
    return { stmt, columns };
  };
  return {
    async unique(table, rows) {
      if (rows.length === 0) return [];
      const { stmt, columns } = statement(table, rows[0]!, true);
      return rows.map((row) => {
        const r = stmt.run(...columns.map((c) => (row as Record<string, unknown>)[c]));
        return r.changes === 1 ? Number(r.lastInsertRowid) : null;
      });
    },
    async all(table, rows, options) {
      if (rows.length === 0) return;
      const { stmt, columns } = statement(table, rows[0]!, false);
      const per = Math.max(1, options?.rowsPerStatement ?? 1);
      let i = 0;
      if (per > 1 && rows.length >= per) {
        const many = statement(table, rows[0]!, false, per).stmt;
        const args: unknown[] = [];
        for (; i + per <= rows.length; i += per) {
          args.length = 0;
          for (let j = i; j < i + per; j++) for (const c of columns) args.push((rows[j] as Record<string, unknown>)[c]);
          many.run(...args);
        }
      }
      for (; i < rows.length; i++) stmt.run(...columns.map((c) => (rows[i] as Record<string, unknown>)[c]));
    },
  };
}

function postgresBulk(store: Store, trx: Transaction<Database>): BulkInsert {
  return {
    async unique(table, rows) {
      const returned = await insertByArrays<{ id: number; uuid: Buffer }>(store, trx, { table, rows, tail: 'on conflict ("uuid") do nothing returning "id", "uuid"' });
      const ids = new Map<string, number>();
      for (const r of returned) ids.set(r.uuid.toString('hex'), r.id);
      // A uuid given twice is inserted once, from its first row (the statement inserts in the order given):
      // the later rows get null, as on SQLite.
      return rows.map((row) => {
        const key = row.uuid.toString('hex');
        const id = ids.get(key);
        if (id === undefined) return null;
        ids.delete(key);
        return id;
      });
    },
    async all(table, rows) {
      await insertByArrays(store, trx, { table, rows });
    },
  };
}

export function bulkInsert(store: Store, trx: Transaction<Database>): BulkInsert {
  return store.dialect === 'sqlite' ? sqliteBulk(store, trx) : postgresBulk(store, trx);
}
