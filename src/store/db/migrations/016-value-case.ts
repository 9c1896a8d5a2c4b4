import type { Kysely } from 'kysely';
import { foldStoredValues, recountValueEvents } from './frozen/value-fold.js';

/**
 * Correlation as MISP 2.5 correlates by default. The value index holds values lower-cased, so that
 * values differing only in case are one value (MISP compares them case-insensitively): the values stored
 * before are folded and their attributes moved to the folded row. Free text, `other` and datetimes now
 * correlate (MISP's list of non-correlating types), so every value's count of events is made afresh.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await foldStoredValues(db);
  await recountValueEvents(db);
}
