import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { serveFolder, type FeedServer } from '../helpers/feed-server.js';
import { addFeed, allowLoopbackFeeds } from '../helpers/feeds.js';
import { describeRealData, fixturePath, sharedPath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

type Json = Record<string, any>;
const FIRST = 'c1a00000-0000-4000-8000-000000000001';

forEachDialect('Feeds: caching and feed hits', (fixture) => {
  let i: Instance;
  let host: FeedServer;
  const root = mkdtempSync(join(tmpdir(), 'cairn-feed-cache-'));
  let mispFeed: string;
  let csvFeed: string;
  let eventId: string;
  before(async () => {
    cpSync(fixturePath('feeds', 'cert-a'), join(root, 'cert-a'), { recursive: true });
    // A block list sharing one value with the MISP feed (198.51.100.10) and holding one of its own.
    writeFileSync(join(root, 'list.txt'), '198.51.100.10\n192.0.2.200\n');
    host = await serveFolder(root);
    i = await serve(await fixture.open());
    await allowLoopbackFeeds(i);
    const add = (f: Json) => addFeed(i, { caching_enabled: true, ...f });
    mispFeed = await add({ name: 'CERT-A', source_format: 'misp', url: `${host.base}/cert-a` });
    csvFeed = await add({ name: 'Block list', source_format: 'freetext', url: `${host.base}/list.txt` });
    const made = await call(i, i.alice, 'POST', '/events/add', {
      Event: {
        info: 'Seen on our network', distribution: 0,
        Attribute: [
          { type: 'domain', category: 'Network activity', value: 'login-portal.example' },
          { type: 'ip-dst', category: 'Network activity', value: '198.51.100.10' },
          { type: 'ip-dst', category: 'Network activity', value: '192.0.2.200' },
          { type: 'url', category: 'Network activity', value: 'http://login-portal.example/auth' },
          { type: 'domain', category: 'Network activity', value: 'nowhere-else.example' },
        ],
      },
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    eventId = made.body.Event.id;
  });
  after(async () => {
    await i.app.close();
    await host.close();
    await fixture.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  /** Caching runs in the background: waits until each feed's cache time is set. */
  const cached = async (ids: string[]) => {
    for (let n = 0; n < 200; n++) {
      const views = await Promise.all(ids.map(async (id) => (await call(i, i.admin, 'GET', `/feeds/view/${id}`)).body.Feed as Json));
      if (views.every((v) => v.cache_timestamp !== false)) return views;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the feeds were not cached');
  };

  it('caches the feeds in the background, importing nothing', async () => {
    const r = await call(i, i.admin, 'GET', '/feeds/cacheFeeds/all');
    assert.equal(r.body.message, 'Feed caching job initiated.');
    const [misp, csv] = await cached([mispFeed, csvFeed]);
    assert.equal(misp!.last_result.outcome, 'done', JSON.stringify(misp!.last_result));
    assert.ok(Number(misp!.cached_elements) > 20);
    assert.equal(csv!.cached_elements, '2');
    assert.equal(csv!.coverage_by_other_feeds, '50%', 'one of its two values is in the MISP feed');
    assert.equal((await call(i, i.admin, 'GET', `/events/view/${FIRST}`)).status, 404, 'caching imports no event');
  });

  it('shows on each attribute which feeds hold its value, with the feed event', async () => {
    const plain = (await call(i, i.alice, 'GET', `/events/view/${eventId}`)).body.Event as Json;
    assert.equal(plain.Feed, undefined, 'only when asked');
    const e = (await call(i, i.admin, 'GET', `/events/view/${eventId}/includeFeedCorrelations:1`)).body.Event as Json;
    const feedsOf = (value: string) => ((e.Attribute as Json[]).find((a) => a.value === value)!.Feed as Json[] | undefined ?? []).map((f) => f.name).sort();
    assert.deepEqual(feedsOf('login-portal.example'), ['CERT-A']);
    assert.deepEqual(feedsOf('198.51.100.10'), ['Block list', 'CERT-A']);
    assert.deepEqual(feedsOf('192.0.2.200'), ['Block list']);
    assert.deepEqual(feedsOf('http://login-portal.example/auth'), ['CERT-A']);
    assert.deepEqual(feedsOf('nowhere-else.example'), []);
    const hit = ((e.Attribute as Json[]).find((a) => a.value === 'login-portal.example')!.Feed as Json[])[0]!;
    assert.ok(hit.event_uuids.includes(FIRST));
    assert.deepEqual((e.Feed as Json[]).map((f) => f.name).sort(), ['Block list', 'CERT-A']);
  });

  it('names the feeds on attributes/restSearch and events/restSearch with includeFeedCorrelations, as MISP shapes them', async () => {
    const attrs = (await call(i, i.admin, 'POST', '/attributes/restSearch', { eventid: eventId, includeFeedCorrelations: 1 })).body.response.Attribute as Json[];
    const feedsOf = (list: Json[], value: string) => ((list.find((a) => a.value === value)!.Feed as Json[] | undefined) ?? []).map((f) => f.name).sort();
    assert.deepEqual(feedsOf(attrs, '198.51.100.10'), ['Block list', 'CERT-A']);
    assert.deepEqual(feedsOf(attrs, 'nowhere-else.example'), []);
    const hit = (attrs.find((a) => a.value === 'login-portal.example')!.Feed as Json[])[0]!;
    assert.deepEqual(Object.keys(hit).sort(), ['event_uuids', 'id', 'lookup_visible', 'name', 'provider', 'source_format', 'url']);
    assert.equal(hit.id, mispFeed);
    assert.ok(hit.event_uuids.includes(FIRST));
    const plain = (await call(i, i.admin, 'POST', '/attributes/restSearch', { eventid: eventId })).body.response.Attribute as Json[];
    assert.ok(plain.every((a) => a.Feed === undefined), 'only when asked');
    const events = (await call(i, i.admin, 'POST', '/events/restSearch', { eventid: eventId, includeFeedCorrelations: true })).body.response as Json[];
    assert.equal(events.length, 1);
    const e = events[0]!.Event as Json;
    assert.deepEqual(feedsOf(e.Attribute as Json[], '192.0.2.200'), ['Block list']);
    assert.deepEqual((e.Feed as Json[]).map((f) => f.name).sort(), ['Block list', 'CERT-A']);
    // Another organisation's user sees the hits of the feeds he may see only (none is lookup_visible yet).
    const alice = (await call(i, i.alice, 'POST', '/events/restSearch', { eventid: eventId, includeFeedCorrelations: 1 })).body.response as Json[];
    assert.equal(alice[0]!.Event.Feed, undefined);
    assert.equal((await call(i, i.admin, 'POST', '/attributes/restSearch', { eventid: eventId, includeFeedCorrelations: 'maybe' })).status, 400);
  });

  /** The id of alice's role (MISP's default `User`). */
  const userRole = async () => ((await call(i, i.admin, 'GET', '/roles/index')).body as Json[]).find((r) => r.Role.name === 'User')!.Role as Json;

  it('shows feed hits only to roles with perm_view_feed_correlations, which of the default roles only admin has (as in MISP)', async () => {
    const roles = (await call(i, i.admin, 'GET', '/roles/index')).body as Json[];
    assert.deepEqual(roles.filter((r) => r.Role.perm_view_feed_correlations).map((r) => r.Role.name), ['admin']);
    await call(i, i.admin, 'POST', `/feeds/edit/${csvFeed}`, { Feed: { lookup_visible: true } });
    // Without the flag: no feed hits anywhere, though the feed is lookup_visible.
    const view = (await call(i, i.alice, 'GET', `/events/view/${eventId}/includeFeedCorrelations:1`)).body.Event as Json;
    assert.equal(view.Feed, undefined);
    assert.ok((view.Attribute as Json[]).every((a) => a.Feed === undefined));
    const events = (await call(i, i.alice, 'POST', '/events/restSearch', { eventid: eventId, includeFeedCorrelations: 1 })).body.response as Json[];
    assert.ok((events[0]!.Event.Attribute as Json[]).every((a) => a.Feed === undefined));
    const attrs = (await call(i, i.alice, 'POST', '/attributes/restSearch', { eventid: eventId, includeFeedCorrelations: 1 })).body.response.Attribute as Json[];
    assert.ok(attrs.length > 0 && attrs.every((a) => a.Feed === undefined));
    // With it: the same calls name the feed.
    const role = await userRole();
    const edited = await call(i, i.admin, 'POST', `/admin/roles/edit/${role.id}`, { Role: { perm_view_feed_correlations: true } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.Role.perm_view_feed_correlations, true);
    const seen = (await call(i, i.alice, 'GET', `/events/view/${eventId}/includeFeedCorrelations:1`)).body.Event as Json;
    assert.deepEqual((seen.Feed as Json[]).map((f) => f.name), ['Block list']);
    const attrsSeen = (await call(i, i.alice, 'POST', '/attributes/restSearch', { eventid: eventId, includeFeedCorrelations: 1 })).body.response.Attribute as Json[];
    assert.deepEqual((attrsSeen.find((a) => a.value === '192.0.2.200')!.Feed as Json[]).map((f) => f.name), ['Block list']);
    await call(i, i.admin, 'POST', `/admin/roles/edit/${role.id}`, { Role: { perm_view_feed_correlations: false } });
    await call(i, i.admin, 'POST', `/feeds/edit/${csvFeed}`, { Feed: { lookup_visible: false } });
  });

  it('shows a user outside the host organisation only the lookup_visible feeds', async () => {
    const role = await userRole();
    await call(i, i.admin, 'POST', `/admin/roles/edit/${role.id}`, { Role: { perm_view_feed_correlations: true } });
    const hidden = (await call(i, i.alice, 'GET', `/events/view/${eventId}/includeFeedCorrelations:1`)).body.Event as Json;
    assert.equal(hidden.Feed, undefined);
    await call(i, i.admin, 'POST', `/feeds/edit/${csvFeed}`, { Feed: { lookup_visible: true } });
    const seen = (await call(i, i.alice, 'GET', `/events/view/${eventId}/includeFeedCorrelations:1`)).body.Event as Json;
    assert.deepEqual((seen.Feed as Json[]).map((f) => f.name), ['Block list']);
    const search = await call(i, i.alice, 'POST', '/feeds/searchCaches', { value: '198.51.100.10' });
    assert.deepEqual((search.body as Json[]).map((h) => h.Feed.name), ['Block list']);
  });

  it('searches the caches and compares the feeds', async () => {
    const search = await call(i, i.admin, 'POST', '/feeds/searchCaches', { value: 'LOGIN-PORTAL.example' });
    assert.deepEqual((search.body as Json[]).map((h) => [h.Feed.name, h.Feed.type]), [['CERT-A', 'MISP Feed']]);
    assert.ok(search.body[0].Feed.direct_urls.some((u: Json) => u.url === `/feeds/previewEvent/${mispFeed}/${FIRST}`));
    assert.deepEqual((await call(i, i.admin, 'POST', '/feeds/searchCaches', { value: 'nowhere-else.example' })).body, []);
    assert.equal((await call(i, i.admin, 'POST', '/feeds/searchCaches', {})).status, 400);
    const compared = (await call(i, i.admin, 'GET', '/feeds/compareFeeds')).body as Json[];
    const csv = compared.find((c) => c.Feed.id === csvFeed)!.Feed;
    assert.deepEqual(csv.ComparedFeed.map((c: Json) => [c.name, c.overlap_count, c.overlap_percentage]), [['CERT-A', 1, 50]]);
  });

  it('clears a feed\'s cache when it is deleted', async () => {
    await call(i, i.admin, 'POST', `/feeds/delete/${csvFeed}`);
    const e = (await call(i, i.admin, 'GET', `/events/view/${eventId}/includeFeedCorrelations:1`)).body.Event as Json;
    assert.deepEqual((e.Feed as Json[]).map((f) => f.name), ['CERT-A']);
  });
});

describeRealData('Feeds: caching a real MISP feed by its hashes.csv', () => {
  forEachDialect('MISP-ANSSI', (fixture) => {
    let i: Instance;
    let host: FeedServer;
    before(async () => {
      host = await serveFolder(sharedPath('data', 'feeds'));
      i = await serve(await fixture.open());
      await allowLoopbackFeeds(i);
    });
    after(async () => {
      await i.app.close();
      await host.close();
      await fixture.cleanup();
    });
    it('reads only hashes.csv', async () => {
      const id = (await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'ANSSI', provider: 'ANSSI', source_format: 'misp', url: `${host.base}/MISP-ANSSI`, caching_enabled: true } })).body.Feed.id;
      await call(i, i.admin, 'GET', `/feeds/cacheFeeds/${id}`);
      let view: Json = {};
      for (let n = 0; n < 200 && !view.cache_timestamp; n++) {
        await new Promise((r) => setTimeout(r, 25));
        view = (await call(i, i.admin, 'GET', `/feeds/view/${id}`)).body.Feed;
      }
      assert.ok(Number(view.cached_elements) > 1000, JSON.stringify(view.last_result));
      assert.deepEqual(host.log.map((l) => l.path), ['/MISP-ANSSI/hashes.csv']);
    });
  });
});
