import { ExclusionMatcher } from '../../correlation/exclusions.js';
import type { Store } from '../db/database.js';
import { bumpGeneration } from '../generations.js';

export interface CorrelationExclusion {
  id: number;
  value: string;
  comment: string;
  created: number;
}

export async function listExclusions(store: Store): Promise<CorrelationExclusion[]> {
  return store.db.selectFrom('correlation_exclusion').select(['id', 'value', 'comment', 'created']).orderBy('value').execute();
}

/** Adds an exclusion; false when it was there already. */
export async function addExclusion(store: Store, value: string, comment = ''): Promise<boolean> {
  const r = await store.db.insertInto('correlation_exclusion')
    .values({ value, comment, created: Math.floor(Date.now() / 1000) })
    .onConflict((oc) => oc.column('value').doNothing()).executeTakeFirst();
  await bumpGeneration(store, 'settings');
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Removes an exclusion; false when there was none. */
export async function removeExclusion(store: Store, value: string): Promise<boolean> {
  const r = await store.db.deleteFrom('correlation_exclusion').where('value', '=', value).executeTakeFirst();
  await bumpGeneration(store, 'settings');
  return Number(r.numDeletedRows) > 0;
}

export async function exclusionMatcher(store: Store): Promise<ExclusionMatcher> {
  return new ExclusionMatcher((await listExclusions(store)).map((e) => e.value));
}
