import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database } from './schema.js';
import { valueKey } from './value-key.js';

/**
 * The forms a value someone typed may be stored in: as typed, and lower-cased, since hashes, host names
 * and e-mail addresses are stored canonical.
 */
export function valueCandidates(value: string): string[] {
  const v = value.trim();
  return [...new Set([v, v.toLowerCase()])];
}

/** An attribute holding the value, in either part of a composite: a key lookup, with the text compared. */
export function holdsValue(eb: ExpressionBuilder<Database, 'attribute' | 'event'>, value: string): Expression<SqlBool> {
  return eb.or(valueCandidates(value).flatMap((v) => [
    eb.and([eb('attribute.value1_key', '=', valueKey(v)), eb('attribute.value1', '=', v)]),
    eb.and([eb('attribute.value2_key', '=', valueKey(v)), eb('attribute.value2', '=', v)]),
  ]));
}
