import type { Store } from './db/database.js';

/**
 * Generation counters. Whatever the servers of an instance cache (the settings and the warninglist
 * index built from them, the libraries) is named here; every change of it raises its counter, after the
 * change is written, and a cache compares the counter with the one its copy was built at: one indexed
 * read per use instead of a rebuild, and a change made by any server (or the CLI) is seen at once.
 */
export type Generation = 'settings' | 'libraries';

/** Raises a counter: call it after the change it announces is written. */
export async function bumpGeneration(store: Store, name: Generation): Promise<void> {
  await store.db.insertInto('generation').values({ name, value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('generation.value', '+', 1) }))).execute();
}

/** A counter's value; 0 before its first change. */
export async function generationOf(store: Store, name: Generation): Promise<number> {
  const row = await store.db.selectFrom('generation').select('value').where('name', '=', name).executeTakeFirst();
  return row ? Number(row.value) : 0;
}
