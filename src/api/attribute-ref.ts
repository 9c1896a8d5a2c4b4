import type { Viewer } from '../access/viewer.js';
import { isUuid } from '../model/event.js';
import type { Store } from '../store/database.js';
import { searchAttributes, type AttributeHit } from '../store/search.js';

/** The attribute an address names by id or uuid, as the viewer may see it (never one of an event's uuid). */
export async function attributeByRef(store: Store, viewer: Viewer, ref: string, options: { includeDeleted?: boolean } = {}): Promise<AttributeHit | undefined> {
  const key = ref.trim().toLowerCase();
  const filter = /^\d+$/.test(key) ? { ids: [Number(key)] } : isUuid(key) ? { uuids: [key] } : undefined;
  if (!filter) return undefined;
  const hits = await searchAttributes(store, viewer, { ...filter, ...(options.includeDeleted ? { includeDeleted: true } : {}) });
  return hits.find((h) => String(h.id) === key || h.uuid === key);
}
