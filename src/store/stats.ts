import { sql } from 'kysely';
import type { Viewer } from '../access/viewer.js';
import type { Store } from './db/database.js';
import { attributeVisibleTo, eventVisibleTo, objectVisibleTo } from './visibility.js';

export interface StoreStats {
  events: number;
  attributes: number;
  objects: number;
  attributesByType: Record<string, number>;
  /** Tags by the number of events that carry them, most used first. */
  topTags: Array<{ name: string; events: number }>;
}

/** Counts of what is stored and not deleted, as far as the viewer may see. */
export async function storeStats(store: Store, viewer: Viewer, topTagCount = 10): Promise<StoreStats> {
  const db = store.db;
  const events = await db.selectFrom('event').select((eb) => eb.fn.countAll<number>().as('n'))
    .where(eventVisibleTo(viewer)).executeTakeFirstOrThrow();
  const byType = await db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer))
    .groupBy('attribute.type').orderBy('n', 'desc').orderBy('attribute.type').execute();
  const objects = await db.selectFrom('object').innerJoin('event', 'event.id', 'object.event_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('object.deleted', '=', 0).where(objectVisibleTo(viewer))
    .executeTakeFirstOrThrow();
  const tags = await db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id')
    .innerJoin('event', 'event.id', 'event_tag.event_id')
    .select(['tag.name', (eb) => eb.fn.countAll<number>().as('n')])
    .where(eventVisibleTo(viewer))
    .groupBy('tag.name').orderBy('n', 'desc').orderBy('tag.name').limit(topTagCount).execute();
  const attributesByType: Record<string, number> = {};
  let attributes = 0;
  for (const r of byType) {
    attributesByType[r.type] = Number(r.n);
    attributes += Number(r.n);
  }
  return {
    events: Number(events.n),
    attributes,
    objects: Number(objects.n),
    attributesByType,
    topTags: tags.map((t) => ({ name: t.name, events: Number(t.n) })),
  };
}

/** Events the viewer may see, by month of their date (`YYYY-MM`), for the last `months` months that hold any, oldest first. */
export async function eventsByMonth(store: Store, viewer: Viewer, months = 12): Promise<Array<{ month: string; events: number }>> {
  const month = sql<string>`substr(event.date, 1, 7)`;
  const rows = await store.db.selectFrom('event').select([month.as('month'), (eb) => eb.fn.countAll<number>().as('n')])
    .where(eventVisibleTo(viewer)).groupBy(month).orderBy(month, 'desc').limit(months).execute();
  return rows.map((r) => ({ month: r.month, events: Number(r.n) })).reverse();
}

/**
 * Values that link at least two events the viewer may see: what the dashboard calls correlations. The
 * value index's own event count narrows the values to look at; the viewer's policy decides the rest.
 */
export async function correlatingValueCount(store: Store, viewer: Viewer): Promise<number> {
  const linked = store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .innerJoin('value_events', 'value_events.value_id', 'attribute.value1_id')
    .select('attribute.value1_id')
    .where('value_events.events', '>=', 2).where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer))
    .groupBy('attribute.value1_id').having((eb) => eb.fn.count('attribute.event_id').distinct(), '>=', 2);
  const row = await store.db.selectFrom(linked.as('linked')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many live attributes the viewer may see of each type (or category): MISP's attributes/attributeStatistics. */
export async function attributeCountsBy(store: Store, viewer: Viewer, column: 'type' | 'category'): Promise<Array<{ key: string; count: number }>> {
  const rows = await store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select([`attribute.${column} as key`, (eb) => eb.fn.countAll<number>().as('n')])
    .where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer))
    .groupBy(`attribute.${column}`).execute();
  return rows.map((r) => ({ key: r.key, count: Number(r.n) }));
}

/** How many events the viewer may see carry each tag (MISP's tags/tagStatistics counts event tags). */
export async function eventTagCounts(store: Store, viewer: Viewer): Promise<Array<{ name: string; count: number }>> {
  const rows = await store.db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id').innerJoin('event', 'event.id', 'event_tag.event_id')
    .select(['tag.name', (eb) => eb.fn.countAll<number>().as('n')])
    .where(eventVisibleTo(viewer)).groupBy('tag.name').execute();
  return rows.map((r) => ({ name: r.name, count: Number(r.n) }));
}

/** The namespaces of the enabled taxonomies. */
export async function enabledTaxonomyNamespaces(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('taxonomy').select('namespace').where('enabled', '=', 1).execute()).map((r) => r.namespace);
}
