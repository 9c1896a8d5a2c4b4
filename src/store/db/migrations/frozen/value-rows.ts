// Frozen with migration 005 (see README.md).
import type { Generated, Kysely } from 'kysely';
import { ipBytes, ipNetwork } from './ip-network.js';
import { valueKey } from './value-key.js';

/** The tables as migration 005 leaves them, before the values' counts of events moved out (012). */
interface Tables {
  value: { id: Generated<number>; key: number; value: string; events: Generated<number>; ip_first: Buffer | null; ip_prefix: number | null };
  attribute: { id: Generated<number>; type: string; value1: string; value2: string; value1_id: number; value2_id: number | null };
}

type Db = Kysely<Tables>;

/**
 * Two values may share a key: one whose key is taken sits at the next free key within this window
 * (open addressing). The live index probes the same window, so it must stay 8 there as here.
 */
const WINDOW = 8;
const CHUNK = 500;

function chunked<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function newRow(value: string, key: number) {
  const net = ipNetwork(value);
  return { key, value, ip_first: net ? ipBytes(net.first) : null, ip_prefix: net ? net.prefix : null };
}

/** Finds a value within its window, or creates it at the first free key. */
async function internOne(db: Db, value: string): Promise<number> {
  const home = valueKey(value);
  for (let attempt = 0; attempt < WINDOW; attempt++) {
    const rows = await db.selectFrom('value').select(['id', 'key', 'value'])
      .where('key', '>=', home).where('key', '<', home + WINDOW).execute();
    const found = rows.find((r) => r.value === value);
    if (found) return found.id;
    const taken = new Set(rows.map((r) => Number(r.key)));
    let key = home;
    while (taken.has(key)) key++;
    if (key >= home + WINDOW) break;
    const inserted = await db.insertInto('value').values(newRow(value, key))
      .onConflict((oc) => oc.column('key').doNothing()).returning('id').executeTakeFirst();
    if (inserted) return inserted.id;
    // Another writer took that key meanwhile: look again.
  }
  throw new Error(`the value index has no free key near ${home} for the value "${value.slice(0, 80)}"`);
}

/** The ids of values, created where missing: by batches, and alone for a value whose own key another holds. */
async function internValues(db: Db, values: Iterable<string>): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const slow: string[] = [];
  for (const part of chunked([...new Set(values)])) {
    const keyOf = new Map(part.map((v) => [v, valueKey(v)]));
    const rows = await db.selectFrom('value').select(['id', 'key', 'value'])
      .where('key', 'in', [...new Set(keyOf.values())]).execute();
    const atKey = new Map(rows.map((r) => [Number(r.key), r]));
    const create = new Map<number, string>();
    for (const [v, key] of keyOf) {
      const row = atKey.get(key);
      if (row?.value === v) ids.set(v, row.id);
      else if (row || create.has(key)) slow.push(v);
      else create.set(key, v);
    }
    if (create.size === 0) continue;
    const made = await db.insertInto('value').values([...create].map(([key, v]) => newRow(v, key)))
      .onConflict((oc) => oc.column('key').doNothing()).returning(['id', 'key']).execute();
    for (const r of made) {
      ids.set(create.get(Number(r.key)) as string, r.id);
      create.delete(Number(r.key));
    }
    slow.push(...create.values());
  }
  for (const v of slow) ids.set(v, await internOne(db, v));
  return ids;
}

/**
 * Points every attribute at the value rows of its two parts (the second only for composite values),
 * creating the rows, in batches of attributes. The counts of events are left to migration 012.
 */
export async function pointAttributesAtValues(kysely: Kysely<unknown>): Promise<void> {
  const db = kysely as unknown as Db;
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('attribute').select(['id', 'type', 'value1', 'value2'])
      .where('id', '>', after).orderBy('id').limit(5000).execute();
    if (rows.length === 0) break;
    const ids = await internValues(db, rows.flatMap((r) => (r.value2 === '' ? [r.value1] : [r.value1, r.value2])));
    for (const r of rows) {
      await db.updateTable('attribute')
        .set({ value1_id: ids.get(r.value1) as number, value2_id: r.value2 === '' ? null : (ids.get(r.value2) as number) })
        .where('id', '=', r.id).execute();
    }
    after = rows[rows.length - 1]!.id;
  }
}
