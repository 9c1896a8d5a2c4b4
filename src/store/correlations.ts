import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import type { Viewer } from '../access/viewer.js';
import { NON_CORRELATING_TYPES, PRIMARY_ONLY_TYPES, secondPartCorrelates } from '../correlation/rules.js';
import type { Store } from './database.js';
import type { EventRef } from './event-reader.js';
import type { Database } from './schema.js';
import { bytesToUuid, uuidToBytes } from './uuid.js';
import { joinValue, valueKey } from './value-key.js';
import { holdsValue, valueCandidates } from './value-match.js';
import type { CorrelationSettings } from './settings.js';
import { attributeVisibleTo, eventVisibleTo } from './visibility.js';

export interface CorrelationLink {
  value: string;
  /** Uuid of the attribute of this event. */
  attribute: string;
  /** Uuid of the attribute of the related event. */
  relatedAttribute: string;
}

export interface RelatedEvent {
  id: number;
  uuid: string;
  info: string;
  date: string;
  /** Number of distinct values the two events share. */
  shared: number;
  values: string[];
  links: CorrelationLink[];
}

export interface OverCorrelatingValue {
  value: string;
  /** Events other than this one that hold the value, as far as the viewer may see. */
  events: number;
}

export interface EventCorrelations {
  id: number;
  uuid: string;
  related: RelatedEvent[];
  /** Values of this event held by more events than the threshold: flagged, not listed pair by pair. */
  overCorrelating: OverCorrelatingValue[];
}


type Scope = ExpressionBuilder<Database, 'attribute' | 'event'>;

/** Attributes that take part in correlation: live, allowed to correlate, in events that correlate. */
function correlating(eb: Scope): Expression<SqlBool> {
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

/** Holds the value in a part of it that correlates. */
function holds(eb: Scope, key: number, value: string): Expression<SqlBool> {
  return eb.or([
    eb.and([eb('attribute.value1_key', '=', key), eb('attribute.value1', '=', value)]),
    eb.and([eb('attribute.value2_key', '=', key), eb('attribute.value2', '=', value), eb('attribute.type', 'not in', [...PRIMARY_ONLY_TYPES])]),
  ]);
}

const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** How many distinct events the viewer may see hold the value in a correlating attribute, except one. */
async function eventsHolding(store: Store, viewer: Viewer, value: string, except: number | null): Promise<number> {
  const key = valueKey(value);
  let q = store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select((eb) => eb.fn.count<number>('attribute.event_id').distinct().as('n'))
    .where((eb) => holds(eb, key, value)).where(correlating).where(attributeVisibleTo(viewer));
  if (except !== null) q = q.where('attribute.event_id', '!=', except);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/**
 * The events that share values with an event, with the values and the attributes that link them. The
 * cost follows the event's own values: each is an index lookup, and a value held by more events than the
 * threshold is counted and flagged instead of listed. Only events the viewer may see are named or counted.
 */
export async function eventCorrelations(store: Store, viewer: Viewer, ref: EventRef, settings: CorrelationSettings): Promise<EventCorrelations | undefined> {
  const db = store.db;
  const event = await db.selectFrom('event').select(['id', 'uuid', 'disable_correlation'])
    .where((eb) => ('id' in ref ? eb('event.id', '=', ref.id) : eb('event.uuid', '=', uuidToBytes(ref.uuid))))
    .where(eventVisibleTo(viewer)).executeTakeFirst();
  if (!event) return undefined;
  const result: EventCorrelations = { id: event.id, uuid: bytesToUuid(event.uuid), related: [], overCorrelating: [] };
  if (event.disable_correlation === 1) return result;

  // The event's own correlating values, each with the attributes that hold it.
  const mine = await db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.uuid', 'attribute.type', 'attribute.value1', 'attribute.value2'])
    .where('attribute.event_id', '=', event.id).where(correlating).where(attributeVisibleTo(viewer)).execute();
  const values = new Map<string, string[]>();
  const add = (v: string, uuid: string) => {
    if (settings.exclusions.matches(v)) return;
    const list = values.get(v);
    if (list) list.push(uuid);
    else values.set(v, [uuid]);
  };
  const warned = settings.skipWarninglisted ? settings.warninglists : undefined;
  for (const a of mine) {
    if (warned && warned.check(joinValue(a.type, a.value1, a.value2), a.type).length > 0) continue;
    const uuid = bytesToUuid(a.uuid);
    add(a.value1, uuid);
    if (secondPartCorrelates(a.type) && a.value2 !== '') add(a.value2, uuid);
  }
  if (values.size === 0) return result;

  // A cheap upper bound first: attributes per key, from the index alone. Only keys above the threshold
  // need an exact count of the events that hold them.
  const keyOf = new Map([...values.keys()].map((v) => [v, valueKey(v)]));
  const upper = new Map<number, number>();
  for (const part of chunks([...new Set(keyOf.values())])) {
    for (const column of ['value1_key', 'value2_key'] as const) {
      const rows = await db.selectFrom('attribute').select([`${column} as k`, (eb) => eb.fn.countAll<number>().as('n')])
        .where(column, 'in', part).groupBy(column).execute();
      for (const r of rows) upper.set(Number(r.k), (upper.get(Number(r.k)) ?? 0) + Number(r.n));
    }
  }
  const listed: string[] = [];
  for (const [v, key] of keyOf) {
    if ((upper.get(key) ?? 0) <= settings.overCorrelationThreshold) {
      listed.push(v);
      continue;
    }
    const n = await eventsHolding(store, viewer, v, event.id);
    if (n > settings.overCorrelationThreshold) result.overCorrelating.push({ value: v, events: n });
    else listed.push(v);
  }

  // The attributes of other events that hold the listed values.
  const related = new Map<number, RelatedEvent>();
  for (const part of chunks(listed)) {
    const inPart = new Set(part);
    const keys = [...new Set(part.map((v) => keyOf.get(v) as number))];
    const rows = await db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
      .select(['attribute.uuid', 'attribute.type', 'attribute.value1', 'attribute.value2', 'event.id as event_id',
        'event.uuid as event_uuid', 'event.info', 'event.date'])
      .where((eb) => eb.or([eb('attribute.value1_key', 'in', keys), eb('attribute.value2_key', 'in', keys)]))
      .where('attribute.event_id', '!=', event.id).where(correlating).where(attributeVisibleTo(viewer))
      .orderBy('attribute.id').execute();
    for (const r of rows) {
      const theirs = [r.value1, ...(secondPartCorrelates(r.type) ? [r.value2] : [])].filter((v) => inPart.has(v));
      for (const v of theirs) {
        let rel = related.get(r.event_id);
        if (!rel) {
          rel = { id: r.event_id, uuid: bytesToUuid(r.event_uuid), info: r.info, date: r.date, shared: 0, values: [], links: [] };
          related.set(r.event_id, rel);
        }
        if (!rel.values.includes(v)) rel.values.push(v);
        for (const attribute of values.get(v) ?? []) rel.links.push({ value: v, attribute, relatedAttribute: bytesToUuid(r.uuid) });
      }
    }
  }
  for (const rel of related.values()) {
    rel.values.sort();
    rel.shared = rel.values.length;
  }
  result.related = [...related.values()].sort((a, b) => b.shared - a.shared || a.id - b.id);
  result.overCorrelating.sort((a, b) => b.events - a.events || a.value.localeCompare(b.value));
  return result;
}

export interface ValueLookup {
  value: string;
  /** Uuids of the events the viewer may see that hold the value, oldest first. */
  events: string[];
  /** Names of the enabled warninglists the value is on. */
  warninglists: string[];
  overCorrelating: boolean;
}

/** Every event holding a value (as typed, or lower-cased as values are stored), and whether it over-correlates. */
export async function lookupValue(store: Store, viewer: Viewer, value: string, settings: CorrelationSettings): Promise<ValueLookup> {
  const rows = await store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['event.id', 'event.uuid']).distinct()
    .where((eb) => holdsValue(eb, value))
    .where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer))
    .orderBy('event.id').execute();
  let correlatingEvents = 0;
  for (const v of valueCandidates(value)) correlatingEvents = Math.max(correlatingEvents, await eventsHolding(store, viewer, v, null));
  return {
    value: value.trim(),
    events: rows.map((r) => bytesToUuid(r.uuid)),
    warninglists: settings.warninglists?.check(value.trim()).map((h) => h.name) ?? [],
    overCorrelating: correlatingEvents > settings.overCorrelationThreshold,
  };
}

