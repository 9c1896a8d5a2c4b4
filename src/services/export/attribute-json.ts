import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../../store/db/database.js';
import type { AttributeHit } from '../../store/search/attributes.js';
import type { CorrelationSettings } from '../../store/settings.js';
import { eventRelations, type RelatedAttribute } from '../search/related.js';

/** An attribute as attributes/restSearch answers it, with its event's essentials. */
export function attributeDocument(h: AttributeHit) {
  return {
    id: String(h.id), event_id: String(h.eventId), object_id: String(h.objectId ?? 0), object_relation: h.objectRelation,
    category: h.category, type: h.type, to_ids: h.to_ids, uuid: h.uuid, timestamp: String(h.timestamp),
    distribution: String(h.distribution), sharing_group_id: String(h.sharingGroupId ?? 0), comment: h.comment, deleted: h.deleted,
    disable_correlation: h.disableCorrelation, first_seen: h.firstSeen, last_seen: h.lastSeen, value: h.value,
    Event: {
      org_id: String(h.eventOrgId), distribution: String(h.eventDistribution), id: String(h.eventId), info: h.eventInfo,
      orgc_id: String(h.eventOrgcId), uuid: h.eventUuid,
    },
  };
}

type AttributeDocument = ReturnType<typeof attributeDocument> & { RelatedAttribute?: RelatedAttribute[] };

export interface AttributeJsonOptions {
  /** With the correlation settings, each attribute carries what correlates with it, as MISP's includeCorrelations. */
  correlations?: { store: Store; viewer: Viewer; settings: CorrelationSettings };
}

async function documentsOf(hits: AttributeHit[], options: AttributeJsonOptions): Promise<AttributeDocument[]> {
  const docs: AttributeDocument[] = hits.map(attributeDocument);
  const c = options.correlations;
  if (c) {
    for (const eventId of new Set(hits.map((h) => h.eventId))) {
      const { byAttribute } = await eventRelations(c.store, c.viewer, eventId, c.settings);
      for (const d of docs) if (d.event_id === String(eventId)) d.RelatedAttribute = byAttribute.get(d.uuid) ?? [];
    }
  }
  return docs;
}

/**
 * attributes/restSearch's JSON, as text. An answer of one page is one piece, which the API sends whole;
 * a longer one is a piece per page, so that a search of a million attributes answers at once and holds
 * one page.
 */
export async function* attributeJsonText(pages: AsyncIterable<AttributeHit[]>, options: AttributeJsonOptions): AsyncGenerator<string> {
  const it = pages[Symbol.asyncIterator]();
  const first = await it.next();
  const firstPage = first.done ? [] : first.value;
  const second = first.done ? first : await it.next();
  if (second.done) {
    yield JSON.stringify({ response: { Attribute: await documentsOf(firstPage, options) } });
    return;
  }
  async function* all(): AsyncGenerator<AttributeHit[]> {
    yield firstPage;
    for (let next = second; !next.done; next = await it.next()) yield next.value;
  }
  yield '{"response": {"Attribute": [';
  let separator = '';
  for await (const page of all()) {
    const docs = await documentsOf(page, options);
    if (docs.length === 0) continue;
    yield `${separator}${docs.map((d) => JSON.stringify(d)).join(',')}`;
    separator = ',';
  }
  yield ']}}';
}
