import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/** The MISP core: organisations, tags, events with their attributes, objects, references, sightings and reports. */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  const s = db.schema;
  await d.idColumn(s.createTable('organisation'))
    .addColumn('uuid', d.binary, (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('local', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created', 'bigint', (c) => c.notNull())
    .execute();

  await d.idColumn(s.createTable('tag'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('colour', 'text', (c) => c.notNull())
    .addColumn('exportable', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('hide_tag', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await d.idColumn(s.createTable('event'))
    .addColumn('uuid', d.binary, (c) => c.notNull().unique())
    .addColumn('orgc_id', 'integer', (c) => c.notNull().references('organisation.id'))
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisation.id'))
    .addColumn('info', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('threat_level_id', 'integer', (c) => c.notNull())
    .addColumn('analysis', 'integer', (c) => c.notNull())
    .addColumn('distribution', 'integer', (c) => c.notNull())
    .addColumn('sharing_group_id', 'integer')
    .addColumn('published', 'integer', (c) => c.notNull())
    .addColumn('publish_timestamp', 'bigint', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('extends_uuid', 'text')
    .addColumn('disable_correlation', 'integer', (c) => c.notNull())
    .addColumn('attribute_count', 'integer', (c) => c.notNull())
    .execute();
  await s.createIndex('event_orgc').on('event').column('orgc_id').execute();
  await s.createIndex('event_date').on('event').column('date').execute();

  await d.idColumn(s.createTable('event_tag'))
    .addColumn('event_id', 'integer', (c) => c.notNull().references('event.id').onDelete('cascade'))
    .addColumn('tag_id', 'integer', (c) => c.notNull().references('tag.id'))
    .addColumn('local', 'integer', (c) => c.notNull())
    .addColumn('relationship_type', 'text')
    .addUniqueConstraint('event_tag_once', ['event_id', 'tag_id'])
    .execute();
  await s.createIndex('event_tag_tag').on('event_tag').column('tag_id').execute();

  await d.idColumn(s.createTable('object'))
    .addColumn('uuid', d.binary, (c) => c.notNull().unique())
    .addColumn('event_id', 'integer', (c) => c.notNull().references('event.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('meta_category', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('template_uuid', 'text', (c) => c.notNull())
    .addColumn('template_version', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('distribution', 'integer', (c) => c.notNull())
    .addColumn('sharing_group_id', 'integer')
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('first_seen', 'text')
    .addColumn('last_seen', 'text')
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .execute();
  await s.createIndex('object_event').on('object').column('event_id').execute();

  await d.idColumn(s.createTable('object_reference'))
    .addColumn('uuid', d.binary, (c) => c.notNull().unique())
    .addColumn('event_id', 'integer', (c) => c.notNull().references('event.id').onDelete('cascade'))
    .addColumn('object_id', 'integer', (c) => c.notNull().references('object.id').onDelete('cascade'))
    .addColumn('referenced_uuid', d.binary, (c) => c.notNull())
    .addColumn('relationship_type', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .execute();
  await s.createIndex('object_reference_event').on('object_reference').column('event_id').execute();

  await d.idColumn(s.createTable('attribute'))
    .addColumn('uuid', d.binary, (c) => c.notNull().unique())
    .addColumn('event_id', 'integer', (c) => c.notNull().references('event.id').onDelete('cascade'))
    .addColumn('object_id', 'integer', (c) => c.references('object.id').onDelete('cascade'))
    .addColumn('object_relation', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('value1', 'text', (c) => c.notNull())
    .addColumn('value2', 'text', (c) => c.notNull())
    .addColumn('value1_key', 'bigint', (c) => c.notNull())
    .addColumn('value2_key', 'bigint')
    .addColumn('to_ids', 'integer', (c) => c.notNull())
    .addColumn('distribution', 'integer', (c) => c.notNull())
    .addColumn('sharing_group_id', 'integer')
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('first_seen', 'text')
    .addColumn('last_seen', 'text')
    .addColumn('disable_correlation', 'integer', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('data', 'text')
    .execute();
  await s.createIndex('attribute_event').on('attribute').column('event_id').execute();
  await s.createIndex('attribute_value1').on('attribute').column('value1_key').execute();
  // Only composite values have a second part: the index leaves the rest out.
  await s.createIndex('attribute_value2').on('attribute').column('value2_key').where('value2_key', 'is not', null).execute();

  await d.idColumn(s.createTable('attribute_tag'))
    .addColumn('attribute_id', 'integer', (c) => c.notNull().references('attribute.id').onDelete('cascade'))
    .addColumn('event_id', 'integer', (c) => c.notNull().references('event.id').onDelete('cascade'))
    .addColumn('tag_id', 'integer', (c) => c.notNull().references('tag.id'))
    .addColumn('local', 'integer', (c) => c.notNull())
    .addColumn('relationship_type', 'text')
    .addUniqueConstraint('attribute_tag_once', ['attribute_id', 'tag_id'])
    .execute();
  await s.createIndex('attribute_tag_event').on('attribute_tag').column('event_id').execute();
  await s.createIndex('attribute_tag_tag').on('attribute_tag').column('tag_id').execute();

  await d.idColumn(s.createTable('sighting'))
    .addColumn('uuid', d.binary, (c) => c.notNull().unique())
    .addColumn('attribute_id', 'integer', (c) => c.notNull().references('attribute.id').onDelete('cascade'))
    .addColumn('event_id', 'integer', (c) => c.notNull().references('event.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (c) => c.references('organisation.id'))
    .addColumn('type', 'integer', (c) => c.notNull())
    .addColumn('date_sighting', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('sighting_event').on('sighting').column('event_id').execute();

  await d.idColumn(s.createTable('event_report'))
    .addColumn('uuid', d.binary, (c) => c.notNull().unique())
    .addColumn('event_id', 'integer', (c) => c.notNull().references('event.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('distribution', 'integer', (c) => c.notNull())
    .addColumn('sharing_group_id', 'integer')
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .execute();
  await s.createIndex('event_report_event').on('event_report').column('event_id').execute();
}
