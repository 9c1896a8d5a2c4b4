import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * Who may ask: roles with MISP's permission flags, users of organisations, and their API keys, kept
 * only as a keyed hash. The key of that hash is the instance's own secret, made here once.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  const s = db.schema;
  await d.idColumn(s.createTable('role'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    // JSON array of the permission flags the role grants (perm_add, perm_site_admin, …).
    .addColumn('permissions', 'text', (c) => c.notNull())
    .execute();

  await d.idColumn(s.createTable('user'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisation.id'))
    .addColumn('role_id', 'integer', (c) => c.notNull().references('role.id'))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('user_org').on('user').column('org_id').execute();

  await d.idColumn(s.createTable('auth_key'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('key_hash', d.binary, (c) => c.notNull().unique())
    .addColumn('key_start', 'text', (c) => c.notNull())
    .addColumn('key_end', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('auth_key_user').on('auth_key').column('user_id').execute();

  await s.createTable('instance_secret')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', d.binary, (c) => c.notNull())
    .execute();
  await (db as Kysely<{ instance_secret: { name: string; value: Buffer } }>)
    .insertInto('instance_secret').values({ name: 'api_key_hmac', value: randomBytes(32) }).execute();
}
