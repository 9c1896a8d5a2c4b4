import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * MISP's blocklists, tags restricted to an organisation or a user, and protected events:
 * - `event_blocklist`: uuids of events never to import, by any path;
 * - `org_blocklist`: uuids of organisations whose events (as their creator) are never imported;
 * - `tag.org_id` / `tag.user_id`: a tag only that organisation (or user) sees and may put on things, 0 for all;
 * - `event.protected`: MISP's protected mode, which sync users may only change with a signature.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await d.idColumn(db.schema.createTable('event_blocklist'))
    .addColumn('event_uuid', 'text', (c) => c.notNull().unique())
    .addColumn('created', 'bigint', (c) => c.notNull())
    .addColumn('event_info', 'text', (c) => c.notNull())
    .addColumn('event_orgc', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .execute();
  await d.idColumn(db.schema.createTable('org_blocklist'))
    .addColumn('org_uuid', 'text', (c) => c.notNull().unique())
    .addColumn('created', 'bigint', (c) => c.notNull())
    .addColumn('org_name', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('tag').addColumn('org_id', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('tag').addColumn('user_id', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('event').addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
