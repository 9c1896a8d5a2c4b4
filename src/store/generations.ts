import { runPrecompiled, type Store } from './db/database.js';

/**
 * Generation counters. Whatever the servers of an instance cache (the settings and the warninglist
 * index built from them, the libraries) is named here; every change of it raises its counter, after the
 * change is written, and a cache compares the counter with the one its copy was built at: one indexed
 * read per use instead of a rebuild, and a change made by any server (or the CLI) is seen at once.
 * `ids` is raised when a tag or an organisation is deleted: the writers of every process (the servers
 * of `cairn serve --workers`, another server on PostgreSQL) then forget the ids they kept.
 */
export type Generation = 'settings' | 'libraries' | 'ids';

/** Raises a counter: call it after the change it announces is written. */
export async function bumpGeneration(store: Store, name: Generation): Promise<void> {
  await store.db.insertInto('generation').values({ name, value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('generation.value', '+', 1) }))).execute();
}

/** A counter's value; 0 before its first change. */
export async function generationOf(store: Store, name: Generation): Promise<number> {
  // Read on most requests: compiled once per counter (they are few), prepared on PostgreSQL.
  const [row] = await runPrecompiled(store, `generation.${name}`, () => store.db.selectFrom('generation').select('value').where('name', '=', name), [], []);
  return row ? Number(row.value) : 0;
}

/**
 * Ids of tags and organisations are kept by each process's writers (Store.idCache); a row deleted by
 * another process would leave its id there. Called where a writer's transaction opens: when any process
 * deleted one since, what this one kept is forgotten.
 */
export async function forgetDeletedIds(store: Store, db: Pick<Store['db'], 'selectFrom'> = store.db): Promise<void> {
  const row = await db.selectFrom('generation').select('value').where('name', '=', 'ids').executeTakeFirst();
  const current = row ? Number(row.value) : 0;
  if (idsSeen.get(store) === current) return;
  store.idCache.tags.clear();
  store.idCache.orgs.clear();
  idsSeen.set(store, current);
}

const idsSeen = new WeakMap<Store, number>();
