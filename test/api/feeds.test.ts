import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { describeRealData, sharedPath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

/** A list in MISP's feed-metadata format, as MISP ships it (enabled flags and all, which a load ignores). */
const LIST = [
  {
    Feed: {
      name: 'blockrules of rules.emergingthreats.net', provider: 'rules.emergingthreats.net', url: 'https://rules.emergingthreats.net/blockrules/compromised-ips.txt',
      rules: '{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]}}', enabled: true, distribution: '0', default: false, source_format: 'csv',
      fixed_event: true, delta_merge: true, publish: false, override_ids: true, settings: '{"csv":{"value":"1"}}', input_source: 'network', lookup_visible: false,
    },
    Tag: { name: 'osint:source-type="block-or-filter-list"', colour: '#004f89', exportable: true, hide_tag: false },
  },
  { Feed: { name: 'The Botvrij.eu Data', provider: 'Botvrij.eu', url: 'https://www.botvrij.eu/data/feed-osint', source_format: 'misp', enabled: true } },
  { Feed: { name: 'Broken', provider: 'x', url: 'not a url', source_format: 'csv' } },
];

type FeedDoc = { Feed: Record<string, unknown>; Tag?: { name: string } };

forEachDialect('REST API: feeds', (fixture) => {
  let i: Instance;
  let store: Store;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-feed-lists-'));
  before(async () => {
    writeFileSync(join(dir, 'misp-default-feeds.json'), JSON.stringify(LIST));
    store = await fixture.open();
    i = await serve(store, { libraryDirs: [dir] });
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const feeds = async () => (await call(i, i.admin, 'GET', '/feeds/index')).body as FeedDoc[];

  it('holds the two feeds of a MISP installation from the start, disabled', async () => {
    const list = await feeds();
    assert.deepEqual(list.map((f) => [f.Feed.id, f.Feed.name, f.Feed.enabled, f.Feed.default, f.Feed.source_format]), [
      ['1', 'CIRCL OSINT Feed', false, true, 'misp'], ['2', 'The Botvrij.eu Data', false, true, 'misp'],
    ]);
    const botvrij = (await call(i, i.admin, 'GET', '/feeds/view/2')).body as FeedDoc;
    assert.equal(botvrij.Feed.url, 'https://www.botvrij.eu/data/feed-osint');
    assert.equal(botvrij.Feed.cached_elements, '0');
  });

  it("adds, edits and deletes a feed as PyMISP's calls do", async () => {
    const added = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'TestFeed', provider: 'TestFeed - Provider', url: 'http://example.com' } });
    assert.equal(added.status, 200);
    const feed = added.body.Feed;
    assert.deepEqual([feed.name, feed.url, feed.source_format, feed.fixed_event, feed.distribution, feed.enabled], ['TestFeed', 'http://example.com', 'freetext', true, '0', false]);
    assert.equal(typeof feed.settings, 'string', 'settings is JSON text, which PyMISP parses');
    assert.doesNotThrow(() => JSON.parse(feed.settings));
    // PyMISP sends the whole feed back, settings parsed.
    const edited = await call(i, i.admin, 'POST', `/feeds/edit/${feed.id}`, { Feed: { ...feed, name: 'TestFeed - Update', settings: JSON.parse(feed.settings) } });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.Feed.name, 'TestFeed - Update');
    assert.equal(edited.body.Feed.settings, feed.settings);
    const deleted = await call(i, i.admin, 'POST', `/feeds/delete/${feed.id}`);
    assert.equal(deleted.body.message, 'Feed deleted.');
    assert.equal((await call(i, i.admin, 'GET', `/feeds/view/${feed.id}`)).status, 404);
    assert.equal((await call(i, i.admin, 'POST', `/feeds/delete/${feed.id}`)).status, 404);
  });

  it('refuses what is not a feed, naming the field', async () => {
    const none = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'x', provider: 'y' } });
    assert.equal(none.status, 403);
    assert.deepEqual(Object.keys(none.body.errors), ['url']);
    assert.match(none.body.message, /url is required/);
    const bad = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'x', provider: 'y', url: 'ftp://h/x', source_format: 'rss', distribution: 9 } });
    assert.deepEqual(Object.keys(bad.body.errors).sort(), ['distribution', 'source_format', 'url']);
    const regex = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'x', provider: 'y', url: 'http://h/x', settings: { common: { excluderegex: '/(/' } } } });
    assert.equal(regex.status, 403);
    assert.ok(regex.body.errors['settings.common.excluderegex']);
    const local = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'x', provider: 'y', url: 'relative/dir', input_source: 'local' } });
    assert.match(local.body.errors.url[0], /absolute path/);
    const sg = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'x', provider: 'y', url: 'http://h/x', distribution: 4 } });
    assert.ok(sg.body.errors.sharing_group_id);
  });

  it('refuses rules and CSV settings the fetch could not read, naming the member at fault', async () => {
    const add = (fields: Record<string, unknown>) => call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'x', provider: 'y', url: 'http://h/x', ...fields } });
    const rules = await add({ rules: { tags: { OR: ['tlp:clear'], NOT: ['TLP:CLEAR'] }, orgs: { OR: 'CIRCL', ANY: [] }, url_params: 5 } });
    assert.equal(rules.status, 403);
    assert.deepEqual(Object.keys(rules.body.errors).sort(), ['rules.orgs', 'rules.tags', 'rules.url_params']);
    assert.match(rules.body.errors['rules.tags'][0], /tlp:clear is both allowed and blocked/);
    assert.match(rules.body.errors['rules.orgs'][0], /only OR \(allowed\) and NOT \(blocked\)/);
    const lists = await add({ rules: { tags: { OR: [{ name: 'x' }] } } });
    assert.match(lists.body.errors['rules.tags.OR'][0], /list of tag names/);
    const csv = await add({ source_format: 'csv', settings: { csv: { value: 'two', delimiter: ';;' } } });
    assert.deepEqual(Object.keys(csv.body.errors).sort(), ['settings.csv.delimiter', 'settings.csv.value']);
    assert.match((await add({ settings: { csv: { value: '0,2' } } })).body.errors['settings.csv.value'][0], /from 1/);
    // What MISP's own forms and default list write is taken: empty members, a tab, PHP's empty array.
    for (const fields of [
      { rules: { tags: { OR: [], NOT: [] }, orgs: { OR: [], NOT: [] }, url_params: '' }, settings: { csv: { value: '', delimiter: '' }, common: { excluderegex: '' } } },
      { rules: [], settings: { csv: { value: '2,3', delimiter: '\\t' } } },
      { rules: '{"tags":{"OR":"tlp:white"}}', settings: '{"csv":{"value":" 1 , 3 ","delimiter":"|"}}' },
    ]) {
      const r = await add({ ...fields, name: `ok ${JSON.stringify(fields).length}` });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal((await call(i, i.admin, 'POST', `/feeds/delete/${r.body.Feed.id}`)).status, 200);
    }
  });

  it('is kept by site admins only; others list the lookup_visible feeds alone', async () => {
    assert.equal((await call(i, i.alice, 'POST', '/feeds/add', { Feed: { name: 'x', provider: 'y', url: 'http://h/x' } })).status, 403);
    assert.equal((await call(i, i.alice, 'POST', '/feeds/edit/1', { Feed: { enabled: true } })).status, 403);
    assert.equal((await call(i, i.alice, 'POST', '/feeds/delete/1')).status, 403);
    assert.equal((await call(i, i.alice, 'GET', '/feeds/cacheFeeds/all')).status, 403);
    assert.equal((await call(i, i.alice, 'GET', '/feeds/fetchFromFeed/1')).status, 403);
    assert.deepEqual((await call(i, i.alice, 'GET', '/feeds/index')).body, []);
    assert.equal((await call(i, i.alice, 'GET', '/feeds/view/1')).status, 404);
    await call(i, i.admin, 'POST', '/feeds/edit/1', { Feed: { lookup_visible: true } });
    const seen = (await call(i, i.alice, 'GET', '/feeds/index')).body as FeedDoc[];
    assert.deepEqual(seen.map((f) => f.Feed.id), ['1']);
    assert.equal('headers' in seen[0]!.Feed, false, 'headers may hold credentials');
    await call(i, i.admin, 'POST', '/feeds/edit/1', { Feed: { lookup_visible: false } });
  });

  it('loads the default list from the library folder, each feed disabled, known urls left', async () => {
    const loaded = await call(i, i.admin, 'POST', '/feeds/loadDefaultFeeds');
    assert.equal(loaded.status, 200);
    assert.equal(loaded.body.message, 'Default feed metadata loaded.');
    assert.equal(loaded.body.added, 1);
    assert.equal(loaded.body.failures.length, 1, 'the broken entry is reported');
    const list = await feeds();
    assert.equal(list.length, 3);
    const csv = list.find((f) => f.Feed.name === 'blockrules of rules.emergingthreats.net')!;
    assert.deepEqual([csv.Feed.enabled, csv.Feed.default, csv.Feed.source_format, csv.Feed.override_ids, csv.Feed.settings, csv.Tag?.name],
      [false, true, 'csv', true, '{"csv":{"value":"1"}}', 'osint:source-type="block-or-filter-list"']);
    assert.equal((await call(i, i.admin, 'POST', '/feeds/loadDefaultFeeds')).body.added, 0, 'a second load adds nothing');
  });

  it('enables and disables by partial edits that keep settings byte for byte', async () => {
    const csv = (await feeds()).find((f) => f.Feed.source_format === 'csv')!;
    const id = String(csv.Feed.id);
    const on = await call(i, i.admin, 'POST', `/feeds/edit/${id}`, { Feed: { id, enabled: true } });
    assert.equal(on.body.Feed.enabled, true);
    assert.equal(on.body.Feed.settings, csv.Feed.settings);
    // The whole feed sent back with settings parsed (PyMISP's enable_feed of a MISPFeed).
    const off = await call(i, i.admin, 'POST', `/feeds/edit/${id}`, { Feed: { ...csv.Feed, enabled: false, settings: JSON.parse(String(csv.Feed.settings)) } });
    assert.equal(off.body.Feed.enabled, false);
    assert.equal(off.body.Feed.settings, csv.Feed.settings);
    const cache = await call(i, i.admin, 'POST', `/feeds/edit/${id}`, { Feed: { id, caching_enabled: true } });
    assert.equal(cache.body.Feed.caching_enabled, true);
    assert.equal(cache.body.Feed.settings, csv.Feed.settings);
    assert.equal((await call(i, i.admin, 'POST', '/feeds/enable/1')).body.message, 'Feed enabled.');
    assert.equal((await call(i, i.admin, 'POST', '/feeds/disable/1')).body.message, 'Feed disabled.');
    assert.equal((await call(i, i.admin, 'POST', '/feeds/enable/999')).status, 405);
  });

  it('answers the caching and comparing calls as MISP does', async () => {
    const one = await call(i, i.admin, 'GET', '/feeds/cacheFeeds/2');
    assert.equal(one.body.message, 'Feed caching job initiated.');
    assert.equal((await call(i, i.admin, 'GET', '/feeds/cacheFeeds/all')).body.message, 'Feed caching job initiated.');
    assert.equal((await call(i, i.admin, 'GET', '/feeds/cacheFeeds/bogus')).status, 400);
    const compared = await call(i, i.admin, 'GET', '/feeds/compareFeeds');
    assert.equal(compared.status, 200);
    assert.ok(Array.isArray(compared.body));
    const disabled = await call(i, i.admin, 'GET', '/feeds/fetchFromFeed/1');
    assert.equal(disabled.body.result, 'Feed is currently not enabled. Make sure you enable it.');
  });
});

describeRealData('REST API: feeds, MISP\'s default list', () => {
  forEachDialect('loadDefaultFeeds', (fixture) => {
    let i: Instance;
    before(async () => {
      i = await serve(await fixture.open(), { libraryDirs: [sharedPath('data', 'misp')] });
    });
    after(async () => {
      await i.app.close();
      await fixture.cleanup();
    });
    it('loads every feed of the list MISP ships, disabled', async () => {
      const loaded = await call(i, i.admin, 'POST', '/feeds/loadDefaultFeeds');
      assert.equal(loaded.status, 200);
      assert.deepEqual(loaded.body.failures, []);
      const list = (await call(i, i.admin, 'GET', '/feeds/index')).body as FeedDoc[];
      assert.ok(list.length > 80);
      assert.ok(list.every((f) => f.Feed.enabled === false && f.Feed.default === true));
      const et = list.find((f) => f.Feed.name === 'blockrules of rules.emergingthreats.net')!;
      assert.deepEqual(JSON.parse(String(et.Feed.settings)), { csv: { value: '1' } });
    });
  });
});
