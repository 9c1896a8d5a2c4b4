import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { serveFolder, type FeedServer } from '../helpers/feed-server.js';
import { addFeed as addFeedAs, allowLoopbackFeeds } from '../helpers/feeds.js';
import { forEachDialect } from '../helpers/stores.js';

type Json = Record<string, any>;

// Domains under .zz: a two-letter top-level domain (the free-text rules want one) that no country holds.
const CSV = [
  '# a block list, as abuse.ch and others publish them',
  '# first_seen;value;reason',
  '2024-01-01;198.51.100.7;c2',
  '2024-01-02;bad-domain.zz;phishing',
  '2024-01-03;hxxp://evil[.]zz/gate.php;malware',
  '2024-01-04;safe.example.org;excluded by the feed',
  '',
].join('\n');

const TEXT = [
  'Indicators of the week (defanged):',
  '203.0.113.9 # a scanner',
  'login-verify[.]zz',
  'd41d8cd98f00b204e9800998ecf8427e',
].join('\n');

forEachDialect('Feeds: CSV and free-text feeds', (fixture) => {
  let i: Instance;
  let host: FeedServer;
  const root = mkdtempSync(join(tmpdir(), 'cairn-text-feeds-'));
  before(async () => {
    writeFileSync(join(root, 'block.csv'), CSV);
    writeFileSync(join(root, 'week.txt'), TEXT);
    host = await serveFolder(root);
    i = await serve(await fixture.open());
    await allowLoopbackFeeds(i);
  });
  after(async () => {
    await i.app.close();
    await host.close();
    await fixture.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  const addFeed = (fields: Json) => addFeedAs(i, { enabled: true, ...fields });
  const fetchFeed = async (id: string) => (await call(i, i.admin, 'GET', `/feeds/fetchFromFeed/${id}`)).body.run as Json;
  const feed = async (id: string) => (await call(i, i.admin, 'GET', `/feeds/view/${id}`)).body.Feed as Json;
  const values = async (eventId: string) => {
    const e = (await call(i, i.admin, 'GET', `/events/view/${eventId}`)).body.Event as Json;
    return (e.Attribute as Json[]).map((a) => `${a.type}:${a.value}:${a.to_ids}`).sort();
  };

  let csvId: string;
  it('reads the chosen column of a CSV feed into its fixed event, leaving out comments and excluded values', async () => {
    csvId = await addFeed({
      name: 'Block list', source_format: 'csv', url: `${host.base}/block.csv`, fixed_event: true, delta_merge: true, distribution: 0,
      settings: { csv: { value: '2', delimiter: ';' }, common: { excluderegex: '/\\.example\\.org$/i' } },
    });
    const run = await fetchFeed(csvId);
    assert.equal(run.outcome, 'done', JSON.stringify(run));
    assert.equal(run.events.created, 1);
    assert.equal(run.values, 3);
    const f = await feed(csvId);
    assert.notEqual(f.event_id, '0', 'the fixed event is remembered');
    const e = (await call(i, i.admin, 'GET', `/events/view/${f.event_id}`)).body.Event as Json;
    assert.equal(e.info, 'Block list feed');
    assert.equal(e.distribution, '0');
    assert.deepEqual(await values(f.event_id), ['domain:bad-domain.zz:true', 'ip-dst:198.51.100.7:true', 'url:http://evil.zz/gate.php:true']);
    assert.equal((await call(i, i.alice, 'GET', `/events/view/${f.event_id}`)).status, 404, 'distribution 0 keeps it to the host organisation');
  });

  it('changes nothing when the file did not change (304)', async () => {
    const from = host.log.length;
    assert.equal((await fetchFeed(csvId)).outcome, 'not-modified');
    assert.deepEqual(host.log.slice(from).map((l) => l.status), [304]);
  });

  it('with delta_merge, adds what came and removes what left the feed', async () => {
    writeFileSync(join(root, 'block.csv'), CSV.replace('2024-01-02;bad-domain.zz;phishing\n', '2024-02-01;192.0.2.44;c2\n'));
    const run = await fetchFeed(csvId);
    assert.equal(run.events.updated, 1, JSON.stringify(run));
    const f = await feed(csvId);
    assert.deepEqual(await values(f.event_id), ['ip-dst:192.0.2.44:true', 'ip-dst:198.51.100.7:true', 'url:http://evil.zz/gate.php:true']);
  });

  it('makes an event per fetch without fixed_event, with to_ids off under override_ids', async () => {
    const id = await addFeed({ name: 'Weekly', source_format: 'freetext', url: `${host.base}/week.txt`, fixed_event: false, override_ids: true, distribution: 1 });
    const first = await fetchFeed(id);
    const second = await fetchFeed(id);
    assert.equal(first.events.created, 1);
    assert.equal(second.events.created, 1);
    const list = (await call(i, i.admin, 'POST', '/events/restSearch', { eventinfo: 'Weekly feed', returnFormat: 'json' })).body.response as Json[];
    assert.equal(list.length, 2);
    const got = (list[0]!.Event.Attribute as Json[]).map((a) => `${a.type}:${a.value}:${a.to_ids}`).sort();
    assert.deepEqual(got, ['domain:login-verify.zz:false', 'ip-dst:203.0.113.9:false', 'md5:d41d8cd98f00b204e9800998ecf8427e:false']);
  });

  it('previews the values of a free-text feed', async () => {
    const preview = await call(i, i.admin, 'GET', `/feeds/previewIndex/${csvId}`);
    assert.deepEqual((preview.body as Json[]).map((v) => v.value).sort(), ['192.0.2.44', '198.51.100.7', 'http://evil.zz/gate.php']);
  });
});
