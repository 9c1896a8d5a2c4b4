import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildServer } from '../../src/api/server.js';
import { openStore, type Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { replicaClusterMissing, startReplicaCluster, type ReplicaCluster } from '../helpers/pg-replica.js';

const missing = replicaClusterMissing();
if (missing) console.log(`# api: replicas skipped: ${missing}`);

/**
 * Two servers over one real PostgreSQL primary: one sends its heavy reads to a real streaming replica,
 * the other reads the primary only. Every user must get the same answers from both: the replica changes
 * where a search runs, never who sees what.
 */
describe('api: restSearch and the event index answered by a replica', { skip: missing, timeout: 120_000 }, () => {
  let cluster: ReplicaCluster;
  let withReplica: Store;
  let primaryOnly: Store;
  let i: Instance;
  let plain: FastifyInstance;
  let plainBase: string;
  let replicaAdmin: pg.Client;

  const served = () => withReplica.replicas!.states()[0]!;
  const caughtUp = async () => {
    const primary = new pg.Client({ connectionString: cluster.primaryUrl });
    await primary.connect();
    try {
      const lsn = (await primary.query('select pg_current_wal_lsn()::text as l')).rows[0].l;
      for (let n = 0; n < 200 && !(await replicaAdmin.query('select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok', [lsn])).rows[0].ok; n++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await primary.end();
    }
    await withReplica.replicas!.check();
  };

  before(async () => {
    cluster = await startReplicaCluster();
    withReplica = await openStore({ databaseUrl: cluster.primaryUrl, replicas: { urls: [cluster.replicaUrl], maxLagSeconds: 60 } });
    primaryOnly = await openStore({ databaseUrl: cluster.primaryUrl, migrate: false });
    i = await serve(withReplica, { exportThreads: 0 });
    plain = await buildServer(primaryOnly, { exportThreads: 0 });
    plainBase = await plain.listen({ host: '127.0.0.1', port: 0 });
    replicaAdmin = new pg.Client({ connectionString: cluster.replicaUrl });
    await replicaAdmin.connect();
    // Events of every reach: Org A's own, Org B's own, the community's; the same value in each.
    for (const [key, info, distribution] of [[i.alice, 'A only', 0], [i.alice, 'A to all', 3], [i.bob, 'B only', 0], [i.bob, 'B to the community', 1]] as const) {
      const added = await call(i, key, 'POST', '/events/add', { Event: { info, distribution, Attribute: [
        { type: 'domain', category: 'Network activity', value: 'shared.example', to_ids: true },
        { type: 'ip-dst', category: 'Network activity', value: `192.0.2.${distribution + 1}`, distribution: distribution === 3 ? 0 : 5 },
      ] } });
      assert.equal(added.status, 200, JSON.stringify(added.body));
    }
    await caughtUp();
  });
  after(async () => {
    await replicaAdmin?.end().catch(() => undefined);
    await i?.app.close();
    await plain?.close();
    await withReplica?.close();
    await primaryOnly?.close();
    cluster?.stop();
  });

  const SEARCHES: Array<[string, string, unknown?]> = [
    ['POST', '/attributes/restSearch', { value: 'shared.example' }],
    ['POST', '/attributes/restSearch', { type: 'ip-dst' }],
    ['POST', '/attributes/restSearch', { returnFormat: 'csv', value: 'shared.example' }],
    ['POST', '/events/restSearch', { value: 'shared.example' }],
    ['POST', '/events/restSearch', { returnFormat: 'stix2', type: 'ip-dst' }],
    ['GET', '/events/index'],
  ];

  it('gives every user the same answers from the replica as from the primary', async () => {
    const start = served();
    assert.equal(start.usable, true);
    const sizes = new Map<string, number[]>();
    for (const [who, key] of [['admin', i.admin], ['alice', i.alice], ['bob', i.bob]] as const) {
      for (const [method, path, body] of SEARCHES) {
        const fromReplica = await raw(i.base, key, method, path, body);
        const fromPrimary = await raw(plainBase, key, method, path, body);
        assert.equal(fromReplica.status, 200, `${who} ${path}: ${fromReplica.text}`);
        assert.equal(fromReplica.text, fromPrimary.text, `${who} ${method} ${path} ${JSON.stringify(body)}`);
        sizes.set(who, [...(sizes.get(who) ?? []), fromReplica.text.length]);
      }
    }
    // The policy did apply: the three users see different things.
    assert.notDeepEqual(sizes.get('alice'), sizes.get('bob'));
    assert.notDeepEqual(sizes.get('admin'), sizes.get('alice'));
    const seen = async (key: string) => (await call(i, key, 'POST', '/attributes/restSearch', { value: 'shared.example' })).body.response.Attribute.map((a: { Event: { info: string } }) => a.Event.info).sort();
    assert.deepEqual(await seen(i.alice), ['A only', 'A to all', 'B to the community']);
    assert.deepEqual(await seen(i.bob), ['A to all', 'B only', 'B to the community']);
    // And the replica answered them: every read was handed to it, none fell back.
    const end = served();
    assert.ok(end.served - start.served >= 3 * SEARCHES.length, `served ${end.served - start.served}`);
    assert.equal(end.fellBack, start.fellBack);
  });

  it('lets a user search what he has just added, while the replica has not replayed it', async () => {
    await replicaAdmin.query('select pg_wal_replay_pause()');
    try {
      const added = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'fresh', distribution: 3, Attribute: [{ type: 'domain', category: 'Network activity', value: 'fresh.example' }] } });
      assert.equal(added.status, 200);
      const count = async (key: string) => (await call(i, key, 'POST', '/attributes/restSearch', { value: 'fresh.example' })).body.response.Attribute.length;
      assert.equal(await count(i.alice), 1);
      // Bob, who wrote nothing since, reads the replica, where the event is not yet.
      assert.equal(await count(i.bob), 0);
      const index = await call(i, i.alice, 'GET', '/events/index');
      assert.ok(index.body.some((e: { info: string }) => e.info === 'fresh'));
    } finally {
      await replicaAdmin.query('select pg_wal_replay_resume()');
    }
    await caughtUp();
    assert.equal((await call(i, i.bob, 'POST', '/attributes/restSearch', { value: 'fresh.example' })).body.response.Attribute.length, 1);
  });

  it('shows site admins each replica in the diagnostics: answering, its lag, whether reads go to it', async () => {
    assert.equal((await call(i, i.alice, 'GET', '/servers/dbSchemaDiagnostic')).status, 403);
    const replicas = async () => {
      const d = await call(i, i.admin, 'GET', '/servers/dbSchemaDiagnostic');
      assert.equal(d.status, 200, JSON.stringify(d.body));
      return d.body.replicas as Array<Record<string, unknown>>;
    };
    await caughtUp();
    const [up] = await replicas();
    assert.equal(up!.url, cluster.replicaUrl);
    assert.deepEqual([up!.answering, up!.in_use, up!.lag_seconds, up!.max_lag_seconds, up!.reason], [true, true, 0, 60, undefined]);
    assert.ok(Number(up!.reads_served) > 0);
    // The server that reads the primary only has none to show.
    const plainAnswer = await fetch(`${plainBase}/servers/dbSchemaDiagnostic`, { headers: { Accept: 'application/json', Authorization: i.admin } });
    assert.deepEqual((await plainAnswer.json() as { replicas: unknown[] }).replicas, []);
    // The test's own connection to the replica goes down with it, and is opened anew after.
    replicaAdmin.on('error', () => undefined);
    cluster.stopReplica();
    try {
      await withReplica.replicas!.check();
      const [down] = await replicas();
      assert.deepEqual([down!.answering, down!.in_use], [false, false]);
      assert.match(String(down!.reason), /failed/);
    } finally {
      cluster.startReplica();
      await replicaAdmin.end().catch(() => undefined);
      replicaAdmin = new pg.Client({ connectionString: cluster.replicaUrl });
      await replicaAdmin.connect();
    }
    await caughtUp();
    const [back] = await replicas();
    assert.deepEqual([back!.answering, back!.in_use], [true, true]);
  });
});

async function raw(base: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: key },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // A STIX bundle's id is new each time: the rest must be the same.
  return { status: res.status, text: (await res.text()).replace(/"bundle--[0-9a-f-]{36}"/, '"bundle--…"') };
}
