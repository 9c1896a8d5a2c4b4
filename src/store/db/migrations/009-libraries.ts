import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';
import { BUILTIN_TAXONOMIES } from './frozen/taxonomies.js';

/**
 * The community libraries: taxonomies, galaxies with their clusters, object templates and
 * noticelists, each as loaded (its definition kept whole as JSON) with the columns lookups need.
 * TLP and PAP are there from the start, enabled.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await d.idColumn(db.schema.createTable('taxonomy'))
    .addColumn('namespace', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('exclusive', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .execute();
  await d.idColumn(db.schema.createTable('galaxy'))
    .addColumn('uuid', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('icon', 'text', (c) => c.notNull())
    .addColumn('kill_chain_order', 'text')
    .execute();
  await d.idColumn(db.schema.createTable('galaxy_cluster'))
    .addColumn('uuid', 'text', (c) => c.notNull().unique())
    .addColumn('galaxy_id', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('tag_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('authors', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('meta', 'text', (c) => c.notNull())
    .addColumn('related', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('galaxy_cluster_galaxy').on('galaxy_cluster').columns(['galaxy_id', 'value']).execute();
  // Every tag that names a cluster: its own and one per synonym, so `misp-galaxy:threat-actor="Sofacy"` finds APT28.
  await db.schema.createTable('galaxy_cluster_name')
    .addColumn('tag_name', 'text', (c) => c.notNull())
    .addColumn('cluster_id', 'integer', (c) => c.notNull())
    .addColumn('synonym', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('galaxy_cluster_name_tag').on('galaxy_cluster_name').columns(['tag_name', 'synonym']).execute();
  await db.schema.createIndex('galaxy_cluster_name_cluster').on('galaxy_cluster_name').column('cluster_id').execute();
  await d.idColumn(db.schema.createTable('object_template'))
    .addColumn('uuid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('meta_category', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .execute();
  await d.idColumn(db.schema.createTable('noticelist'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('expanded_name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .execute();
  for (const t of BUILTIN_TAXONOMIES) {
    await (db as Kysely<{ taxonomy: Record<string, unknown> }>).insertInto('taxonomy').values({
      namespace: t.namespace, description: t.description, version: t.version, exclusive: t.exclusive ? 1 : 0, enabled: 1, definition: JSON.stringify(t),
    }).execute();
  }
}
