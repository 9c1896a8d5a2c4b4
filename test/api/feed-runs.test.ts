import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { FEED_RUNS_KEPT, listFeedRuns, recordFeedRun } from '../../src/store/feed-runs.js';
import type { Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { serveFolder, type FeedServer } from '../helpers/feed-server.js';
import { forEachDialect } from '../helpers/stores.js';

type Run = { id: number; kind: string; outcome: string; values: number; errors: string[]; started: number; finished: number };

forEachDialect('Feeds: the history of each feed\'s runs', (fixture) => {
  let i: Instance;
  let store: Store;
  let host: FeedServer;
  let feedId: string;
  const root = mkdtempSync(join(tmpdir(), 'cairn-feed-runs-'));
  before(async () => {
    writeFileSync(join(root, 'list.txt'), '198.51.100.10\n192.0.2.200\n');
    host = await serveFolder(root);
    store = await fixture.open();
    i = await serve(store);
    await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/feeds.allow_private_networks', { value: true });
    const added = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'Block list', provider: 'test', source_format: 'freetext', url: `${host.base}/list.txt`, enabled: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    feedId = added.body.Feed.id;
  });
  after(async () => {
    await i.app.close();
    await host.close();
    await fixture.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  const runs = async () => (await call(i, i.admin, 'GET', `/feeds/runs/${feedId}`)).body.runs as Run[];

  it('keeps each run, newest first, with what it did and why it failed', async () => {
    assert.deepEqual(await runs(), [], 'none before the first fetch');
    assert.equal((await call(i, i.admin, 'GET', `/feeds/fetchFromFeed/${feedId}`)).status, 200);
    host.failing.add('/list.txt');
    assert.equal((await call(i, i.admin, 'GET', `/feeds/fetchFromFeed/${feedId}`)).status, 200);
    host.failing.delete('/list.txt');
    assert.equal((await call(i, i.admin, 'GET', `/feeds/fetchFromFeed/${feedId}`)).status, 200);
    const list = await runs();
    assert.deepEqual(list.map((r) => [r.kind, r.outcome]), [['fetch', 'not-modified'], ['fetch', 'failed'], ['fetch', 'done']]);
    assert.equal(list[2]!.values, 2);
    assert.match(list[1]!.errors.join(' '), /500/);
    assert.ok(list[0]!.id > list[1]!.id && list.every((r) => r.finished >= r.started));
    const view = (await call(i, i.admin, 'GET', `/feeds/view/${feedId}`)).body.Feed;
    assert.equal(view.last_result.outcome, 'not-modified', 'the last run is still the feed\'s last_result');
  });

  it('is for site admins, names a missing feed, and goes with its feed', async () => {
    assert.equal((await call(i, i.alice, 'GET', `/feeds/runs/${feedId}`)).status, 403);
    assert.equal((await call(i, i.admin, 'GET', '/feeds/runs/99999')).status, 404);
    assert.equal((await call(i, i.admin, 'POST', `/feeds/delete/${feedId}`)).status, 200);
    assert.deepEqual(await listFeedRuns(store, Number(feedId)), []);
  });

  it(`keeps the latest ${FEED_RUNS_KEPT} runs of a feed`, async () => {
    const other = (await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'Other', provider: 'test', source_format: 'freetext', url: `${host.base}/other.txt` } })).body.Feed.id as string;
    for (let n = 1; n <= FEED_RUNS_KEPT + 3; n++) {
      await recordFeedRun(store, { feedId: Number(other), kind: 'cache', outcome: 'done', started: n, finished: n, result: JSON.stringify({ n }) });
    }
    const kept = await listFeedRuns(store, Number(other));
    assert.equal(kept.length, FEED_RUNS_KEPT);
    assert.equal(kept[0]!.started, FEED_RUNS_KEPT + 3);
    assert.equal(kept.at(-1)!.started, 4);
  });
});
