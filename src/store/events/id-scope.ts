/** Organisation ids by uuid, tag ids by name, and value ids by text. */
export interface IdScope {
  tags: Map<string, number>;
  orgs: Map<string, number>;
  values: Map<string, number>;
}

/**
 * Value ids kept at most, per scope: enough for the values that recur (those are what the cache saves
 * lookups on), not the whole index. A full scope starts afresh rather than tracking use.
 */
export const VALUE_IDS_KEPT = 200_000;

export function newIdScope(): IdScope {
  return { tags: new Map(), orgs: new Map(), values: new Map() };
}

export function promoteIds(from: IdScope, to: IdScope): void {
  for (const [k, v] of from.tags) to.tags.set(k, v);
  for (const [k, v] of from.orgs) to.orgs.set(k, v);
  if (to.values.size + from.values.size > VALUE_IDS_KEPT) to.values.clear();
  for (const [k, v] of from.values) to.values.set(k, v);
  clearIds(from);
}

export function clearIds(scope: IdScope): void {
  scope.tags.clear();
  scope.orgs.clear();
  scope.values.clear();
}
