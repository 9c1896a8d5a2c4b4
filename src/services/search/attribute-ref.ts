import type { Viewer } from '../../access/viewer.js';
import { parseItemRef } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { searchAttributes, type AttributeHit } from '../../store/search/attributes.js';

/** The attribute an address names by id or uuid, as the viewer may see it (never one of an event's uuid). */
export async function attributeByRef(store: Store, viewer: Viewer, ref: string, options: { includeDeleted?: boolean } = {}): Promise<AttributeHit | undefined> {
  const item = parseItemRef(ref);
  if (!item) return undefined;
  const filter = 'id' in item ? { ids: [item.id] } : { uuids: [item.uuid] };
  const hits = await searchAttributes(store, viewer, { ...filter, ...(options.includeDeleted ? { includeDeleted: true } : {}) });
  return hits.find((h) => ('id' in item ? h.id === item.id : h.uuid === item.uuid));
}
