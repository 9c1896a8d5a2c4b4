import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import type { Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { serveFolder, type FeedServer } from '../helpers/feed-server.js';
import { allowLoopbackFeeds } from '../helpers/feeds.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

forEachDialect('Feeds: scheduled fetching', (fixture) => {
  let i: Instance;
  let store: Store;
  let host: FeedServer;
  const others: FastifyInstance[] = [];
  before(async () => {
    host = await serveFolder(fixturePath('feeds'));
    store = await fixture.open();
    i = await serve(store);
    await allowLoopbackFeeds(i);
  });
  after(async () => {
    for (const o of others) await o.close();
    await i.app.close();
    await host.close();
    await fixture.cleanup();
  });

  it('fetches a due feed once, however many servers of the instance look', async () => {
    const feed = (await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'CERT-A', provider: 'x', source_format: 'misp', url: `${host.base}/cert-a`, enabled: true, interval_minutes: 60 } })).body.Feed;
    assert.equal(feed.interval_minutes, '60');
    // A disabled feed with an interval, and an enabled one without, are left alone.
    await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'off', provider: 'x', source_format: 'misp', url: `${host.base}/osint-b`, enabled: false, interval_minutes: 1 } });
    await call(i, i.admin, 'POST', '/feeds/add', { Feed: { name: 'manual', provider: 'x', source_format: 'misp', url: `${host.base}/osint-b`, enabled: true } });
    for (let n = 0; n < 3; n++) {
      const app = await buildServer(store, { feedScheduleMs: 20 });
      await app.ready();
      others.push(app);
    }
    let run: Record<string, any> | null = null;
    for (let n = 0; n < 300 && !run; n++) {
      await new Promise((r) => setTimeout(r, 20));
      run = (await call(i, i.admin, 'GET', `/feeds/view/${feed.id}`)).body.Feed.last_result;
    }
    assert.ok(run, 'the scheduler fetched the feed');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(run!.events.created, 3);
    assert.deepEqual(host.log.filter((l) => l.path.endsWith('manifest.json')).map((l) => l.path), ['/cert-a/manifest.json'], 'one fetch, by one server');
  });
});
