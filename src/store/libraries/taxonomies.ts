import type { Taxonomy } from '../../libraries/taxonomy.js';
import type { Store } from '../db/database.js';
import { bumpGeneration } from '../generations.js';

export interface TaxonomyInfo {
  id: number;
  namespace: string;
  description: string;
  version: number;
  exclusive: boolean;
  enabled: boolean;
  required: boolean;
  highlighted: boolean;
}

const COLUMNS = ['id', 'namespace', 'description', 'version', 'exclusive', 'enabled', 'required', 'highlighted'] as const;

type InfoRow = { id: number; namespace: string; description: string; version: number; exclusive: number; enabled: number; required: number; highlighted: number };

function info(r: InfoRow): TaxonomyInfo {
  return { id: r.id, namespace: r.namespace, description: r.description, version: r.version, exclusive: r.exclusive === 1, enabled: r.enabled === 1,
    required: r.required === 1, highlighted: r.highlighted === 1 };
}

export async function listTaxonomies(store: Store): Promise<Array<{ info: TaxonomyInfo; taxonomy: Taxonomy }>> {
  const rows = await store.db.selectFrom('taxonomy').select([...COLUMNS, 'definition']).orderBy('namespace').execute();
  return rows.map((r) => ({ info: info(r), taxonomy: JSON.parse(r.definition) as Taxonomy }));
}

/** A taxonomy by id or namespace, with its definition. */
export async function taxonomyByRef(store: Store, ref: string): Promise<{ info: TaxonomyInfo; taxonomy: Taxonomy } | undefined> {
  const q = store.db.selectFrom('taxonomy').select([...COLUMNS, 'definition']);
  const row = await (/^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where('namespace', '=', ref)).executeTakeFirst();
  return row && { info: info(row), taxonomy: JSON.parse(row.definition) as Taxonomy };
}

/** Enables or disables taxonomies by id or namespace; returns the ones that exist. */
export async function setTaxonomiesEnabled(store: Store, refs: readonly string[], enabled: boolean): Promise<TaxonomyInfo[]> {
  const found = [];
  for (const ref of refs) {
    const t = await taxonomyByRef(store, ref);
    if (!t) continue;
    await store.db.updateTable('taxonomy').set({ enabled: enabled ? 1 : 0 }).where('id', '=', t.info.id).execute();
    found.push({ ...t.info, enabled });
  }
  if (found.length > 0) await bumpGeneration(store, 'libraries');
  return found;
}

/** Sets an administrator flag of a taxonomy (by id); false when there is no such taxonomy. */
export async function setTaxonomyFlag(store: Store, id: number, flag: 'required' | 'highlighted', on: boolean): Promise<boolean> {
  const done = await store.db.updateTable('taxonomy').set({ [flag]: on ? 1 : 0 }).where('id', '=', id).executeTakeFirst();
  return Number(done.numUpdatedRows) > 0;
}

export async function enabledTaxonomies(store: Store): Promise<Taxonomy[]> {
  const rows = await store.db.selectFrom('taxonomy').select('definition').where('enabled', '=', 1).orderBy('namespace').execute();
  return rows.map((r) => JSON.parse(r.definition) as Taxonomy);
}

