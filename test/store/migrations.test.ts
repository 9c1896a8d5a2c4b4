import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Generated } from 'kysely';
import pg from 'pg';
import { ipNetwork } from '../../src/model/ip.js';
import { openStore, type Store } from '../../src/store/db/database.js';
import type { DialectName } from '../../src/store/db/dialect.js';
import { migrateTo } from '../../src/store/db/migrate.js';
import { describeSchema, schemaSnapshotFile } from '../../src/store/db/schema-snapshot.js';
import { uuidToBytes } from '../../src/store/db/uuid.js';
import { internValues, ipBytes, rebuildValueIndex } from '../../src/store/values/index.js';
import { valueKey } from '../../src/store/values/key.js';
import { forEachDialect, TEST_DATABASE_URL } from '../helpers/stores.js';
import { lineDiff } from '../helpers/line-diff.js';

/** The tables this test writes, as a store of version 004 had them (before the value index). */
interface Version004 {
  organisation: { id: Generated<number>; uuid: Buffer; name: string; local: number; created: number };
  event: {
    id: Generated<number>; uuid: Buffer; orgc_id: number; org_id: number; info: string; date: string; threat_level_id: number;
    analysis: number; distribution: number; sharing_group_id: number | null; published: number; publish_timestamp: number;
    timestamp: number; extends_uuid: string | null; disable_correlation: number; attribute_count: number;
  };
  attribute: {
    id: Generated<number>; uuid: Buffer; event_id: number; object_id: number | null; object_relation: string | null; type: string;
    category: string; value1: string; value2: string; value1_key: number; value2_key: number | null; to_ids: number; distribution: number;
    sharing_group_id: number | null; comment: string; timestamp: number; first_seen: string | null; last_seen: string | null;
    disable_correlation: number; deleted: number; data: string | null;
  };
}

/** A store made by an older Cairn: migrated up to a named step, then written through its own tables. */
interface OldStore {
  db: Kysely<Version004>;
  /** Closes the old connection and opens the store as this version of Cairn does, which migrates it. */
  upgrade(): Promise<Store>;
}

function oldStores(dialect: DialectName) {
  const cleanups: Array<() => Promise<void>> = [];
  async function open(version: string): Promise<OldStore> {
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-test-'));
      const path = join(dir, 'cairn.db');
      const db = new Kysely<Version004>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
      await migrateTo(db as unknown as Kysely<unknown>, 'sqlite', version);
      let store: Store | undefined;
      cleanups.push(async () => {
        await store?.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return { db, upgrade: async () => { await db.destroy(); store = await openStore({ sqlitePath: path }); return store; } };
    }
    const url = TEST_DATABASE_URL as string;
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const db = new Kysely<Version004>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, options: `-c search_path=${schema}` }) }) });
    await migrateTo(db as unknown as Kysely<unknown>, 'postgres', version, schema);
    let store: Store | undefined;
    cleanups.push(async () => {
      await store?.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    });
    return { db, upgrade: async () => { await db.destroy(); store = await openStore({ databaseUrl: url, pgSchema: schema }); return store; } };
  }
  return { open, cleanup: async () => { for (const c of cleanups) await c(); } };
}


function assertSameSchema(actual: string, expected: string, what: string): void {
  if (actual !== expected) assert.fail(`${what}\n${lineDiff(expected, actual)}`);
}

const ORG = uuidToBytes('aaaaaaaa-0000-4000-8000-000000000000');

/** An event as version 004 wrote it. */
async function putEvent(db: Kysely<Version004>, orgId: number, info: string, disableCorrelation = 0): Promise<number> {
  const row = await db.insertInto('event').values({
    uuid: uuidToBytes(randomUUID()), orgc_id: orgId, org_id: orgId, info, date: '2024-01-01', threat_level_id: 4, analysis: 0,
    distribution: 3, published: 0, publish_timestamp: 0, timestamp: 10, disable_correlation: disableCorrelation, attribute_count: 0,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** An attribute as version 004 wrote it: composite values in two parts, each with its hash beside it. */
async function putAttribute(db: Kysely<Version004>, eventId: number, type: string, value1: string, value2 = '', deleted = 0): Promise<void> {
  await db.insertInto('attribute').values({
    uuid: uuidToBytes(randomUUID()), event_id: eventId, type, category: 'Network activity', value1, value2,
    value1_key: valueKey(value1), value2_key: value2 === '' ? null : valueKey(value2), to_ids: 1, distribution: 5,
    comment: '', timestamp: 10, disable_correlation: 0, deleted,
  }).execute();
}

forEachDialect('migrations', (fixture) => {
  const old = oldStores(fixture.dialect);
  after(async () => {
    await old.cleanup();
    await fixture.cleanup();
  });

  it('migrates an empty store to the schema of the checked-in snapshot', async () => {
    const store = await fixture.open();
    const file = schemaSnapshotFile(fixture.dialect);
    assertSameSchema(await describeSchema(store.db as unknown as Kysely<unknown>, fixture.dialect), readFileSync(file, 'utf8'),
      `the migrated schema differs from ${file} (- snapshot, + database); if the change is meant, run \`npm run schema:snapshot\``);
  });

  it('upgrades a store of version 004 to the fresh schema, its attributes pointing at the values the live index finds', async () => {
    const before = await old.open('004-warninglists');
    const org = await before.db.insertInto('organisation').values({ uuid: ORG, name: 'Org A', local: 1, created: 0 }).returning('id').executeTakeFirstOrThrow();
    const one = await putEvent(before.db, org.id, 'Event 1');
    await putAttribute(before.db, one, 'ip-dst', '192.0.2.0/24');
    await putAttribute(before.db, one, 'domain|ip', 'c2.example', '198.51.100.7');
    await putAttribute(before.db, one, 'domain', 'shared.example');
    await putAttribute(before.db, one, 'hostname', 'shared.example');
    await putAttribute(before.db, one, 'ip-src', '2001:db8::1');
    await putAttribute(before.db, one, 'ip-dst|port', '203.0.113.9', '443');
    await putAttribute(before.db, one, 'text', 'shared.example');
    const two = await putEvent(before.db, org.id, 'Event 2');
    await putAttribute(before.db, two, 'domain', 'shared.example');
    await putAttribute(before.db, two, 'ip-dst', '198.51.100.7');
    await putAttribute(before.db, two, 'domain', 'gone.example', '', 1);
    // Values that differ only in case: one value from migration 016 on, kept as written on the attributes.
    await putAttribute(before.db, one, 'filename', 'CRAB-Decrypt.txt');
    await putAttribute(before.db, two, 'filename', 'CRAB-DECRYPT.txt');
    await putAttribute(before.db, two, 'regkey', 'HKLM\\Software\\Run');
    const three = await putEvent(before.db, org.id, 'Event 3', 1);
    await putAttribute(before.db, three, 'domain', 'shared.example');

    const store = await before.upgrade();
    const fresh = await fixture.open();
    assertSameSchema(await describeSchema(store.db as unknown as Kysely<unknown>, store.dialect), await describeSchema(fresh.db as unknown as Kysely<unknown>, fresh.dialect),
      'the upgraded schema differs from a fresh one (- fresh, + upgraded)');

    // Rows folding changed stay behind, unreferenced (a row is never deleted: see frozen/value-fold.ts).
    const referenced = store.db.selectFrom('attribute').select('value1_id').union(store.db.selectFrom('attribute').select('value2_id as value1_id').where('value2_id', 'is not', null).$narrowType<{ value1_id: number }>());
    const values = await store.db.selectFrom('value').select(['id', 'key', 'value', 'ip_first', 'ip_prefix'])
      .where('id', 'in', referenced).orderBy('id').execute();
    assert.deepEqual(values.map((v) => v.value).sort(),
      ['192.0.2.0/24', '198.51.100.7', '2001:db8::1', '203.0.113.9', '443', 'c2.example', 'crab-decrypt.txt', 'gone.example', 'hklm\\software\\run', 'shared.example'],
      'each value once, folded');
    const stale = await store.db.selectFrom('value').select(['value', 'ip_first']).where('id', 'not in', referenced).execute();
    assert.deepEqual(stale.map((v) => v.value).sort(), ['CRAB-DECRYPT.txt', 'CRAB-Decrypt.txt', 'HKLM\\Software\\Run']);
    for (const v of values) {
      const net = ipNetwork(v.value);
      assert.deepEqual({ key: Number(v.key), ip_first: v.ip_first, ip_prefix: v.ip_prefix },
        { key: valueKey(v.value), ip_first: net ? ipBytes(net.first) : null, ip_prefix: net ? net.prefix : null }, `the row of ${v.value}`);
    }

    const textOf = new Map(values.map((v) => [v.id, v.value]));
    const attributes = await store.db.selectFrom('attribute').select(['value1', 'value2', 'value1_id', 'value2_id']).orderBy('id').execute();
    for (const a of attributes) {
      assert.equal(textOf.get(Number(a.value1_id)), a.value1.toLowerCase());
      assert.equal(a.value2_id === null ? '' : textOf.get(Number(a.value2_id)), a.value2.toLowerCase());
    }
    assert.ok(attributes.some((a) => a.value1 === 'CRAB-Decrypt.txt'), 'attributes keep their values as written');

    const counts = async () => Object.fromEntries((await store.db.selectFrom('value_events').innerJoin('value', 'value.id', 'value_events.value_id')
      .select(['value.value', 'value_events.events']).execute()).map((r) => [r.value, Number(r.events)]));
    const expected = {
      // Event 1 counts once for its three attributes (text correlates, as in MISP); event 3 does not correlate.
      'shared.example': 2,
      // Two spellings of one file name in two events.
      'crab-decrypt.txt': 2,
      'hklm\\software\\run': 1,
      // The address of event 1's domain|ip and event 2's ip-dst.
      '198.51.100.7': 2,
      'c2.example': 1,
      '192.0.2.0/24': 1,
      '2001:db8::1': 1,
      // Its port is no correlating part, and the deleted attribute's value counts for nothing.
      '203.0.113.9': 1,
    };
    assert.deepEqual(await counts(), expected);

    // The live index finds every migrated value where it put it, and rebuilding it changes nothing.
    const pointers = attributes.map((a) => [Number(a.value1_id), a.value2_id === null ? null : Number(a.value2_id)]);
    const found = await internValues(store, store.db, values.map((v) => v.value));
    assert.deepEqual([...found].sort(), values.map((v) => [v.value, v.id]).sort());
    const written = await internValues(store, store.db, ['CRAB-Decrypt.txt', 'HKLM\\SOFTWARE\\RUN']);
    assert.deepEqual([...written.values()], ['crab-decrypt.txt', 'hklm\\software\\run'].map((v) => values.find((r) => r.value === v)!.id));
    const rows = (await store.db.selectFrom('value').select('id').execute()).length;
    await rebuildValueIndex(store);
    assert.equal((await store.db.selectFrom('value').select('id').execute()).length, rows, 'rebuilding makes no row');
    const rebuilt = await store.db.selectFrom('attribute').select(['value1_id', 'value2_id']).orderBy('id').execute();
    assert.deepEqual(rebuilt.map((a) => [Number(a.value1_id), a.value2_id === null ? null : Number(a.value2_id)]), pointers);
    assert.deepEqual(await counts(), expected);
  });
  it('gives every role that existed before 048 perm_view_feed_correlations (they saw feed hits), as MISP\'s upgrade did', async () => {
    const before = await old.open('042-feed-runs');
    const raw = before.db as unknown as Kysely<{ role: { id: Generated<number>; name: string; permissions: string } }>;
    await raw.insertInto('role').values([
      { name: 'Analyst', permissions: JSON.stringify(['perm_add', 'perm_auth']) },
      { name: 'Already', permissions: JSON.stringify(['perm_auth', 'perm_view_feed_correlations']) },
    ]).execute();
    const store = await before.upgrade();
    const rows = await store.db.selectFrom('role').select(['name', 'permissions']).where('name', 'in', ['Analyst', 'Already']).orderBy('name').execute();
    assert.deepEqual(rows.map((r) => [r.name, JSON.parse(r.permissions)]), [
      ['Already', ['perm_auth', 'perm_view_feed_correlations']],
      ['Analyst', ['perm_add', 'perm_auth', 'perm_view_feed_correlations']],
    ]);
  });
});
