import type { JsonObject } from '../../formats/misp-json/coerce.js';
import { serializeStoredEvent } from '../../formats/misp-json/serialize.js';
import type { StoredEvent } from '../../model/event.js';

/** An object as MISP answers it, its attributes and references listed. */
export type ObjectDocument = { Object: JsonObject & { Attribute: JsonObject[]; ObjectReference: JsonObject[] } };

/**
 * An object of a stored event as MISP answers it (objects/view, objects/add, objects/restSearch): with its
 * own, its event's and its attributes' ids. The event is the one the viewer may see, read with its deleted
 * items; a live object shows its live parts, a deleted one (still viewable by id) what it held.
 */
export function objectDocument(event: StoredEvent, uuid: string): ObjectDocument | undefined {
  const found = event.objects.find((o) => o.uuid === uuid);
  if (!found) return undefined;
  const object = found.deleted ? found : { ...found, attributes: found.attributes.filter((a) => !a.deleted), references: found.references.filter((r) => !r.deleted) };
  const doc = (serializeStoredEvent({ ...event, attributes: [], reports: [], objects: [object] }).Event.Object as JsonObject[])[0]!;
  return { Object: { ...doc, Attribute: doc.Attribute as JsonObject[], ObjectReference: doc.ObjectReference as JsonObject[] } };
}
