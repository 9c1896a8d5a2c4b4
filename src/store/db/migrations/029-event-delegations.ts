import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * MISP's event delegations: the organisation that created an event asks another to take it over.
 * - `event_id` is unique: an event has at most one request waiting, as in MISP; the request goes with
 *   the event (and with either organisation) when that is deleted.
 * - `distribution` is what the requester asks the event to be shared with (-1: the recipient decides),
 *   `sharing_group_id` the group for distribution 4 (null otherwise).
 * - Ids are never handed out twice (AUTOINCREMENT in SQLite, an identity in PostgreSQL), as migration 017
 *   made them for events: a client holding the id of a discarded request must not accept a newer one by it.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await db.schema.createTable('event_delegation')
    .addColumn('id', 'integer', (c) => (d.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('event_id', 'integer', (c) => c.notNull().unique().references('event.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisation.id').onDelete('cascade'))
    .addColumn('requester_org_id', 'integer', (c) => c.notNull().references('organisation.id').onDelete('cascade'))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('distribution', 'integer', (c) => c.notNull())
    .addColumn('sharing_group_id', 'integer')
    .addColumn('created', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_delegation_org').on('event_delegation').column('org_id').execute();
  await db.schema.createIndex('event_delegation_requester').on('event_delegation').column('requester_org_id').execute();
}
