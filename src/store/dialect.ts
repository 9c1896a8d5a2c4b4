import type { ColumnDefinitionBuilder, CreateTableBuilder } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/** Everything that differs between SQLite and PostgreSQL in the schema, in one place. */
export interface SchemaDialect {
  readonly name: DialectName;
  /** Raw bytes: BLOB in SQLite, BYTEA in PostgreSQL. */
  readonly binary: 'blob' | 'bytea';
  /** A surrogate integer key the database numbers itself. */
  idColumn<T extends string>(table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'>;
}

export function schemaDialect(name: DialectName): SchemaDialect {
  return {
    name,
    binary: name === 'sqlite' ? 'blob' : 'bytea',
    idColumn: (table) =>
      table.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) =>
        name === 'sqlite' ? c.primaryKey() : c.primaryKey().generatedByDefaultAsIdentity(),
      ),
  };
}
