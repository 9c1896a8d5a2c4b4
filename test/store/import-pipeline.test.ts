import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { OPERATOR } from '../../src/access/viewer.js';
import type { User } from '../../src/access/user.js';
import { importEvents } from '../../src/services/import/bulk.js';
import { importDocuments } from '../../src/services/import/documents.js';
import type { ImportEntry, ImportTotals } from '../../src/services/import/pipeline.js';
import { WriteQueue } from '../../src/services/write-queue.js';
import type { Store } from '../../src/store/db/database.js';
import { eventUuidTaken, loadEvent } from '../../src/store/events/reader.js';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addUser, bootstrapInstance } from '../../src/store/access/users.js';
import { forEachDialect } from '../helpers/stores.js';

const EVENT = 'b1e00000-0000-4000-8000-000000000001';
const CREATOR = { uuid: 'b1e00000-0000-4000-8000-0000000000cc', name: 'Far Away CERT' };

function doc(timestamp: number, info = 'Pipeline test') {
  return {
    Event: {
      uuid: EVENT, info, date: '2024-05-01', timestamp: String(timestamp), Orgc: CREATOR, Org: CREATOR,
      Attribute: [
        { uuid: 'b1e00000-0000-4000-8000-0000000000a1', type: 'domain', value: 'pipeline.example' },
        { uuid: 'b1e00000-0000-4000-8000-0000000000a2', type: 'ip-dst', value: 'not an address' },
      ],
    },
  };
}

/** A store with a user of an organisation of his own in the given role. */
async function withUser(store: Store, role: string): Promise<User> {
  await bootstrapInstance(store);
  const org = await addOrganisation(store, `Org of ${role}`);
  const made = await addUser(store, `${role.replace(/\s/g, '').toLowerCase()}@pipeline.test`, org.id, role);
  assert.ok(made.ok);
  return made.user;
}

async function* items(...docs: unknown[]) {
  for (const json of docs) yield { source: 'test', json };
}

const owners = async (store: Store) => {
  const e = (await loadEvent(store, OPERATOR, { uuid: EVENT }))!;
  return { orgc: e.orgc.name, org: e.org?.name };
};

forEachDialect('Import pipeline', (fixture) => {
  after(() => fixture.cleanup());

  it('stores the same document as its creator\'s for the operator, as the user\'s organisation\'s for a user, and keeps the creator for a sync user', async () => {
    const operatorStore = await fixture.open();
    const entries: ImportEntry[] = [];
    const totals = await importEvents(operatorStore, items(doc(100)), { onEntry: (e) => entries.push(e) });
    assert.deepEqual(await owners(operatorStore), { orgc: CREATOR.name, org: CREATOR.name });
    assert.deepEqual(entries.map((e) => [e.status, e.attributes, e.storedAttributes, e.rejectedAttributes]), [['created', 1, 1, 1]]);
    assert.deepEqual(totals, { events: { created: 1, updated: 0, unchanged: 0, rejected: 0 }, attributes: { stored: 1, rejected: 1 }, problems: 1 } satisfies ImportTotals);

    const userStore = await fixture.open();
    const user = await withUser(userStore, 'User');
    const asUser = await importDocuments(userStore, new WriteQueue(userStore), { kind: 'user', user }, [doc(100)]);
    assert.deepEqual(asUser.entries.map((e) => e.status), ['created']);
    assert.deepEqual(asUser.totals, totals, 'the same counts, whoever imports');
    assert.deepEqual(await owners(userStore), { orgc: user.org.name, org: user.org.name });

    const syncStore = await fixture.open();
    const sync = await withUser(syncStore, 'Sync user');
    await importDocuments(syncStore, new WriteQueue(syncStore), { kind: 'user', user: sync }, [doc(100)]);
    assert.deepEqual(await owners(syncStore), { orgc: CREATOR.name, org: sync.org.name });
  });

  it('refuses a known uuid the user may not change, and leaves the stored event as it was', async () => {
    const store = await fixture.open();
    const user = await withUser(store, 'User');
    await importEvents(store, items(doc(100)));
    const outcome = await importDocuments(store, new WriteQueue(store), { kind: 'user', user }, [doc(200, 'Taken over')]);
    const [entry] = outcome.entries;
    assert.equal(entry!.status, 'refused');
    assert.equal(entry!.refusal?.kind, 'not-allowed');
    assert.match(entry!.reason!, /exists and you may not change it/);
    assert.equal(entry!.eventId, undefined);
    assert.equal(outcome.totals.events.rejected, 1);
    const stored = (await loadEvent(store, OPERATOR, { uuid: EVENT }))!;
    assert.equal(stored.info, 'Pipeline test');
    assert.equal(stored.orgc.name, CREATOR.name);
  });

  it('writes nothing on a dry run, and says what storing would do', async () => {
    const store = await fixture.open();
    const user = await withUser(store, 'User');
    const writes = new WriteQueue(store);
    const actor = { kind: 'user', user } as const;
    const first = await importDocuments(store, writes, actor, [doc(100)], { dryRun: true });
    assert.deepEqual(first.entries.map((e) => e.status), ['created']);
    assert.equal(await eventUuidTaken(store, EVENT), false);

    await importDocuments(store, writes, actor, [doc(100)]);
    const newer = await importDocuments(store, writes, actor, [doc(200, 'Newer')], { dryRun: true });
    assert.deepEqual(newer.entries.map((e) => [e.status, typeof e.eventId]), [['updated', 'number']]);
    assert.deepEqual((await importDocuments(store, writes, actor, [doc(100)], { dryRun: true })).entries.map((e) => e.status), ['unchanged']);
    assert.equal((await loadEvent(store, OPERATOR, { uuid: EVENT }))!.info, 'Pipeline test');
  });

  it('creates only in create mode and updates only in update mode', async () => {
    const store = await fixture.open();
    const user = await withUser(store, 'User');
    const writes = new WriteQueue(store);
    const actor = { kind: 'user', user } as const;
    const missing = await importDocuments(store, writes, actor, [doc(100)], { mode: 'update' });
    assert.deepEqual(missing.entries.map((e) => [e.status, e.refusal?.kind]), [['refused', 'not-found']]);
    assert.equal(await eventUuidTaken(store, EVENT), false);

    assert.deepEqual((await importDocuments(store, writes, actor, [doc(100)], { mode: 'create' })).entries.map((e) => e.status), ['created']);
    const again = await importDocuments(store, writes, actor, [doc(200)], { mode: 'create' });
    assert.deepEqual(again.entries.map((e) => [e.status, e.refusal?.kind]), [['refused', 'exists']]);
    assert.deepEqual((await importDocuments(store, writes, actor, [doc(200, 'Edited')], { mode: 'update' })).entries.map((e) => e.status), ['updated']);
    assert.equal((await loadEvent(store, OPERATOR, { uuid: EVENT }))!.info, 'Edited');
  });

  it('reports input that is not an event as a refused entry with its problem, and goes on', async () => {
    const store = await fixture.open();
    const seen: string[] = [];
    const totals = await importEvents(store, (async function* () {
      yield { source: 'broken.json', error: 'not JSON' };
      yield { source: 'good.json', json: doc(100) };
    })(), { onEntry: (e, t) => seen.push(`${e.source} ${e.status} ${t.events.created + t.events.rejected}`) });
    assert.deepEqual(seen, ['broken.json refused 1', 'good.json created 2']);
    assert.deepEqual(totals.events, { created: 1, updated: 0, unchanged: 0, rejected: 1 });
    assert.equal(totals.problems, 2);
  });
});
