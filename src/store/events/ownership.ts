import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../db/database.js';
import type { EventRef } from './reader.js';
import { bytesToUuid, uuidToBytes } from '../db/uuid.js';
import { eventVisibleTo } from '../visibility.js';

/** What a write decision needs of an event, without its attributes, objects, tags or sightings. */
export interface EventOwnership {
  id: number;
  uuid: string;
  orgUuid: string;
  orgName: string;
  orgcUuid: string;
  orgcName: string;
  distribution: number;
  published: boolean;
  /** MISP's protected mode. */
  protected: boolean;
  /** MISP's locked flag: the event came from another instance. */
  locked: boolean;
  /** The version stored: an import compares it with the one it brings. */
  timestamp: number;
}

/**
 * Who owns and created an event, in one query, when the viewer may see it: an event he may not see
 * answers undefined, as one that does not exist, so that a refusal tells him nothing of it.
 */
export async function eventOwnership(store: Store, viewer: Viewer, ref: EventRef): Promise<EventOwnership | undefined> {
  const row = await store.db
    .selectFrom('event')
    .innerJoin('organisation as orgc', 'orgc.id', 'event.orgc_id')
    .innerJoin('organisation as org', 'org.id', 'event.org_id')
    .select(['event.id', 'event.uuid', 'event.distribution', 'event.published', 'event.protected', 'event.locked', 'event.timestamp', 'org.uuid as org_uuid', 'org.name as org_name', 'orgc.uuid as orgc_uuid', 'orgc.name as orgc_name'])
    .where((eb) => ('id' in ref ? eb('event.id', '=', ref.id) : eb('event.uuid', '=', uuidToBytes(ref.uuid))))
    .where(eventVisibleTo(viewer))
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id, uuid: bytesToUuid(row.uuid), orgUuid: bytesToUuid(row.org_uuid), orgName: row.org_name, orgcUuid: bytesToUuid(row.orgc_uuid),
    orgcName: row.orgc_name, distribution: row.distribution, published: row.published === 1, protected: row.protected === 1, locked: row.locked === 1, timestamp: Number(row.timestamp),
  };
}

/** The stored version of each of these events the viewer may see: what filterEventIdsForPush compares a remote's offer with. */
export async function eventVersions(store: Store, viewer: Viewer, uuids: readonly string[]): Promise<Array<{ id: number; uuid: string; timestamp: number; locked: boolean }>> {
  if (uuids.length === 0) return [];
  const rows = await store.db.selectFrom('event').select(['event.id', 'event.uuid', 'event.timestamp', 'event.locked'])
    .where('event.uuid', 'in', uuids.map(uuidToBytes)).where(eventVisibleTo(viewer)).execute();
  return rows.map((r) => ({ id: r.id, uuid: bytesToUuid(r.uuid), timestamp: Number(r.timestamp), locked: r.locked === 1 }));
}

/**
 * How many attributes an event holds, when the viewer may see it: how large its view is, for the
 * server to decide which thread answers it (the view itself reads it again under the same policy).
 */
export async function eventAttributeCount(store: Store, viewer: Viewer, ref: EventRef): Promise<number | undefined> {
  const row = await store.db.selectFrom('event').select('event.attribute_count')
    .where((eb) => ('id' in ref ? eb('event.id', '=', ref.id) : eb('event.uuid', '=', uuidToBytes(ref.uuid))))
    .where(eventVisibleTo(viewer))
    .executeTakeFirst();
  return row?.attribute_count;
}
