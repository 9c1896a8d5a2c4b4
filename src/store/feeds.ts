import type { Selectable, Updateable } from 'kysely';
import type { Store } from './db/database.js';
import type { FeedTable } from './db/schema.js';

/** The source formats a feed may have: MISP's three, and Cairn's TAXII 2.1 collections. */
export type FeedSourceFormat = 'misp' | 'csv' | 'freetext' | 'taxii';
export const FEED_SOURCE_FORMATS: readonly FeedSourceFormat[] = ['misp', 'csv', 'freetext', 'taxii'];

/** A feed as stored, flags as booleans. `settings` and `rules` are the JSON text MISP keeps, unparsed. */
export interface Feed {
  id: number;
  name: string;
  provider: string;
  url: string;
  rules: string | null;
  enabled: boolean;
  distribution: number;
  sharingGroupId: number;
  tagId: number;
  isDefault: boolean;
  sourceFormat: string;
  fixedEvent: boolean;
  deltaMerge: boolean;
  eventId: number;
  publish: boolean;
  overrideIds: boolean;
  settings: string | null;
  inputSource: string;
  deleteLocalFile: boolean;
  lookupVisible: boolean;
  headers: string | null;
  cachingEnabled: boolean;
  forceToIds: boolean;
  orgcId: number;
  tagCollectionId: number;
  intervalMinutes: number;
  etag: string | null;
  lastModified: string | null;
  cursor: string | null;
  fetchedAt: number | null;
  cachedAt: number | null;
  lastResult: string | null;
}

/** The fields a change may set (the fetch state is set by `saveFeedState`). */
export type FeedFields = Partial<Omit<Feed, 'id' | 'etag' | 'lastModified' | 'cursor' | 'fetchedAt' | 'cachedAt' | 'lastResult'>>;

/** What a fetch leaves for the next one. */
export interface FeedState {
  etag?: string | null;
  lastModified?: string | null;
  cursor?: string | null;
  fetchedAt?: number | null;
  cachedAt?: number | null;
  lastResult?: string | null;
  eventId?: number;
}

const flag = (v: number) => v === 1;
const bit = (v: boolean) => (v ? 1 : 0);

function toFeed(r: Selectable<FeedTable>): Feed {
  return {
    id: r.id, name: r.name, provider: r.provider, url: r.url, rules: r.rules, enabled: flag(r.enabled), distribution: r.distribution,
    sharingGroupId: r.sharing_group_id, tagId: r.tag_id, isDefault: flag(r.is_default), sourceFormat: r.source_format,
    fixedEvent: flag(r.fixed_event), deltaMerge: flag(r.delta_merge), eventId: r.event_id, publish: flag(r.publish),
    overrideIds: flag(r.override_ids), settings: r.settings, inputSource: r.input_source, deleteLocalFile: flag(r.delete_local_file),
    lookupVisible: flag(r.lookup_visible), headers: r.headers, cachingEnabled: flag(r.caching_enabled), forceToIds: flag(r.force_to_ids),
    orgcId: r.orgc_id, tagCollectionId: r.tag_collection_id, intervalMinutes: r.interval_minutes, etag: r.etag,
    lastModified: r.last_modified, cursor: r.cursor, fetchedAt: r.fetched_at === null ? null : Number(r.fetched_at),
    cachedAt: r.cached_at === null ? null : Number(r.cached_at), lastResult: r.last_result,
  };
}

function columns(f: FeedFields): Updateable<FeedTable> {
  const c: Updateable<FeedTable> = {};
  if (f.name !== undefined) c.name = f.name;
  if (f.provider !== undefined) c.provider = f.provider;
  if (f.url !== undefined) c.url = f.url;
  if (f.rules !== undefined) c.rules = f.rules;
  if (f.enabled !== undefined) c.enabled = bit(f.enabled);
  if (f.distribution !== undefined) c.distribution = f.distribution;
  if (f.sharingGroupId !== undefined) c.sharing_group_id = f.sharingGroupId;
  if (f.tagId !== undefined) c.tag_id = f.tagId;
  if (f.isDefault !== undefined) c.is_default = bit(f.isDefault);
  if (f.sourceFormat !== undefined) c.source_format = f.sourceFormat;
  if (f.fixedEvent !== undefined) c.fixed_event = bit(f.fixedEvent);
  if (f.deltaMerge !== undefined) c.delta_merge = bit(f.deltaMerge);
  if (f.eventId !== undefined) c.event_id = f.eventId;
  if (f.publish !== undefined) c.publish = bit(f.publish);
  if (f.overrideIds !== undefined) c.override_ids = bit(f.overrideIds);
  if (f.settings !== undefined) c.settings = f.settings;
  if (f.inputSource !== undefined) c.input_source = f.inputSource;
  if (f.deleteLocalFile !== undefined) c.delete_local_file = bit(f.deleteLocalFile);
  if (f.lookupVisible !== undefined) c.lookup_visible = bit(f.lookupVisible);
  if (f.headers !== undefined) c.headers = f.headers;
  if (f.cachingEnabled !== undefined) c.caching_enabled = bit(f.cachingEnabled);
  if (f.forceToIds !== undefined) c.force_to_ids = bit(f.forceToIds);
  if (f.orgcId !== undefined) c.orgc_id = f.orgcId;
  if (f.tagCollectionId !== undefined) c.tag_collection_id = f.tagCollectionId;
  if (f.intervalMinutes !== undefined) c.interval_minutes = f.intervalMinutes;
  return c;
}

/** Every feed in MISP's index order: the default ones first, then by id. */
export async function listFeeds(store: Store): Promise<Feed[]> {
  const rows = await store.db.selectFrom('feed').selectAll().orderBy('is_default', 'desc').orderBy('id').execute();
  return rows.map(toFeed);
}

export async function findFeed(store: Store, id: number): Promise<Feed | undefined> {
  const r = await store.db.selectFrom('feed').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toFeed(r);
}

/** The urls of every feed, to tell which of a list are known already. */
export async function feedUrls(store: Store): Promise<Set<string>> {
  return new Set((await store.db.selectFrom('feed').select('url').execute()).map((r) => r.url));
}

export async function insertFeed(store: Store, f: FeedFields & { name: string; provider: string; url: string }): Promise<number> {
  const values = { ...columns(f), name: f.name, provider: f.provider, url: f.url };
  return (await store.db.insertInto('feed').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

/** Fields whose change makes what the last fetch saw say nothing of the next one. */
const SOURCE_FIELDS: ReadonlyArray<keyof FeedFields> = ['url', 'sourceFormat', 'inputSource', 'rules', 'settings', 'headers'];

/**
 * Changes only the fields given; answers whether the feed exists. A change of where or how the feed is
 * read (url, format, rules, settings…) forgets the last fetch's validators and cursor, so that the next
 * fetch reads everything again instead of being told "not modified".
 */
export async function updateFeed(store: Store, id: number, f: FeedFields): Promise<boolean> {
  const set = columns(f);
  if (SOURCE_FIELDS.some((k) => f[k] !== undefined)) {
    const before = await findFeed(store, id);
    if (before && SOURCE_FIELDS.some((k) => f[k] !== undefined && f[k] !== before[k])) Object.assign(set, { etag: null, last_modified: null, cursor: null });
  }
  if (Object.keys(set).length === 0) return (await findFeed(store, id)) !== undefined;
  const done = await store.db.updateTable('feed').set(set).where('id', '=', id).executeTakeFirst();
  return Number(done.numUpdatedRows) > 0;
}

export async function saveFeedState(store: Store, id: number, s: FeedState): Promise<void> {
  const set: Updateable<FeedTable> = {};
  if (s.etag !== undefined) set.etag = s.etag;
  if (s.lastModified !== undefined) set.last_modified = s.lastModified;
  if (s.cursor !== undefined) set.cursor = s.cursor;
  if (s.fetchedAt !== undefined) set.fetched_at = s.fetchedAt;
  if (s.cachedAt !== undefined) set.cached_at = s.cachedAt;
  if (s.lastResult !== undefined) set.last_result = s.lastResult;
  if (s.eventId !== undefined) set.event_id = s.eventId;
  if (Object.keys(set).length) await store.db.updateTable('feed').set(set).where('id', '=', id).execute();
}

export async function deleteFeed(store: Store, id: number): Promise<boolean> {
  const done = await store.db.deleteFrom('feed').where('id', '=', id).executeTakeFirst();
  return Number(done.numDeletedRows) > 0;
}

/**
 * Claims a feed's scheduled run: marks it started now if its last run started at least `intervalSeconds`
 * ago (or never). Only one caller wins a given run, whichever process or server asks, since the check
 * and the mark are one statement.
 */
export async function claimScheduledRun(store: Store, id: number, now: number, intervalSeconds: number): Promise<boolean> {
  const done = await store.db.updateTable('feed').set({ fetched_at: now }).where('id', '=', id)
    .where((eb) => eb.or([eb('fetched_at', 'is', null), eb('fetched_at', '<=', now - intervalSeconds)])).executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}
