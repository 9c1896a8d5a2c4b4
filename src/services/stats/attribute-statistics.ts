import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../../store/db/database.js';
import { attributeCountsBy } from '../../store/stats.js';
import { ServiceError } from '../errors.js';

/**
 * MISP's attributes/attributeStatistics/{type|category}[/true]: how many attributes there are of each
 * type or category, by name in sorted order, as strings ("5"), or with `percentage` as shares of the
 * whole rounded to three decimals ("12.5%"). Cairn counts the live attributes the viewer may see (MISP
 * counts every stored one, deleted and unseen included); none at all answers `[]`, as MISP's empty list.
 */
export async function attributeStatistics(store: Store, viewer: Viewer, context: string, percentage: boolean): Promise<Record<string, string> | []> {
  if (context !== 'type' && context !== 'category') throw new ServiceError('invalid', 'Invalid type requested.');
  const counts = (await attributeCountsBy(store, viewer, context)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (counts.length === 0) return [];
  const total = counts.reduce((n, c) => n + c.count, 0);
  const out: Record<string, string> = {};
  for (const c of counts) out[c.key] = percentage ? `${Math.round((100_000 * c.count) / total) / 1000}%` : String(c.count);
  return out;
}
