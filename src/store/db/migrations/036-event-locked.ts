import type { Kysely } from 'kysely';

/**
 * MISP's `locked` flag of an event: set on events that came from another instance (pulled, or pushed
 * by a sync user). A sync user may bring a newer version of a locked event even when his organisation
 * did not create it; filterEventIdsForPush offers no push of an older unlocked one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('event').addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
