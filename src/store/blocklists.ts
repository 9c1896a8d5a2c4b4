import { isUuid } from '../model/event.js';
import type { Store } from './db/database.js';

/**
 * MISP's two blocklists: event uuids never to import, and organisation uuids whose events (as their
 * creator) are never imported. The import pipeline asks `blockedBy` of every event it is handed.
 */
export type BlocklistKind = 'event' | 'org';

/** An entry as MISP answers it: the event's fields (`event_uuid`, `event_info`, `event_orgc`) or the organisation's (`org_uuid`, `org_name`). */
export interface BlocklistEntry {
  id: number;
  uuid: string;
  /** Seconds since the epoch. */
  created: number;
  /** The event's title, or the organisation's name, as the one who blocked it wrote it. */
  label: string;
  /** The event's creator, as the one who blocked it wrote it (events only). */
  orgc: string;
  comment: string;
}

/** What an entry may say besides its uuid: the label (event_info / org_name), the creator (event_orgc) and a comment. */
export interface BlocklistFields {
  label?: string;
  orgc?: string;
  comment?: string;
}

export async function listBlocklist(store: Store, kind: BlocklistKind): Promise<BlocklistEntry[]> {
  if (kind === 'event') {
    const rows = await store.db.selectFrom('event_blocklist').selectAll().orderBy('created', 'desc').orderBy('id', 'desc').execute();
    return rows.map((r) => ({ id: r.id, uuid: r.event_uuid, created: Number(r.created), label: r.event_info, orgc: r.event_orgc, comment: r.comment }));
  }
  const rows = await store.db.selectFrom('org_blocklist').selectAll().orderBy('created', 'desc').orderBy('id', 'desc').execute();
  return rows.map((r) => ({ id: r.id, uuid: r.org_uuid, created: Number(r.created), label: r.org_name, orgc: '', comment: r.comment }));
}

/** One entry by its id or by the uuid it blocks. */
export async function findBlocklistEntry(store: Store, kind: BlocklistKind, ref: string): Promise<BlocklistEntry | undefined> {
  const key = ref.trim().toLowerCase();
  const byUuid = isUuid(key);
  if (!byUuid && !/^\d+$/.test(key)) return undefined;
  return (await listBlocklist(store, kind)).find((e) => (byUuid ? e.uuid === key : e.id === Number(key)));
}

/**
 * Blocks each uuid; one that is not a uuid, or is blocked already, fails (MISP's successes and fails).
 * Uuids are kept in lower case, as every uuid Cairn stores.
 */
export async function addToBlocklist(store: Store, kind: BlocklistKind, uuids: readonly string[], fields: BlocklistFields): Promise<{ successes: string[]; fails: string[] }> {
  const successes: string[] = [];
  const fails: string[] = [];
  const created = Math.floor(Date.now() / 1000);
  for (const given of uuids) {
    const uuid = given.trim().toLowerCase();
    if (!isUuid(uuid) || (await isBlocked(store, kind, uuid))) {
      fails.push(given);
      continue;
    }
    const comment = fields.comment ?? '';
    if (kind === 'event') {
      await store.db.insertInto('event_blocklist').values({ event_uuid: uuid, created, event_info: fields.label ?? '', event_orgc: fields.orgc ?? '', comment }).execute();
    } else {
      await store.db.insertInto('org_blocklist').values({ org_uuid: uuid, created, org_name: fields.label ?? '', comment }).execute();
    }
    successes.push(given);
  }
  return { successes, fails };
}

/** Changes what an entry says (never the uuid it blocks). */
export async function editBlocklistEntry(store: Store, kind: BlocklistKind, id: number, fields: BlocklistFields): Promise<void> {
  if (kind === 'event') {
    const set = {
      ...(fields.label !== undefined ? { event_info: fields.label } : {}),
      ...(fields.orgc !== undefined ? { event_orgc: fields.orgc } : {}),
      ...(fields.comment !== undefined ? { comment: fields.comment } : {}),
    };
    if (Object.keys(set).length) await store.db.updateTable('event_blocklist').set(set).where('id', '=', id).execute();
    return;
  }
  const set = { ...(fields.label !== undefined ? { org_name: fields.label } : {}), ...(fields.comment !== undefined ? { comment: fields.comment } : {}) };
  if (Object.keys(set).length) await store.db.updateTable('org_blocklist').set(set).where('id', '=', id).execute();
}

/** Removes entries by id; answers how many were removed. */
export async function removeFromBlocklist(store: Store, kind: BlocklistKind, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const done = kind === 'event'
    ? await store.db.deleteFrom('event_blocklist').where('id', 'in', [...ids]).executeTakeFirst()
    : await store.db.deleteFrom('org_blocklist').where('id', 'in', [...ids]).executeTakeFirst();
  return Number(done.numDeletedRows);
}

async function isBlocked(store: Store, kind: BlocklistKind, uuid: string): Promise<boolean> {
  const row = kind === 'event'
    ? await store.db.selectFrom('event_blocklist').select('id').where('event_uuid', '=', uuid).executeTakeFirst()
    : await store.db.selectFrom('org_blocklist').select('id').where('org_uuid', '=', uuid).executeTakeFirst();
  return row !== undefined;
}

/**
 * Every blocked uuid, events' and organisations', read once for an import (the lists are short, an
 * import may be long): the pipeline then asks no query per event.
 */
export async function blockedUuids(store: Store): Promise<{ events: Set<string>; orgs: Set<string> }> {
  const events = await store.db.selectFrom('event_blocklist').select('event_uuid').execute();
  const orgs = await store.db.selectFrom('org_blocklist').select('org_uuid').execute();
  return { events: new Set(events.map((r) => r.event_uuid)), orgs: new Set(orgs.map((r) => r.org_uuid)) };
}
