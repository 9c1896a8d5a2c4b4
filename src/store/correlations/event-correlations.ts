import type { Kysely } from 'kysely';
import { seesEverything, type Viewer } from '../../access/viewer.js';
import { ipPartOf, secondPartCorrelates } from '../../correlation/rules.js';
import { cidrMatches, ipNumber, type IpValue } from '../values/cidr.js';
import { runPrecompiled, type Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { EVENT_ID, ORG_ID, viewerShape, type EventRef } from '../events/reader.js';
import type { CorrelationSettings } from '../settings.js';
import { bytesToUuid, uuidToBytes } from '../db/uuid.js';
import { chunked, correlating } from '../values/index.js';
import { holdsValueIds, valueIdsOf } from '../values/match.js';
import { joinValue } from '../values/key.js';
import { attributeVisibleTo, eventVisibleTo } from '../visibility.js';

export interface CorrelationLink {
  /** The value of this event's attribute. */
  value: string;
  /** The value of the related attribute: the same, or for CIDR an address or range overlapping it. */
  relatedValue: string;
  kind: 'exact' | 'cidr';
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
  /** Number of distinct values of this event that the two events share (CIDR overlaps included). */
  shared: number;
  values: string[];
  links: CorrelationLink[];
}

export interface OverCorrelatingValue {
  value: string;
  /** Events other than this one that hold the value (or, for a range, a value inside it), as far as the viewer may see. */
  events: number;
}

export interface EventCorrelations {
  id: number;
  uuid: string;
  info: string;
  date: string;
  /** Set when the correlations of one attribute were asked for. */
  attribute?: string;
  related: RelatedEvent[];
  /** Values of this event held by more events than the threshold: flagged, not listed pair by pair. */
  overCorrelating: OverCorrelatingValue[];
}

/** Stored values within a range beyond which the range is flagged rather than listed. */
const CIDR_VALUE_LIMIT = 10_000;

/** One value of the asking event, with the attributes that hold it. */
interface Held {
  text: string;
  attributes: string[];
  /** Held in a part that is an address or range. */
  ip: boolean;
  /** Events that correlate on the value, this one included, from the value index. */
  events: number;
  /** The network of the value, when it is an address or range. */
  network: IpValue | undefined;
}

type Db = Kysely<Database>;

/*
 * The queries below are builders of their own so that the query catalogue (src/store/queries/catalogue.ts)
 * compiles exactly what eventCorrelations and lookupValue run.
 */

/** The event asked about, when the viewer may see it. */
export function correlatedEventQuery(db: Db, viewer: Viewer, ref: EventRef) {
  return db.selectFrom('event').select(['id', 'uuid', 'info', 'date', 'disable_correlation'])
    .where((eb) => ('id' in ref ? eb('event.id', '=', ref.id) : eb('event.uuid', '=', uuidToBytes(ref.uuid))))
    .where(eventVisibleTo(viewer));
}

/** The event's correlating values the viewer may see, with what the value index knows of them. */
export function heldValuesQuery(db: Db, viewer: Viewer, eventId: number, attribute?: string) {
  const q = db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .innerJoin('value as v1', 'v1.id', 'attribute.value1_id').leftJoin('value as v2', 'v2.id', 'attribute.value2_id')
    .leftJoin('value_events as n1', 'n1.value_id', 'attribute.value1_id').leftJoin('value_events as n2', 'n2.value_id', 'attribute.value2_id')
    .select(['attribute.uuid', 'attribute.type', 'attribute.value1', 'attribute.value2', 'attribute.value1_id', 'attribute.value2_id',
      'n1.events as events1', 'v1.ip_first as ip1', 'v1.ip_prefix as prefix1', 'n2.events as events2', 'v2.ip_first as ip2', 'v2.ip_prefix as prefix2'])
    .where('attribute.event_id', '=', eventId).where(correlating).where(attributeVisibleTo(viewer));
  return attribute ? q.where('attribute.uuid', '=', uuidToBytes(attribute)) : q;
}

/** Distinct events the viewer may see, other than one, holding any of the values (one chunk of them). */
export function eventsHoldingQuery(db: Db, viewer: Viewer, ids: readonly number[], except: number) {
  return db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select('attribute.event_id').distinct()
    .where((eb) => holdsValueIds(eb, ids)).where('attribute.event_id', '!=', except)
    .where(correlating).where(attributeVisibleTo(viewer));
}

/** The events the viewer may see, other than one, holding any of the values: the related events alone. */
export function relatedEventsQuery(db: Db, viewer: Viewer, ids: readonly number[], except: number) {
  return db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['event.id as event_id', 'event.uuid as event_uuid', 'event.info', 'event.date']).distinct()
    .where((eb) => holdsValueIds(eb, ids)).where('attribute.event_id', '!=', except)
    .where(correlating).where(attributeVisibleTo(viewer));
}

/** The attributes the viewer may see, in events other than one, holding any of the values: the links. */
export function linkingAttributesQuery(db: Db, viewer: Viewer, ids: readonly number[], except: number) {
  return db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.uuid', 'attribute.type', 'attribute.value1', 'attribute.value2', 'attribute.value1_id', 'attribute.value2_id',
      'event.id as event_id', 'event.uuid as event_uuid', 'event.info', 'event.date'])
    .where((eb) => holdsValueIds(eb, ids)).where('attribute.event_id', '!=', except)
    .where(correlating).where(attributeVisibleTo(viewer)).orderBy('attribute.id');
}

/** The events the viewer may see that hold any of the values in a live attribute, oldest first. */
export function valueEventsQuery(db: Db, viewer: Viewer, ids: readonly number[]) {
  return db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['event.id', 'event.uuid']).distinct()
    .where((eb) => holdsValueIds(eb, ids))
    .where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer))
    .orderBy('event.id');
}

/** How many events the value index counts for each value, whoever may see them: an upper bound. */
export function valueEventCountsQuery(db: Db, ids: readonly number[]) {
  return db.selectFrom('value_events').select(['value_id as id', 'events']).where('value_id', 'in', [...ids]);
}

/**
 * Distinct events the viewer may see, other than one, that hold any of the values in a correlating
 * part: the exact count behind an over-correlation flag, or with `atMost`, counted no further than that
 * (enough to decide the flag: a value thousands of events hold is not read to its end).
 */
async function eventsHolding(store: Store, viewer: Viewer, ids: readonly number[], except: number, atMost?: number): Promise<number> {
  const events = new Set<number>();
  for (const part of chunked(ids)) {
    const q = eventsHoldingQuery(store.db, viewer, part, except);
    const rows = await (atMost === undefined ? q : q.limit(atMost)).execute();
    for (const r of rows) events.add(r.event_id);
    if (atMost !== undefined && events.size >= atMost) return atMost;
  }
  return events.size;
}

export interface CorrelationOptions {
  /** Only the correlations of this attribute of the event. */
  attribute?: string;
  /**
   * Only which events are related (what an event's view lists): events related by an equal value are
   * found without reading each attribute that links them, and carry no values, links or count.
   */
  eventsOnly?: boolean;
}

/**
 * The events that share values with an event, with the values and the attributes that link them. The
 * cost follows the event's own values: each is an index lookup; the value index keeps how many events
 * hold each value, so an over-correlating value is flagged without being counted. Only events the
 * viewer may see are named or counted.
 */
export async function eventCorrelations(
  store: Store, viewer: Viewer, ref: EventRef, settings: CorrelationSettings, options: CorrelationOptions = {},
): Promise<EventCorrelations | undefined> {
  const db = store.db;
  // By id (as every view asks), the event's query and its values' are compiled once per viewer's shape.
  const { shape, as, orgId } = viewerShape(viewer);
  const [event] = 'id' in ref
    ? await runPrecompiled(store, `correlations.event.${shape}`, () => correlatedEventQuery(db, as, { id: EVENT_ID }), [EVENT_ID, ORG_ID], [ref.id, orgId])
    : [await correlatedEventQuery(db, viewer, ref).executeTakeFirst()];
  if (!event) return undefined;
  const result: EventCorrelations = {
    id: event.id, uuid: bytesToUuid(event.uuid), info: event.info, date: event.date, ...(options.attribute ? { attribute: options.attribute } : {}), related: [], overCorrelating: [],
  };
  if (event.disable_correlation === 1) return result;

  // The event's values come with what the index knows of them: their count of events and their network.
  const heldRows = options.attribute
    ? await heldValuesQuery(db, viewer, event.id, options.attribute).execute()
    : await runPrecompiled(store, `correlations.held-values.${shape}`, () => heldValuesQuery(db, as, EVENT_ID), [EVENT_ID, ORG_ID], [event.id, orgId]);
  const held = new Map<number, Held>();
  const hold = (id: number, text: string, uuid: string, ip: boolean, events: number, first: Buffer | null, prefix: number | null) => {
    if (settings.exclusions.matches(text)) return;
    const h = held.get(id);
    if (!h) held.set(id, { text, attributes: [uuid], ip, events, network: first && prefix !== null ? { id, first: ipNumber(first), prefix } : undefined });
    else {
      h.attributes.push(uuid);
      h.ip ||= ip;
    }
  };
  const warned = settings.skipWarninglisted ? settings.warninglists : undefined;
  for (const a of heldRows) {
    if (warned && warned.check(joinValue(a.type, a.value1, a.value2), a.type).length > 0) continue;
    const uuid = bytesToUuid(a.uuid);
    const ipPart = ipPartOf(a.type);
    hold(a.value1_id, a.value1, uuid, ipPart === 1, a.events1 ?? 0, a.ip1, a.prefix1);
    if (a.value2_id !== null && secondPartCorrelates(a.type)) hold(a.value2_id, a.value2, uuid, ipPart === 2, a.events2 ?? 0, a.ip2, a.prefix2);
  }
  if (held.size === 0) return result;

  // Over-correlation from the counts the index keeps. They cover every event, so for a viewer who may
  // not see them all they are only an upper bound: a value above the threshold is then counted exactly.
  const listed = new Set<number>();
  const ipValues: IpValue[] = [];
  for (const [id, h] of held) {
    if (settings.cidr && h.ip && h.network) ipValues.push(h.network);
    const others = h.events - 1;
    // Held by this event alone: nothing to look for (most of a large event's values are its own).
    if (others <= 0) continue;
    if (others > settings.overCorrelationThreshold) {
      // Only which events are related is asked: whether the value crosses the threshold is enough.
      const n = seesEverything(viewer) ? others : await eventsHolding(store, viewer, [id], event.id, options.eventsOnly ? settings.overCorrelationThreshold + 1 : undefined);
      if (n > settings.overCorrelationThreshold) {
        result.overCorrelating.push({ value: h.text, events: n });
        continue;
      }
    }
    listed.add(id);
  }

  // Addresses and ranges that overlap this event's: linked like equal values, unless too many events hold them.
  const cidr = await cidrMatches(store, ipValues, CIDR_VALUE_LIMIT);
  const cidrOf = new Map<number, Set<number>>();
  for (const [other, owns] of cidr.matched) {
    for (const own of owns) {
      const set = cidrOf.get(own);
      if (set) set.add(other);
      else cidrOf.set(own, new Set([other]));
    }
  }
  const flagged = new Set(result.overCorrelating.map((o) => o.value));
  for (const [own, others] of cidrOf) {
    const n = await eventsHolding(store, viewer, [...others], event.id);
    if (n <= settings.overCorrelationThreshold && !cidr.crowded.has(own)) continue;
    // A range too crowded to list is counted over the values read before the limit: at least that many.
    const text = held.get(own)!.text;
    if (!flagged.has(text)) result.overCorrelating.push({ value: text, events: n });
    for (const other of others) cidr.matched.get(other)?.delete(own);
  }

  const related = new Map<number, RelatedEvent>();
  const link = (r: { event_id: number; event_uuid: Buffer; info: string; date: string }, own: number, relatedValue: string, relatedAttribute: string, kind: CorrelationLink['kind']) => {
    let rel = related.get(r.event_id);
    if (!rel) {
      rel = { id: r.event_id, uuid: bytesToUuid(r.event_uuid), info: r.info, date: r.date, shared: 0, values: [], links: [] };
      related.set(r.event_id, rel);
    }
    const h = held.get(own)!;
    if (!rel.values.includes(h.text)) rel.values.push(h.text);
    for (const attribute of h.attributes) rel.links.push({ value: h.text, relatedValue, kind, attribute, relatedAttribute });
  };
  const cidrWanted = [...cidr.matched].filter(([, owns]) => owns.size > 0).map(([id]) => id);
  if (options.eventsOnly) {
    for (const part of chunked([...listed])) {
      const rows = await relatedEventsQuery(db, viewer, part, event.id).execute();
      for (const r of rows) {
        if (!related.has(r.event_id)) related.set(r.event_id, { id: r.event_id, uuid: bytesToUuid(r.event_uuid), info: r.info, date: r.date, shared: 0, values: [], links: [] });
      }
    }
    // Address ranges are few: they keep their per-attribute check (only an address part matches a range).
    listed.clear();
  }
  const wanted = [...new Set([...listed, ...cidrWanted])];
  for (const part of chunked(wanted)) {
    const rows = await linkingAttributesQuery(db, viewer, part, event.id).execute();
    for (const r of rows) {
      const uuid = bytesToUuid(r.uuid);
      const ipPart = ipPartOf(r.type);
      const parts: Array<[number, string, boolean]> = [[r.value1_id, r.value1, ipPart === 1]];
      if (r.value2_id !== null && secondPartCorrelates(r.type)) parts.push([r.value2_id, r.value2, ipPart === 2]);
      for (const [id, text, ip] of parts) {
        if (listed.has(id)) link(r, id, text, uuid, 'exact');
        if (ip) for (const own of cidr.matched.get(id) ?? []) link(r, own, text, uuid, 'cidr');
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

/** Every event holding a value, whatever its case (as MISP compares values), and whether it over-correlates. */
export async function lookupValue(store: Store, viewer: Viewer, value: string, settings: CorrelationSettings): Promise<ValueLookup> {
  const ids = await valueIdsOf(store.db, value);
  const rows = ids.length === 0 ? [] : await valueEventsQuery(store.db, viewer, ids).execute();
  let overCorrelating = false;
  if (ids.length > 0) {
    const counts = await valueEventCountsQuery(store.db, ids).execute();
    for (const c of counts) {
      if (c.events <= settings.overCorrelationThreshold) continue;
      overCorrelating ||= seesEverything(viewer) || (await eventsHolding(store, viewer, [c.id], -1)) > settings.overCorrelationThreshold;
    }
  }
  return {
    value: value.trim(),
    events: rows.map((r) => bytesToUuid(r.uuid)),
    warninglists: settings.warninglists?.check(value.trim()).map((h) => h.name) ?? [],
    overCorrelating,
  };
}
