import type { Viewer } from '../../access/viewer.js';
import type { JsonObject } from '../../formats/misp-json/coerce.js';
import { serializeMispEvent } from '../../formats/misp-json/serialize.js';
import type { StoredEvent } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { localIds } from '../../store/events/object-lookup.js';

/** An object as MISP answers it, its attributes and references listed. */
export type ObjectDocument = { Object: JsonObject & { Attribute: JsonObject[]; ObjectReference: JsonObject[] } };

/**
 * An object of a stored event as MISP answers it (objects/view, objects/add, objects/restSearch): with its
 * own, its event's and its attributes' ids. The event is the one the viewer may see, read with its deleted
 * items; `ids` are its local ids (localIds), read once per event by a caller answering several of its objects.
 */
export async function objectDocument(store: Store, viewer: Viewer, event: StoredEvent, uuid: string, ids?: Map<string, number>): Promise<ObjectDocument | undefined> {
  const found = event.objects.find((o) => o.uuid === uuid);
  if (!found) return undefined;
  // A live object shows its live parts; a deleted one (still viewable by id) shows what it held.
  const object = found.deleted ? found : { ...found, attributes: found.attributes.filter((a) => !a.deleted), references: found.references.filter((r) => !r.deleted) };
  const local = ids ?? (await localIds(store, viewer, event.id));
  const doc = (serializeMispEvent({ ...event, attributes: [], reports: [], objects: [object] }).Event.Object as JsonObject[])[0]!;
  const withIds = (item: JsonObject): JsonObject => ({ id: String(local.get(item.uuid as string) ?? ''), event_id: String(event.id), ...item });
  return {
    Object: {
      ...withIds(doc),
      Attribute: (doc.Attribute as JsonObject[]).map((a): JsonObject => ({ ...withIds(a), object_id: String(local.get(uuid)) })),
      ObjectReference: (doc.ObjectReference as JsonObject[]).map((r): JsonObject => ({ ...withIds(r), object_id: String(local.get(uuid)) })),
    },
  };
}
