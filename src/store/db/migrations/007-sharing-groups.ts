import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * Organisations' descriptive fields, and sharing groups (distribution 4): a named set of organisations, and of instances (server 0 is this
 * one; `all_orgs` there opens the group to every organisation of this instance). The organisation
 * that made a group is always one of its members.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  const s = db.schema;
  // What MISP's organisation administration keeps of each organisation.
  for (const column of ['description', 'type', 'nationality', 'sector', 'contacts']) {
    await s.alterTable('organisation').addColumn(column, 'text', (c) => c.notNull().defaultTo('')).execute();
  }
  await d.idColumn(s.createTable('sharing_group'))
    .addColumn('uuid', d.binary, (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('releasability', 'text', (c) => c.notNull())
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisation.id'))
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('roaming', 'integer', (c) => c.notNull())
    .addColumn('local', 'integer', (c) => c.notNull())
    .addColumn('created', 'bigint', (c) => c.notNull())
    .addColumn('modified', 'bigint', (c) => c.notNull())
    .execute();

  await d.idColumn(s.createTable('sharing_group_org'))
    .addColumn('sharing_group_id', 'integer', (c) => c.notNull().references('sharing_group.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisation.id'))
    .addColumn('extend', 'integer', (c) => c.notNull())
    .addUniqueConstraint('sharing_group_org_once', ['sharing_group_id', 'org_id'])
    .execute();
  await s.createIndex('sharing_group_org_org').on('sharing_group_org').column('org_id').execute();

  await d.idColumn(s.createTable('sharing_group_server'))
    .addColumn('sharing_group_id', 'integer', (c) => c.notNull().references('sharing_group.id').onDelete('cascade'))
    .addColumn('server_id', 'integer', (c) => c.notNull())
    .addColumn('all_orgs', 'integer', (c) => c.notNull())
    .addUniqueConstraint('sharing_group_server_once', ['sharing_group_id', 'server_id'])
    .execute();
}
