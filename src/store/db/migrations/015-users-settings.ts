import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * What MISP keeps of a user beyond his account (when his password changed, whether he must change it,
 * his alert choices, his per-user settings), the default role, self-registrations waiting for an
 * administrator, failed authentications shared by every
 * server of the instance, and the generation counters caches check to know their copy is current.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await db.schema.alterTable('user').addColumn('last_pw_change', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('user').addColumn('change_pw', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('user').addColumn('autoalert', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('user').addColumn('contactalert', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('role').addColumn('default_role', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await d.idColumn(db.schema.createTable('user_setting'))
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('setting', 'text', (c) => c.notNull())
    /** JSON. */
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('user_setting_user_setting', ['user_id', 'setting'])
    .execute();

  /** One row per failed authentication: `scope` names the address, or the address and the account. */
  await db.schema.createTable('auth_failure')
    .addColumn('scope', 'text', (c) => c.notNull())
    /** Milliseconds since the epoch. */
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('auth_failure_scope').on('auth_failure').columns(['scope', 'at']).execute();
  await db.schema.createIndex('auth_failure_at').on('auth_failure').column('at').execute();

  /** Self-registrations waiting for an administrator (MISP's inbox of type registration). */
  await d.idColumn(db.schema.createTable('registration'))
    .addColumn('uuid', 'text', (c) => c.notNull())
    .addColumn('created', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    /** What was asked for, as JSON: email, org_name, org_uuid, message, perm_* … */
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();

  /** A counter per kind of cached state, raised by every change of it. */
  await db.schema.createTable('generation')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
}
