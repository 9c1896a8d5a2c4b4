import { sql } from 'kysely';
import type { Store } from './database.js';

/** One table or index and the bytes it takes on disk. */
export interface RelationSize {
  name: string;
  kind: 'table' | 'index';
  /** The table an index belongs to (a table: itself). */
  table: string;
  bytes: number;
}

/**
 * What the store takes on disk, table by table and index by index: the embedded store's pages as its
 * dbstat table counts them, PostgreSQL's relations in the store's schema (a table with its TOAST, an
 * index alone). For the benchmarks' bytes per attribute.
 */
export async function storageSizes(store: Store): Promise<RelationSize[]> {
  if (store.dialect === 'sqlite') {
    const rows = await sql<{ name: string; type: string; tbl: string; bytes: number }>`
      select m.name as name, m.type as type, m.tbl_name as tbl, sum(d.pgsize) as bytes
        from dbstat d join sqlite_master m on m.name = d.name
       group by m.name, m.type, m.tbl_name`.execute(store.db);
    return rows.rows.map((r) => ({ name: r.name, kind: r.type === 'index' ? 'index' : 'table', table: r.tbl, bytes: Number(r.bytes) }));
  }
  const rows = await sql<{ name: string; kind: string; tbl: string; bytes: number }>`
    select c.relname as name, c.relkind as kind, coalesce(t.relname, c.relname) as tbl,
           (case when c.relkind = 'i' then pg_relation_size(c.oid) else pg_table_size(c.oid) end)::float8 as bytes
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = current_schema()
      left join pg_index i on i.indexrelid = c.oid
      left join pg_class t on t.oid = i.indrelid
     where c.relkind in ('r', 'i')`.execute(store.db);
  return rows.rows.map((r) => ({ name: r.name, kind: r.kind === 'i' ? 'index' : 'table', table: r.tbl, bytes: Number(r.bytes) }));
}

/** The process ids of the PostgreSQL backends serving this database now (for the benchmarks' CPU figures). */
export async function backendPids(store: Store): Promise<number[]> {
  if (store.dialect !== 'postgres') return [];
  const rows = await sql<{ pid: number }>`select pid from pg_stat_activity
    where datname = current_database() and backend_type = 'client backend'`.execute(store.db);
  return rows.rows.map((r) => r.pid);
}
