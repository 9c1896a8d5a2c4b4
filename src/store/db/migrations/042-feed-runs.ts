import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * The history of each feed's runs (fetches and caching runs), newest last; `feed.last_result` stays the
 * last one. `result` is the run's result as JSON text (counts and errors), `outcome` and the times are
 * columns of their own so that a history reads without parsing. Only the latest runs of a feed are kept
 * (the store prunes older ones as it records), and a feed's runs go with it.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await db.schema.createTable('feed_run')
    .addColumn('id', 'integer', (c) => (d.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('feed_id', 'integer', (c) => c.notNull().references('feed.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('started', 'bigint', (c) => c.notNull())
    .addColumn('finished', 'bigint', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('feed_run_feed').on('feed_run').columns(['feed_id', 'id']).execute();
}
