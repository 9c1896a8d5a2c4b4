import type { Warninglist, WarninglistType } from '../../correlation/warninglists/format.js';
import { WarninglistIndex } from '../../correlation/warninglists/index.js';
import type { Store } from '../db/database.js';
import { bumpGeneration } from '../generations.js';

export interface WarninglistInfo {
  id: number;
  name: string;
  /** The attribute types the list applies to. */
  matchingAttributes: string[];
  description: string;
  version: number;
  type: string;
  entries: number;
  enabled: boolean;
  /** Made by a user (warninglists/add), not loaded from the library. */
  custom: boolean;
  /** false_positive or known. */
  category: string;
}

/** What a user gives for a warninglist of his own (MISP's warninglists/add). */
export interface CustomWarninglist {
  name: string;
  description: string;
  type: WarninglistType;
  category: 'false_positive' | 'known';
  matchingAttributes: string[];
  list: string[];
}

/**
 * Stores warninglists by name: a new list is stored with `enabled`, a list already there gets the new
 * entries and keeps its enabled state. Returns how many were new.
 */
export async function saveWarninglists(store: Store, lists: readonly Warninglist[], enabled: boolean): Promise<{ added: number; updated: number }> {
  const saved = await store.db.transaction().execute(async (trx) => {
    let added = 0;
    for (const l of lists) {
      const row = {
        description: l.description, version: l.version, type: l.type,
        matching_attributes: JSON.stringify(l.matchingAttributes), entries: JSON.stringify(l.list), entry_count: l.list.length,
      };
      const existing = await trx.selectFrom('warninglist').select(['id', 'custom']).where('name', '=', l.name).executeTakeFirst();
      // A list a user made keeps its name: the library's list of that name is not loaded over it.
      if (existing?.custom === 1) continue;
      if (existing) await trx.updateTable('warninglist').set(row).where('id', '=', existing.id).execute();
      else {
        await trx.insertInto('warninglist').values({ ...row, name: l.name, enabled: enabled ? 1 : 0 }).execute();
        added++;
      }
    }
    return { added, updated: lists.length - added };
  });
  await bumpGeneration(store, 'settings');
  return saved;
}

export async function listWarninglists(store: Store): Promise<WarninglistInfo[]> {
  const rows = await store.db.selectFrom('warninglist')
    .select(['id', 'name', 'description', 'version', 'type', 'matching_attributes', 'entry_count', 'enabled', 'custom', 'category']).orderBy('name').execute();
  return rows.map((r) => ({ id: r.id, matchingAttributes: JSON.parse(r.matching_attributes) as string[], name: r.name, description: r.description,
    version: r.version, type: r.type, entries: r.entry_count, enabled: r.enabled === 1, custom: r.custom === 1, category: r.category }));
}

/** Stores a user's warninglist, enabled, at version 1; undefined when the name is taken. */
export async function addCustomWarninglist(store: Store, w: CustomWarninglist): Promise<number | undefined> {
  const id = await store.db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('warninglist').select('id').where('name', '=', w.name).executeTakeFirst()) return undefined;
    return (await trx.insertInto('warninglist').values({
      name: w.name, description: w.description, version: 1, type: w.type, category: w.category, custom: 1, enabled: 1,
      matching_attributes: JSON.stringify(w.matchingAttributes), entries: JSON.stringify(w.list), entry_count: w.list.length,
    }).returning('id').executeTakeFirstOrThrow()).id;
  });
  if (id !== undefined) await bumpGeneration(store, 'settings');
  return id;
}

/** Changes a user's warninglist (a library one is not changed): a new version. False when the new name is another list's. */
export async function editCustomWarninglist(store: Store, id: number, w: Partial<CustomWarninglist>): Promise<boolean> {
  const done = await store.db.transaction().execute(async (trx) => {
    if (w.name !== undefined && await trx.selectFrom('warninglist').select('id').where('name', '=', w.name).where('id', '!=', id).executeTakeFirst()) return false;
    await trx.updateTable('warninglist').set((eb) => ({
      ...(w.name !== undefined ? { name: w.name } : {}), ...(w.description !== undefined ? { description: w.description } : {}),
      ...(w.type !== undefined ? { type: w.type } : {}), ...(w.category !== undefined ? { category: w.category } : {}),
      ...(w.matchingAttributes !== undefined ? { matching_attributes: JSON.stringify(w.matchingAttributes) } : {}),
      ...(w.list !== undefined ? { entries: JSON.stringify(w.list), entry_count: w.list.length } : {}),
      version: eb('version', '+', 1),
    })).where('id', '=', id).where('custom', '=', 1).execute();
    return true;
  });
  await bumpGeneration(store, 'settings');
  return done;
}

/** Deletes a user's warninglist; library lists stay (a reload would bring them back). */
export async function deleteCustomWarninglist(store: Store, id: number): Promise<void> {
  await store.db.deleteFrom('warninglist').where('id', '=', id).where('custom', '=', 1).execute();
  await bumpGeneration(store, 'settings');
}

/** Enables or disables the lists named (all of them when `names` is undefined); returns the names that exist. */
export async function setWarninglistsEnabled(store: Store, names: readonly string[] | undefined, enabled: boolean): Promise<string[]> {
  let q = store.db.updateTable('warninglist').set({ enabled: enabled ? 1 : 0 });
  if (names) q = q.where('name', 'in', names.length ? [...names] : ['']);
  await q.execute();
  await bumpGeneration(store, 'settings');
  let found = store.db.selectFrom('warninglist').select('name');
  if (names) found = found.where('name', 'in', names.length ? [...names] : ['']);
  return (await found.execute()).map((r) => r.name);
}

/** The enabled lists in lookup structures, or undefined when none is enabled. */
export async function enabledWarninglists(store: Store): Promise<WarninglistIndex | undefined> {
  const rows = await store.db.selectFrom('warninglist').selectAll().where('enabled', '=', 1).orderBy('name').execute();
  if (rows.length === 0) return undefined;
  return new WarninglistIndex(rows.map((r) => ({
    name: r.name, description: r.description, version: r.version, type: r.type as WarninglistType,
    matchingAttributes: JSON.parse(r.matching_attributes) as string[], list: JSON.parse(r.entries) as string[],
  })));
}

/** The values one list holds, in the order it was loaded with; undefined when there is no list of that id. */
export async function warninglistEntries(store: Store, id: number): Promise<string[] | undefined> {
  const row = await store.db.selectFrom('warninglist').select('entries').where('id', '=', id).executeTakeFirst();
  return row ? JSON.parse(row.entries) as string[] : undefined;
}
