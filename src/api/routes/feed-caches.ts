import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findFeed, listFeeds, type Feed } from '../../store/feeds.js';
import { feedHits, feedOverlaps, feedValueCounts } from '../../store/feed-values.js';
import { hostOrganisationId } from '../../store/access/organisations.js';
import { readingStore } from '../../store/replicas/index.js';
import { viewerOf } from '../../access/viewer.js';
import type { User } from '../../store/access/users.js';
import { mayViewFeed } from '../../access/policy/feeds.js';
import { lookupHashes } from '../../services/feeds/cache.js';
import { feedEvent, feedManifest } from '../../services/feeds/misp.js';
import { feedIndicators } from '../../services/feeds/freetext.js';
import { readSettings } from '../../services/feeds/config.js';
import { readFeedFile, sourceOptions as feedSourceOptions } from '../../services/feeds/source.js';
import type { FeedRunner, CacheScope } from '../../services/feeds/runner.js';
import type { FeedRunResult } from '../../services/feeds/run.js';

import { saved } from '../body.js';
import { ApiError } from '../errors.js';
import { userOf } from '../session.js';
import { documented } from '../openapi.js';
import type { ApiContext } from '../context.js';
import { FeedCacheHits, FeedComparison, FeedFetched, FeedPreview } from '../schemas/answers.js';

type Query = Record<string, string | undefined>;

/** MISP's words for a fetch that worked, with Cairn's counts. */
function fetchMessage(feed: Feed, r: FeedRunResult): string {
  // MISP's sentences (its fetch without background workers, as Cairn's), then why.
  if (r.outcome === 'failed') return `Fetching the feed has failed. ${r.errors.join('; ')}`;
  let m = 'Fetching the feed has successfully completed.';
  if (r.outcome === 'not-modified') return `${m} The feed has not changed since the last fetch.`;
  if (feed.sourceFormat === 'misp' || feed.sourceFormat === 'taxii') m += ` Downloaded ${r.events.created} new event(s). Updated ${r.events.updated} event(s).`;
  else m += ` ${r.values} value(s) in the feed.`;
  if (r.errors.length) m += ` ${r.errors.length} error(s): ${r.errors.slice(0, 5).join('; ')}`;
  return m;
}

/**
 * Fetching, caching, previews and cache searches of feeds. Fetches run within the request (Cairn's
 * jobs run where they are asked for); caching starts in the background and answers at once, as MISP
 * with its background workers answers.
 */
export async function feedCacheRoutes(app: FastifyInstance, ctx: ApiContext, runner: FeedRunner, admin: (r: FastifyRequest) => User): Promise<void> {
  const { store } = ctx;
  documented(app, 'Feeds', {
    'GET /feeds/fetchFromFeed/:id': { summary: 'Fetch an enabled feed now: a MISP feed\'s new and changed events, a CSV or free-text feed\'s values into its event (site admins)', response: FeedFetched },
    'GET /feeds/fetchFromAllFeeds': { summary: 'Fetch every enabled feed, one after another; a failing feed is reported and the others go on (site admins)' },
    'GET /feeds/cacheFeeds/:scope': { summary: 'Cache the values of the caching feeds (all, misp, csv, freetext, or one feed id) for feed hits, in the background (site admins)' },
    'GET /feeds/cacheFeeds': { summary: 'Cache the free-text feeds (MISP\'s default scope), in the background (site admins)' },
    'GET /feeds/searchCaches': { summary: 'The cached feeds holding a value: ?value=… (as POST)', response: FeedCacheHits },
    'POST /feeds/previewIndex/:id': { summary: 'A feed\'s content without importing it (as GET)', response: FeedPreview },
    'GET /feeds/compareFeeds': { summary: 'Each cached feed with its overlap with every other (values both hold, and the share of its own)', response: FeedComparison },
    'POST /feeds/searchCaches': { summary: 'The cached feeds holding a value: {"value": "…"} (or a list of values)' },
    'GET /feeds/previewIndex/:id': { summary: 'A feed\'s content without importing it: a MISP feed\'s manifest, a CSV or free-text feed\'s values (page, limit)', response: FeedPreview },
    'GET /feeds/previewEvent/:id/:uuid': { summary: 'One event of a MISP feed, as it would be imported' },
  });

  const visibleFeed = async (user: User, ref: string): Promise<Feed> => {
    const feed = /^\d+$/.test(ref) ? await findFeed(store, Number(ref)) : undefined;
    if (!feed || !mayViewFeed(user, await hostOrganisationId(store), feed)) throw new ApiError(404, 'Invalid feed.');
    return feed;
  };

  app.get<{ Params: { id: string } }>('/feeds/fetchFromFeed/:id', async (request) => {
    admin(request);
    const feed = /^\d+$/.test(request.params.id) ? await findFeed(store, Number(request.params.id)) : undefined;
    if (!feed) throw new ApiError(404, 'Invalid feed.');
    if (!feed.enabled) return { result: 'Feed is currently not enabled. Make sure you enable it.' };
    const r = await runner.run(feed.id, 'fetch');
    return { result: fetchMessage(feed, r), run: r };
  });

  app.get('/feeds/fetchFromAllFeeds', async (request) => {
    admin(request);
    const runs = await runner.fetchAll();
    if (runs.length === 0) return { result: 'No feed enabled.' };
    const failed = runs.filter((r) => r.outcome === 'failed').length;
    return { result: `Fetched ${runs.length - failed} feed(s)${failed ? `; ${failed} failed` : ''}.`, runs };
  });

  app.get<{ Params: { scope: string } }>('/feeds/cacheFeeds/:scope', async (request) => {
    admin(request);
    const s = request.params.scope;
    const scope: CacheScope | undefined = /^\d+$/.test(s) ? Number(s) : (['all', 'misp', 'csv', 'freetext'] as const).find((x) => x === s);
    if (scope === undefined) throw new ApiError(400, `scope must be all, misp, csv, freetext or a feed id, not "${s}"`);
    await runner.startCaching(scope);
    return saved('Feed caching job initiated.', '/feeds/cacheFeed');
  });
  app.get('/feeds/cacheFeeds', async (request) => {
    admin(request);
    await runner.startCaching('freetext');
    return saved('Feed caching job initiated.', '/feeds/cacheFeed');
  });

  app.get('/feeds/compareFeeds', async (request) => {
    const user = userOf(request);
    const host = await hostOrganisationId(store);
    const reader = await readingStore(store, viewerOf(user));
    const counts = await feedValueCounts(reader);
    const feeds = (await listFeeds(store)).filter((f) => f.cachingEnabled && mayViewFeed(user, host, f) && (counts.get(f.id) ?? 0) > 0);
    const overlaps = new Map((await feedOverlaps(reader)).map((o) => [`${o.feedId}:${o.otherId}`, o.shared]));
    const brief = (f: Feed) => ({ id: String(f.id), input_source: f.inputSource, source_format: f.sourceFormat, url: f.url, provider: f.provider, name: f.name, default: f.isDefault, values: counts.get(f.id) ?? 0 });
    return feeds.map((f) => ({
      Feed: {
        ...brief(f),
        ComparedFeed: feeds.filter((o) => o.id !== f.id).map((o) => {
          const shared = overlaps.get(`${f.id}:${o.id}`) ?? 0;
          return { ...brief(o), overlap_count: shared, overlap_percentage: Math.round((100 * shared) / (counts.get(f.id) ?? 1)) };
        }),
      },
    }));
  });

  const searchCaches = async (request: FastifyRequest<{ Querystring: Query }>) => {
    const user = userOf(request);
    const host = await hostOrganisationId(store);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const inner = body.Feed && typeof body.Feed === 'object' ? (body.Feed as Record<string, unknown>) : body;
    const raw = inner.value ?? request.query.value;
    if (raw === undefined || raw === null || raw === '') throw new ApiError(400, 'value is required: the value (or list of values) to look for in the feed caches');
    const values = (Array.isArray(raw) ? raw : [raw]).map((v) => String(v).trim().toLowerCase()).filter(Boolean);
    const feeds = (await listFeeds(store)).filter((f) => f.cachingEnabled && mayViewFeed(user, host, f));
    const byId = new Map(feeds.map((f) => [f.id, f]));
    const reader = await readingStore(store, viewerOf(user));
    const answer = async (value: string) => {
      const hits = await feedHits(reader, lookupHashes([value]), [...byId.keys()]);
      const out = new Map<number, Record<string, unknown>>();
      for (const h of hits) {
        const f = byId.get(h.feedId)!;
        let doc = out.get(f.id);
        if (!doc) out.set(f.id, (doc = { id: String(f.id), name: f.name, url: f.url, source_format: f.sourceFormat, type: f.sourceFormat === 'misp' ? 'MISP Feed' : 'Feed', direct_urls: [] as unknown[] }));
        const urls = doc.direct_urls as Array<{ url: string; name: string }>;
        if (h.eventUuid) {
          ((doc.uuid ??= []) as string[]).push(h.eventUuid);
          urls.push({ url: `/feeds/previewEvent/${f.id}/${h.eventUuid}`, name: `Event ${h.eventUuid}` });
        } else if (urls.length === 0) urls.push({ url: `/feeds/previewIndex/${f.id}`, name: `Feed ${f.id}` });
      }
      return [...out.values()].map((Feed) => ({ Feed }));
    };
    if (!Array.isArray(raw)) return answer(values[0]!);
    return Object.fromEntries(await Promise.all(values.map(async (v) => [v, await answer(v)] as const)));
  };
  app.post('/feeds/searchCaches', searchCaches);
  app.get('/feeds/searchCaches', searchCaches);

  const previewIndex = async (request: FastifyRequest<{ Params: { id: string }; Querystring: Query }>) => {
    const user = userOf(request);
    const feed = await visibleFeed(user, request.params.id);
    const source = await feedSourceOptions(store);
    const runCtx = { store, writer: ctx.writes, source };
    try {
      if (feed.sourceFormat === 'misp') {
        const m = await feedManifest(runCtx, feed);
        if (m.status !== 'ok') return {};
        const all = request.query.searchall?.toLowerCase();
        return Object.fromEntries(m.entries.filter((e) => !all || e.uuid === all || e.info.toLowerCase().includes(all) || e.orgc.toLowerCase().includes(all)
          || e.tags.some((t) => t.toLowerCase().includes(all))).map((e) => [e.uuid, e.raw]));
      }
      if (feed.sourceFormat === 'csv' || feed.sourceFormat === 'freetext') {
        const file = await readFeedFile(feed, '', source);
        const hits = file.status === 'ok' ? feedIndicators(file.text, feed.sourceFormat, readSettings(feed.settings)) : [];
        const page = Math.max(1, Number(request.query.page ?? 1) || 1);
        const limit = Math.max(1, Number(request.query.limit ?? 60) || 60);
        return hits.slice((page - 1) * limit, page * limit).map((h) => ({ value: h.value, category: null, type: h.default_type, to_ids: !feed.overrideIds, ...(h.comment ? { comment: h.comment } : {}) }));
      }
    } catch (err) {
      throw new ApiError(502, `Could not fetch the feed: ${(err as Error).message}`);
    }
    throw new ApiError(400, `A ${feed.sourceFormat} feed has no preview.`);
  };
  app.get('/feeds/previewIndex/:id', previewIndex);
  app.post('/feeds/previewIndex/:id', previewIndex);

  app.get<{ Params: { id: string; uuid: string } }>('/feeds/previewEvent/:id/:uuid', async (request) => {
    const user = userOf(request);
    const feed = await visibleFeed(user, request.params.id);
    const uuid = request.params.uuid.toLowerCase();
    if (!/^[0-9a-f-]{36}$/.test(uuid)) throw new ApiError(400, 'uuid must be the uuid of an event of the feed');
    if (feed.sourceFormat !== 'misp') throw new ApiError(400, 'Only a MISP feed has events to preview.');
    let event;
    try {
      event = await feedEvent({ store, writer: ctx.writes, source: await feedSourceOptions(store) }, feed, uuid);
    } catch (err) {
      throw new ApiError(404, `Could not download the selected Event: ${(err as Error).message}`);
    }
    if (!event) throw new ApiError(405, 'This event is blocked by the Feed filters.');
    return event;
  });
}
