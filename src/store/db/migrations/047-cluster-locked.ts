import type { Kysely } from 'kysely';

/**
 * `galaxy_cluster.locked`, as MISP's: 1 for a custom cluster that came from another instance (pulled, or
 * pushed here by a sync user). A newer version from elsewhere replaces only a locked cluster: one made
 * here is never overwritten by a copy that went round another instance.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('galaxy_cluster').addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
