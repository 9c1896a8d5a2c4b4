import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { recountValueEvents } from '../value-index.js';

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
  await recountValueEvents(db as unknown as Kysely<Database>);
  await db.schema.alterTable('value').dropColumn('events').execute();
}
