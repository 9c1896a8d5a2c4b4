import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { addFeed, allowLoopbackFeeds } from '../helpers/feeds.js';
import { forEachDialect } from '../helpers/stores.js';

const EVENTS_COLLECTION = '365fed99-08fa-fdcd-a1b3-fb247eb41d01';
type Json = Record<string, any>;

forEachDialect('Feeds: a TAXII 2.1 collection of another Cairn', (fixture) => {
  let here: Instance;
  let remote: Instance;
  let feedId: string;
  const added: string[] = [];
  const publish = async (n: number) => {
    const r = await call(remote, remote.alice, 'POST', '/events/add', { Event: { info: `Remote report ${n}`, distribution: 1,
      Attribute: [{ type: 'domain', value: `remote-${n}.zz`, to_ids: true }, { type: 'ip-dst', value: `203.0.113.${n + 1}`, to_ids: true }] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    added.push(r.body.Event.uuid);
  };
  before(async () => {
    remote = await serve(await fixture.open());
    here = await serve(await fixture.open());
    await allowLoopbackFeeds(here);
    for (let n = 0; n < 2; n++) await publish(n);
    const auth = `Basic ${Buffer.from(`alice@a.test:${remote.alice}`).toString('base64')}`;
    feedId = await addFeed(here, {
      name: 'Remote Cairn', provider: 'remote', source_format: 'taxii', url: `${remote.base}/taxii2/cairn/collections/${EVENTS_COLLECTION}/`,
      headers: `Authorization: ${auth}`, enabled: true, distribution: 1, publish: true,
    });
  });
  after(async () => {
    await here.app.close();
    await remote.app.close();
    await fixture.cleanup();
  });

  const fetchFeed = async () => (await call(here, here.admin, 'GET', `/feeds/fetchFromFeed/${feedId}`)).body.run as Json;

  it('refuses a url that is no collection', async () => {
    const r = await call(here, here.admin, 'POST', '/feeds/add', { Feed: { name: 'x', provider: 'x', source_format: 'taxii', url: `${remote.base}/taxii2/` } });
    assert.equal(r.status, 403);
    assert.match(r.body.errors.url[0], /collection/);
  });

  it('imports the collection\'s reports as events, through the STIX importer', async () => {
    const run = await fetchFeed();
    assert.equal(run.outcome, 'done', JSON.stringify(run));
    assert.equal(run.events.created, 2);
    for (const uuid of added) {
      const e = (await call(here, here.admin, 'GET', `/events/view/${uuid}`)).body.Event as Json;
      assert.ok(e, `event ${uuid} came over`);
      assert.equal(e.distribution, '1');
      assert.equal(e.published, true);
      assert.ok((e.Attribute as Json[]).some((a) => a.value.startsWith('remote-')));
    }
    const feed = (await call(here, here.admin, 'GET', `/feeds/view/${feedId}`)).body.Feed as Json;
    assert.ok(feed.last_result);
  });

  it('asks only for what was added since, with added_after', async () => {
    assert.equal((await fetchFeed()).outcome, 'not-modified', 'nothing new');
    await publish(2);
    const run = await fetchFeed();
    assert.equal(run.events.created, 1, JSON.stringify(run));
    assert.equal(run.events.unchanged + run.events.updated, 0, 'the earlier reports were not read again');
    assert.equal((await call(here, here.admin, 'GET', `/events/view/${added[2]}`)).status, 200);
  });
});
