import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { serveFolder, type FeedServer } from '../helpers/feed-server.js';
import { addFeed as addFeedAs, allowLoopbackFeeds } from '../helpers/feeds.js';
import { describeRealData, fixturePath, sharedPath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';
import type { Store } from '../../src/store/db/database.js';
import { setSetting } from '../../src/store/settings.js';

const FIRST = 'c1a00000-0000-4000-8000-000000000001';
const SECOND = 'c1a00000-0000-4000-8000-000000000002';
const THIRD = 'c1a00000-0000-4000-8000-000000000003';

type Json = Record<string, any>;

forEachDialect('Feeds: fetching MISP feeds', (fixture) => {
  let i: Instance;
  let store: Store;
  let host: FeedServer;
  const root = mkdtempSync(join(tmpdir(), 'cairn-feed-host-'));
  before(async () => {
    cpSync(fixturePath('feeds', 'cert-a'), join(root, 'cert-a'), { recursive: true });
    host = await serveFolder(root);
    store = await fixture.open();
    i = await serve(store);
  });
  after(async () => {
    await i.app.close();
    await host.close();
    await fixture.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  const addFeed = (fields: Json) => addFeedAs(i, { enabled: true, ...fields });
  const fetchFeed = async (id: string) => {
    const r = await call(i, i.admin, 'GET', `/feeds/fetchFromFeed/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { result: string; run: Json };
  };
  const event = async (key: string, uuid: string) => call(i, key, 'GET', `/events/view/${uuid}`);
  const asked = (from: number) => host.log.slice(from).map((l) => `${l.path} ${l.status}`);
  let feedId: string;

  it('refuses a loopback feed until the instance allows private networks', async () => {
    feedId = await addFeed({ name: 'CERT-A', source_format: 'misp', url: `${host.base}/cert-a`, distribution: 1, tag_id: 0 });
    const refused = await fetchFeed(feedId);
    assert.equal(refused.run.outcome, 'failed');
    assert.match(refused.result, /private or loopback address.*feeds\.allow_private_networks/);
    assert.equal(host.log.length, 0, 'nothing was asked of the host');
    const set = await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/feeds.allow_private_networks', { value: true });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  });

  it('imports every event of the manifest as the host organisation\'s, with the feed\'s distribution', async () => {
    const done = await fetchFeed(feedId);
    assert.equal(done.run.outcome, 'done', JSON.stringify(done.run));
    assert.deepEqual(done.run.events, { created: 3, updated: 0, unchanged: 0, refused: 0, filtered: 0 });
    assert.match(done.result, /Downloaded 3 new event\(s\)\. Updated 0 event\(s\)\./);
    const e = (await event(i.admin, FIRST)).body.Event;
    assert.equal(e.Org.name, (await call(i, i.admin, 'GET', '/organisations/view/1')).body.Organisation.name, 'owned by the host organisation');
    assert.equal(e.Orgc.name, 'CERT-A (fixture)', 'created by the organisation the feed names');
    assert.equal(e.distribution, '1');
    assert.ok(e.Attribute.every((a: Json) => a.distribution === '5'), 'items inherit the feed\'s distribution');
    // Distribution 1 (this community): another organisation of the instance sees it.
    assert.equal((await event(i.alice, FIRST)).status, 200);
    const feed = (await call(i, i.admin, 'GET', `/feeds/view/${feedId}`)).body.Feed;
    assert.equal(feed.last_result.events.created, 3);
    assert.ok(feed.fetched_at);
  });

  it('asks only for the manifest when nothing changed, and it answers 304', async () => {
    const from = host.log.length;
    const again = await fetchFeed(feedId);
    assert.equal(again.run.outcome, 'not-modified');
    assert.deepEqual(asked(from), ['/cert-a/manifest.json 304']);
  });

  it('reads the manifest again, whole, once the feed\'s rules change', async () => {
    const edited = await call(i, i.admin, 'POST', `/feeds/edit/${feedId}`, { Feed: { rules: { tags: { OR: [], NOT: ['tlp:green'] }, orgs: { OR: [], NOT: [] } } } });
    assert.equal(edited.status, 200);
    const from = host.log.length;
    const run = (await fetchFeed(feedId)).run;
    assert.deepEqual([run.outcome, run.events.unchanged, run.events.filtered], ['done', 2, 1]);
    assert.deepEqual(asked(from), ['/cert-a/manifest.json 200']);
    await call(i, i.admin, 'POST', `/feeds/edit/${feedId}`, { Feed: { rules: { tags: { OR: [], NOT: [] }, orgs: { OR: [], NOT: [] } } } });
  });

  it('fetches only the event that changed', async () => {
    const manifestFile = join(root, 'cert-a', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Json;
    const eventFile = join(root, 'cert-a', `${SECOND}.json`);
    const doc = JSON.parse(readFileSync(eventFile, 'utf8')) as Json;
    const stamp = String(Number(manifest[SECOND].timestamp) + 1000);
    doc.Event.timestamp = stamp;
    doc.Event.Attribute.push({ uuid: 'c1a0ffff-0000-4000-8000-000000000099', type: 'domain', category: 'Network activity', value: 'added-later.example', to_ids: true, timestamp: stamp });
    manifest[SECOND].timestamp = stamp;
    writeFileSync(eventFile, JSON.stringify(doc));
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const from = host.log.length;
    const run = (await fetchFeed(feedId)).run;
    assert.deepEqual(run.events, { created: 0, updated: 1, unchanged: 2, refused: 0, filtered: 0 });
    assert.deepEqual(asked(from), ['/cert-a/manifest.json 200', `/cert-a/${SECOND}.json 200`]);
    const e = (await event(i.admin, SECOND)).body.Event;
    assert.ok(e.Attribute.some((a: Json) => a.value === 'added-later.example'));
  });

  it("keeps to the feed's rules, tag and override_ids, and to its distribution 0", async () => {
    // A second feed of the same events: its rules leave out what is tagged tlp:white; what it takes is private.
    await call(i, i.admin, 'POST', '/tags/add', { Tag: { name: 'feed:cert-a' } });
    const tags = (await call(i, i.admin, 'GET', '/tags/index')).body.Tag as Json[];
    const tag = tags.find((t) => t.name === 'feed:cert-a')!;
    for (const uuid of [FIRST, SECOND, THIRD]) await call(i, i.admin, 'POST', `/events/delete/${uuid}`);
    const id = await addFeed({
      name: 'CERT-A filtered', source_format: 'misp', url: `${host.base}/cert-a`, distribution: 0, tag_id: tag.id, override_ids: true,
      rules: { tags: { OR: [], NOT: ['tlp:white'] }, orgs: { OR: ['cert-a'], NOT: [] } },
    });
    const run = (await fetchFeed(id)).run;
    assert.equal(run.events.created, 1, JSON.stringify(run));
    assert.equal(run.events.filtered, 2);
    const e = (await event(i.admin, THIRD)).body.Event;
    assert.equal(e.distribution, '0');
    assert.ok(e.Tag.some((t: Json) => t.name === 'feed:cert-a'));
    assert.ok(e.Attribute.every((a: Json) => a.to_ids === false));
    assert.equal((await event(i.alice, THIRD)).status, 404, 'distribution 0: the host organisation only');
    assert.equal((await event(i.admin, FIRST)).status, 404);
  });

  it('reads a local feed from its folder', async () => {
    const id = await addFeed({ name: 'CERT-A local', source_format: 'misp', input_source: 'local', url: join(root, 'cert-a'), distribution: 3 });
    const run = (await fetchFeed(id)).run;
    assert.equal(run.outcome, 'done');
    assert.equal(run.events.created, 2, JSON.stringify(run));
    assert.equal(run.events.unchanged, 1, 'the event the filtered feed brought is there already, at the same version');
  });

  it('refuses local feeds under Security.disable_local_feed_access, which only the command line sets', async () => {
    const local = await addFeed({ name: 'CERT-A local again', source_format: 'misp', input_source: 'local', url: join(root, 'cert-a'), distribution: 3 });
    const edit = await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/Security.disable_local_feed_access', { value: true });
    assert.equal(edit.status, 403, JSON.stringify(edit.body));
    assert.match(JSON.stringify(edit.body), /can only changed via the CLI/);
    const shown = (await call(i, i.admin, 'GET', '/servers/getSetting/Security.disable_local_feed_access')).body;
    assert.equal(shown.value, false);
    assert.equal(shown.editable, false);
    // What `cairn settings feeds.disable_local_access true` writes (test/cli/feeds.test.ts runs the command).
    assert.equal(await setSetting(store, 'feeds.disable_local_access', 'true'), undefined);
    try {
      const add = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'x', provider: 'test', source_format: 'misp', input_source: 'local', url: join(root, 'cert-a') } });
      assert.equal(add.status, 403, JSON.stringify(add.body));
      assert.match(JSON.stringify(add.body), /input_source.*disable_local_feed_access is currently enabled/);
      const answer = await fetchFeed(local);
      assert.match(answer.result, /^Fetching the feed has failed\. Security\.disable_local_feed_access/, "MISP's sentence, then why");
      const run = answer.run;
      assert.equal(run.outcome, 'failed');
      assert.match(run.errors[0], /local feeds are thereby not allowed/);
      assert.equal((await call(i, i.admin, 'GET', `/feeds/previewIndex/${local}`)).status >= 400, true);
      // A network feed is fetched as before.
      assert.equal((await fetchFeed(feedId)).run.outcome, 'not-modified');
    } finally {
      await setSetting(store, 'feeds.disable_local_access', 'false');
    }
  });

  it('previews a feed without importing it', async () => {
    const index = await call(i, i.admin, 'GET', `/feeds/previewIndex/${feedId}`);
    assert.deepEqual(Object.keys(index.body).sort(), [FIRST, SECOND, THIRD]);
    const preview = await call(i, i.admin, 'GET', `/feeds/previewEvent/${feedId}/${FIRST}`);
    assert.equal(preview.body.Event.uuid, FIRST);
    assert.equal((await call(i, i.alice, 'GET', `/feeds/previewIndex/${feedId}`)).status, 404, 'not lookup_visible');
  });

  it('reports a failing feed and fetches the others', async () => {
    host.failing.add('/cert-a/manifest.json');
    const broken = await addFeed({ name: 'gone', source_format: 'misp', url: `${host.base}/nowhere` });
    const all = await call(i, i.admin, 'GET', '/feeds/fetchFromAllFeeds');
    assert.equal(all.status, 200);
    const runs = all.body.runs as Json[];
    const of = (id: string) => runs.find((r) => String(r.feedId) === id)!;
    assert.equal(of(broken).outcome, 'failed');
    assert.match(of(broken).errors[0], /404/);
    assert.equal(of(feedId).outcome, 'failed');
    assert.match(of(feedId).errors[0], /500/);
    assert.ok(runs.some((r) => r.outcome !== 'failed'), 'the local feed was fetched');
    host.failing.clear();
  });
});

describeRealData('Feeds: a real MISP feed', () => {
  forEachDialect('MISP-ANSSI over loopback', (fixture) => {
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
    it('imports each event of the manifest once', async () => {
      const manifest = JSON.parse(readFileSync(sharedPath('data', 'feeds', 'MISP-ANSSI', 'manifest.json'), 'utf8')) as Json;
      const added = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'ANSSI', provider: 'ANSSI', source_format: 'misp', url: `${host.base}/MISP-ANSSI`, enabled: true, distribution: 3 } });
      const id = added.body.Feed.id;
      const run = (await call(i, i.admin, 'GET', `/feeds/fetchFromFeed/${id}`)).body.run;
      assert.equal(run.events.created, Object.keys(manifest).length, JSON.stringify(run.errors));
      assert.equal(run.events.refused, 0);
      const again = (await call(i, i.admin, 'GET', `/feeds/fetchFromFeed/${id}`)).body.run;
      assert.equal(again.outcome, 'not-modified');
    });
  });
});
