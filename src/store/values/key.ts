import { isCompositeType, splitComposite } from '../../model/types.js';

/**
 * A 52-bit key of a normalised value (FNV-1a over UTF-16 code units, in two 32-bit lanes): an integer
 * index is far cheaper to maintain than one on long text. Keys may collide, so every lookup by key also
 * compares the text. The function is part of the stored data: changing it needs a migration.
 */
export function valueKey(value: string): number {
  let lo = 0x811c9dc5;
  let hi = 0x050c5d1f;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    lo = Math.imul(lo ^ c, 0x01000193);
    hi = Math.imul(hi ^ c ^ (lo >>> 16), 0x01000193);
  }
  // 20 bits of one lane and 32 of the other: an exact integer in a double, and in SQL BIGINT.
  return (hi >>> 12) * 0x100000000 + (lo >>> 0);
}

/**
 * The form under which the value index holds a value: lower-cased, so that values differing only in
 * case are one value and correlate, as MISP compares them (its value columns use a case-insensitive
 * collation). Attributes keep their value as written; only the index holds this form. Part of the
 * stored data, like the key: a change needs a migration (016 folded the values stored before it).
 */
export function foldValue(value: string): string {
  return value.toLowerCase();
}

/** The stored columns of a value: composite values keep their two parts apart. */
export function splitValue(type: string, value: string): { value1: string; value2: string } {
  const parts = isCompositeType(type) ? splitComposite(type, value) : undefined;
  return parts ? { value1: parts[0], value2: parts[1] } : { value1: value, value2: '' };
}

export function joinValue(type: string, value1: string, value2: string): string {
  return isCompositeType(type) ? `${value1}|${value2}` : value1;
}
