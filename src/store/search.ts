import type { Viewer } from '../access/viewer.js';
import type { Store } from './database.js';
import { bytesToUuid, uuidToBytes } from './uuid.js';
import { joinValue } from './value-key.js';
import { holdsValueIds, valueIdsOf } from './value-match.js';
import { attributeVisibleTo } from './visibility.js';
import type { EventRef } from './event-reader.js';

export interface AttributeFilter {
  /** An exact value, or a pattern with `%` wildcards as in MISP; matched against each part of composites. */
  value?: string;
  types?: readonly string[];
  categories?: readonly string[];
  /** Attributes tagged so, or in an event tagged so; `%` wildcards allowed. */
  tags?: readonly string[];
  event?: EventRef;
  includeDeleted?: boolean;
  limit?: number;
}

export interface AttributeHit {
  eventId: number;
  eventUuid: string;
  eventInfo: string;
  uuid: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  comment: string;
  objectRelation: string | null;
}

/** Attributes that match the filter and that the viewer may see, oldest first. */
export async function searchAttributes(store: Store, viewer: Viewer, filter: AttributeFilter): Promise<AttributeHit[]> {
  let q = store.db
    .selectFrom('attribute')
    .innerJoin('event', 'event.id', 'attribute.event_id')
    .select([
      'event.id as event_id', 'event.uuid as event_uuid', 'event.info',
      'attribute.uuid', 'attribute.type', 'attribute.category', 'attribute.value1', 'attribute.value2',
      'attribute.to_ids', 'attribute.comment', 'attribute.object_relation',
    ])
    .where(attributeVisibleTo(viewer));

  if (!filter.includeDeleted) q = q.where('attribute.deleted', '=', 0);
  if (filter.types?.length) q = q.where('attribute.type', 'in', [...filter.types]);
  if (filter.categories?.length) q = q.where('attribute.category', 'in', [...filter.categories]);
  if (filter.event) {
    const ref = filter.event;
    q = 'id' in ref ? q.where('event.id', '=', ref.id) : q.where('event.uuid', '=', uuidToBytes(ref.uuid));
  }
  const value = filter.value?.trim();
  if (value) {
    if (value.includes('%')) {
      const pattern = value.toLowerCase();
      q = q.where((eb) => eb.or([
        eb(eb.fn('lower', ['attribute.value1']), 'like', pattern),
        eb(eb.fn('lower', ['attribute.value2']), 'like', pattern),
      ]));
    } else {
      const ids = await valueIdsOf(store.db, value);
      q = q.where((eb) => holdsValueIds(eb, ids));
    }
  }
  for (const tag of filter.tags ?? []) {
    const op = tag.includes('%') ? 'like' : '=';
    q = q.where((eb) => eb.or([
      eb.exists(eb.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id').select('event_tag.id')
        .whereRef('event_tag.event_id', '=', 'attribute.event_id').where('tag.name', op, tag)),
      eb.exists(eb.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id').select('attribute_tag.id')
        .whereRef('attribute_tag.attribute_id', '=', 'attribute.id').where('tag.name', op, tag)),
    ]));
  }
  q = q.orderBy('attribute.id');
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  const rows = await q.execute();
  return rows.map((r) => ({
    eventId: r.event_id,
    eventUuid: bytesToUuid(r.event_uuid),
    eventInfo: r.info,
    uuid: bytesToUuid(r.uuid),
    type: r.type,
    category: r.category,
    value: joinValue(r.type, r.value1, r.value2),
    to_ids: r.to_ids === 1,
    comment: r.comment,
    objectRelation: r.object_relation,
  }));
}
