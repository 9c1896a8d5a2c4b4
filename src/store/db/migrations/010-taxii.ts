import { sql, type Kysely } from 'kysely';

/**
 * What the TAXII 2.1 server needs: when this server last wrote each event (its objects' `date_added`,
 * which the source's own `timestamp` cannot be: an old event imported today is new to a client), the
 * configured collections, and the status of each POST.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('event').addColumn('changed', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  // Events stored before this migration count as written at their own last change.
  await sql`update event set changed = timestamp * 1000`.execute(db);
  await db.schema.createIndex('event_changed').on('event').columns(['changed', 'id']).execute();

  await db.schema.createTable('taxii_collection')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('api_root', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('alias', 'text')
    /** all: every event the user may see; tag: events carrying `tag`; sharing-group: events shared with `sharing_group_id`. */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('tag', 'text')
    .addColumn('sharing_group_id', 'integer')
    .addColumn('writable', 'integer', (c) => c.notNull())
    .addColumn('created', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('taxii_status')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('created', 'bigint', (c) => c.notNull())
    /** The status resource as answered, JSON. */
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('taxii_status_created').on('taxii_status').column('created').execute();

  // One collection to start with: everything the user may see, writable by those who may add events.
  await sql`insert into taxii_collection (id, api_root, title, description, alias, kind, writable, created)
    values ('365fed99-08fa-fdcd-a1b3-fb247eb41d01', 'cairn', 'Events', 'Every event you may see, as STIX 2.1', 'events', 'all', 1, ${Date.now()})`.execute(db);
}
