import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * MISP's feeds: remote (or local) sources of events and indicators that a site administrator
 * configures, fetches and caches.
 * - The columns are MISP's (flags as 0/1); `is_default` is MISP's `default`, `settings`, `rules` and
 *   `headers` the text MISP keeps (settings and rules as JSON text, kept byte for byte across edits).
 * - Cairn's own: `interval_minutes` (0: not fetched on a schedule), the conditional-request validators
 *   of the last fetch (`etag`, `last_modified`), `cursor` (a TAXII feed's added_after), and the last
 *   run's outcome (`fetched_at`, `cached_at`, `last_result` as JSON text).
 * - Ids are never handed out twice (AUTOINCREMENT, an identity), as for events: a client holding a
 *   deleted feed's id must not edit another by it.
 * MISP's installation holds two feeds from the start, both disabled: the CIRCL OSINT feed and the
 * Botvrij.eu feed; a new store holds them too. The rest of MISP's list is loaded by feeds/loadDefaultFeeds.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await db.schema.createTable('feed')
    .addColumn('id', 'integer', (c) => (d.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('rules', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('distribution', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sharing_group_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tag_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('source_format', 'text', (c) => c.notNull().defaultTo('misp'))
    .addColumn('fixed_event', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delta_merge', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('event_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('publish', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('override_ids', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('settings', 'text')
    .addColumn('input_source', 'text', (c) => c.notNull().defaultTo('network'))
    .addColumn('delete_local_file', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lookup_visible', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('headers', 'text')
    .addColumn('caching_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('force_to_ids', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('orgc_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tag_collection_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('interval_minutes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('cursor', 'text')
    .addColumn('fetched_at', 'bigint')
    .addColumn('cached_at', 'bigint')
    .addColumn('last_result', 'text')
    .execute();
  await db.schema.createIndex('feed_url').on('feed').column('url').execute();
  const base = { rules: null, enabled: 0, distribution: 3, sharing_group_id: 0, tag_id: 0, is_default: 1, source_format: 'misp', settings: null };
  await db.insertInto('feed' as never).values([
    { ...base, name: 'CIRCL OSINT Feed', provider: 'CIRCL', url: 'https://www.circl.lu/doc/misp/feed-osint' },
    { ...base, name: 'The Botvrij.eu Data', provider: 'Botvrij.eu', url: 'https://www.botvrij.eu/data/feed-osint' },
  ] as never).execute();
}
