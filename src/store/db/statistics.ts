import { sql } from 'kysely';
import type { Store } from './database.js';

/** The tables an event write grows. */
const EVENT_TABLES = ['event', 'event_tag', 'object', 'object_reference', 'attribute', 'attribute_tag', 'value', 'value_events', 'sighting', 'event_report'];

/** Below this many attributes written since the last analysis, none is due (ANALYZE reads a sample of ~30,000 rows a table). */
const MIN_GROWTH = 10_000;
/** Share of what the statistics last counted that the tables must have grown by. */
const GROWTH_SHARE = 0.2;
/**
 * The same within a long write (a commit of an import that goes on): the tables must have doubled. Every
 * analysis reads a sample of each event table, and at a fifth an import of 10^6 attributes analysed at
 * each of its ten commits, a tenth of the server's work; the import's own lookups (by key, by uuid) are
 * planned alike whatever the counts once the tables have statistics at all. Its last commit analyses
 * at a fifth again, so the import ends with current statistics.
 */
export const GROWTH_SHARE_MIDWAY = 1;

const written = new WeakMap<Store, number>();

/**
 * On PostgreSQL, called after a commit of event writes with the attributes it wrote: once the tables have
 * grown by a fifth of what their statistics counted (or from nothing by 10,000 attributes), they are
 * analysed before the writer goes on. Autovacuum would analyse them too, but only after its next nap and
 * not within a long import: straight after importing 10^7 attributes no table had statistics, every value
 * lookup was planned for ~41,000 rows and JIT-compiled. ANALYZE samples a bounded number of rows, so it
 * costs about the same at any size (measured in bench/import.ts, `analyse_s`).
 */
export async function noteEventGrowth(store: Store, attributes: number, share = GROWTH_SHARE): Promise<void> {
  if (store.dialect !== 'postgres' || attributes <= 0) return;
  const since = (written.get(store) ?? 0) + attributes;
  written.set(store, since);
  if (since < MIN_GROWTH) return;
  const row = await sql<{ n: number }>`select greatest(reltuples, 0)::float8 as n from pg_class where oid = to_regclass('attribute')`.execute(store.db);
  const counted = Number(row.rows[0]?.n ?? 0);
  if (since < counted * share) return;
  written.set(store, 0);
  await analyseEventTables(store);
}

/** Brings the statistics of the event tables up to date (PostgreSQL). */
export async function analyseEventTables(store: Store): Promise<void> {
  if (store.dialect !== 'postgres') return;
  await sql.raw(`analyze ${EVENT_TABLES.map((t) => `"${t}"`).join(', ')}`).execute(store.db);
}
