import { CATEGORIES, CATEGORY_TYPES, TYPE_DEFAULTS } from './describe-types.js';

export { CATEGORIES, CATEGORY_TYPES, TYPE_DEFAULTS };

const typeCategories = new Map<string, Set<string>>();
for (const [category, types] of Object.entries(CATEGORY_TYPES)) {
  for (const type of types) {
    let set = typeCategories.get(type);
    if (!set) typeCategories.set(type, (set = new Set()));
    set.add(category);
  }
}

export function isKnownType(type: string): boolean {
  return Object.prototype.hasOwnProperty.call(TYPE_DEFAULTS, type);
}

export function isKnownCategory(category: string): boolean {
  return Object.prototype.hasOwnProperty.call(CATEGORY_TYPES, category);
}

/** The categories an attribute of this type may be filed under. */
export function categoriesOfType(type: string): readonly string[] {
  return [...(typeCategories.get(type) ?? [])];
}

export function isCategoryAllowed(type: string, category: string): boolean {
  return typeCategories.get(type)?.has(category) ?? false;
}

export function defaultCategory(type: string): string | undefined {
  return TYPE_DEFAULTS[type]?.category;
}

export function defaultToIds(type: string): boolean {
  return TYPE_DEFAULTS[type]?.toIds ?? false;
}

/** Composite types hold two values separated by a pipe, e.g. `domain|ip`. */
export function isCompositeType(type: string): boolean {
  return type.includes('|');
}

/**
 * Splits a composite value into its two parts. `filename|<hash>` splits at the last pipe because a
 * file name may contain one and a hash never does; the others split at the first.
 */
export function splitComposite(type: string, value: string): [string, string] | undefined {
  const at = type.startsWith('filename|') ? value.lastIndexOf('|') : value.indexOf('|');
  if (at < 0) return undefined;
  return [value.slice(0, at), value.slice(at + 1)];
}
