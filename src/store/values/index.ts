import { sql, type Expression, ExpressionBuilder, InsertQueryBuilder, InsertResult, Kysely, SqlBool } from 'kysely';
import { ipNetwork } from '../../model/ip.js';
import { NON_CORRELATING_TYPES, secondPartCorrelates } from '../../correlation/rules.js';
import { preparedStatement, type Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { pgArray } from '../db/pg-binary-array.js';
import { foldValue, valueKey } from './key.js';

/**
 * The value index: every distinct value is one row of `value`, and attributes hold its id. Values are
 * found by their 52-bit key; since two values may share a key, a value whose key is taken moves to the
 * next free one within a short window (open addressing), so the key is unique and every lookup reads
 * at most that window. Rows are never deleted, so a probe never stops early on a hole.
 *
 * The index holds each value folded (`foldValue`: lower-cased), so that `CRAB-Decrypt.txt` and
 * `CRAB-DECRYPT.txt` are one value, as MISP correlates them; the functions below take values as written
 * and fold them themselves, and the maps they return are keyed by the text as given.
 */

/** How far from its own key a value may sit. Two collisions on one key are already rare beyond belief. */
const WINDOW = 8;
const CHUNK = 500;

type Db = Kysely<Database>;

export function chunked<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The 16 big-endian bytes of a 128-bit number. */
export function ipBytes(n: bigint): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(n >> 64n, 0);
  b.writeBigUInt64BE(n & 0xffffffffffffffffn, 8);
  return b;
}

function newRow(value: string, key: number) {
  const net = ipNetwork(value);
  return { key, value, ip_first: net ? ipBytes(net.first) : null, ip_prefix: net ? net.prefix : null };
}

/** Finds a value within its window, or creates it at the first free key; safe against concurrent writers. */
async function internOne(db: Db, written: string): Promise<number> {
  const value = foldValue(written);
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

/**
 * The ids of values, created where missing. The embedded store runs two kept statements per value; the
 * server store sends batches. Either way a value whose own key another value holds is probed alone.
 * `state` (PostgreSQL) carries what a writer learns from one call to the next (InternState).
 */
export async function internValues(store: Store, db: Db, values: Iterable<string>, state?: InternState): Promise<Map<string, number>> {
  if (store.dialect !== 'sqlite') return internValuesBatched(db, values, state);
  const find = preparedStatement(store, 'value:find', () => db.selectFrom('value').select(['id', 'value']).where('key', '=', 0).compile().sql);
  const create = preparedStatement(store, 'value:create', () => db.insertInto('value').values(newRow('', 0))
    .onConflict((oc) => oc.column('key').doNothing()).compile().sql);
  const ids = new Map<string, number>();
  for (const v of values) {
    if (ids.has(v)) continue;
    const folded = foldValue(v);
    const key = valueKey(folded);
    // Most values are new: try to create first, and look only when the key is taken.
    const made = newRow(folded, key);
    const r = create.run(made.key, made.value, made.ip_first, made.ip_prefix);
    if (r.changes === 1) {
      ids.set(v, Number(r.lastInsertRowid));
      continue;
    }
    const row = find.get(key) as { id: number; value: string };
    ids.set(v, row.value === folded ? row.id : await internOne(db, v));
  }
  return ids;
}

/** What a writer on PostgreSQL learns of the values it interns, from one call to the next. */
export interface InternState {
  /** The share of the last batch's values that were stored already. */
  storedShare: number;
}

/**
 * Below this share of values already stored, a batch is created first and only the values whose key
 * was taken are read: an import of new values (the bench feed: 86% new) saves the read of the key index
 * per value. Above it, values are read first, as an insert that meets a taken key still spends an id.
 */
const CREATE_FIRST_BELOW = 0.25;

/**
 * On PostgreSQL, by batches: one statement finds and one creates the values that sit at their own key
 * (nearly all), over arrays of keys and values (one parameter a column: see db/pg-arrays.ts). Measured
 * against one statement doing both (a CTE): that probes the key index once more per value, and cost
 * the server more.
 */
async function internValuesBatched(db: Db, values: Iterable<string>, state: InternState | undefined): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const slow: string[] = [];
  // Works on folded values; the texts as written that fold alike share the id found.
  const writtenAs = new Map<string, string[]>();
  for (const v of values) {
    const f = foldValue(v);
    const same = writtenAs.get(f);
    if (!same) writtenAs.set(f, [v]);
    else if (!same.includes(v)) same.push(v);
  }
  const found = (folded: string, id: number) => { for (const v of writtenAs.get(folded)!) ids.set(v, id); };
  for (const part of chunked([...writtenAs.keys()], 5000)) {
    // One value per key: a second value of the batch with the same home key is probed alone.
    const atHome = new Map<number, string>();
    for (const v of part) {
      const key = valueKey(v);
      if (atHome.has(key)) slow.push(v);
      else atHome.set(key, v);
    }
    const lookUp = async () => {
      const stored = await db.selectFrom('value').select(['id', 'key', 'value'])
        .where('key', '=', sql<number>`any(${pgArray('bigint', [...atHome.keys()])}::bigint[])`).execute();
      for (const r of stored) {
        const v = atHome.get(Number(r.key))!;
        if (r.value === v) found(v, r.id);
        else slow.push(v);
        atHome.delete(Number(r.key));
      }
    };
    let made = 0;
    const create = async () => {
      // In key order, so that writers creating the same values at once wait on each other in one order.
      const rows = [...atHome].sort((a, b) => a[0] - b[0]).map(([key, v]) => newRow(v, key));
      const inserted = await sql<{ id: number; key: number }>`insert into value (key, value, ip_first, ip_prefix)
        select * from unnest(${pgArray('bigint', rows.map((r) => r.key))}::bigint[], ${pgArray('text', rows.map((r) => r.value))}::text[],
          ${pgArray('bytea', rows.map((r) => r.ip_first))}::bytea[], ${pgArray('integer', rows.map((r) => r.ip_prefix))}::integer[])
        on conflict (key) do nothing returning id, key`.execute(db);
      for (const r of inserted.rows) {
        found(atHome.get(Number(r.key))!, r.id);
        atHome.delete(Number(r.key));
      }
      made += inserted.rows.length;
    };
    const size = atHome.size;
    if (state && state.storedShare < CREATE_FIRST_BELOW) {
      await create();
      if (atHome.size > 0) await lookUp();
    } else {
      await lookUp();
      if (atHome.size > 0) await create();
    }
    if (state && size > 0) state.storedShare = 1 - made / size;
    // Another writer took the key meanwhile.
    slow.push(...atHome.values());
  }
  for (const v of slow) found(v, await internOne(db, v));
  return ids;
}

/** The stored value equal to a text, whatever its case: a read of the window of keys it may sit in. */
export function valueIdQuery(db: Db, written: string) {
  const value = foldValue(written);
  const home = valueKey(value);
  return db.selectFrom('value').select('id')
    .where('key', '>=', home).where('key', '<', home + WINDOW).where('value', '=', value);
}

/** The ids of stored values equal to a text, whatever its case; no row is created. */
export async function findValueIds(db: Db, values: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (const value of new Set(values.map(foldValue))) {
    const row = await valueIdQuery(db, value).executeTakeFirst();
    if (row) out.push(row.id);
  }
  return out;
}

type Scope = ExpressionBuilder<Database, 'attribute' | 'event'>;

/** Attributes that take part in correlation: live, allowed to correlate, in events that correlate. */
export function correlating(eb: Scope): Expression<SqlBool> {
  return eb.and([
    eb('attribute.deleted', '=', 0),
    eb('attribute.disable_correlation', '=', 0),
    eb('attribute.type', 'not in', [...NON_CORRELATING_TYPES]),
    eb('event.disable_correlation', '=', 0),
    eb.or([
      eb('attribute.object_id', 'is', null),
      eb.not(eb.exists(eb.selectFrom('object').select('object.id').whereRef('object.id', '=', 'attribute.object_id').where('object.deleted', '=', 1))),
    ]),
  ]);
}

/** The values an event correlates on: what it adds to each value's count of events. */
export async function correlatingValueIds(db: Db, eventId: number): Promise<Set<number>> {
  const rows = await db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.type', 'attribute.value1_id', 'attribute.value2_id'])
    .where('attribute.event_id', '=', eventId).where(correlating).execute();
  const ids = new Set<number>();
  for (const r of rows) {
    ids.add(r.value1_id);
    if (r.value2_id !== null && secondPartCorrelates(r.type)) ids.add(r.value2_id);
  }
  return ids;
}

/** Changes to the values' counts of events, by value id, gathered while a transaction is open. */
export type ValueEventDeltas = Map<number, number>;

/** Records what one event's write changes: +1 for each value it now correlates on, -1 for each it no longer does. */
export function recordValueEvents(deltas: ValueEventDeltas, before: ReadonlySet<number>, after: ReadonlySet<number>): void {
  for (const id of after) if (!before.has(id)) deltas.set(id, (deltas.get(id) ?? 0) + 1);
  for (const id of before) if (!after.has(id)) deltas.set(id, (deltas.get(id) ?? 0) - 1);
}

/**
 * Applies the gathered changes, in id order, once per transaction: a hot value written by many events
 * of a batch is updated once, and the rows are visited in the order they sit on disk.
 */
export async function applyValueEvents(store: Store, db: Db, deltas: ValueEventDeltas): Promise<void> {
  const rows = [...deltas].filter(([, d]) => d !== 0).sort((a, b) => a[0] - b[0]).map(([value_id, events]) => ({ value_id, events }));
  const upsert = (q: InsertQueryBuilder<Database, 'value_events', InsertResult>) => q
    .onConflict((oc) => oc.column('value_id').doUpdateSet((eb) => ({ events: eb('value_events.events', '+', eb.ref('excluded.events')) })));
  if (store.dialect === 'sqlite') {
    const step = preparedStatement(store, 'value:events', () => upsert(db.insertInto('value_events').values({ value_id: 0, events: 0 })).compile().sql);
    for (const r of rows) step.run(r.value_id, r.events);
    return;
  }
  // Values are created outside the writers' transactions (RefResolver.valueIds), so another writer may
  // have counted a value this one created: every count is added with the check on its key.
  for (const part of chunked(rows, 5000)) {
    await sql`insert into value_events (value_id, events)
      select * from unnest(${pgArray('integer', part.map((r) => r.value_id))}::integer[], ${pgArray('integer', part.map((r) => r.events))}::integer[])
      on conflict (value_id) do update set events = value_events.events + excluded.events`.execute(db);
  }
}

/**
 * Points every attribute at its value rows, in batches. It reads the attribute's own text, so it is
 * safe to run again.
 */
async function pointAttributesAtValues(store: Store, db: Db): Promise<void> {
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('attribute').select(['id', 'type', 'value1', 'value2'])
      .where('id', '>', after).orderBy('id').limit(5000).execute();
    if (rows.length === 0) break;
    const ids = await internValues(store, db, rows.flatMap((r) => (r.value2 === '' ? [r.value1] : [r.value1, r.value2])));
    for (const r of rows) {
      await db.updateTable('attribute')
        .set({ value1_id: ids.get(r.value1) as number, value2_id: r.value2 === '' ? null : (ids.get(r.value2) as number) })
        .where('id', '=', r.id).execute();
    }
    after = rows[rows.length - 1]!.id;
  }
}

/** Counts every value's events afresh from the attributes. */
async function recountValueEvents(store: Store, db: Db): Promise<void> {
  await db.deleteFrom('value_events').execute();
  const events = await db.selectFrom('event').select('id').execute();
  const deltas: ValueEventDeltas = new Map();
  for (const e of events) recordValueEvents(deltas, new Set(), await correlatingValueIds(db, e.id));
  await applyValueEvents(store, db, deltas);
}

/** Points every attribute at its value rows and counts every value's events afresh. */
export async function rebuildValueIndex(store: Store, db: Db = store.db): Promise<void> {
  await pointAttributesAtValues(store, db);
  await recountValueEvents(store, db);
}
