import type { Transaction } from 'kysely';
import type { Store } from '../db/database.js';
import { touchEvents } from './changed.js';
import type { Database } from '../db/schema.js';
import { purgeAnalystDataAbout } from '../analyst-data.js';
import { applyValueEvents, correlatingValueIds, recordValueEvents, type ValueEventDeltas } from '../values/index.js';

/**
 * Removes attributes of one event for good, with their tags, sightings and proposals, then recounts the event;
 * the values they correlated on lose the event if no other attribute of it holds them.
 */
async function purgeAttributes(store: Store, trx: Transaction<Database>, eventId: number, attributeIds: readonly number[]): Promise<void> {
  const before = await correlatingValueIds(trx, eventId);
  for (let i = 0; i < attributeIds.length; i += 500) {
    const part = attributeIds.slice(i, i + 500);
    await purgeAnalystDataAbout(trx, (await trx.selectFrom('attribute').select('uuid').where('id', 'in', part).execute()).map((a) => a.uuid));
    await trx.deleteFrom('sighting').where('attribute_id', 'in', part).execute();
    await trx.deleteFrom('attribute_tag').where('attribute_id', 'in', part).execute();
    // A proposal to change an attribute gone for good has nothing left to change.
    await trx.deleteFrom('shadow_attribute').where('old_id', 'in', part).execute();
    await trx.deleteFrom('attribute').where('id', 'in', part).execute();
  }
  const count = await trx.selectFrom('attribute').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('event_id', '=', eventId).where('deleted', '=', 0).executeTakeFirstOrThrow();
  await trx.updateTable('event').set({ attribute_count: Number(count.n) }).where('id', '=', eventId).execute();
  await touchEvents(store, trx, [eventId]);
  const deltas: ValueEventDeltas = new Map();
  recordValueEvents(deltas, before, await correlatingValueIds(trx, eventId));
  await applyValueEvents(store, trx, deltas);
}

/** Removes one attribute for good (MISP's hard delete); false when there is none. */
export async function purgeAttribute(store: Store, attributeId: number): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('attribute').select('event_id').where('id', '=', attributeId).executeTakeFirst();
    if (!row) return false;
    await purgeAttributes(store, trx, row.event_id, [attributeId]);
    return true;
  });
}

/** Removes an object for good, with its attributes and its references; false when there is none. */
export async function purgeObject(store: Store, objectId: number): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('object').select('event_id').where('id', '=', objectId).executeTakeFirst();
    if (!row) return false;
    const attributes = await trx.selectFrom('attribute').select('id').where('object_id', '=', objectId).execute();
    await purgeAttributes(store, trx, row.event_id, attributes.map((a) => a.id));
    await trx.deleteFrom('object_reference').where('object_id', '=', objectId).execute();
    await purgeAnalystDataAbout(trx, (await trx.selectFrom('object').select('uuid').where('id', '=', objectId).execute()).map((o) => o.uuid));
    await trx.deleteFrom('object').where('id', '=', objectId).execute();
    return true;
  });
}

/** Removes an object reference for good; false when there is none. */
export async function purgeReference(store: Store, referenceId: number): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('object_reference').select('event_id').where('id', '=', referenceId).executeTakeFirst();
    if (!row) return false;
    await trx.deleteFrom('object_reference').where('id', '=', referenceId).execute();
    await touchEvents(store, trx, [row.event_id]);
    return true;
  });
}
