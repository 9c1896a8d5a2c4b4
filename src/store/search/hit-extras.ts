import type { Store } from '../db/database.js';
import type { AttributeHit } from './attributes.js';

/*
 * What the pages of an attribute search carry beside the attributes' own rows, read a page at a time for
 * the hits a search found (so seen by the viewer): their tags, their last_seen.
 */

/** A tag as attributes/restSearch lists it on an attribute. */
export interface HitTag {
  id: number;
  name: string;
  colour: string;
  exportable: boolean;
  hideTag: boolean;
  local: boolean;
  relationshipType: string | null;
  /** Carried by the attribute's event, not by the attribute (MISP's includeEventTags). */
  inherited: boolean;
}

/**
 * The tags of these attributes (found by a search, so seen by the viewer), by attribute id, in the order
 * they were attached; with `eventTags`, each also carries the tags of its event after its own.
 */
export async function tagsOfHits(store: Store, hits: readonly Pick<AttributeHit, 'id' | 'eventId'>[], options: { eventTags?: boolean } = {}): Promise<Map<number, HitTag[]>> {
  const out = new Map<number, HitTag[]>();
  if (hits.length === 0) return out;
  const add = (id: number, t: HitTag) => {
    const list = out.get(id);
    if (list) list.push(t);
    else out.set(id, [t]);
  };
  const tagOf = (r: { id: number; name: string; colour: string; exportable: number; hide_tag: number; local: number; relationship_type: string | null }, inherited: boolean): HitTag => ({
    id: r.id, name: r.name, colour: r.colour, exportable: r.exportable === 1, hideTag: r.hide_tag === 1, local: r.local === 1, relationshipType: r.relationship_type, inherited,
  });
  const columns = ['tag.id', 'tag.name', 'tag.colour', 'tag.exportable', 'tag.hide_tag'] as const;
  const eventIds = [...new Set(hits.map((h) => h.eventId))];
  // The hits' own rows, by the (attribute, tag) index: read by their events instead, a page of a value
  // spread over 300 events of 10^7 attributes read the 5,000 tag rows of all their attributes, for 20.
  const own = await store.db.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id')
    .select([...columns, 'attribute_tag.attribute_id', 'attribute_tag.local', 'attribute_tag.relationship_type'])
    .where('attribute_tag.attribute_id', 'in', hits.map((h) => h.id)).orderBy('attribute_tag.id').execute();
  for (const r of own) add(r.attribute_id, tagOf(r, false));
  if (options.eventTags) {
    const rows = await store.db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id')
      .select([...columns, 'event_tag.event_id', 'event_tag.local', 'event_tag.relationship_type'])
      .where('event_tag.event_id', 'in', eventIds).orderBy('event_tag.id').execute();
    const byEvent = new Map<number, HitTag[]>();
    for (const r of rows) {
      const list = byEvent.get(r.event_id);
      if (list) list.push(tagOf(r, true));
      else byEvent.set(r.event_id, [tagOf(r, true)]);
    }
    // A page of 1,000 hits over hundreds of events: each hit takes its event's tags, not a pass over all of them.
    for (const h of hits) for (const t of byEvent.get(h.eventId) ?? []) add(h.id, t);
  }
  return out;
}

/** The last_seen of these attributes (found by a search, so seen by the viewer), by id: what line exports do not read otherwise. */
export async function lastSeenOf(store: Store, ids: readonly number[]): Promise<Map<number, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await store.db.selectFrom('attribute').select(['id', 'last_seen']).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r.last_seen]));
}
