import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * MISP 2.5's analyst data: notes, opinions and relationships that analysts attach, by uuid, to events,
 * attributes, objects, reports or to one another. One table for the three kinds (`kind`), since they share
 * everything but their few value columns; the element they are attached to is named by uuid only, for it
 * may be unknown here (MISP keeps a note on an element it does not hold).
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await d.idColumn(db.schema.createTable('analyst_data'))
    .addColumn('uuid', d.binary, (c) => c.notNull().unique())
    /** Note, Opinion or Relationship. */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('object_uuid', d.binary, (c) => c.notNull())
    /** Event, Attribute, Object, EventReport, Note, Opinion, Relationship, …: what object_uuid names. */
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('authors', 'text', (c) => c.notNull())
    .addColumn('language', 'text')
    .addColumn('orgc_id', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('distribution', 'integer', (c) => c.notNull())
    .addColumn('sharing_group_id', 'integer')
    /** Seconds since the epoch. */
    .addColumn('created', 'bigint', (c) => c.notNull())
    .addColumn('modified', 'bigint', (c) => c.notNull())
    /** A note's text. */
    .addColumn('note', 'text')
    /** An opinion's score (0–100) and its comment. */
    .addColumn('opinion', 'integer')
    .addColumn('comment', 'text')
    /** A relationship's type and the element it points to. */
    .addColumn('relationship_type', 'text')
    .addColumn('related_object_uuid', d.binary)
    .addColumn('related_object_type', 'text')
    .execute();
  await db.schema.createIndex('analyst_data_object').on('analyst_data').columns(['object_uuid']).execute();
}
