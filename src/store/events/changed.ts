import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Marks events as written now. What a TAXII client reads as an object's `date_added` comes from this
 * mark, so every change that alters an event's STIX objects (its attributes, tags, sightings, state)
 * sets it, in the transaction of the change and just before it commits. The mark is also later than
 * every other one, so that no two commits share a millisecond: a client that read up to one mark never
 * misses a change committed after it (with one writer at a time, as SQLite has).
 */
export async function touchEvents(db: Kysely<Database>, eventIds: Iterable<number>): Promise<void> {
  const unique = [...new Set(eventIds)];
  if (unique.length === 0) return;
  const top = await db.selectFrom('event').select((eb) => eb.fn.max('changed').as('m')).executeTakeFirst();
  const changed = Math.max(Date.now(), Number(top?.m ?? 0) + 1);
  for (let i = 0; i < unique.length; i += 500) {
    await db.updateTable('event').set({ changed }).where('id', 'in', unique.slice(i, i + 500)).execute();
  }
}
