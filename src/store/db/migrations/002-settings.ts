import type { Kysely } from 'kysely';

/** Instance settings, one row per setting that differs from its default. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('setting')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
