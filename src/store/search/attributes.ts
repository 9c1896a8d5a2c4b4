import { sql, type CompiledQuery, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { seesEverything, type Viewer } from '../../access/viewer.js';
import type { Database } from '../db/schema.js';
import { readRowArrays, repeatedQuery, type RepeatedQuery, type Store } from '../db/database.js';
import { hexToUuid, uuidHexOf, uuidToBytes } from '../db/uuid.js';
import { joinValue } from '../values/key.js';
import { holdsValueIds, valueIdsOf } from '../values/match.js';
import { attributeVisibleTo, eventVisibleTo } from '../visibility.js';
import type { EventRef } from '../events/reader.js';
import { organisationsNamed } from '../access/organisations.js';

export interface AttributeFilter {
  /** An exact value, or a pattern with `%` wildcards as in MISP; matched against each part of composites. */
  value?: string;
  /** Any of these values or patterns (an empty list matches nothing). */
  values?: readonly string[];
  /** None of these values or patterns (MISP's `!value`, `{"NOT": […]}`). */
  notValues?: readonly string[];
  /** The first / second part of the value (MISP's `value1`, `value2`): any of these, exact or `%` patterns. */
  value1?: readonly string[];
  value2?: readonly string[];
  types?: readonly string[];
  notTypes?: readonly string[];
  categories?: readonly string[];
  notCategories?: readonly string[];
  /** Attributes tagged so, or in an event tagged so, every one of them; `%` wildcards allowed. */
  tags?: readonly string[];
  /** …at least one of these (MISP's plain tag list). */
  anyTags?: readonly string[];
  /** …none of these (MISP's `!tag`). */
  notTags?: readonly string[];
  event?: EventRef;
  /** Any of these events, by id. */
  eventIds?: readonly number[];
  /** Any of these events, by uuid (MISP's `eventid` takes both). */
  eventUuids?: readonly string[];
  /** None of these events, by id or uuid. */
  notEventIds?: readonly number[];
  notEventUuids?: readonly string[];
  /** Attributes with these ids. */
  ids?: readonly number[];
  /** Attributes with these uuids, or in events with these uuids (as MISP's `uuid` filter). */
  uuids?: readonly string[];
  /** Neither these attributes nor the attributes of these events. */
  notUuids?: readonly string[];
  /** In events published at or after this time (epoch seconds: MISP's `last`). */
  publishedSince?: number;
  /** …and at or before this one. */
  publishedUntil?: number;
  /** In events changed at or after / at or before these times (epoch seconds). */
  eventSince?: number;
  eventUntil?: number;
  toIds?: boolean;
  includeDeleted?: boolean;
  /** Only deleted attributes. */
  onlyDeleted?: boolean;
  /** Attributes changed at or after / at or before these times (epoch seconds). */
  since?: number;
  until?: number;
  /** In events published (true) or not (false). */
  published?: boolean;
  /** In events dated on or after / on or before these days (`YYYY-MM-DD`). */
  dateFrom?: string;
  dateTo?: string;
  /** Attributes shared with any of these sharing groups (local ids), themselves or through their event / none of them. */
  sharingGroupIds?: readonly number[];
  notSharingGroupIds?: readonly number[];
  /** In events shared with any of these sharing groups / none of them. */
  eventSharingGroupIds?: readonly number[];
  notEventSharingGroupIds?: readonly number[];
  /** In events whose title is any of these (`%` patterns allowed; regardless of case, as MISP's collation) / none of these. */
  eventInfos?: readonly string[];
  notEventInfos?: readonly string[];
  /** In events created by any of these organisations (id, uuid or name) / by none of these. */
  orgs?: readonly string[];
  notOrgs?: readonly string[];
  /** Attributes after this id: a page of a long listing, taken up where the last one ended. */
  afterId?: number;
  limit?: number;
  /** Skip this many first results (with a limit). */
  offset?: number;
}

export interface AttributeHit {
  id: number;
  eventId: number;
  eventUuid: string;
  eventInfo: string;
  eventOrgId: number;
  eventOrgcId: number;
  eventDistribution: number;
  objectId: number | null;
  timestamp: number;
  distribution: number;
  /** The local id of its sharing group, at distribution 4. */
  sharingGroupId: number | null;
  deleted: boolean;
  disableCorrelation: boolean;
  firstSeen: string | null;
  lastSeen: string | null;
  uuid: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  comment: string;
  objectRelation: string | null;
}

type Scope = ExpressionBuilder<Database, 'attribute' | 'event'>;
type EventScope = ExpressionBuilder<Database, 'event'>;

const NOTHING = sql<SqlBool>`1 = 0`;

/** What the filter asks of the event alone (ids, dates, times, publication, creator), as one predicate over `event`. */
export function eventMatches(store: Store, filter: AttributeFilter): (eb: EventScope) => Expression<SqlBool> {
  return (eb) => {
    const all: Array<Expression<SqlBool>> = [];
    const ids = filter.eventIds;
    const uuids = filter.eventUuids?.map(uuidToBytes);
    // MISP's eventid takes ids and uuids alike: any of either.
    if (ids || uuids) {
      const any = [...(ids?.length ? [eb('event.id', 'in', [...ids])] : []), ...(uuids?.length ? [eb('event.uuid', 'in', uuids)] : [])];
      all.push(any.length ? eb.or(any) : NOTHING);
    }
    if (filter.notEventIds?.length) all.push(eb('event.id', 'not in', [...filter.notEventIds]));
    if (filter.notEventUuids?.length) all.push(eb('event.uuid', 'not in', filter.notEventUuids.map(uuidToBytes)));
    if (filter.publishedSince !== undefined) all.push(eb('event.published', '=', 1), eb('event.publish_timestamp', '>=', filter.publishedSince));
    if (filter.publishedUntil !== undefined) all.push(eb('event.publish_timestamp', '<=', filter.publishedUntil));
    if (filter.eventSince !== undefined) all.push(eb('event.timestamp', '>=', filter.eventSince));
    if (filter.eventUntil !== undefined) all.push(eb('event.timestamp', '<=', filter.eventUntil));
    if (filter.published !== undefined) all.push(eb('event.published', '=', filter.published ? 1 : 0));
    if (filter.dateFrom !== undefined) all.push(eb('event.date', '>=', filter.dateFrom));
    if (filter.dateTo !== undefined) all.push(eb('event.date', '<=', filter.dateTo));
    if (filter.orgs) all.push(filter.orgs.length ? eb('event.orgc_id', 'in', organisationsNamed(store, filter.orgs)) : NOTHING);
    if (filter.notOrgs?.length) all.push(eb('event.orgc_id', 'not in', organisationsNamed(store, filter.notOrgs)));
    if (filter.eventSharingGroupIds) all.push(filter.eventSharingGroupIds.length ? eb('event.sharing_group_id', 'in', [...filter.eventSharingGroupIds]) : NOTHING);
    if (filter.notEventSharingGroupIds?.length) {
      all.push(eb.or([eb('event.sharing_group_id', 'is', null), eb('event.sharing_group_id', 'not in', [...filter.notEventSharingGroupIds])]));
    }
    const infoIs = (text: string) => eb(eb.fn('lower', ['event.info']), text.includes('%') ? 'like' : '=', text.toLowerCase());
    if (filter.eventInfos?.length) all.push(eb.or(filter.eventInfos.map(infoIs)));
    for (const text of filter.notEventInfos ?? []) all.push(eb.not(infoIs(text)));
    if (filter.event) {
      const ref = filter.event;
      all.push('id' in ref ? eb('event.id', '=', ref.id) : eb('event.uuid', '=', uuidToBytes(ref.uuid)));
    }
    return all.length ? eb.and(all) : sql<SqlBool>`1 = 1`;
  };
}

/** The members of a filter eventMatches reads: the rest concern attributes. */
const EVENT_KEYS: ReadonlySet<string> = new Set(['eventIds', 'eventUuids', 'notEventIds', 'notEventUuids', 'publishedSince', 'publishedUntil',
  'eventSince', 'eventUntil', 'published', 'dateFrom', 'dateTo', 'orgs', 'notOrgs', 'eventInfos', 'notEventInfos', 'eventSharingGroupIds', 'notEventSharingGroupIds', 'event']);

/** The members of a filter that concern attributes (not the event alone), those that are set. */
export function attributeCriteria(filter: AttributeFilter): AttributeFilter {
  return Object.fromEntries(Object.entries(filter).filter(([k, v]) => v !== undefined && !EVENT_KEYS.has(k))) as AttributeFilter;
}

/** A value condition on one column: any of these, each exact or a `%` pattern (case-insensitive, as MISP's collation). */
function valueColumnIs(eb: Scope, column: 'attribute.value1' | 'attribute.value2', items: readonly string[]): Expression<SqlBool> {
  const exact = items.filter((v) => !v.includes('%'));
  const patterns = items.filter((v) => v.includes('%')).map((v) => v.toLowerCase());
  const any = [...(exact.length ? [eb(column, 'in', [...exact])] : []), ...patterns.map((p) => eb(eb.fn('lower', [column]), 'like', p))];
  return any.length ? eb.or(any) : NOTHING;
}

/**
 * The filter as one predicate over `attribute` joined with `event`, the viewer's policy included; the
 * values are looked up in the value index first.
 */
export async function attributeMatches(store: Store, viewer: Viewer, filter: AttributeFilter, knownValueIds?: readonly number[]): Promise<(eb: Scope) => Expression<SqlBool>> {
  const values = [...(filter.value !== undefined ? [filter.value] : []), ...(filter.values ?? [])].map((v) => v.trim()).filter(Boolean);
  const valueIds: number[] = [...(knownValueIds ?? [])];
  if (!knownValueIds) for (const v of values.filter((x) => !x.includes('%'))) valueIds.push(...(await valueIdsOf(store.db, v)));
  const patterns = values.filter((v) => v.includes('%')).map((v) => v.toLowerCase());
  const unwanted = (filter.notValues ?? []).map((v) => v.trim()).filter(Boolean);
  const unwantedIds: number[] = [];
  for (const v of unwanted.filter((x) => !x.includes('%'))) unwantedIds.push(...(await valueIdsOf(store.db, v)));
  const unwantedPatterns = unwanted.filter((v) => v.includes('%')).map((v) => v.toLowerCase());
  // Only a filter that asks about the event gets its predicate: the commonest searches compile as before.
  const onEvent = Object.entries(filter).some(([k, v]) => v !== undefined && EVENT_KEYS.has(k)) ? eventMatches(store, filter) : undefined;
  return (eb) => {
    const all: Array<Expression<SqlBool>> = [attributeVisibleTo(viewer)(eb)];
    if (onEvent) all.push(onEvent(eb as unknown as EventScope));
    if (filter.onlyDeleted) all.push(eb('attribute.deleted', '=', 1));
    else if (!filter.includeDeleted) all.push(eb('attribute.deleted', '=', 0));
    if (filter.toIds !== undefined) all.push(eb('attribute.to_ids', '=', filter.toIds ? 1 : 0));
    if (filter.since !== undefined) all.push(eb('attribute.timestamp', '>=', filter.since));
    if (filter.until !== undefined) all.push(eb('attribute.timestamp', '<=', filter.until));
    if (filter.ids) all.push(filter.ids.length ? eb('attribute.id', 'in', [...filter.ids]) : NOTHING);
    if (filter.uuids) {
      const bytes = filter.uuids.map(uuidToBytes);
      all.push(bytes.length ? eb.or([eb('attribute.uuid', 'in', bytes), eb('event.uuid', 'in', bytes)]) : NOTHING);
    }
    if (filter.notUuids?.length) {
      const bytes = filter.notUuids.map(uuidToBytes);
      all.push(eb('attribute.uuid', 'not in', bytes), eb('event.uuid', 'not in', bytes));
    }
    if (filter.afterId !== undefined) all.push(eb('attribute.id', '>', filter.afterId));
    if (filter.types?.length) all.push(eb('attribute.type', 'in', [...filter.types]));
    if (filter.notTypes?.length) all.push(eb('attribute.type', 'not in', [...filter.notTypes]));
    if (filter.categories?.length) all.push(eb('attribute.category', 'in', [...filter.categories]));
    if (filter.notCategories?.length) all.push(eb('attribute.category', 'not in', [...filter.notCategories]));
    if (filter.sharingGroupIds) {
      const ids = [...filter.sharingGroupIds];
      all.push(ids.length ? eb.or([eb('attribute.sharing_group_id', 'in', ids), eb('event.sharing_group_id', 'in', ids)]) : NOTHING);
    }
    if (filter.notSharingGroupIds?.length) {
      const ids = [...filter.notSharingGroupIds];
      for (const column of ['attribute.sharing_group_id', 'event.sharing_group_id'] as const) all.push(eb.or([eb(column, 'is', null), eb(column, 'not in', ids)]));
    }
    if (filter.value1) all.push(valueColumnIs(eb, 'attribute.value1', filter.value1));
    if (filter.value2) all.push(valueColumnIs(eb, 'attribute.value2', filter.value2));
    // One value, or several (any of them), each exact or a `%` pattern.
    if (values.length > 0 || filter.values) {
      all.push(eb.or([
        holdsValueIds(eb, valueIds),
        ...patterns.flatMap((p) => [eb(eb.fn('lower', ['attribute.value1']), 'like', p), eb(eb.fn('lower', ['attribute.value2']), 'like', p)]),
      ]));
    }
    // value2_id is null for a value of one part: `not in` alone would leave every such attribute out.
    if (unwantedIds.length) all.push(eb('attribute.value1_id', 'not in', unwantedIds), eb.or([eb('attribute.value2_id', 'is', null), eb('attribute.value2_id', 'not in', unwantedIds)]));
    for (const p of unwantedPatterns) {
      all.push(eb(eb.fn('lower', ['attribute.value1']), 'not like', p), eb(eb.fn('lower', ['attribute.value2']), 'not like', p));
    }
    const tagged = (tag: string) => {
      const op = tag.includes('%') ? 'like' : '=';
      return eb.or([
        eb.exists(eb.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id').select('event_tag.id')
          .whereRef('event_tag.event_id', '=', 'attribute.event_id').where('tag.name', op, tag)),
        eb.exists(eb.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id').select('attribute_tag.id')
          .whereRef('attribute_tag.attribute_id', '=', 'attribute.id').where('tag.name', op, tag)),
      ]);
    };
    for (const tag of filter.tags ?? []) all.push(tagged(tag));
    if (filter.anyTags?.length) all.push(eb.or(filter.anyTags.map(tagged)));
    for (const tag of filter.notTags ?? []) all.push(eb.not(tagged(tag)));
    return eb.and(all);
  };
}

/** What a search reads of each attribute and its event, in the order hitOf takes it. */
function hitColumns(store: Store) {
  return [
    'event.id as event_id', uuidHexOf(store.dialect, 'event.uuid').as('event_uuid'), 'event.info', 'event.org_id', 'event.orgc_id',
    'event.distribution as event_distribution', 'attribute.id as id', 'attribute.object_id', 'attribute.timestamp', 'attribute.distribution',
    'attribute.sharing_group_id', 'attribute.deleted', 'attribute.disable_correlation', 'attribute.first_seen', 'attribute.last_seen',
    uuidHexOf(store.dialect, 'attribute.uuid').as('uuid'), 'attribute.type', 'attribute.category', 'attribute.value1', 'attribute.value2',
    'attribute.to_ids', 'attribute.comment', 'attribute.object_relation',
  ] as const;
}

/**
 * Whether the filter names exact values only, so that the value indexes bound what is read. PostgreSQL
 * is then kept from answering `order by id limit n` by walking the primary key and filtering by value
 * (what it chose for a value held by 27,000 of 10^7 attributes: 2.1 million rows read per page): ordered
 * by an expression the key does not give, it reads the value's rows from its (value id, id) indexes,
 * from where the last page ended (afterId), and sorts them.
 */
function byExactValues(filter: AttributeFilter): boolean {
  const values = [...(filter.value !== undefined ? [filter.value] : []), ...(filter.values ?? [])].map((v) => v.trim()).filter(Boolean);
  return values.length > 0 && values.every((v) => !v.includes('%'));
}

/**
 * A page of a search by exact values read from where the last page ended in each value index, as far as
 * the page goes: the filter without its values (`rest`, the viewer's policy and `afterId` included) and
 * the value ids. Asked as one condition, `value1_id in (…) or value2_id in (…)`, SQLite reads both
 * indexes from afterId to their end and sorts what it found for every page: a value held by 29,000
 * attributes read 29,000 rows per page of 250, 3.4 million for the whole answer (about 7,000 attributes/s).
 * Each index read in id order up to the page's size, the two merged, reads twice the page at most.
 */
interface ValueKeyset {
  ids: readonly number[];
  rest: (eb: Scope) => Expression<SqlBool>;
}

/** The keyset form of a search by exact values, when the filter is one (and pages with a limit, without an offset). */
async function valueKeyset(store: Store, viewer: Viewer, filter: AttributeFilter, knownValueIds?: readonly number[]): Promise<ValueKeyset | undefined> {
  if (!byExactValues(filter) || filter.limit === undefined || filter.offset || filter.notValues?.length) return undefined;
  const ids = [...(knownValueIds ?? [])];
  if (!knownValueIds) {
    for (const v of [...(filter.value !== undefined ? [filter.value] : []), ...(filter.values ?? [])]) ids.push(...(await valueIdsOf(store.db, v.trim())));
  }
  if (ids.length === 0) return undefined;
  const { value: _value, values: _values, ...rest } = filter;
  return { ids, rest: await attributeMatches(store, viewer, rest, []) };
}

function hitQuery(store: Store, viewer: Viewer, filter: AttributeFilter, matches: (eb: Scope) => Expression<SqlBool>, keyset?: ValueKeyset) {
  if (keyset && filter.limit !== undefined) return keysetHitQuery(store, keyset, filter.limit);
  const base = hitsFrom(store).where(matches);
  let q = store.dialect === 'postgres' && byExactValues(filter) ? base.orderBy(sql`${sql.ref('attribute.id')} + 0`) : base.orderBy('attribute.id');
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  // SQLite takes an offset only after a limit.
  if (filter.offset && filter.limit !== undefined) q = q.offset(filter.offset);
  return q;
}

/** Every attribute with its event, as a search reads it (hitColumns). */
function hitsFrom(store: Store) {
  return store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id').select(hitColumns(store));
}

/**
 * A page of a search by exact values: one side per index and value id, each read in the order of its
 * (value id, attribute id) index from where the last page ended, as far as the page goes, its rows
 * whole; the sides merged in id order and the first `limit` kept. The sides never hold the same
 * attribute (the second parts' leave out what holds a value in its first part), so that they are
 * merged as they are: deduplicated (`union`), every row of a page was sorted on all its columns.
 *
 * On SQLite each side is a plain select the merge reads as far as the page goes: its value index gives
 * it in id order, so the merge sorts nothing (as sides with their own order and limit, each was sorted
 * again, and the merge a third time: a third of the time of a frequent value's answer).
 *
 * On PostgreSQL each side is written so that no plan but that one fits. The value id comes as a
 * sub-select, which the planner cannot see through: a plan made for the value itself weighed how many
 * attributes hold it, and for one held by 29,000 chose to read all of them after the page's start (a
 * bitmap scan, the visible events hashed, a sort) for every page of 1,000: 2.7 s for the whole answer.
 * Given the value itself as `=`, it also walked the primary key filtering by value (99,000 rows read for
 * a page of 1,000). And the event comes from a lateral subquery the planner may not flatten (`offset
 * 0`), read per attribute in the index's order: left a join, over few events (120 in
 * test/store/plans.test.ts) it hashed them and sorted every row of the value again. The rows come whole
 * from the sides: taking only ids there and the rows after, by id, read each row and checked the access
 * policy twice.
 */
function keysetHitQuery(store: Store, keyset: ValueKeyset, limit: number) {
  const postgres = store.dialect === 'postgres';
  const ids = [...keyset.ids];
  const side = (column: 'attribute.value1_id' | 'attribute.value2_id', id: number) => {
    const q = postgres
      ? store.db.selectFrom('attribute')
        .innerJoinLateral((eb) => eb.selectFrom('event').selectAll('event').whereRef('event.id', '=', 'attribute.event_id').offset(0).as('event'), (j) => j.onTrue())
        .select(hitColumns(store)).where(column, '=', sql<number>`(select cast(${id} as integer))`)
      : hitsFrom(store).where(column, '=', id);
    const own = column === 'attribute.value1_id' ? q : q.where('attribute.value1_id', 'not in', ids);
    return own.where(keyset.rest);
  };
  if (!postgres) {
    const sides = ids.flatMap((id) => [side('attribute.value1_id', id), side('attribute.value2_id', id)]);
    // The order of a compound select names a column of its result by its alias (hitColumns).
    return sides.slice(1).reduce((all, q) => all.unionAll(q), sides[0]!).orderBy(sql`${sql.ref('id')}`).limit(limit);
  }
  const sides = ids.flatMap((id, i) => (['attribute.value1_id', 'attribute.value2_id'] as const).map((column, k) => {
    const page = side(column, id).orderBy(column).orderBy('attribute.id').limit(limit);
    return store.db.selectFrom(page.as(`by_value_${2 * i + k}`)).selectAll();
  }));
  const merged = sides.slice(1).reduce((all, q) => all.unionAll(q), sides[0]!);
  return store.db.selectFrom(merged.as('hit')).selectAll().orderBy('hit.id').limit(limit);
}

/** A row of hitColumns read as an array (readRowArrays, repeatedQuery), as the attribute it stands for. */
function hitOf(r: readonly unknown[]): AttributeHit {
  const type = r[16] as string;
  return {
    id: r[6] as number, eventId: r[0] as number, eventUuid: hexToUuid(r[1] as string), eventInfo: r[2] as string, eventOrgId: r[3] as number,
    eventOrgcId: r[4] as number, eventDistribution: r[5] as number, objectId: r[7] as number | null, timestamp: Number(r[8]),
    distribution: r[9] as number, sharingGroupId: r[10] as number | null, deleted: r[11] === 1, disableCorrelation: r[12] === 1,
    firstSeen: r[13] as string | null, lastSeen: r[14] as string | null, uuid: hexToUuid(r[15] as string), type, category: r[17] as string,
    value: joinValue(type, r[18] as string, r[19] as string), to_ids: r[20] === 1, comment: r[21] as string, objectRelation: r[22] as string | null,
  };
}

/**
 * The commonest search, one exact value (what an analyst or a script asks of restSearch most): its query
 * is compiled once per shape (who asks, how many stored values match, paging) and kept prepared, since
 * compiling it costs more than running it. Numbers nothing else uses stand for the parameters.
 */
const PLAIN = { org: -7_000_001, after: -7_000_002, limit: -7_000_003, offset: -7_000_004, value: -7_100_000 };
const plainQueries = new WeakMap<Store, Map<string, RepeatedQuery>>();

/**
 * The one value of a search that asks nothing else (beside paging), or undefined: `value`, or a `values`
 * list of one, which is what restSearch sends for `"value": "…"`; both match the same attributes.
 */
function plainValueOf(filter: AttributeFilter): string | undefined {
  if (filter.limit === undefined || (filter.value !== undefined) === (filter.values !== undefined)) return undefined;
  if (filter.values !== undefined && filter.values.length !== 1) return undefined;
  const value = filter.value ?? filter.values![0]!;
  // A blank value is no value condition at all: its query must never be kept for a shape that has one.
  if (value.trim() === '' || value.includes('%')) return undefined;
  const plain = Object.entries(filter).every(([k, v]) => v === undefined || k === 'value' || k === 'values' || k === 'limit' || k === 'offset' || k === 'afterId');
  return plain ? value : undefined;
}

/** The shape of a one-value search: what its kept query depends on, beside the store. */
export interface PlainValueShape {
  viewer: Viewer;
  /** The value searched for: only whether there is one shapes the query, its ids are parameters. */
  value: string;
  /** How many stored values the typed value matched (as typed, lower-cased). */
  valueCount: number;
  afterId: boolean;
  offset: boolean;
}

/**
 * The query kept for one shape of the one-value search, compiled with the placeholders standing for its
 * parameters, and those placeholders in the order `run` takes their values. Compiling it reads nothing.
 */
export async function plainValueQuery(store: Store, shape: PlainValueShape): Promise<{ compiled: CompiledQuery; placeholders: number[] }> {
  const shapeViewer: Viewer = seesEverything(shape.viewer) ? shape.viewer : { kind: 'user', orgId: PLAIN.org, siteAdmin: false };
  const filter: AttributeFilter = {
    value: shape.value, limit: PLAIN.limit, ...(shape.offset ? { offset: PLAIN.offset } : {}), ...(shape.afterId ? { afterId: PLAIN.after } : {}),
  };
  const valueSlots = Array.from({ length: shape.valueCount }, (_, i) => PLAIN.value - i);
  const compiled = hitQuery(store, shapeViewer, filter, await attributeMatches(store, shapeViewer, filter, valueSlots),
    await valueKeyset(store, shapeViewer, filter, valueSlots)).compile();
  return { compiled, placeholders: [PLAIN.org, PLAIN.after, PLAIN.limit, PLAIN.offset, ...valueSlots] };
}

async function plainValueSearch(store: Store, viewer: Viewer, filter: AttributeFilter, value: string, knownIds?: readonly number[]): Promise<unknown[][]> {
  const ids = knownIds ?? (await valueIdsOf(store.db, value.trim()));
  if (ids.length === 0) return [];
  const everything = seesEverything(viewer);
  const key = `${everything}:${ids.length}:${filter.afterId !== undefined}:${Boolean(filter.offset)}`;
  const queries = plainQueries.get(store) ?? new Map<string, RepeatedQuery>();
  plainQueries.set(store, queries);
  let query = queries.get(key);
  if (!query) {
    const { compiled, placeholders } = await plainValueQuery(store, { viewer, value, valueCount: ids.length, afterId: filter.afterId !== undefined, offset: Boolean(filter.offset) });
    query = repeatedQuery(store, compiled, placeholders);
    queries.set(key, query);
  }
  const orgId = viewer.kind === 'user' ? viewer.orgId : 0;
  return query.run([orgId, filter.afterId ?? 0, filter.limit!, filter.offset ?? 0, ...ids]);
}

/** Attributes that match the filter and that the viewer may see, oldest first. */
/** The query searchAttributes runs for a filter other than one plain value (its plan is tested: test/store/plans.test.ts). */
export async function attributeSearchQuery(store: Store, viewer: Viewer, filter: AttributeFilter) {
  const keyset = await valueKeyset(store, viewer, filter);
  return hitQuery(store, viewer, filter, await attributeMatches(store, viewer, filter, keyset?.ids), keyset);
}

/** `plainIds`: the value ids of a one-value search, when the caller looked them up already (attributePages, once for all its pages). */
export async function searchAttributes(store: Store, viewer: Viewer, filter: AttributeFilter, plainIds?: readonly number[]): Promise<AttributeHit[]> {
  const plain = plainValueOf(filter);
  const rows = plain !== undefined ? await plainValueSearch(store, viewer, filter, plain, plainIds)
    : await readRowArrays(store, (await attributeSearchQuery(store, viewer, filter)).compile());
  return rows.map(hitOf);
}

/**
 * Events the viewer may see that the filter finds, oldest first (as MISP lists them), a page at a time:
 * what events/restSearch returns. What the filter asks of events (ids, dates, times, creator) is asked of
 * the event; tags as MISP asks them of an event (carried by the event or by one of its attributes the
 * viewer may see; `notTags`: not carried by the event); uuids name the event or one of its attributes;
 * the rest must hold for one attribute of it. An event needs no attribute unless the filter asks about one.
 */
export async function searchEventIds(store: Store, viewer: Viewer, filter: AttributeFilter, page: { limit?: number; offset?: number } = {}): Promise<number[]> {
  return (await (await eventSearchQuery(store, viewer, filter, page)).execute()).map((r) => r.id);
}

/** The query searchEventIds runs. */
export async function eventSearchQuery(store: Store, viewer: Viewer, filter: AttributeFilter, page: { limit?: number; offset?: number } = {}) {
  const { limit: _l, offset: _o, tags, anyTags, notTags, uuids, notUuids, ...criteria } = filter;
  const onAttributes = attributeCriteria(criteria);
  let q = store.db.selectFrom('event').select('event.id').where(eventVisibleTo(viewer)).where(eventMatches(store, criteria));
  // The subqueries refer to the outer `event` row, which Kysely's types do not carry into them.
  if (Object.keys(onAttributes).length > 0) {
    const matches = await attributeMatches(store, viewer, onAttributes);
    q = q.where((eb) => eb.exists(eb.selectFrom('attribute').select('attribute.id').whereRef('attribute.event_id', '=', 'event.id').where(matches as never)));
  }
  if (uuids || notUuids?.length) {
    const holding = async (list: readonly string[]) => {
      const m = await attributeMatches(store, viewer, { uuids: list, includeDeleted: true });
      return (eb: EventScope) => eb.or([eb('event.uuid', 'in', list.map(uuidToBytes)),
        eb.exists(eb.selectFrom('attribute').select('attribute.id').whereRef('attribute.event_id', '=', 'event.id').where(m as never))]);
    };
    if (uuids) {
      const named = uuids.length ? await holding(uuids) : () => NOTHING;
      q = q.where((eb) => named(eb));
    }
    if (notUuids?.length) {
      const named = await holding(notUuids);
      q = q.where((eb) => eb.not(named(eb)));
    }
  }
  if (tags?.length || anyTags?.length || notTags?.length) {
    const visible = attributeVisibleTo(viewer);
    const carries = (eb: EventScope, tag: string) => {
      const op = tag.includes('%') ? 'like' : '=';
      return eb.or([eventCarries(eb, tag), eb.exists(eb.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id')
        .innerJoin('attribute', 'attribute.id', 'attribute_tag.attribute_id').select('attribute_tag.id')
        .whereRef('attribute_tag.event_id', '=', 'event.id').where('tag.name', op, tag).where('attribute.deleted', '=', 0).where(visible as never))]);
    };
    q = q.where((eb) => eb.and([
      ...(tags ?? []).map((t) => carries(eb, t)),
      ...(anyTags?.length ? [eb.or(anyTags.map((t) => carries(eb, t)))] : []),
      ...(notTags ?? []).map((t) => eb.not(eventCarries(eb, t))),
    ]));
  }
  q = q.orderBy('event.id', 'asc');
  if (page.limit !== undefined) q = q.limit(page.limit);
  if (page.offset && page.limit !== undefined) q = q.offset(page.offset);
  return q;
}

/** The event itself carries the tag (a name, or a `%` pattern). */
function eventCarries(eb: EventScope, tag: string): Expression<SqlBool> {
  return eb.exists(eb.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id').select('event_tag.id')
    .whereRef('event_tag.event_id', '=', 'event.id').where('tag.name', tag.includes('%') ? 'like' : '=', tag));
}

/**
 * searchAttributes a page at a time, in id order taken up where the last page ended, so that a listing
 * of any size holds one page in memory; the filter's limit and offset bound the whole listing.
 *
 * On PostgreSQL the next page is asked for before this one is handed on: the server reads it while the
 * caller turns this one into text, and a frequent value's answer takes the longer of the two, not their
 * sum. The embedded store reads synchronously, so asking early would only hold two pages.
 */
export async function* attributePages(store: Store, viewer: Viewer, filter: AttributeFilter, pageSize = 5_000): AsyncGenerator<AttributeHit[]> {
  const { limit, offset, afterId: start, ...criteria } = filter;
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  let skip = limit !== undefined ? (offset ?? 0) : 0;
  // A one-value search looks its value up once, not once a page.
  const plain = plainValueOf({ ...criteria, limit: pageSize });
  const plainIds = plain !== undefined ? await valueIdsOf(store.db, plain.trim()) : undefined;
  if (plainIds?.length === 0) return;
  const page = (afterId: number | undefined) => searchAttributes(store, viewer, {
    ...criteria, ...(afterId !== undefined ? { afterId } : {}), limit: Math.min(pageSize, remaining), ...(skip ? { offset: skip } : {}),
  }, plainIds);
  let next: Promise<AttributeHit[]> | undefined = page(start);
  while (next) {
    const hits = await next;
    next = undefined;
    skip = 0;
    if (hits.length === 0) return;
    remaining -= hits.length;
    // A short page is the last: no query to learn that nothing follows.
    const more = hits.length === pageSize && remaining > 0;
    const afterId = hits[hits.length - 1]!.id;
    if (more && store.dialect === 'postgres') next = page(afterId);
    try {
      yield hits;
    } finally {
      // A caller that stops early leaves the page asked for ahead unread: its failure is nobody's.
      next?.catch(() => undefined);
    }
    if (more && !next) next = page(afterId);
  }
}
