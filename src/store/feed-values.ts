import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Store } from './db/database.js';
import { bulkInsert } from './db/bulk-insert.js';
import { bytesToUuid, uuidToBytes } from './db/uuid.js';
import { chunked } from './values/index.js';

/** A value a cached feed holds: its hash (see migration 034), the value where known, the feed event holding it. */
export interface FeedValueRow {
  hash: number;
  value: string | null;
  eventUuid: string | null;
}

export interface FeedHit extends FeedValueRow {
  feedId: number;
}

/** Rows written between two turns of the event loop, so that a feed of millions of values stalls no request. */
const ROWS_PER_TURN = 20_000;

/**
 * The rows ordered by the top 16 bits of their hash (a counting sort, linear): written in that order
 * they reach the hash index's pages one after another instead of at random, which costs a third less.
 */
function inHashOrder(rows: readonly FeedValueRow[]): FeedValueRow[] {
  const top = (hash: number) => Math.floor(hash / 2 ** 36);
  const start = new Uint32Array((1 << 16) + 1);
  for (const r of rows) start[top(r.hash) + 1]!++;
  for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
  const out = new Array<FeedValueRow>(rows.length);
  for (const r of rows) out[start[top(r.hash)]!++] = r;
  return out;
}

/** Replaces what a feed's cache holds, in one transaction: a run's result, or nothing (cleared). */
export async function replaceFeedValues(store: Store, feedId: number, given: readonly FeedValueRow[]): Promise<void> {
  const rows = inHashOrder(given);
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('feed_value').where('feed_id', '=', feedId).execute();
    const bulk = bulkInsert(store, trx);
    for (let i = 0; i < rows.length; i += ROWS_PER_TURN) {
      if (i > 0) await nextTurn();
      const part = rows.slice(i, i + ROWS_PER_TURN);
      await bulk.all('feed_value', part.map((r) => ({ feed_id: feedId, hash: r.hash, value: r.value, event_uuid: r.eventUuid })), { rowsPerStatement: 50 });
    }
  });
}

/** The cached values of these hashes, in the feeds given (all when none is given). */
export async function feedHits(store: Store, hashes: readonly number[], feedIds?: readonly number[]): Promise<FeedHit[]> {
  if (feedIds && feedIds.length === 0) return [];
  const out: FeedHit[] = [];
  for (const part of chunked([...new Set(hashes)])) {
    let q = store.db.selectFrom('feed_value').select(['feed_id', 'hash', 'value', 'event_uuid']).where('hash', 'in', part);
    if (feedIds) q = q.where('feed_id', 'in', [...feedIds]);
    for (const r of await q.execute()) out.push({ feedId: r.feed_id, hash: Number(r.hash), value: r.value, eventUuid: r.event_uuid });
  }
  return out;
}

/** How many values each cached feed holds. */
export async function feedValueCounts(store: Store): Promise<Map<number, number>> {
  const rows = await store.db.selectFrom('feed_value').select(['feed_id', sql<number>`count(distinct hash)`.as('n')]).groupBy('feed_id').execute();
  return new Map(rows.map((r) => [r.feed_id, Number(r.n)]));
}

/**
 * For each ordered pair of feeds, how many distinct values both hold: one join on the hash index, so
 * the work grows with the values the feeds share, not with the product of their sizes.
 */
export async function feedOverlaps(store: Store): Promise<Array<{ feedId: number; otherId: number; shared: number }>> {
  const rows = await store.db.selectFrom('feed_value as a')
    .innerJoin('feed_value as b', (j) => j.onRef('a.hash', '=', 'b.hash').onRef('a.feed_id', '<>', 'b.feed_id'))
    .select(['a.feed_id as feedId', 'b.feed_id as otherId', sql<number>`count(distinct a.hash)`.as('shared')])
    .groupBy(['a.feed_id', 'b.feed_id']).execute();
  return rows.map((r) => ({ feedId: r.feedId, otherId: r.otherId, shared: Number(r.shared) }));
}

/**
 * The timestamps of the stored events of these uuids, to decide which events of a feed's manifest
 * are new or newer: a planning read of the feed fetcher, shown to no one. What is then written goes
 * through the import pipeline, which checks the stored event against the feed's rights.
 */
export async function storedEventTimestamps(store: Store, uuids: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const part of chunked(uuids)) {
    const rows = await store.db.selectFrom('event').select(['uuid', 'timestamp']).where('uuid', 'in', part.map(uuidToBytes)).execute();
    for (const r of rows) out.set(bytesToUuid(r.uuid), Number(r.timestamp));
  }
  return out;
}

/** How many distinct values of a feed one of the other feeds holds too. */
export async function valuesSharedWith(store: Store, feedId: number, others: readonly number[]): Promise<number> {
  if (others.length === 0) return 0;
  const row = await store.db.selectFrom('feed_value as a').select(sql<number>`count(distinct a.hash)`.as('n'))
    .where('a.feed_id', '=', feedId)
    .where(({ exists, selectFrom }) => exists(selectFrom('feed_value as b').select('b.hash').whereRef('b.hash', '=', 'a.hash').where('b.feed_id', 'in', [...others])))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
