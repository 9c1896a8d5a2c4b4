import type { Viewer } from '../../access/viewer.js';
import { parseItemRef } from '../../model/event.js';
import type { Store } from '../db/database.js';
import { bytesToUuid, uuidToBytes } from '../db/uuid.js';
import { objectVisibleTo } from '../visibility.js';

export interface ItemRef {
  id: number;
  uuid: string;
  eventId: number;
}

function refOf(text: string): { id: number } | { uuid: Buffer } | undefined {
  const ref = parseItemRef(text);
  return ref && ('id' in ref ? ref : { uuid: uuidToBytes(ref.uuid) });
}

/** The object an address names by id or uuid, when the viewer may see it (deleted ones too). */
export async function objectByRef(store: Store, viewer: Viewer, text: string): Promise<ItemRef | undefined> {
  const ref = refOf(text);
  if (!ref) return undefined;
  const row = await store.db.selectFrom('object').innerJoin('event', 'event.id', 'object.event_id')
    .select(['object.id', 'object.uuid', 'object.event_id'])
    .where((eb) => ('id' in ref ? eb('object.id', '=', ref.id) : eb('object.uuid', '=', ref.uuid)))
    .where(objectVisibleTo(viewer)).executeTakeFirst();
  return row && { id: row.id, uuid: bytesToUuid(row.uuid), eventId: row.event_id };
}

/** The object reference an address names by id or uuid, when the viewer may see its object. */
export async function referenceByRef(store: Store, viewer: Viewer, text: string): Promise<(ItemRef & { objectUuid: string }) | undefined> {
  const ref = refOf(text);
  if (!ref) return undefined;
  const row = await store.db.selectFrom('object_reference')
    .innerJoin('object', 'object.id', 'object_reference.object_id')
    .innerJoin('event', 'event.id', 'object_reference.event_id')
    .select(['object_reference.id', 'object_reference.uuid', 'object_reference.event_id', 'object.uuid as object_uuid'])
    .where((eb) => ('id' in ref ? eb('object_reference.id', '=', ref.id) : eb('object_reference.uuid', '=', ref.uuid)))
    .where(objectVisibleTo(viewer)).executeTakeFirst();
  return row && { id: row.id, uuid: bytesToUuid(row.uuid), eventId: row.event_id, objectUuid: bytesToUuid(row.object_uuid) };
}
