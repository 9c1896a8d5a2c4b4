import type { ColumnDefinitionBuilder, CreateTableBuilder } from 'kysely';

// Frozen with migrations 001 to 012 (see README.md).

/** What differs between SQLite and PostgreSQL in the tables migrations 001 to 012 make. */
export interface SchemaDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Raw bytes: BLOB in SQLite, BYTEA in PostgreSQL. */
  readonly binary: 'blob' | 'bytea';
  /** A surrogate integer key the database numbers itself. */
  idColumn<T extends string>(table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'>;
}

export function schemaDialect(name: 'sqlite' | 'postgres'): SchemaDialect {
  return {
    name,
    binary: name === 'sqlite' ? 'blob' : 'bytea',
    idColumn: (table) =>
      table.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) =>
        name === 'sqlite' ? c.primaryKey() : c.primaryKey().generatedByDefaultAsIdentity(),
      ),
  };
}
