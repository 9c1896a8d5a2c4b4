// Frozen with migration 005 (see README.md).

/**
 * The 52-bit key of a value (FNV-1a over UTF-16 code units, in two 32-bit lanes), as the value index
 * keyed values when migration 005 made it. The live index looks values up by this same key.
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
