import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deleteFeed, findFeed, insertFeed, listFeeds, updateFeed, type Feed } from '../../store/feeds.js';
import { hostOrganisationId } from '../../store/access/organisations.js';
import { tagNameById } from '../../store/tags.js';
import type { User } from '../../store/access/users.js';
import { mayManageFeeds, mayReadFeedHeaders, mayViewFeed } from '../../access/policy/feeds.js';
import { feedFields, type FeedInput } from '../../services/feeds/config.js';
import { importFeedList, loadDefaultFeeds } from '../../services/feeds/defaults.js';
import type { FeedRunner } from '../../services/feeds/runner.js';
import { modelBody, saved, sqlDatetime } from '../body.js';
import { ApiError } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { documented } from '../openapi.js';
import type { ApiContext } from '../context.js';
import { feedCacheRoutes } from './feed-caches.js';
import { FeedEntry, FeedRuns, Feeds } from '../schemas/answers.js';
import { listFeedRuns } from '../../store/feed-runs.js';

type Query = Record<string, string | undefined>;

/** A feed as MISP answers it: ids and numbers as text, flags as booleans, settings and rules as the JSON text kept. */
export async function feedDocument(ctx: Pick<ApiContext, 'store'>, f: Feed, user: User): Promise<Record<string, unknown>> {
  const feed: Record<string, unknown> = {
    id: String(f.id), name: f.name, provider: f.provider, url: f.url, rules: f.rules ?? '', enabled: f.enabled,
    distribution: String(f.distribution), sharing_group_id: String(f.sharingGroupId), tag_id: String(f.tagId), default: f.isDefault,
    source_format: f.sourceFormat, fixed_event: f.fixedEvent, delta_merge: f.deltaMerge, event_id: String(f.eventId), publish: f.publish,
    override_ids: f.overrideIds, settings: f.settings ?? '{}', input_source: f.inputSource, delete_local_file: f.deleteLocalFile,
    lookup_visible: f.lookupVisible, caching_enabled: f.cachingEnabled, force_to_ids: f.forceToIds,
    orgc_id: String(f.orgcId), tag_collection_id: String(f.tagCollectionId),
    ...(mayReadFeedHeaders(user) ? { headers: f.headers ?? '' } : {}),
    // Cairn's own: the schedule and what the last runs did.
    interval_minutes: String(f.intervalMinutes),
    cache_timestamp: f.cachedAt === null ? false : String(f.cachedAt),
    fetched_at: f.fetchedAt === null ? null : sqlDatetime(f.fetchedAt),
    last_result: f.lastResult ? (JSON.parse(f.lastResult) as unknown) : null,
  };
  const tag = f.tagId ? await tagNameById(ctx.store, f.tagId) : undefined;
  return { Feed: feed, ...(tag ? { Tag: { id: String(f.tagId), name: tag } } : {}) };
}

/** A feed id from the path: a 404 in MISP's words for anything else, or a feed that is not there. */
async function feedOf(ctx: ApiContext, ref: string): Promise<Feed> {
  const id = /^\d+$/.test(ref) ? Number(ref) : NaN;
  const feed = Number.isSafeInteger(id) ? await findFeed(ctx.store, id) : undefined;
  if (!feed) throw new ApiError(404, 'Invalid feed.');
  return feed;
}

const FILTERS: ReadonlyArray<[string, (f: Feed) => string]> = [
  ['name', (f) => f.name], ['url', (f) => f.url], ['provider', (f) => f.provider], ['source_format', (f) => f.sourceFormat],
  ['enabled', (f) => (f.enabled ? '1' : '0')], ['caching_enabled', (f) => (f.cachingEnabled ? '1' : '0')], ['default', (f) => (f.isDefault ? '1' : '0')],
];
const asFlag = (v: string) => (v === 'true' ? '1' : v === 'false' ? '0' : v);

/**
 * MISP's feeds: configured, fetched and cached by site admins; listed (and, when `lookup_visible`,
 * previewed and searched) by others as MISP allows. Fetches and caching runs are the runner's
 * (services/feeds/runner.ts): one run per feed at a time, whoever asks.
 */
export async function feedRoutes(app: FastifyInstance, ctx: ApiContext, runner: FeedRunner): Promise<void> {
  const { store } = ctx;
  documented(app, 'Feeds', {
    'GET /feeds/index': { summary: 'The feeds (site admins and the host organisation: all; others: those marked lookup_visible); named filters scope (all, enabled, default, custom), name, url, provider, source_format, enabled, caching_enabled, default', response: Feeds },
    'GET /feeds/view/:id': { summary: 'One feed, with its cached value count and the share of them other feeds hold', response: FeedEntry },
    'POST /feeds/add': { summary: 'Add a feed (site admins): {"Feed": {name, provider, url, source_format (misp, csv, freetext, taxii), input_source, distribution, sharing_group_id, tag_id, rules, settings, headers, fixed_event, delta_merge, publish, override_ids, enabled, caching_enabled, lookup_visible, interval_minutes}}', response: FeedEntry },
    'POST /feeds/edit/:id': { summary: 'Change the fields sent of a feed (site admins); settings and rules sent unchanged stay byte for byte', response: FeedEntry },
    'PUT /feeds/edit/:id': { summary: 'Change the fields sent of a feed (as POST)', response: FeedEntry },
    'POST /feeds/delete/:id': { summary: 'Delete a feed (site admins); the events it brought stay' },
    'DELETE /feeds/delete/:id': { summary: 'Delete a feed (as POST)' },
    'GET /feeds/enable/:id': { summary: 'Enable a feed (as POST)' },
    'GET /feeds/disable/:id': { summary: 'Disable a feed (as POST)' },
    'POST /feeds/enable/:id': { summary: 'Enable a feed (site admins)' },
    'POST /feeds/disable/:id': { summary: 'Disable a feed (site admins)' },
    'POST /feeds/loadDefaultFeeds': { summary: "Add the default feeds (MISP's list, read from the library folders of CAIRN_LIBRARIES), all disabled; feeds already here (by url) are left" },
    'GET /feeds/runs/:id': { summary: "A feed's recent runs, fetches and caching runs, newest first, each with what it did and its errors (site admins; Cairn's own)", response: FeedRuns },
    'POST /feeds/importFeeds': { summary: 'Add the feeds of a list in MISP\'s feed-metadata format, all disabled; feeds already here (by url) are left' },
  });
  const admin = (request: FastifyRequest) => {
    const user = userOf(request);
    refuseUnless(mayManageFeeds(user), lacking('perm_site_admin'));
    return user;
  };
  const answer = async (id: number, user: User) => document((await findFeed(store, id))!, user);
  const document = (f: Feed, user: User) => feedDocument(ctx, f, user);

  app.get<{ Querystring: Query }>('/feeds/index', async (request) => {
    const user = userOf(request);
    const host = await hostOrganisationId(store);
    const q = request.query;
    const scope = q.scope ?? 'all';
    const feeds = (await listFeeds(store)).filter((f) => mayViewFeed(user, host, f)
      && (scope === 'all' || (scope === 'enabled' ? f.enabled || f.cachingEnabled : scope === 'default' ? f.isDefault : scope === 'custom' ? !f.isDefault : true))
      && FILTERS.every(([name, of]) => q[name] === undefined || of(f).toLowerCase() === asFlag(q[name]!.toLowerCase()))
      && (!q.quickFilter || [f.name, f.url, f.provider, f.sourceFormat].some((v) => v.toLowerCase().includes(q.quickFilter!.toLowerCase()))));
    return Promise.all(feeds.map((f) => document(f, user)));
  });

  app.get<{ Params: { id: string } }>('/feeds/view/:id', async (request) => {
    const user = userOf(request);
    const feed = await feedOf(ctx, request.params.id);
    // MISP lets the host organisation's users and site admins view a feed; others are refused as for a missing one.
    const host = await hostOrganisationId(store);
    if (!mayViewFeed(user, host, { lookupVisible: false })) throw new ApiError(404, 'Invalid feed.');
    const doc = await document(feed, user);
    const counts = await runner.cacheFacts(feed.id);
    Object.assign(doc.Feed as object, { cached_elements: String(counts.values), coverage_by_other_feeds: `${counts.coverage}%` });
    return doc;
  });

  app.get<{ Params: { id: string } }>('/feeds/runs/:id', async (request) => {
    admin(request);
    const feed = await feedOf(ctx, request.params.id);
    const runs = await listFeedRuns(store, feed.id);
    return { runs: runs.map((r) => ({ ...(JSON.parse(r.result) as Record<string, unknown>), id: r.id })) };
  });

  app.post('/feeds/add', { config: { failure: 'Could not add Feed' } }, async (request) => {
    const user = admin(request);
    const raw = modelBody(request.body, 'Feed', 'Could not add Feed') as FeedInput;
    const fields = await feedFields(store, raw);
    const id = await insertFeed(store, { ...fields, name: fields.name!, provider: fields.provider!, url: fields.url!, isDefault: false });
    return answer(id, user);
  });

  const edit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = admin(request);
    const feed = await feedOf(ctx, request.params.id);
    const raw = modelBody(request.body, 'Feed', 'Could not edit Feed') as FeedInput;
    await updateFeed(store, feed.id, await feedFields(store, raw, feed));
    return answer(feed.id, user);
  };
  app.post('/feeds/edit/:id', { config: { failure: 'Could not edit Feed' } }, edit);
  app.put('/feeds/edit/:id', { config: { failure: 'Could not edit Feed' } }, edit);

  const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    admin(request);
    const feed = await feedOf(ctx, request.params.id);
    await runner.forget(feed.id);
    await deleteFeed(store, feed.id);
    return saved('Feed deleted.', request.url.split('?')[0] ?? '', feed.id);
  };
  app.post('/feeds/delete/:id', remove);
  app.delete('/feeds/delete/:id', remove);

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    const toggle = async (request: FastifyRequest<{ Params: { id: string } }>) => {
      admin(request);
      if (!/^\d+$/.test(request.params.id)) throw new ApiError(405, 'Invalid Feed.');
      const feed = await findFeed(store, Number(request.params.id));
      if (!feed) throw new ApiError(405, 'Invalid Feed.');
      await updateFeed(store, feed.id, { enabled });
      const message = `Feed ${action}d.`;
      return { name: message, message, url: request.url.split('?')[0] ?? '' };
    };
    app.post(`/feeds/${action}/:id`, toggle);
    app.get(`/feeds/${action}/:id`, toggle);
  }

  app.post('/feeds/loadDefaultFeeds', async (request) => {
    admin(request);
    const result = await loadDefaultFeeds(store, ctx.libraryDirs);
    return { ...saved('Default feed metadata loaded.', '/feeds/loadDefaultFeeds'), added: result.successes, failures: result.failures };
  });

  app.post('/feeds/importFeeds', async (request) => {
    admin(request);
    const body = request.body as Record<string, unknown> | unknown[] | undefined;
    const list = body && !Array.isArray(body) && body.Feed && typeof body.Feed === 'object' && 'json' in (body.Feed as object) ? (body.Feed as { json: unknown }).json : body;
    if (list === undefined || list === null) throw new ApiError(400, 'Send the feeds to add as a list in MISP\'s feed-metadata format: [{"Feed": {…}, "Tag": {…}}]');
    const result = await importFeedList(store, list, false);
    let message = result.successes > 0 ? `${result.successes} new feeds added.` : 'No new feeds to add.';
    if (result.fails) message += ` ${result.fails} feeds could not be added (possibly because they already exist)`;
    return { ...saved(message, '/feeds/importFeeds'), failures: result.failures };
  });

  await feedCacheRoutes(app, ctx, runner, admin);
}
