import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * MISP's decaying models of indicators and the attribute types each scores:
 * - `decaying_model`: a model's formula and parameters (JSON text: lifetime, decay_speed, threshold,
 *   default_base_score, base_score_config, settings), its owner organisation (`org_id`), whether it is
 *   `enabled` and shown to every organisation (`all_orgs`). `is_default` marks a model read from the
 *   misp-decaying-models library, whose `uuid` and `version` an update matches; such a model keeps the
 *   library's attribute types in `attribute_types` (JSON text) and may not be deleted.
 * - `decaying_model_mapping`: the attribute types linked to a model (MISP's linkAttributeTypeToModel);
 *   they go with the model.
 * - Ids are never handed out twice (AUTOINCREMENT, an identity), as for events: a client holding the id
 *   of a deleted model must not enable or edit a newer one by it.
 * - `org_id` references the organisation without cascade: an organisation is not deleted while a model
 *   names it, or the next organisation given its id on SQLite would own the model.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  const id = (name: string) => db.schema.createTable(name)
    .addColumn('id', 'integer', (c) => (d.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()));
  await id('decaying_model')
    .addColumn('uuid', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('attribute_types', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('formula', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisation.id'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('all_orgs', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('decaying_model_org').on('decaying_model').column('org_id').execute();
  await id('decaying_model_mapping')
    .addColumn('model_id', 'integer', (c) => c.notNull().references('decaying_model.id').onDelete('cascade'))
    .addColumn('attribute_type', 'text', (c) => c.notNull())
    .addUniqueConstraint('decaying_model_mapping_type', ['model_id', 'attribute_type'])
    .execute();
  await db.schema.createIndex('decaying_model_mapping_attribute_type').on('decaying_model_mapping').column('attribute_type').execute();
}
