import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * Cairn pulling from and pushing to its servers (the sync client):
 * - `server_run`: one row per pull or push of a server, kept as the history site admins read
 *   (servers/runs): its scope (full, incremental, one event), when it started and finished, its status
 *   (running, ok, failed), what it counted, its error and the events the remote or the rules refused
 *   (`refusals`, JSON text [{event, reason}]).
 * - on `server`: the schedule (`pull_interval` / `push_interval` in minutes, 0: only when asked) and when
 *   each was last claimed (`pull_scheduled_at` / `push_scheduled_at`, as feed.fetched_at for feeds);
 *   `running_since`, the claim of the run under way (one run per server at a time, whichever process
 *   asks; a claim older than the longest run is taken over); `index_etag`, the ETag of the remote's event
 *   index at the last complete pull, for the next incremental one's If-None-Match.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await db.schema.alterTable('server').addColumn('pull_interval', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('server').addColumn('push_interval', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('server').addColumn('pull_scheduled_at', 'bigint').execute();
  await db.schema.alterTable('server').addColumn('push_scheduled_at', 'bigint').execute();
  await db.schema.alterTable('server').addColumn('running_since', 'bigint').execute();
  await db.schema.alterTable('server').addColumn('index_etag', 'text').execute();
  await db.schema.createTable('server_run')
    .addColumn('id', 'integer', (c) => (d.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('server_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started', 'bigint', (c) => c.notNull())
    .addColumn('finished', 'bigint')
    .addColumn('pulled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pushed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('refused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('refusals', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.createIndex('server_run_server').on('server_run').columns(['server_id', 'id']).execute();
}
