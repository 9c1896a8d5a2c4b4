// Frozen with migration 016 (see README.md).
import type { Expression, ExpressionBuilder, Generated, Kysely, SqlBool } from 'kysely';
import { ipBytes, ipNetwork } from './ip-network.js';
import { valueKey } from './value-key.js';

/** The tables as migration 016 finds them. */
interface Tables {
  value: { id: Generated<number>; key: number; value: string; ip_first: Buffer | null; ip_prefix: number | null };
  value_events: { value_id: number; events: number };
  event: { id: number; disable_correlation: number };
  object: { id: number; deleted: number };
  attribute: {
    id: number; event_id: number; object_id: number | null; type: string; value1_id: number; value2_id: number | null;
    deleted: number; disable_correlation: number;
  };
}

type Db = Kysely<Tables>;

/** The form the value index holds values in from migration 016 on: lower-cased. */
export function foldValue(value: string): string {
  return value.toLowerCase();
}

/** The probing window of the value index (as in value-rows.ts): a value sits within 8 keys of its own. */
const WINDOW = 8;

/** Finds a folded value within its window, or creates it at the first free key. */
async function internFolded(db: Db, value: string): Promise<number> {
  const home = valueKey(value);
  const rows = await db.selectFrom('value').select(['id', 'key', 'value'])
    .where('key', '>=', home).where('key', '<', home + WINDOW).execute();
  const found = rows.find((r) => r.value === value);
  if (found) return found.id;
  const taken = new Set(rows.map((r) => Number(r.key)));
  let key = home;
  while (taken.has(key)) key++;
  if (key >= home + WINDOW) throw new Error(`the value index has no free key near ${home} for the value "${value.slice(0, 80)}"`);
  const net = ipNetwork(value);
  const made = await db.insertInto('value')
    .values({ key, value, ip_first: net ? ipBytes(net.first) : null, ip_prefix: net ? net.prefix : null })
    .returning('id').executeTakeFirstOrThrow();
  return made.id;
}

/**
 * Points the attributes of every value that folding changes at the row of its folded form (found or
 * made). The old row stays where it is, unreferenced and without a network: a row is never deleted,
 * since a value that collided with it sits past it in the window and must stay findable, and no
 * folded value can equal it, so it is never found again.
 */
export async function foldStoredValues(kysely: Kysely<unknown>): Promise<void> {
  const db = kysely as unknown as Db;
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('value').select(['id', 'value']).where('id', '>', after).orderBy('id').limit(5000).execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    for (const r of rows) {
      const folded = foldValue(r.value);
      if (folded === r.value) continue;
      const id = await internFolded(db, folded);
      await db.updateTable('attribute').set({ value1_id: id }).where('value1_id', '=', r.id).execute();
      await db.updateTable('attribute').set({ value2_id: id }).where('value2_id', '=', r.id).execute();
      await db.updateTable('value').set({ ip_first: null, ip_prefix: null }).where('id', '=', r.id).execute();
    }
  }
}

/** Types whose values never correlate, from migration 016 on: exactly MISP's list. */
const NON_CORRELATING_TYPES: readonly string[] = [
  'comment', 'http-method', 'aba-rtn', 'gender', 'counter', 'integer', 'float', 'port', 'nationality',
  'cortex', 'boolean', 'anonymised',
];

/** Composite types of which only the first part correlates. */
const PRIMARY_ONLY_TYPES: readonly string[] = ['ip-src|port', 'ip-dst|port', 'hostname|port'];

/** Attributes that take part in correlation: live, allowed to correlate, in events that correlate, outside deleted objects. */
function correlating(eb: ExpressionBuilder<Tables, 'attribute' | 'event'>): Expression<SqlBool> {
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

/**
 * Counts afresh, for every value, the events that correlate on it (as migration 012 first did, under
 * the rules of 016): events with a correlating attribute whose first part is the value, or whose second
 * part is, where the type is composite and its second part correlates.
 */
export async function recountValueEvents(kysely: Kysely<unknown>): Promise<void> {
  const db = kysely as unknown as Db;
  await db.deleteFrom('value_events').execute();
  const live = () => db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id').where(correlating);
  const firsts = live().select(['attribute.event_id', 'attribute.value1_id as value_id']);
  const seconds = live().select(['attribute.event_id', 'attribute.value2_id as value_id'])
    .where('attribute.value2_id', 'is not', null)
    .where('attribute.type', 'like', '%|%')
    .where('attribute.type', 'not in', [...PRIMARY_ONLY_TYPES])
    .$narrowType<{ value_id: number }>();
  // UNION, not UNION ALL: an event counts once however many of its attributes hold the value.
  const pairs = firsts.union(seconds).as('pair');
  await db.insertInto('value_events').columns(['value_id', 'events'])
    .expression(db.selectFrom(pairs).select((eb) => ['pair.value_id', eb.fn.countAll<number>().as('events')]).groupBy('pair.value_id'))
    .execute();
}
