import { randomUUID } from 'node:crypto';
import { freeTextIndicators, type FreeTextHit } from '../../formats/freetext/complex-types.js';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { defaultCategory, defaultToIds } from '../../model/types.js';
import type { StoredEvent } from '../../model/event.js';
import { changedEventStamp, currentSecond } from '../../model/versions.js';
import { warninglistsOf } from '../../correlation/warninglists/enforce.js';
import type { WarninglistIndex } from '../../correlation/warninglists/index.js';
import type { User } from '../../access/user.js';
import { OPERATOR, viewerOf } from '../../access/viewer.js';
import type { Store } from '../../store/db/database.js';
import { searchAttributes, type AttributeHit } from '../../store/search/attributes.js';
import type { WriteQueue } from '../write-queue.js';
import { resolveSharingGroups } from './sharing-group-refs.js';

/** An indicator found in a text, with the detection flag its type has by default. */
export type FreeTextFinding = FreeTextHit & { to_ids: boolean };

/** The indicators of a pasted text (formats/freetext), each with its default to_ids. */
export function freeTextFindings(text: string): FreeTextFinding[] {
  return freeTextIndicators(text).map((h) => ({ ...h, to_ids: defaultToIds(h.default_type) }));
}

/** An attribute to add from a free-text import: what the preview proposed, or what the user chose of it. */
export interface FreeTextAttribute {
  value: string;
  type: string;
  category?: string;
  to_ids?: boolean;
  comment?: string;
  distribution?: string;
  sharing_group_id?: unknown;
}

/** MISP's adhereToWarninglists: off, on (leave out what an enabled warninglist holds) or soft (keep it, not for detection). */
export type Adherence = 'off' | 'hard' | 'soft';

/** The findings as attributes to add, typed by default, under the warninglists as asked. */
export function findingsAsAttributes(findings: readonly FreeTextFinding[], adherence: Adherence, lists?: WarninglistIndex): FreeTextAttribute[] {
  const out: FreeTextAttribute[] = [];
  for (const h of findings) {
    const a: FreeTextAttribute = {
      value: h.value, type: h.default_type, category: defaultCategory(h.default_type) ?? 'Other', to_ids: h.to_ids, ...(h.comment ? { comment: h.comment } : {}),
    };
    if (adherence !== 'off' && lists && warninglistsOf(lists, { type: a.type, value: a.value }).length > 0) {
      if (adherence === 'soft') out.push({ ...a, to_ids: false });
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * Adds attributes to a stored event as one change through the write queue, and answers them as stored.
 * Who adds (a user, or the operator on the command line) must have been allowed to by the caller; a
 * user's sharing groups are checked as in any edit.
 */
export async function addFreeTextAttributes(
  store: Store, writes: Pick<WriteQueue, 'update'>, who: User | 'operator', stored: StoredEvent, given: readonly FreeTextAttribute[],
): Promise<AttributeHit[]> {
  if (given.length === 0) return [];
  const items = given.map((a) => ({
    value: a.value, type: a.type, category: a.category ?? defaultCategory(a.type) ?? 'Other', to_ids: a.to_ids ?? defaultToIds(a.type),
    ...(a.comment ? { comment: a.comment } : {}), uuid: randomUUID(),
    ...(a.distribution !== undefined ? { distribution: a.distribution } : {}),
    ...(a.distribution === '4' && a.sharing_group_id !== undefined ? { sharing_group_id: a.sharing_group_id } : {}),
  }));
  const now = currentSecond();
  const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(now), Attribute: items } }, { defaultDistribution: stored.distribution });
  const attributes = parsed.event?.attributes ?? [];
  if (attributes.length === 0) return [];
  const change = { ...stored, timestamp: changedEventStamp(stored.timestamp, [now], now), attributes, objects: [], reports: [] };
  if (who !== 'operator') await resolveSharingGroups(store, who, change);
  await writes.update(change);
  const saved = await searchAttributes(store, who === 'operator' ? OPERATOR : viewerOf(who), { uuids: attributes.map((a) => a.uuid) });
  return saved.filter((h) => h.eventId === stored.id);
}
