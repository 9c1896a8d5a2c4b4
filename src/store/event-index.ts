import type { Viewer } from '../access/viewer.js';
import type { Store } from './database.js';
import { bytesToUuid } from './uuid.js';
import { attributeVisibleTo, eventVisibleTo } from './visibility.js';

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
  org: { id: number; uuid: string; name: string };
  orgc: { id: number; uuid: string; name: string };
  /** Live attributes the viewer may see: never the stored total. */
  attributeCount: number;
  tags: string[];
}

export interface EventPage {
  limit: number;
  page: number;
}

/** The events the viewer may see, newest first, a page at a time, with what an index shows of each. */
export async function listEvents(store: Store, viewer: Viewer, paging: EventPage): Promise<EventSummary[]> {
  const db = store.db;
  const rows = await db.selectFrom('event')
    .innerJoin('organisation as org', 'org.id', 'event.org_id')
    .innerJoin('organisation as orgc', 'orgc.id', 'event.orgc_id')
    .selectAll('event')
    .select(['org.uuid as org_uuid', 'org.name as org_name', 'orgc.uuid as orgc_uuid', 'orgc.name as orgc_name'])
    .where(eventVisibleTo(viewer)).orderBy('event.id', 'desc')
    .limit(paging.limit).offset((paging.page - 1) * paging.limit).execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const counts = await db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.event_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('attribute.event_id', 'in', ids).where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer))
    .groupBy('attribute.event_id').execute();
  const countOf = new Map(counts.map((c) => [c.event_id, Number(c.n)]));
  const tagRows = await db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id')
    .select(['event_tag.event_id', 'tag.name']).where('event_tag.event_id', 'in', ids).orderBy('event_tag.id').execute();
  const tagsOf = new Map<number, string[]>();
  for (const t of tagRows) tagsOf.set(t.event_id, [...(tagsOf.get(t.event_id) ?? []), t.name]);
  return rows.map((r) => ({
    id: r.id, uuid: bytesToUuid(r.uuid), info: r.info, date: r.date, threatLevelId: r.threat_level_id, analysis: r.analysis,
    distribution: r.distribution, sharingGroupId: r.sharing_group_id, published: r.published === 1, timestamp: r.timestamp, publishTimestamp: r.publish_timestamp,
    disableCorrelation: r.disable_correlation === 1,
    org: { id: r.org_id, uuid: bytesToUuid(r.org_uuid), name: r.org_name },
    orgc: { id: r.orgc_id, uuid: bytesToUuid(r.orgc_uuid), name: r.orgc_name },
    attributeCount: countOf.get(r.id) ?? 0,
    tags: tagsOf.get(r.id) ?? [],
  }));
}
