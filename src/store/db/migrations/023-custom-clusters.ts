import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * Galaxy clusters and warninglists that users make, beside the loaded (library) ones, as MISP 2.5 has them.
 * - A custom cluster (`custom` = 1) belongs to the organisation that made it (`org_id`, `orgc_id`) and is
 *   shared by its own distribution and sharing group; it is published or not, and soft-deleted or not.
 *   Library clusters keep `custom` = 0 and are for everyone (distribution 3, published): reloading the
 *   libraries replaces only them.
 * - A custom cluster's relations to other clusters live in `galaxy_cluster_relation`, each with its own
 *   id (clients delete them by it), distribution and tag names; a library cluster's stay in its `related`.
 * - A custom warninglist (`custom` = 1) is one a user made; reloading the libraries leaves it alone.
 *   `category` is MISP's: false_positive or known.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  const cluster = () => db.schema.alterTable('galaxy_cluster');
  await cluster().addColumn('custom', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await cluster().addColumn('org_id', 'integer').execute();
  await cluster().addColumn('orgc_id', 'integer').execute();
  await cluster().addColumn('distribution', 'integer', (c) => c.notNull().defaultTo(3)).execute();
  await cluster().addColumn('sharing_group_id', 'integer').execute();
  await cluster().addColumn('published', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await cluster().addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await cluster().addColumn('extends_uuid', 'text').execute();
  await cluster().addColumn('extends_version', 'integer').execute();
  await d.idColumn(db.schema.createTable('galaxy_cluster_relation'))
    .addColumn('galaxy_cluster_id', 'integer', (c) => c.notNull())
    .addColumn('referenced_uuid', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('distribution', 'integer', (c) => c.notNull())
    .addColumn('sharing_group_id', 'integer')
    .addColumn('tags', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('galaxy_cluster_relation_cluster').on('galaxy_cluster_relation').column('galaxy_cluster_id').execute();
  await db.schema.alterTable('warninglist').addColumn('custom', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('warninglist').addColumn('category', 'text', (c) => c.notNull().defaultTo('false_positive')).execute();
}
