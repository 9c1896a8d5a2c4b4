// Frozen with migration 012 (see README.md).
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';

/** The tables as migration 012 finds them. */
interface Tables {
  event: { id: number; disable_correlation: number };
  object: { id: number; deleted: number };
  attribute: {
    id: number; event_id: number; object_id: number | null; type: string; value1_id: number; value2_id: number | null;
    deleted: number; disable_correlation: number;
  };
  value_events: { value_id: number; events: number };
}

/** Types whose values never correlate, as Cairn listed them when migration 012 was released. */
const NON_CORRELATING_TYPES: readonly string[] = [
  'comment', 'http-method', 'aba-rtn', 'gender', 'counter', 'integer', 'float', 'port', 'nationality',
  'cortex', 'boolean', 'anonymised',
  'text', 'other', 'datetime',
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
 * Counts, for every value, the events that correlate on it: those with a correlating attribute whose
 * first part is the value, or whose second part is, where the type is composite and its second part
 * correlates. Values no event correlates on get no row. The application counted event by event; one
 * statement over distinct (event, value) pairs gives the same counts.
 */
export async function countValueEvents(kysely: Kysely<unknown>): Promise<void> {
  const db = kysely as unknown as Kysely<Tables>;
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
