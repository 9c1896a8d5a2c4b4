import type { Kysely } from 'kysely';

/**
 * The values each cached feed holds, for feed hits without importing: one row per value (each part of
 * a composite value apart) and feed event, keyed by the first 52 bits of the value's MD5, the hash
 * MISP's feeds publish in hashes.csv, so that a MISP feed is cached without downloading its events.
 * `value` is kept where the feed gave it (CSV and free-text feeds), `event_uuid` where the value sits in
 * one of the feed's events (MISP feeds). A run replaces its feed's rows; the rows go with the feed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('feed_value')
    .addColumn('feed_id', 'integer', (c) => c.notNull().references('feed.id').onDelete('cascade'))
    .addColumn('hash', 'bigint', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('event_uuid', 'text')
    .execute();
  await db.schema.createIndex('feed_value_hash').on('feed_value').columns(['hash', 'feed_id']).execute();
  await db.schema.createIndex('feed_value_feed').on('feed_value').column('feed_id').execute();
}
