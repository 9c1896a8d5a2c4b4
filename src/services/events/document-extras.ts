import type { Viewer } from '../../access/viewer.js';
import type { JsonObject } from '../../formats/misp-json/coerce.js';
import type { Store } from '../../store/db/database.js';
import { reportIds } from '../../store/events/reports.js';

/**
 * What an event document answered by this instance (events/view, events/add, events/edit) carries beyond
 * the portable MISP JSON: the local ids of its reports. Reads only what the viewer may see.
 */
export async function addEventDocumentExtras(store: Store, viewer: Viewer, eventId: number, event: JsonObject): Promise<void> {
  const reports = event.EventReport as JsonObject[] | undefined;
  if (reports && reports.length > 0) {
    const ids = await reportIds(store, viewer, eventId);
    event.EventReport = reports.map((r) => ({ id: String(ids.get(r.uuid as string) ?? ''), event_id: String(eventId), ...r }));
  }
}
