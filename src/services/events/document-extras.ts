import type { Viewer } from '../../access/viewer.js';
import type { JsonObject } from '../../formats/misp-json/coerce.js';
import type { Store } from '../../store/db/database.js';
import { reportIds } from '../../store/events/reports.js';
import { attachedAnalystData } from '../analyst-data/document.js';

/**
 * What an event document answered by this instance (events/view, events/add, events/edit) carries beyond
 * the portable MISP JSON: the local ids of its reports, and the notes, opinions and relationships on the
 * event and each of its elements (MISP's view includes them). Reads only what the viewer may see.
 */
export async function addEventDocumentExtras(store: Store, viewer: Viewer, eventId: number, event: JsonObject): Promise<void> {
  const reports = event.EventReport as JsonObject[] | undefined;
  if (reports && reports.length > 0) {
    const ids = await reportIds(store, viewer, eventId);
    event.EventReport = reports.map((r) => ({ id: String(ids.get(r.uuid as string) ?? ''), event_id: String(eventId), ...r }));
  }
  const objects = (event.Object as JsonObject[] | undefined) ?? [];
  const elements = [event, ...((event.Attribute as JsonObject[] | undefined) ?? []), ...objects, ...objects.flatMap((o) => (o.Attribute as JsonObject[] | undefined) ?? []),
    ...((event.EventReport as JsonObject[] | undefined) ?? [])];
  const attached = await attachedAnalystData(store, viewer, elements.map((e) => e.uuid as string));
  for (const element of elements) Object.assign(element, attached.get(element.uuid as string) ?? {});
}
