import type { Viewer } from '../access/viewer.js';
import type { ExportAttribute } from '../formats/exports/exporter.js';
import type { Store } from './database.js';
import { searchAttributes, type AttributeFilter } from './search.js';
import { bytesToUuid } from './uuid.js';

/** Attributes read per query: enough to amortise the queries, few enough to keep memory flat. */
const PAGE = 5_000;

/**
 * The attributes an export sends, a page at a time in id order, each with its tags, its object and its
 * event's essentials. The filter (with the viewer's policy) chooses them; a limit and offset in it
 * bound the whole listing, as restSearch's limit and page do.
 */
export async function* exportAttributes(store: Store, viewer: Viewer, filter: AttributeFilter): AsyncGenerator<ExportAttribute[]> {
  const { limit, offset, ...criteria } = filter;
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  let afterId: number | undefined;
  let skip = limit !== undefined ? (offset ?? 0) : 0;
  while (remaining > 0) {
    const size = Math.min(PAGE, remaining);
    const hits = await searchAttributes(store, viewer, { ...criteria, ...(afterId !== undefined ? { afterId } : {}), limit: size, ...(skip ? { offset: skip } : {}) });
    skip = 0;
    if (hits.length === 0) return;
    remaining -= hits.length;
    afterId = hits[hits.length - 1]!.id;

    const db = store.db;
    const tagRows = await db.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id')
      .select(['attribute_tag.attribute_id', 'tag.name']).where('attribute_tag.attribute_id', 'in', hits.map((h) => h.id)).orderBy('attribute_tag.id').execute();
    const tags = new Map<number, string[]>();
    for (const t of tagRows) tags.set(t.attribute_id, [...(tags.get(t.attribute_id) ?? []), t.name]);

    const eventIds = [...new Set(hits.map((h) => h.eventId))];
    const eventRows = await db.selectFrom('event').innerJoin('organisation', 'organisation.id', 'event.orgc_id')
      .select(['event.id', 'event.threat_level_id', 'organisation.name']).where('event.id', 'in', eventIds).execute();
    const eventTagRows = await db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id')
      .select(['event_tag.event_id', 'tag.name']).where('event_tag.event_id', 'in', eventIds).orderBy('event_tag.id').execute();
    const eventTags = new Map<number, string[]>();
    for (const t of eventTagRows) eventTags.set(t.event_id, [...(eventTags.get(t.event_id) ?? []), t.name]);
    const events = new Map(eventRows.map((e) => [e.id, e]));

    const objectIds = [...new Set(hits.map((h) => h.objectId).filter((id): id is number => id !== null))];
    const objectRows = objectIds.length
      ? await db.selectFrom('object').select(['id', 'uuid', 'name', 'meta_category']).where('id', 'in', objectIds).execute() : [];
    const objects = new Map(objectRows.map((o) => [o.id, { uuid: bytesToUuid(o.uuid), name: o.name, metaCategory: o.meta_category }]));

    yield hits.map((h) => {
      const e = events.get(h.eventId)!;
      return {
        id: h.id, uuid: h.uuid, type: h.type, category: h.category, value: h.value, comment: h.comment, to_ids: h.to_ids,
        timestamp: h.timestamp, objectRelation: h.objectRelation, tags: tags.get(h.id) ?? [],
        object: h.objectId === null ? null : (objects.get(h.objectId) ?? null),
        event: { id: h.eventId, uuid: h.eventUuid, info: h.eventInfo, threatLevelId: e.threat_level_id, orgc: e.name, tags: eventTags.get(h.eventId) ?? [] },
      };
    });
  }
}
