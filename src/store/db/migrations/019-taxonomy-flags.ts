import type { Kysely } from 'kysely';

/**
 * MISP's two administrator flags on a taxonomy: `required` (MISP's web interface will not publish an
 * event without a tag of each enabled required taxonomy) and `highlighted` (its interface shows the
 * taxonomy's tags apart). Both start off, for every taxonomy already stored and every one loaded later.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('taxonomy').addColumn('required', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('taxonomy').addColumn('highlighted', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
