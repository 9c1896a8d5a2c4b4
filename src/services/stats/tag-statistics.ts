import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../../store/db/database.js';
import { enabledTaxonomyNamespaces, eventTagCounts } from '../../store/stats.js';

type Counts = Record<string, string> | [];

/** A share of the whole as MISP writes it: rounded to three decimals, then `%`. */
const share = (n: number, total: number) => `${Math.round((100_000 * n) / total) / 1000}%`;

/** Entries in MISP's order: by name (natural, regardless of case) when asked, else most used first. */
function ordered(entries: Array<[string, number]>, byName: boolean): Array<[string, number]> {
  const names = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  return entries.sort(byName ? ([a], [b]) => names.compare(a, b) : ([a, x], [b, y]) => y - x || names.compare(a, b));
}

/**
 * MISP's tags/tagStatistics[/percentage[/name_sort]]: how many events carry each tag, and how many tags of
 * each enabled taxonomy's namespace, as strings ("3") or shares of every tagging ("12.5%"). Cairn counts the
 * events the viewer may see; an empty list is `[]`, as MISP's.
 */
export async function tagStatistics(store: Store, viewer: Viewer, percentage: boolean, byName: boolean): Promise<{ tags: Counts; taxonomies: Counts }> {
  const tags = await eventTagCounts(store, viewer);
  const total = tags.reduce((n, t) => n + t.count, 0);
  const taxonomies = new Map((await enabledTaxonomyNamespaces(store)).map((ns) => [ns, 0]));
  for (const t of tags) {
    for (const ns of taxonomies.keys()) if (t.name.toLowerCase().startsWith(ns.toLowerCase())) taxonomies.set(ns, taxonomies.get(ns)! + t.count);
  }
  const shape = (entries: Array<[string, number]>): Counts => {
    if (entries.length === 0) return [];
    return Object.fromEntries(ordered(entries, byName).map(([k, n]) => [k, percentage ? share(n, total) : String(n)]));
  };
  return { tags: shape(tags.map((t) => [t.name, t.count])), taxonomies: shape([...taxonomies]) };
}
