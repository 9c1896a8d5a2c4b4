import type { Kysely } from 'kysely';
import { countValueEvents } from './frozen/value-events.js';

/**
 * The values' counts of events move to a narrow table of their own. Each import changes the counts
 * of the values it meets again, scattered over the whole index; kept on the wide value rows, those
 * changes rewrote a third of the value table at every commit of a large import.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('value_events')
    .addColumn('value_id', 'integer', (c) => c.primaryKey())
    .addColumn('events', 'integer', (c) => c.notNull())
    .execute();
  await countValueEvents(db);
  await db.schema.alterTable('value').dropColumn('events').execute();
}
