import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * Proposals (MISP's shadow attributes): a change to an event offered by a user who may see it, which the
 * event's organisation accepts or discards.
 * - `old_id` 0 proposes a new attribute; otherwise it names the attribute the proposal changes (whose
 *   uuid the proposal carries), and `proposal_to_delete` 1 proposes removing it.
 * - `org_id` and `email` are the proposer's organisation and address.
 * - `deleted` 1 marks a proposal accepted or discarded: MISP keeps it, and its index still lists it.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await d.idColumn(db.schema.createTable('shadow_attribute'))
    .addColumn('uuid', 'text', (c) => c.notNull())
    .addColumn('event_id', 'integer', (c) => c.notNull())
    .addColumn('old_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('to_ids', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('first_seen', 'text')
    .addColumn('last_seen', 'text')
    .addColumn('disable_correlation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('proposal_to_delete', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('timestamp', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shadow_attribute_event').on('shadow_attribute').column('event_id').execute();
}
