import { existsSync, readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type { Store } from './database.js';
import { MIGRATIONS } from './migrate.js';
import { describeSchema, schemaSnapshotFile } from './schema-snapshot.js';

/** One way the store's schema differs from the one its migrations make. */
export interface SchemaDifference {
  table: string;
  kind: 'missing_table' | 'additional_table' | 'missing' | 'additional';
  /** The snapshot's line (a column, key or index) that is missing or additional. */
  line: string;
}

export interface SchemaDiagnostic {
  /** The last migration the store has run, and the last one this Cairn has. */
  actualVersion: string;
  expectedVersion: string;
  /** Tables and their columns as the store has them. */
  columns: Record<string, string[]>;
  differences: SchemaDifference[];
  /** Why there is no comparison, when there is none (the expected schema is not shipped beside the migrations). */
  error?: string;
}

/** The snapshot text (describeSchema's) as its tables, each a set of lines. */
function tablesOf(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const table = /^table (\S+)$/.exec(line);
    if (table) out.set(table[1]!, current = []);
    else if (line.trim() && current) current.push(line.trim());
  }
  return out;
}

/**
 * Compares the store's schema with the snapshot of the schema its migrations make (the file the
 * migrations test checks, schema.<dialect>.txt): what is missing or additional, table by table.
 */
export async function schemaDiagnostic(store: Store): Promise<SchemaDiagnostic> {
  const db = store.db as unknown as Kysely<unknown>;
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  const actual = tablesOf(await describeSchema(db, store.dialect));
  const out: SchemaDiagnostic = {
    actualVersion: applied.rows.at(-1)?.name ?? '',
    expectedVersion: MIGRATIONS.at(-1) ?? '',
    columns: Object.fromEntries([...actual].map(([t, lines]) => [t, lines.filter((l) => !/^(primary key|unique index|index|foreign key) /.test(l)).map((l) => l.split(' ')[0]!)])),
    differences: [],
  };
  const file = schemaSnapshotFile(store.dialect);
  if (!existsSync(file)) return { ...out, error: `Diagnostic not available as the expected schema file (${file}) could not be loaded` };
  const expected = tablesOf(readFileSync(file, 'utf8'));
  for (const [table, lines] of expected) {
    const has = actual.get(table);
    if (!has) {
      out.differences.push({ table, kind: 'missing_table', line: `table ${table}` });
      continue;
    }
    for (const line of lines) if (!has.includes(line)) out.differences.push({ table, kind: 'missing', line });
    for (const line of has) if (!lines.includes(line)) out.differences.push({ table, kind: 'additional', line });
  }
  for (const table of actual.keys()) if (!expected.has(table)) out.differences.push({ table, kind: 'additional_table', line: `table ${table}` });
  return out;
}
