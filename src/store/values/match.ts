import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';
import { findValueIds } from './index.js';

/**
 * The forms a value someone typed is looked up under: trimmed. Case needs no second form, since the
 * value index holds values folded (see foldValue) and finds a value whatever its case, as MISP does.
 */
export function valueCandidates(value: string): string[] {
  return [value.trim()];
}

/** The value rows a typed value may be stored as. */
export function valueIdsOf(db: Kysely<Database>, value: string): Promise<number[]> {
  return findValueIds(db, valueCandidates(value));
}

/** An attribute holding one of the values, in either part of a composite: an index lookup. */
export function holdsValueIds(eb: ExpressionBuilder<Database, 'attribute' | 'event'>, ids: readonly number[]): Expression<SqlBool> {
  if (ids.length === 0) return sql<SqlBool>`1 = 0`;
  return eb.or([eb('attribute.value1_id', 'in', [...ids]), eb('attribute.value2_id', 'in', [...ids])]);
}
