import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/** Warninglists as loaded, each with its entries, and whether it is enabled on this instance. */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await d.idColumn(db.schema.createTable('warninglist'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('matching_attributes', 'text', (c) => c.notNull())
    .addColumn('entries', 'text', (c) => c.notNull())
    .addColumn('entry_count', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .execute();
}
