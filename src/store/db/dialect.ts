/** The databases a store runs on: the embedded SQLite file, or a PostgreSQL server. */
export type DialectName = 'sqlite' | 'postgres';
