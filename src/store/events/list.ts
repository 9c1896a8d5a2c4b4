import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { organisationsNamed } from '../access/organisations.js';
import { bytesToUuid, uuidToBytes } from '../db/uuid.js';
import { attributeVisibleTo, eventVisibleTo, seesEveryAttributeOf } from '../visibility.js';

/**
 * The event title holds the text, any case, read as MISP's MySQL reads a LIKE pattern: `%` and `_` are
 * wildcards and a backslash escapes the character after it (so `C:\\Windows` finds `C:\Windows`).
 */
const infoLike = (text: string) => sql<SqlBool>`lower(event.info) like ${`%${text.toLowerCase()}%`} escape '\\'`;

export interface EventSummary {
  id: number;
  uuid: string;
  info: string;
  date: string;
  threatLevelId: number;
  analysis: number;
  distribution: number;
  sharingGroupId: number | null;
  published: boolean;
  timestamp: number;
  publishTimestamp: number;
  disableCorrelation: boolean;
  /** MISP's locked flag: the event came from another instance. */
  locked: boolean;
  /** MISP's protected mode. */
  protected: boolean;
  org: { id: number; uuid: string; name: string };
  orgc: { id: number; uuid: string; name: string };
  /** Live attributes the viewer may see: never the stored total. */
  attributeCount: number;
  tags: Array<{ name: string; colour: string }>;
}

export interface EventPage {
  limit: number;
  page: number;
}

/** A set of wanted values and of unwanted ones (MISP's `!value`). */
export interface Choice<T> {
  any?: readonly T[];
  none?: readonly T[];
}

/** What events/index filters on: every member narrows the list. */
export interface EventIndexFilter {
  ids?: Choice<number>;
  /** Events by uuid (lower case). */
  uuids?: Choice<string>;
  published?: boolean;
  /** Event dates, `YYYY-MM-DD`, inclusive. */
  dateFrom?: string;
  dateTo?: string;
  /** Words of the title, case-insensitive; `%` wildcards allowed. */
  info?: string;
  threatLevels?: Choice<number>;
  distributions?: Choice<number>;
  analysis?: Choice<number>;
  sharingGroups?: Choice<number>;
  /** Creator organisations by id, uuid or name. */
  orgs?: Choice<string>;
  /** Event tags by name (`%` wildcards allowed). */
  tags?: Choice<string>;
  /** Changed / published at or after (epoch seconds). */
  since?: number;
  publishedSince?: number;
  /** Changed / published at or before (epoch seconds). */
  until?: number;
  publishedUntil?: number;
  /** Only events among these (those holding a searched attribute value, found beforehand). */
  within?: readonly number[];
  /** Events whose title holds this text, or that are among these ids (MISP's `all`). */
  infoOr?: { text: string; ids: readonly number[] };
  /** Only events with attributes or a live report (MISP's `minimal` index leaves empty ones out). */
  withContent?: boolean;
  /** Leave out protected events (a remote pulling through the minimal index cannot check their signatures here). */
  unprotected?: boolean;
  sort?: 'id' | 'date' | 'info' | 'timestamp' | 'publish_timestamp' | 'threat_level_id' | 'analysis' | 'distribution';
  desc?: boolean;
}

type EventScope = ExpressionBuilder<Database, 'event'>;

function choice<T extends string | number>(eb: EventScope, column: 'event.id' | 'event.threat_level_id' | 'event.distribution' | 'event.analysis' | 'event.sharing_group_id',
  c: Choice<T> | undefined, out: Array<Expression<SqlBool>>): void {
  if (c?.any?.length) out.push(eb(column, 'in', c.any as never));
  if (c?.none?.length) out.push(eb(column, 'not in', c.none as never));
}

function tagged(eb: EventScope, tag: string): Expression<SqlBool> {
  return eb.exists(eb.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id').select('event_tag.id')
    .whereRef('event_tag.event_id', '=', 'event.id').where('tag.name', tag.includes('%') ? 'like' : '=', tag));
}

export function indexFilter(store: Store, f: EventIndexFilter): (eb: EventScope) => Expression<SqlBool> {
  return (eb) => {
    const all: Array<Expression<SqlBool>> = [];
    choice(eb, 'event.id', f.ids, all);
    if (f.uuids?.any?.length) all.push(eb('event.uuid', 'in', f.uuids.any.map(uuidToBytes)));
    if (f.uuids?.none?.length) all.push(eb('event.uuid', 'not in', f.uuids.none.map(uuidToBytes)));
    choice(eb, 'event.threat_level_id', f.threatLevels, all);
    choice(eb, 'event.distribution', f.distributions, all);
    choice(eb, 'event.analysis', f.analysis, all);
    choice(eb, 'event.sharing_group_id', f.sharingGroups, all);
    if (f.published !== undefined) all.push(eb('event.published', '=', f.published ? 1 : 0));
    if (f.dateFrom) all.push(eb('event.date', '>=', f.dateFrom));
    if (f.dateTo) all.push(eb('event.date', '<=', f.dateTo));
    if (f.info) all.push(infoLike(f.info));
    if (f.since !== undefined) all.push(eb('event.timestamp', '>=', f.since));
    if (f.publishedSince !== undefined) all.push(eb('event.publish_timestamp', '>=', f.publishedSince));
    if (f.until !== undefined) all.push(eb('event.timestamp', '<=', f.until));
    if (f.publishedUntil !== undefined) all.push(eb('event.publish_timestamp', '<=', f.publishedUntil));
    if (f.orgs?.any?.length) all.push(eb('event.orgc_id', 'in', organisationsNamed(store, f.orgs.any)));
    if (f.orgs?.none?.length) all.push(eb('event.orgc_id', 'not in', organisationsNamed(store, f.orgs.none)));
    if (f.tags?.any?.length) all.push(eb.or(f.tags.any.map((t) => tagged(eb, t))));
    for (const t of f.tags?.none ?? []) all.push(eb.not(tagged(eb, t)));
    if (f.infoOr) {
      all.push(eb.or([infoLike(f.infoOr.text), ...(f.infoOr.ids.length ? [eb('event.id', 'in', [...f.infoOr.ids])] : [])]));
    }
    if (f.withContent) {
      all.push(eb.or([eb('event.attribute_count', '>', 0),
        eb.exists(eb.selectFrom('event_report').select('event_report.id').whereRef('event_report.event_id', '=', 'event.id').where('event_report.deleted', '=', 0))]));
    }
    if (f.unprotected) all.push(eb('event.protected', '=', 0));
    if (f.within) all.push(f.within.length ? eb('event.id', 'in', [...f.within]) : sql<SqlBool>`1 = 0`);
    return all.length ? eb.and(all) : sql<SqlBool>`1 = 1`;
  };
}

/** The page of the index: the events the viewer may see, in the order asked for, with their organisations. */
export function eventIndexQuery(store: Store, viewer: Viewer, paging: EventPage, filter: EventIndexFilter = {}) {
  return store.db.selectFrom('event')
    .innerJoin('organisation as org', 'org.id', 'event.org_id')
    .innerJoin('organisation as orgc', 'orgc.id', 'event.orgc_id')
    .selectAll('event')
    .select(['org.uuid as org_uuid', 'org.name as org_name', 'orgc.uuid as orgc_uuid', 'orgc.name as orgc_name'])
    .where(eventVisibleTo(viewer)).where(indexFilter(store, filter))
    .orderBy(`event.${filter.sort ?? 'id'}`, filter.desc === false || (filter.sort !== undefined && filter.desc !== true) ? 'asc' : 'desc').orderBy('event.id', 'desc')
    .limit(paging.limit).offset((paging.page - 1) * paging.limit);
}

/** How many live attributes of each of these events the viewer may see: the count an index row shows. */
export function visibleAttributeCountsQuery(db: Kysely<Database>, viewer: Viewer, eventIds: readonly number[]) {
  return db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.event_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('attribute.event_id', 'in', [...eventIds]).where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer))
    .groupBy('attribute.event_id');
}

/** The events the viewer may see, newest first, a page at a time, with what an index shows of each. */
export async function listEvents(store: Store, viewer: Viewer, paging: EventPage, filter: EventIndexFilter = {}): Promise<EventSummary[]> {
  const db = store.db;
  const rows = await eventIndexQuery(store, viewer, paging, filter).execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  // The event keeps its count of live attributes: counted again only where the viewer may not see them all
  // (the count read tens of thousands of attribute rows a page).
  const countOf = new Map(rows.filter((r) => seesEveryAttributeOf(viewer, r.org_id)).map((r) => [r.id, r.attribute_count]));
  const toCount = ids.filter((id) => !countOf.has(id));
  if (toCount.length) for (const c of await visibleAttributeCountsQuery(db, viewer, toCount).execute()) countOf.set(c.event_id, Number(c.n));
  const tagRows = await db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id')
    .select(['event_tag.event_id', 'tag.name', 'tag.colour']).where('event_tag.event_id', 'in', ids).orderBy('event_tag.id').execute();
  const tagsOf = new Map<number, Array<{ name: string; colour: string }>>();
  for (const t of tagRows) tagsOf.set(t.event_id, [...(tagsOf.get(t.event_id) ?? []), { name: t.name, colour: t.colour }]);
  return rows.map((r) => ({
    id: r.id, uuid: bytesToUuid(r.uuid), info: r.info, date: r.date, threatLevelId: r.threat_level_id, analysis: r.analysis,
    distribution: r.distribution, sharingGroupId: r.sharing_group_id, published: r.published === 1, timestamp: r.timestamp, publishTimestamp: r.publish_timestamp,
    disableCorrelation: r.disable_correlation === 1, locked: r.locked === 1, protected: r.protected === 1,
    org: { id: r.org_id, uuid: bytesToUuid(r.org_uuid), name: r.org_name },
    orgc: { id: r.orgc_id, uuid: bytesToUuid(r.orgc_uuid), name: r.orgc_name },
    attributeCount: countOf.get(r.id) ?? 0,
    tags: tagsOf.get(r.id) ?? [],
  }));
}
