import type { Store } from './db/database.js';

/** How many runs of a feed the history keeps. */
export const FEED_RUNS_KEPT = 50;

/** One run of a feed as the history holds it: its result is the JSON text the runner wrote. */
export interface FeedRunRecord {
  id: number;
  feedId: number;
  kind: string;
  outcome: string;
  started: number;
  finished: number;
  result: string;
}

/** Records a run of a feed, and drops its runs older than the latest FEED_RUNS_KEPT. */
export async function recordFeedRun(store: Store, run: Omit<FeedRunRecord, 'id'>): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.insertInto('feed_run').values({
      feed_id: run.feedId, kind: run.kind, outcome: run.outcome, started: run.started, finished: run.finished, result: run.result,
    }).execute();
    const oldest = await trx.selectFrom('feed_run').select('id').where('feed_id', '=', run.feedId)
      .orderBy('id', 'desc').offset(FEED_RUNS_KEPT - 1).limit(1).executeTakeFirst();
    if (oldest) await trx.deleteFrom('feed_run').where('feed_id', '=', run.feedId).where('id', '<', oldest.id).execute();
  });
}

/** A feed's runs, newest first. */
export async function listFeedRuns(store: Store, feedId: number, limit = FEED_RUNS_KEPT): Promise<FeedRunRecord[]> {
  const rows = await store.db.selectFrom('feed_run').selectAll().where('feed_id', '=', feedId).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id, feedId: r.feed_id, kind: r.kind, outcome: r.outcome, started: Number(r.started), finished: Number(r.finished), result: r.result,
  }));
}
