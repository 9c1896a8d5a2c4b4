import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { DialectName } from './dialect.js';

/**
 * The schema a database holds, as text that reads the same whatever order the database lists things
 * in: tables by name, each with its columns in their order, primary key, indexes by name and foreign
 * keys. A migration that changes the schema changes this text, so a review sees what it did; the
 * migrations test compares it with the snapshot checked in beside the migrations.
 */
export async function describeSchema(db: Kysely<unknown>, dialect: DialectName): Promise<string> {
  const tables = dialect === 'sqlite' ? await sqliteTables(db) : await postgresTables(db);
  return tables.sort((a, b) => byCodeUnits(a.name, b.name)).map(render).join('\n');
}

/** Where the snapshot of each dialect's schema is kept. */
export function schemaSnapshotFile(dialect: DialectName): string {
  return fileURLToPath(new URL(`./migrations/schema.${dialect}.txt`, import.meta.url));
}

interface Column {
  name: string;
  type: string;
  notNull: boolean;
  defaultValue: string | null;
  identity: string | null;
}

interface Index {
  name: string;
  unique: boolean;
  columns: string[];
  where: string | null;
}

interface ForeignKey {
  columns: string[];
  table: string;
  references: string[];
  onDelete: string;
}

interface Table {
  name: string;
  columns: Column[];
  primaryKey: string[];
  indexes: Index[];
  foreignKeys: ForeignKey[];
}

/** The order of names must not follow the database's collation or the machine's locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function render(t: Table): string {
  const lines = [`table ${t.name}`];
  for (const c of t.columns) {
    const parts = [c.name, c.type];
    if (c.notNull) parts.push('not null');
    if (c.defaultValue !== null) parts.push(`default ${c.defaultValue}`);
    if (c.identity) parts.push(c.identity);
    lines.push(`  ${parts.join(' ')}`);
  }
  if (t.primaryKey.length > 0) lines.push(`  primary key (${t.primaryKey.join(', ')})`);
  for (const i of [...t.indexes].sort((a, b) => byCodeUnits(a.name, b.name))) {
    lines.push(`  ${i.unique ? 'unique ' : ''}index ${i.name} (${i.columns.join(', ')})${i.where ? ` where ${i.where}` : ''}`);
  }
  const keys = t.foreignKeys.map((k) =>
    `  foreign key (${k.columns.join(', ')}) references ${k.table} (${k.references.join(', ')})${k.onDelete === 'no action' ? '' : ` on delete ${k.onDelete}`}`);
  lines.push(...keys.sort(byCodeUnits));
  return `${lines.join('\n')}\n`;
}

/** Kysely's own bookkeeping is not part of Cairn's schema. */
const NOT_KYSELY = (column: string) => sql`${sql.ref(column)} not like 'kysely\\_%' escape '\\'`;

async function sqliteTables(db: Kysely<unknown>): Promise<Table[]> {
  const names = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
    where type = 'table' and name not like 'sqlite\\_%' escape '\\' and ${NOT_KYSELY('name')}`.execute(db);
  const out: Table[] = [];
  for (const { name, sql: definition } of names.rows) {
    // A key that never hands out an id twice (AUTOINCREMENT) is part of what the schema promises.
    const autoincrement = /\bautoincrement\b/i.test(definition);
    const columns = await sql<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>`
      select name, type, "notnull", dflt_value, pk from pragma_table_info(${name}) order by cid`.execute(db);
    const indexes = await sql<{ name: string; unique: number; origin: string; partial: number; sql: string | null }>`
      select i.name, i."unique", i.origin, i.partial, m.sql from pragma_index_list(${name}) i
      left join sqlite_master m on m.type = 'index' and m.name = i.name`.execute(db);
    const keys = await sql<{ id: number; table: string; from: string; to: string; on_delete: string }>`
      select id, "table", "from", "to", on_delete from pragma_foreign_key_list(${name}) order by id, seq`.execute(db);
    const table: Table = {
      name,
      columns: columns.rows.map((c) => ({
        name: c.name, type: c.type.toLowerCase(), notNull: c.notnull === 1, defaultValue: c.dflt_value, identity: autoincrement && c.pk > 0 ? 'autoincrement' : null,
      })),
      primaryKey: columns.rows.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      indexes: [],
      foreignKeys: [],
    };
    // The primary key is listed as such, not as the index SQLite makes for a primary key that is not the rowid.
    for (const i of indexes.rows.filter((r) => r.origin !== 'pk')) {
      const cols = await sql<{ name: string }>`select name from pragma_index_info(${i.name}) order by seqno`.execute(db);
      const where = i.partial === 1 && i.sql ? (/\swhere\s+([\s\S]*)$/i.exec(i.sql)?.[1] ?? null) : null;
      table.indexes.push({ name: i.name, unique: i.unique === 1, columns: cols.rows.map((c) => c.name), where: where && where.replaceAll('"', '').trim() });
    }
    const byId = new Map<number, ForeignKey>();
    for (const k of keys.rows) {
      const key = byId.get(k.id) ?? { columns: [], table: k.table, references: [], onDelete: k.on_delete.toLowerCase() };
      key.columns.push(k.from);
      key.references.push(k.to);
      byId.set(k.id, key);
    }
    table.foreignKeys = [...byId.values()];
    out.push(table);
  }
  return out;
}

const PG_ON_DELETE: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

async function postgresTables(db: Kysely<unknown>): Promise<Table[]> {
  const names = await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and ${NOT_KYSELY('table_name')}`.execute(db);
  const out: Table[] = [];
  for (const { name } of names.rows) {
    const table = sql`(select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relname = ${name} and c.relkind = 'r')`;
    const columns = await sql<{ name: string; type: string; nullable: string; default_value: string | null; identity: string | null }>`
      select column_name as name, data_type as type, is_nullable as nullable, column_default as default_value,
        case when is_identity = 'YES' then lower('generated ' || identity_generation || ' as identity') end as identity
      from information_schema.columns where table_schema = current_schema() and table_name = ${name} order by ordinal_position`.execute(db);
    const indexes = await sql<{ name: string; unique: boolean; primary: boolean; predicate: string | null; columns: string[] }>`
      select i.relname as name, x.indisunique as "unique", x.indisprimary as "primary", pg_get_expr(x.indpred, x.indrelid) as predicate,
        array(select pg_get_indexdef(x.indexrelid, k, true) from generate_series(1, x.indnkeyatts) k order by k) as columns
      from pg_index x join pg_class i on i.oid = x.indexrelid
      where x.indrelid = ${table}`.execute(db);
    const attributes = (keys: string, rel: string) => sql`array(select a.attname::text from unnest(f.${sql.raw(keys)}) with ordinality k(n, o)
      join pg_attribute a on a.attrelid = f.${sql.raw(rel)} and a.attnum = k.n order by k.o)`;
    const keys = await sql<{ target: string; columns: string[]; refs: string[]; on_delete: string }>`
      select r.relname as target, ${attributes('conkey', 'conrelid')} as columns, ${attributes('confkey', 'confrelid')} as refs, f.confdeltype as on_delete
      from pg_constraint f join pg_class r on r.oid = f.confrelid
      where f.contype = 'f' and f.conrelid = ${table}`.execute(db);
    const primary = indexes.rows.find((i) => i.primary);
    out.push({
      name,
      columns: columns.rows.map((c) => ({
        name: c.name,
        type: c.type,
        notNull: c.nullable === 'NO',
        // A literal default carries a cast to the column's type (`''::text`): the literal is what it means.
        defaultValue: c.default_value === null ? null : c.default_value.replace(/::[a-z ]+$/, ''),
        identity: c.identity,
      })),
      primaryKey: primary ? primary.columns : [],
      indexes: indexes.rows.filter((i) => !i.primary).map((i) => ({ name: i.name, unique: i.unique, columns: i.columns, where: i.predicate })),
      foreignKeys: keys.rows.map((k) => ({ columns: k.columns, table: k.target, references: k.refs, onDelete: PG_ON_DELETE[k.on_delete] ?? k.on_delete })),
    });
  }
  return out;
}
