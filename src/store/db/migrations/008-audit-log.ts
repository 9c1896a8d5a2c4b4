import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/** Who created, changed or deleted what, through the API: one row per change that succeeded. */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await d.idColumn(db.schema.createTable('audit_log'))
    .addColumn('created', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'integer')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('org_id', 'integer')
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('request', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_created').on('audit_log').column('created').execute();
  await db.schema.createIndex('audit_log_org').on('audit_log').column('org_id').execute();
}
