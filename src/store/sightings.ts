import { randomUUID } from 'node:crypto';
import type { Viewer } from '../access/viewer.js';
import type { Store } from './db/database.js';
import { touchEvents } from './events/changed.js';
import { bytesToUuid, uuidToBytes } from './db/uuid.js';
import { sightingVisibleTo } from './visibility.js';

export interface SightingRecord {
  id: number;
  uuid: string;
  attributeId: number;
  attributeUuid: string;
  eventId: number;
  orgId: number | null;
  orgName: string | null;
  orgUuid: string | null;
  type: number;
  dateSighting: number;
  source: string;
}

/** Records that an organisation saw (0), judged a false positive (1) or saw expire (2) each attribute. */
export async function addSightings(store: Store, attributes: ReadonlyArray<{ id: number; eventId: number }>, orgId: number, type: number, date: number, source: string): Promise<string[]> {
  const uuids = attributes.map(() => randomUUID());
  if (attributes.length === 0) return uuids;
  await store.db.insertInto('sighting').values(attributes.map((a, i) => ({
    uuid: uuidToBytes(uuids[i]!), attribute_id: a.id, event_id: a.eventId, org_id: orgId, type, date_sighting: date, source,
  }))).execute();
  await touchEvents(store.db, attributes.map((a) => a.eventId));
  return uuids;
}

/**
 * Sightings of some attributes, or of an event's, that the viewer may see (sightingVisibleTo). The
 * attributes themselves must already be the viewer's to see.
 */
export async function listSightings(store: Store, viewer: Viewer, on: { attributeIds: readonly number[] } | { eventId: number }): Promise<SightingRecord[]> {
  let q = store.db.selectFrom('sighting')
    .innerJoin('event', 'event.id', 'sighting.event_id')
    .innerJoin('attribute', 'attribute.id', 'sighting.attribute_id')
    .leftJoin('organisation', 'organisation.id', 'sighting.org_id')
    .select(['sighting.id', 'sighting.uuid', 'sighting.attribute_id', 'attribute.uuid as attribute_uuid', 'sighting.event_id', 'sighting.org_id',
      'organisation.name as org_name', 'organisation.uuid as org_uuid', 'sighting.type', 'sighting.date_sighting', 'sighting.source'])
    .orderBy('sighting.id');
  q = 'eventId' in on ? q.where('sighting.event_id', '=', on.eventId)
    : on.attributeIds.length ? q.where('sighting.attribute_id', 'in', [...on.attributeIds]) : q.where('sighting.id', '<', 0);
  q = q.where(sightingVisibleTo(viewer));
  return (await q.execute()).map((r) => ({
    id: r.id, uuid: bytesToUuid(r.uuid), attributeId: r.attribute_id, attributeUuid: bytesToUuid(r.attribute_uuid), eventId: r.event_id,
    orgId: r.org_id, orgName: r.org_name, orgUuid: r.org_uuid ? bytesToUuid(r.org_uuid) : null, type: r.type, dateSighting: r.date_sighting, source: r.source,
  }));
}
