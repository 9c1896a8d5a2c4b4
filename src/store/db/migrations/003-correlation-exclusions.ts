import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/** Values, or `%` patterns, that an administrator takes out of correlation. */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await d.idColumn(db.schema.createTable('correlation_exclusion'))
    .addColumn('value', 'text', (c) => c.notNull().unique())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created', 'bigint', (c) => c.notNull())
    .execute();
}
