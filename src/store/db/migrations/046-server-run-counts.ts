import type { Kysely } from 'kysely';

/**
 * What a sync run moved beyond events, counted as MISP's pull reports it ("… proposals, … sightings,
 * … clusters, … analyst data pulled"): sightings, proposals, custom galaxy clusters and analyst data
 * (notes, opinions, relationships), pulled or pushed, each a column of `server_run`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['sightings', 'proposals', 'clusters', 'analyst_data']) {
    await db.schema.alterTable('server_run').addColumn(column, 'integer', (c) => c.notNull().defaultTo(0)).execute();
  }
}
