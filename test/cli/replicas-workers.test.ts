import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { serveProcesses } from '../helpers/serve-process.js';
import { replicaClusterMissing, startReplicaCluster, type ReplicaCluster } from '../helpers/pg-replica.js';

const { adminKey: ADMIN_KEY, serve } = serveProcesses('replicas');
const missing = replicaClusterMissing();
if (missing) console.log(`# cli: replicas with workers skipped: ${missing}`);
let cluster: ReplicaCluster | undefined;
// Registered after serveProcesses' own clean-up: the servers stop before their databases do.
after(() => cluster?.stop());

async function call(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method, headers: { Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * Two `cairn serve --workers 2` instances, each with its serving threads, over a real primary and a real
 * streaming replica whose replay is paused: what a user writes through one server he finds at once
 * through the other (another process, another thread), while a user who wrote nothing is answered by
 * the replica, which has not replayed it.
 */
describe('cairn serve --workers over a primary and a replica', { skip: missing, timeout: 180_000 }, () => {
  let replica: pg.Client;
  before(async () => {
    cluster = await startReplicaCluster();
    replica = new pg.Client({ connectionString: cluster.replicaUrl });
    await replica.connect();
  });
  after(() => replica?.end());

  it('a user reads his own writes on any server, a user who wrote nothing reads the replica', async () => {
    const env = { DATABASE_URL: cluster!.primaryUrl, CAIRN_DATABASE_REPLICA_URLS: cluster!.replicaUrl, CAIRN_REPLICA_MAX_LAG_SECONDS: '600' };
    const [one, two] = await Promise.all([serve(env, ['--workers', '2']), serve(env, ['--workers', '2'])]);
    const org = await call(one.base, ADMIN_KEY, 'POST', '/admin/organisations/add', { name: 'Org R' });
    const keyOf = async (email: string) => {
      const user = await call(one.base, ADMIN_KEY, 'POST', '/admin/users/add', { email, org_id: org.body.Organisation.id });
      assert.equal(user.status, 200, JSON.stringify(user.body));
      return (await call(one.base, ADMIN_KEY, 'POST', `/auth_keys/add/${user.body.User.id}`)).body.AuthKey.authkey_raw as string;
    };
    const writer = await keyOf('writer@r.test');
    const reader = await keyOf('reader@r.test');
    const values = async (base: string, key: string, value: string) => (await call(base, key, 'POST', '/attributes/restSearch', { value })).body.response.Attribute.length;

    await replica.query('select pg_wal_replay_pause()');
    try {
      for (let k = 1; k <= 3; k++) {
        const added = await call(one.base, writer, 'POST', '/events/add', { Event: { info: `fresh ${k}`, distribution: 1, Attribute: [{ type: 'domain', value: `fresh${k}.example` }] } });
        assert.equal(added.status, 200, JSON.stringify(added.body));
        // At once, on the other server: the search, the events' export (threads) and the index (threads).
        assert.equal(await values(two.base, writer, `fresh${k}.example`), 1);
        const events = await call(two.base, writer, 'POST', '/events/restSearch', { value: `fresh${k}.example` });
        assert.equal(events.body.response.length, 1, JSON.stringify(events.body));
        const index = await call(two.base, writer, 'GET', '/events/index');
        assert.ok(index.body.some((e: { info: string }) => e.info === `fresh ${k}`), `fresh ${k} in the index`);
        // The reader, who wrote nothing, is answered by the replica: not replayed there yet.
        assert.equal(await values(two.base, reader, `fresh${k}.example`), 0);
        assert.equal(await values(one.base, reader, `fresh${k}.example`), 0);
      }
    } finally {
      await replica.query('select pg_wal_replay_resume()');
    }
    // Replayed, and seen by the next checks: the reader finds them too.
    let seen = 0;
    for (let n = 0; n < 100 && seen === 0; n++) {
      seen = await values(two.base, reader, 'fresh3.example');
      if (!seen) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(seen, 1);
  });
});
