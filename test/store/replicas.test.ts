import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import type { Viewer } from '../../src/access/viewer.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addUser, bootstrapInstance } from '../../src/store/access/users.js';
import { openStore, storeConfigFromEnv, type Store } from '../../src/store/db/database.js';
import { EventSaver } from '../../src/store/events/writer.js';
import { markWritten, readingStore } from '../../src/store/replicas/index.js';
import { searchEventIds } from '../../src/store/search/attributes.js';
import { exportAttributes } from '../../src/store/search/export-stream.js';
import { replicaClusterMissing, startReplicaCluster, type ReplicaCluster } from '../helpers/pg-replica.js';

describe('store: CAIRN_DATABASE_REPLICA_URLS is checked entry by entry', () => {
  const env = (urls: string, extra: NodeJS.ProcessEnv = {}) => ({ DATABASE_URL: 'postgres://cairn@db1:5432/cairn', CAIRN_DATABASE_REPLICA_URLS: urls, ...extra });
  it('reads the replicas and the lag bound', () => {
    const c = storeConfigFromEnv(env('postgres://cairn@db2/cairn, postgresql://cairn:pw@db3:5433/cairn', { CAIRN_REPLICA_MAX_LAG_SECONDS: '2.5' }));
    assert.deepEqual(c.replicas, { urls: ['postgres://cairn@db2/cairn', 'postgresql://cairn:pw@db3:5433/cairn'], maxLagSeconds: 2.5 });
    assert.equal(storeConfigFromEnv(env('postgres://cairn@db2/cairn')).replicas?.maxLagSeconds, 10);
    assert.equal(storeConfigFromEnv({ DATABASE_URL: 'postgres://x@h/d' }).replicas, undefined);
  });
  it('names the variable and the entry at fault, without its password', () => {
    const refused = (e: NodeJS.ProcessEnv, pattern: RegExp) => assert.throws(() => storeConfigFromEnv(e), pattern);
    refused(env('postgres://a@db2/cairn,,postgres://a@db3/cairn'), /CAIRN_DATABASE_REPLICA_URLS entry 2 is empty/);
    refused(env('postgres://a@db2/cairn,mysql://a:secret@db3/cairn'), /entry 2 must start with postgres:\/\/.*mysql:\/\/a:\*\*\*@db3/);
    refused(env('db2:5432'), /entry 1 .*db2:5432/);
    refused(env('postgres://cairn@db1:5432/cairn'), /entry 1 is the primary itself/);
    refused(env('postgres://a@db2/cairn,postgres://b@db2:5432/cairn'), /names the same replica twice/);
    refused(env('postgres://a@db2/cairn', { CAIRN_REPLICA_MAX_LAG_SECONDS: 'soon' }), /CAIRN_REPLICA_MAX_LAG_SECONDS must be a positive number of seconds, not "soon"/);
    refused({ CAIRN_DATABASE_REPLICA_URLS: 'postgres://a@db2/cairn' }, /DATABASE_URL names no PostgreSQL primary/);
    assert.doesNotThrow(() => storeConfigFromEnv(env('postgres://a@db2/cairn')));
  });
});

const missing = replicaClusterMissing();
if (missing) console.log(`# store: replicas skipped: ${missing}`);

/**
 * A real primary and a real streaming replica, started here. Replay is paused on the replica to make
 * its answers tell themselves apart from the primary's: what is written meanwhile is on the primary only.
 */
describe('store: heavy reads on a PostgreSQL streaming replica', { skip: missing, timeout: 120_000 }, () => {
  let cluster: ReplicaCluster;
  let store: Store;
  let replicaAdmin: pg.Client;
  let alice: Viewer;
  let bob: Viewer;
  let aliceId: number;
  const saved: Store[] = [];

  const open = async (maxLagSeconds: number, migrate = false) => {
    const s = await openStore({ databaseUrl: cluster.primaryUrl, replicas: { urls: [cluster.replicaUrl], maxLagSeconds }, migrate });
    saved.push(s);
    return s;
  };
  const addEvent = async (info: string, value: string) => {
    const parsed = parseMispEvent({ Event: { uuid: randomUUID(), info, date: '2024-01-01', distribution: 3, published: true,
      Attribute: [{ type: 'domain', category: 'Network activity', value, to_ids: true }] } });
    const saver = new EventSaver(store);
    await saver.save(parsed.event!);
    await saver.flush();
  };
  const found = async (s: Store, viewer: Viewer, value: string) => (await searchEventIds(s, viewer, { value })).length > 0;
  /** Whether the connection a reading store runs on is a standby's. */
  const onReplica = async (s: Store) => (await sql<{ r: boolean }>`select pg_is_in_recovery() as r`.execute(s.db)).rows[0]!.r;
  /** Checks again until the replica has replayed everything the primary has written. */
  const caughtUp = async () => {
    for (let i = 0; i < 200; i++) {
      const { rows } = await replicaAdmin.query(`select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok`, [
        (await sql<{ l: string }>`select pg_current_wal_lsn()::text as l`.execute(store.db)).rows[0]!.l]);
      if (rows[0].ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(saved.map((s) => s.replicas?.check()));
  };

  before(async () => {
    cluster = await startReplicaCluster();
    store = await open(30, true);
    await bootstrapInstance(store);
    const org = await addOrganisation(store, 'Org A');
    const a = await addUser(store, 'alice@a.test', org.id, 'User');
    const b = await addUser(store, 'bob@a.test', org.id, 'User');
    assert.ok(a.ok && b.ok);
    aliceId = a.user.id;
    alice = { kind: 'user', orgId: org.id, siteAdmin: false, userId: a.user.id };
    bob = { kind: 'user', orgId: org.id, siteAdmin: false, userId: b.user.id };
    await addEvent('before the pause', 'before.example');
    replicaAdmin = new pg.Client({ connectionString: cluster.replicaUrl });
    await replicaAdmin.connect();
    await caughtUp();
  });
  after(async () => {
    await replicaAdmin?.end().catch(() => undefined);
    await Promise.all(saved.map((s) => s.close().catch(() => undefined)));
    cluster?.stop();
  });

  it('sends the reads of a user who has not written to the replica, and they run there', async () => {
    assert.deepEqual(store.replicas!.states().map((r) => r.usable), [true]);
    const reader = await readingStore(store, bob);
    assert.notEqual(reader, store);
    assert.equal(await onReplica(reader), true);
    assert.equal(await onReplica(store), false);
    assert.equal(await found(reader, bob, 'before.example'), true);
    const pages = [];
    for await (const page of exportAttributes(reader, bob, { value: 'before.example' })) pages.push(...page);
    assert.equal(pages.length, 1);
  });

  it('sends a user\'s reads after his own write to the primary, in this process and in another store (a thread, a worker) alike', async () => {
    await replicaAdmin.query('select pg_wal_replay_pause()');
    try {
      await addEvent('written by alice', 'alice-wrote.example');
      await markWritten(store, aliceId);
      await store.replicas!.check();
      // The replica has not replayed it: Bob, who did not write, reads the replica and does not see it yet...
      const bobs = await readingStore(store, bob);
      assert.equal(await onReplica(bobs), true);
      assert.equal(await found(bobs, bob, 'alice-wrote.example'), false);
      // ...while Alice reads her write at once, from the primary.
      const alices = await readingStore(store, alice);
      assert.equal(alices, store);
      assert.equal(await found(alices, alice, 'alice-wrote.example'), true);
      // Another store opened from the same settings (what a serving thread or another worker process
      // does) shares no memory with this one, and routes Alice the same way: the mark is in the primary.
      const other = await open(30);
      assert.equal(await readingStore(other, alice), other);
      assert.equal(await found(await readingStore(other, alice), alice, 'alice-wrote.example'), true);
      assert.equal(await onReplica(await readingStore(other, bob)), true);
    } finally {
      await replicaAdmin.query('select pg_wal_replay_resume()');
    }
    // Once the replica has replayed past her write, Alice's reads go back to it, and see the write there.
    await caughtUp();
    const alices = await readingStore(store, alice);
    assert.equal(await onReplica(alices), true);
    assert.equal(await found(alices, alice, 'alice-wrote.example'), true);
  });

  it('leaves out a replica further behind than the bound until it catches up', async () => {
    const strict = await open(0.5);
    await replicaAdmin.query('select pg_wal_replay_pause()');
    try {
      await addEvent('while the replica is paused', 'paused.example');
      await new Promise((r) => setTimeout(r, 900));
      await strict.replicas!.check();
      const [state] = strict.replicas!.states();
      assert.equal(state!.usable, false);
      assert.ok(state!.lagSeconds > 0.5, `lag ${state!.lagSeconds}`);
      assert.equal(await readingStore(strict, bob), strict);
    } finally {
      await replicaAdmin.query('select pg_wal_replay_resume()');
    }
    await caughtUp();
    assert.deepEqual(strict.replicas!.states().map((r) => [r.usable, r.lagSeconds]), [[true, 0]]);
    assert.equal(await onReplica(await readingStore(strict, bob)), true);
  });

  it('answers from the primary when the replica stops, without a failed request, and uses it again once it is back', async () => {
    // A reader handed out while the replica was healthy, then the replica stops under it.
    const reader = await readingStore(store, bob);
    assert.equal(await onReplica(reader), true);
    await replicaAdmin.end();
    const before = store.replicas!.states()[0]!.fellBack;
    // A query running on the replica when it stops is cut off (57P01), and answered by the primary.
    const running = sql<{ x: number }>`select 1 as x, pg_is_in_recovery() as r from pg_sleep(1)`.execute(reader.db);
    await new Promise((r) => setTimeout(r, 300));
    cluster.stopReplica();
    assert.deepEqual((await running).rows, [{ x: 1, r: false }]);
    for (let i = 0; i < 5; i++) {
      assert.equal(await found(reader, bob, 'before.example'), true);
      assert.equal(await found(await readingStore(store, bob), bob, 'alice-wrote.example'), true);
    }
    const pages = [];
    for await (const page of exportAttributes(reader, bob, { value: 'before.example' })) pages.push(...page);
    assert.equal(pages.length, 1);
    const [down] = store.replicas!.states();
    assert.equal(down!.usable, false);
    assert.ok(down!.fellBack > before, 'the reads fell back to the primary');
    await store.replicas!.check();
    assert.equal(store.replicas!.states()[0]!.usable, false);
    assert.equal(await readingStore(store, bob), store);

    cluster.startReplica();
    replicaAdmin = new pg.Client({ connectionString: cluster.replicaUrl });
    await replicaAdmin.connect();
    await caughtUp();
    assert.equal(store.replicas!.states()[0]!.usable, true);
    assert.equal(await onReplica(await readingStore(store, bob)), true);
  });
});
