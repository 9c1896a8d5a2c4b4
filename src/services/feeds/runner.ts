import type { Store } from '../../store/db/database.js';
import { findFeed, listFeeds, saveFeedState, type Feed } from '../../store/feeds.js';
import { feedValueCounts, valuesSharedWith } from '../../store/feed-values.js';
import { recordFeedRun } from '../../store/feed-runs.js';
import type { EventWriter } from '../import/pipeline.js';
import { ServiceError } from '../errors.js';
import { cacheFeed } from './cache.js';
import { fetchFreetextFeed } from './freetext.js';
import { fetchMispFeed } from './misp.js';
import { fetchTaxiiFeed } from './taxii.js';
import { emptyResult, type FeedRunContext, type FeedRunResult } from './run.js';
import { sourceOptions, type SourceOptions } from './source.js';

export type FeedRunKind = FeedRunResult['kind'];

/** What a fetch of any format leaves: its result, and what the next fetch starts from. */
interface FetchDone {
  result: FeedRunResult;
  validators?: { etag: string | null; lastModified: string | null };
  cursor?: string;
  eventId?: number;
}

/** The scopes of MISP's cacheFeeds: every caching feed, those of one format, or one feed by id. */
export type CacheScope = 'all' | 'freetext' | 'csv' | 'misp' | number;

/**
 * Runs feeds: fetches (events into the store, through the import pipeline and the server's writer) and
 * caching runs (values for feed hits). One run per feed at a time: a run asked for while the same kind
 * of run of that feed is waiting is that run; any other waits its turn. A failing feed is reported in
 * its own result and never stops the others. `close` waits for the runs under way.
 */
export class FeedRunner {
  private readonly tails = new Map<number, Promise<unknown>>();
  private readonly waiting = new Map<string, Promise<FeedRunResult>>();
  private readonly background = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly store: Store, private readonly writer: EventWriter, private readonly limits: Omit<SourceOptions, 'allowPrivate' | 'localRefused'> = {}) {}

  private async context(): Promise<FeedRunContext> {
    return { store: this.store, writer: this.writer, source: await sourceOptions(this.store, this.limits) };
  }

  /** Runs a feed now (after the run of it under way, if any) and answers what the run did. */
  run(feedId: number, kind: FeedRunKind): Promise<FeedRunResult> {
    if (this.closed) return Promise.reject(new ServiceError('invalid', 'The server is stopping: no new feed run is started.'));
    const key = `${feedId}:${kind}`;
    const same = this.waiting.get(key);
    if (same) return same;
    const before = this.tails.get(feedId) ?? Promise.resolve();
    const run = before.then(() => {
      this.waiting.delete(key);
      return this.runNow(feedId, kind);
    });
    this.waiting.set(key, run);
    const tail = run.catch(() => undefined);
    this.tails.set(feedId, tail);
    void tail.then(() => {
      if (this.tails.get(feedId) === tail) this.tails.delete(feedId);
    });
    return run;
  }

  private async runNow(feedId: number, kind: FeedRunKind): Promise<FeedRunResult> {
    const feed = await findFeed(this.store, feedId);
    if (!feed) throw new ServiceError('not-found', 'Invalid feed.');
    const started = Math.floor(Date.now() / 1000);
    let result: FeedRunResult;
    // A cache's time is kept with the run's result, in one write: who sees the one sees the other.
    let cachedAt: number | undefined;
    try {
      const ctx = await this.context();
      if (kind === 'cache') {
        result = await cacheFeed(ctx, feed);
        cachedAt = Math.floor(Date.now() / 1000);
      } else {
        const done: FetchDone = feed.sourceFormat === 'misp' ? await fetchMispFeed(ctx, feed)
          : feed.sourceFormat === 'taxii' ? await fetchTaxiiFeed(ctx, feed) : await fetchFreetextFeed(ctx, feed);
        result = done.result;
        await saveFeedState(this.store, feed.id, {
          fetchedAt: Math.floor(Date.now() / 1000),
          ...(done.validators ? { etag: done.validators.etag, lastModified: done.validators.lastModified } : {}),
          ...(done.cursor !== undefined ? { cursor: done.cursor } : {}),
          ...(done.eventId !== undefined && feed.fixedEvent ? { eventId: done.eventId } : {}),
        });
      }
    } catch (err) {
      result = { ...emptyResult(feed, kind), outcome: 'failed', errors: [(err as Error).message] };
    }
    result.started = started;
    result.finished = Math.floor(Date.now() / 1000);
    const text = JSON.stringify(result);
    await saveFeedState(this.store, feed.id, { lastResult: text, ...(cachedAt !== undefined ? { cachedAt } : {}) }).catch(() => undefined);
    // The history is a record of the runs: a run is never failed for want of it (a feed deleted meanwhile, say).
    await recordFeedRun(this.store, { feedId: feed.id, kind, outcome: result.outcome, started: result.started, finished: result.finished, result: text }).catch(() => undefined);
    return result;
  }

  /** Starts a run without waiting for it (MISP's background jobs); its result is kept with the feed. */
  start(feedId: number, kind: FeedRunKind): void {
    const p = this.run(feedId, kind).catch(() => undefined);
    this.background.add(p);
    void p.then(() => this.background.delete(p));
  }

  /** Every enabled feed, fetched one after another; each feed's failure stays in its result. */
  async fetchAll(): Promise<FeedRunResult[]> {
    const out: FeedRunResult[] = [];
    for (const f of (await listFeeds(this.store)).filter((x) => x.enabled)) out.push(await this.run(f.id, 'fetch'));
    return out;
  }

  /** The feeds a cacheFeeds scope names among those with caching enabled. */
  async cachingFeeds(scope: CacheScope): Promise<Feed[]> {
    const feeds = (await listFeeds(this.store)).filter((f) => f.cachingEnabled);
    if (typeof scope === 'number') return feeds.filter((f) => f.id === scope);
    return scope === 'all' ? feeds : feeds.filter((f) => f.sourceFormat === scope);
  }

  /** MISP's cacheFeeds: starts caching each feed of the scope, without waiting. */
  async startCaching(scope: CacheScope): Promise<number> {
    const feeds = await this.cachingFeeds(scope);
    for (const f of feeds) this.start(f.id, 'cache');
    return feeds.length;
  }

  /** How many values a feed's cache holds, and the share of them (percent) that other caching feeds hold too. */
  async cacheFacts(feedId: number): Promise<{ values: number; coverage: number }> {
    const counts = await feedValueCounts(this.store);
    const values = counts.get(feedId) ?? 0;
    if (values === 0) return { values, coverage: 0 };
    const others = (await listFeeds(this.store)).filter((f) => f.cachingEnabled && f.id !== feedId).map((f) => f.id);
    const shared = await valuesSharedWith(this.store, feedId, others);
    return { values, coverage: Math.round((100 * shared) / values) };
  }

  /** Waits for the runs of a feed that is about to be deleted. */
  async forget(feedId: number): Promise<void> {
    await (this.tails.get(feedId) ?? Promise.resolve());
  }

  /** Waits for every run under way; no run starts after. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.background, ...this.tails.values()]);
  }
}
