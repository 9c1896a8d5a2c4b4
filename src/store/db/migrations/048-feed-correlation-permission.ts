import { sql, type Kysely } from 'kysely';

/**
 * perm_view_feed_correlations is a role flag of its own (MISP's): feed hits are shown only to roles
 * carrying it. Roles that existed before saw feed hits, so every one of them gets the flag, as MISP's
 * own upgrade did (its db update 113); roles made from now on have it only when given it. Role
 * permissions are a JSON list of flag names.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const roles = await sql<{ id: number; permissions: string }>`select id, permissions from role`.execute(db);
  for (const r of roles.rows) {
    const granted = JSON.parse(r.permissions) as string[];
    if (granted.includes('perm_view_feed_correlations')) continue;
    await sql`update role set permissions = ${JSON.stringify([...granted, 'perm_view_feed_correlations'])} where id = ${r.id}`.execute(db);
  }
}
