import type { Kysely } from 'kysely';

/** Signing in to the web interface: users' password hashes, and their sessions. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('user').addColumn('password_hash', 'text').execute();
  await db.schema.createTable('session')
    /** SHA-256 of the token the cookie carries, hex: the token itself is never stored. */
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    /** What every change the session asks for must carry in X-CSRF-Token. */
    .addColumn('csrf', 'text', (c) => c.notNull())
    .addColumn('created', 'bigint', (c) => c.notNull())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('session_user').on('session').column('user_id').execute();
}
