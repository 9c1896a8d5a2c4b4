import type { Kysely } from 'kysely';

/**
 * MISP's per-role PHP limits, `max_execution_time` (seconds) and `memory_limit` (such as 2048M), kept as
 * MISP keeps them, text, empty when the role sets none, so that roles round-trip through MISP's API.
 * Cairn stores and shows them; it does not apply them (they are limits of PHP's interpreter).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('role').addColumn('max_execution_time', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('role').addColumn('memory_limit', 'text', (c) => c.notNull().defaultTo('')).execute();
}
