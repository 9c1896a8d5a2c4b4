import { hash } from 'node:crypto';
import { isCompositeType, splitComposite } from '../model/types.js';

/**
 * A 48-bit key of a normalised value: an integer index is far cheaper to maintain than one on long
 * text. Keys may collide, so every lookup by key also compares the text.
 */
export function valueKey(value: string): number {
  return (hash('sha1', value, 'buffer') as unknown as Buffer).readUIntBE(0, 6);
}

/** The stored columns of a value: composite values keep their two parts apart. */
export function splitValue(type: string, value: string): { value1: string; value2: string } {
  const parts = isCompositeType(type) ? splitComposite(type, value) : undefined;
  return parts ? { value1: parts[0], value2: parts[1] } : { value1: value, value2: '' };
}

export function joinValue(type: string, value1: string, value2: string): string {
  return isCompositeType(type) ? `${value1}|${value2}` : value1;
}
