import type { Store } from '../db/database.js';

/**
 * Failed authentications, in the database so that every server of an instance counts the same ones.
 * A scope names what is counted: an address, or an address and the account it tried.
 */

/** How many failures the scope had since `since` (ms), and when the oldest of them was. */
export async function recentFailures(store: Store, scope: string, since: number): Promise<{ count: number; oldest: number | undefined }> {
  const row = await store.db.selectFrom('auth_failure').where('scope', '=', scope).where('at', '>', since)
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<number>('at').as('oldest')]).executeTakeFirst();
  return { count: Number(row?.count ?? 0), oldest: row?.oldest == null ? undefined : Number(row.oldest) };
}

/** Records a failure, and forgets every failure older than `forgetBefore` (ms). */
export async function recordFailure(store: Store, scope: string, at: number, forgetBefore: number): Promise<void> {
  await store.db.deleteFrom('auth_failure').where('at', '<=', forgetBefore).execute();
  await store.db.insertInto('auth_failure').values({ scope, at }).execute();
}

/** Forgets a scope's failures: a right password ends the count against it. */
export async function clearFailures(store: Store, scope: string): Promise<void> {
  await store.db.deleteFrom('auth_failure').where('scope', '=', scope).execute();
}
