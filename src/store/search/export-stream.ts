import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Viewer } from '../../access/viewer.js';
import type { ExportAttribute } from '../../model/export-attribute.js';
import { repeatedQuery, type Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { attributeMatches, attributePages, type AttributeFilter } from './attributes.js';
import { bytesToUuid, hexToUuid, uuidHexOf } from '../db/uuid.js';
import { joinValue } from '../values/key.js';
import { eventVisibleTo } from '../visibility.js';

/**
 * Attributes read per query: enough to amortise the queries, few enough that a page (a line format
 * writes 1,000 in about 1 ms, 7 ms at worst) is a short turn of the event loop for a streamed answer.
 */
const PAGE = 1_000;

type EventScope = ExpressionBuilder<Database, 'event'>;
type AttributeScope = ExpressionBuilder<Database, 'event' | 'attribute'>;

/**
 * Events that can hold an attribute matching the filter, judged on the event alone: its id, and the
 * tags the filter requires (an attribute matches a tag through its event's tags or its own, and
 * attribute tags carry their event). Lets an export skip the attributes of every other event.
 */
function eventCandidates(filter: AttributeFilter): (eb: EventScope) => Expression<SqlBool> {
  return (eb) => {
    const all: Array<Expression<SqlBool>> = [];
    const withTag = (tag: string) => {
      const op = tag.includes('%') ? 'like' : '=';
      return eb.or([
        eb('event.id', 'in', eb.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id').select('event_tag.event_id').where('tag.name', op, tag)),
        eb('event.id', 'in', eb.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id').select('attribute_tag.event_id').where('tag.name', op, tag)),
      ]);
    };
    for (const tag of filter.tags ?? []) all.push(withTag(tag));
    if (filter.anyTags?.length) all.push(eb.or(filter.anyTags.map(withTag)));
    // Events named by uuid as well widen the list (any of either): the full predicate then decides.
    if (filter.eventIds && !filter.eventUuids?.length) all.push(filter.eventIds.length ? eb('event.id', 'in', [...filter.eventIds]) : sql<SqlBool>`1 = 0`);
    if (filter.published !== undefined) all.push(eb('event.published', '=', filter.published ? 1 : 0));
    if (filter.dateFrom !== undefined) all.push(eb('event.date', '>=', filter.dateFrom));
    if (filter.dateTo !== undefined) all.push(eb('event.date', '<=', filter.dateTo));
    return all.length ? eb.and(all) : sql<SqlBool>`1 = 1`;
  };
}

/** The next events, after `afterEvent`, whose attributes an export by a filter that names no values reads (its plan is tested: test/store/plans.test.ts). */
export function candidateEventsQuery(store: Store, viewer: Viewer, filter: AttributeFilter, afterEvent: number) {
  return store.db.selectFrom('event').select(['event.id', 'event.uuid', 'event.info']).where('event.id', '>', afterEvent)
    .where(eventVisibleTo(viewer)).where(eventCandidates(filter)).orderBy('event.id').limit(1000);
}

/** A filter that names values, attributes or uuids finds few attributes through the indexes; others scan. */
function selective(filter: AttributeFilter): boolean {
  return Boolean(filter.value !== undefined || filter.values || filter.ids || filter.uuids || filter.event);
}

/**
 * The attributes an export sends, a page at a time, each with its tags, its object and its event's
 * essentials. The filter (with the viewer's policy) chooses them; a limit and offset in it bound the
 * whole listing, as restSearch's limit and page do. A filter naming values is answered in attribute
 * order through the value index; any other goes event by event, in event order, through the events
 * that can match and, within each, the attributes of that event alone.
 */
export async function* exportAttributes(store: Store, viewer: Viewer, filter: AttributeFilter): AsyncGenerator<ExportAttribute[]> {
  const { limit, offset, ...criteria } = filter;
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  let skip = limit !== undefined ? (offset ?? 0) : 0;
  const take = (rows: ExportAttribute[]): ExportAttribute[] => {
    const from = Math.min(skip, rows.length);
    skip -= from;
    const out = rows.slice(from, from + Math.min(rows.length - from, remaining));
    remaining -= out.length;
    return out;
  };

  if (selective(criteria)) {
    for await (const hits of attributePages(store, viewer, filter, PAGE)) yield await withContext(store, hits.map((h) => ({ ...h, uuidHex: '' })));
    return;
  }

  const matches = await attributeMatches(store, viewer, criteria);
  // Within an event that carries the tags the filter asks for, every attribute meets them: its
  // attributes are then read without testing tags one by one.
  const patterns = [...new Set([...(criteria.tags ?? []), ...(criteria.anyTags ?? [])])];
  const tagged = patterns.length ? await attributeMatches(store, viewer, { ...criteria, tags: undefined, anyTags: undefined }) : undefined;
  const nameIs = (eb: ExpressionBuilder<Database, 'tag'>, tags: readonly string[]) =>
    eb.or(tags.map((t) => eb('tag.name', t.includes('%') ? 'like' : '=', t)));
  const hex = uuidHexOf(store.dialect, 'attribute.uuid');
  // One event at a time, in attribute order within it, which the event index gives without sorting;
  // each way of matching is compiled once and run for every event with the event and position given.
  const EVENT = -7_000_000_001;
  const AFTER = -7_000_000_002;
  const reader = (predicate: (eb: AttributeScope) => Expression<SqlBool>) => repeatedQuery(store, store.db.selectFrom('attribute')
    .innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.id', 'attribute.object_id', hex.as('uuid_hex'), 'attribute.type', 'attribute.category', 'attribute.value1',
      'attribute.value2', 'attribute.to_ids', 'attribute.comment', 'attribute.timestamp', 'attribute.object_relation'])
    .where('attribute.event_id', '=', EVENT).where('attribute.id', '>', AFTER).where(predicate)
    .orderBy('attribute.id').limit(PAGE).compile(), [EVENT, AFTER]);
  const everyAttribute = reader(matches);
  const carrierAttributes = tagged && reader(tagged);
  // Without them, only attributes tagged themselves can match: when any of the tags will do, read just those.
  const ownTags = tagged && !criteria.tags?.length && criteria.anyTags?.length ? criteria.anyTags : undefined;
  const taggedAttributes = ownTags && reader((eb) => eb.and([tagged!(eb), eb('attribute.id', 'in', eb.selectFrom('attribute_tag')
    .innerJoin('tag', 'tag.id', 'attribute_tag.tag_id').select('attribute_tag.attribute_id')
    .where('attribute_tag.event_id', '=', EVENT).where((t) => nameIs(t, ownTags)))]));
  let afterEvent = 0;
  while (remaining > 0) {
    const events = await candidateEventsQuery(store, viewer, criteria, afterEvent).execute();
    if (events.length === 0) return;
    afterEvent = events[events.length - 1]!.id;
    // Which events of the page carry each tag (or pattern) the filter names, matched by the database as it matches them elsewhere.
    const carrying = new Map<string, Set<number>>();
    for (const p of tagged ? patterns : []) {
      const rows = await store.db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id').select('event_tag.event_id')
        .where('event_tag.event_id', 'in', events.map((e) => e.id)).where((eb) => nameIs(eb, [p])).execute();
      carrying.set(p, new Set(rows.map((r) => r.event_id)));
    }
    for (const event of events) {
      const carries = (t: string) => carrying.get(t)?.has(event.id) ?? false;
      const meetsTags = carrierAttributes && (criteria.tags ?? []).every(carries) && (!criteria.anyTags?.length || criteria.anyTags.some(carries));
      const read = meetsTags ? carrierAttributes : taggedAttributes || everyAttribute;
      const eventUuid = bytesToUuid(event.uuid);
      let afterId = 0;
      while (remaining > 0) {
        const rows = await read.run([event.id, afterId]);
        if (rows.length === 0) break;
        afterId = rows[rows.length - 1]![0] as number;
        const out = take(await withContext(store, rows.map(([id, objectId, uuidHex, type, category, value1, value2, toIds, comment, timestamp, relation]) => ({
          id: id as number, eventId: event.id, objectId: objectId as number | null, uuid: '', uuidHex: uuidHex as string, type: type as string,
          category: category as string, value: joinValue(type as string, value1 as string, value2 as string), to_ids: toIds === 1,
          comment: comment as string, timestamp: Number(timestamp), objectRelation: relation as string | null, eventUuid, eventInfo: event.info,
        }))));
        if (out.length) yield out;
        if (rows.length < PAGE) break;
      }
    }
  }
}

interface Found {
  id: number;
  eventId: number;
  objectId: number | null;
  /** The uuid, or empty when given as hex. */
  uuid: string;
  uuidHex: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  comment: string;
  timestamp: number;
  objectRelation: string | null;
  eventUuid: string;
  eventInfo: string;
}

/** Adds to a page of attributes their tags, their objects, and their events' threat level, creator and tags. */
async function withContext(store: Store, found: readonly Found[]): Promise<ExportAttribute[]> {
  if (found.length === 0) return [];
  const db = store.db;
  const eventIds = [...new Set(found.map((h) => h.eventId))];
  // The attribute tags of the page's events (few), rather than a list of every attribute id: one statement serves every page.
  const wanted = new Set(found.map((h) => h.id));
  const tagRows = await db.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id')
    .select(['attribute_tag.attribute_id', 'tag.name']).where('attribute_tag.event_id', 'in', eventIds).orderBy('attribute_tag.id').execute();
  const tags = new Map<number, string[]>();
  for (const t of tagRows) if (wanted.has(t.attribute_id)) tags.set(t.attribute_id, [...(tags.get(t.attribute_id) ?? []), t.name]);

  const eventRows = await db.selectFrom('event').innerJoin('organisation', 'organisation.id', 'event.orgc_id')
    .leftJoin('organisation as owner', 'owner.id', 'event.org_id')
    .select(['event.id', 'event.threat_level_id', 'organisation.name', 'owner.name as owner', 'event.distribution', 'event.analysis', 'event.date', 'event.timestamp'])
    .where('event.id', 'in', eventIds).execute();
  const eventTagRows = await db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id')
    .select(['event_tag.event_id', 'tag.name']).where('event_tag.event_id', 'in', eventIds).orderBy('event_tag.id').execute();
  const eventTags = new Map<number, string[]>();
  for (const t of eventTagRows) eventTags.set(t.event_id, [...(eventTags.get(t.event_id) ?? []), t.name]);
  const events = new Map(eventRows.map((e) => [e.id, e]));

  const objectIds = [...new Set(found.map((h) => h.objectId).filter((id): id is number => id !== null))];
  const objectRows = objectIds.length
    ? await db.selectFrom('object').select(['id', 'uuid', 'name', 'meta_category']).where('id', 'in', objectIds).execute() : [];
  const objects = new Map(objectRows.map((o) => [o.id, { uuid: bytesToUuid(o.uuid), name: o.name, metaCategory: o.meta_category }]));

  // One event record per event, shared by its attributes.
  const eventOf = new Map<number, ExportAttribute['event']>();
  for (const h of found) {
    if (eventOf.has(h.eventId)) continue;
    const e = events.get(h.eventId)!;
    eventOf.set(h.eventId, { id: h.eventId, uuid: h.eventUuid, info: h.eventInfo, threatLevelId: e.threat_level_id, orgc: e.name, org: e.owner, tags: eventTags.get(h.eventId) ?? [],
      distribution: e.distribution, analysis: e.analysis, date: e.date, timestamp: Number(e.timestamp),
    });
  }
  return found.map((h) => {
    return {
      id: h.id, uuid: h.uuid || hexToUuid(h.uuidHex), type: h.type, category: h.category, value: h.value, comment: h.comment, to_ids: h.to_ids,
      timestamp: h.timestamp, objectRelation: h.objectRelation, tags: tags.get(h.id) ?? [],
      object: h.objectId === null ? null : (objects.get(h.objectId) ?? null),
      event: eventOf.get(h.eventId)!,
    };
  });
}
