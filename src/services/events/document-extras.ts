import type { Viewer } from '../../access/viewer.js';
import type { JsonObject } from '../../formats/misp-json/coerce.js';
import { eventHasAnalystData } from '../../store/analyst-data.js';
import type { Store } from '../../store/db/database.js';
import { attachedAnalystData } from '../analyst-data/document.js';
import { addProposalsToDocument } from './proposals.js';

/**
 * What an event document answered by this instance (events/view, events/add, events/edit) carries beyond
 * the portable MISP JSON: the notes, opinions and relationships on the event and each of its elements
 * (MISP's view includes them), and the proposals pending on it. Reads only what the viewer may see.
 */
export async function addEventDocumentExtras(store: Store, viewer: Viewer, event: JsonObject): Promise<void> {
  const objects = (event.Object as JsonObject[] | undefined) ?? [];
  const elements = [event, ...((event.Attribute as JsonObject[] | undefined) ?? []), ...objects, ...objects.flatMap((o) => (o.Attribute as JsonObject[] | undefined) ?? []),
    ...((event.EventReport as JsonObject[] | undefined) ?? [])];
  // Most events hold no analyst data: one query by the event says so before every element's uuid is looked up.
  const eventId = Number(event.id);
  if (!Number.isSafeInteger(eventId) || eventId <= 0 || await eventHasAnalystData(store, eventId)) {
    const attached = await attachedAnalystData(store, viewer, elements.map((e) => e.uuid as string));
    for (const element of elements) Object.assign(element, attached.get(element.uuid as string) ?? {});
  }
  await addProposalsToDocument(store, viewer, event);
}
