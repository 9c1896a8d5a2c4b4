import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { OPERATOR } from '../../src/access/viewer.js';
import { readInputs } from '../../src/formats/input.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { serializeMispEvent } from '../../src/formats/misp-json/serialize.js';
import { importEvents } from '../../src/services/import/bulk.js';
import type { MispEvent } from '../../src/model/event.js';
import type { Store } from '../../src/store/db/database.js';
import { loadEvent, visibleEventIds } from '../../src/store/events/reader.js';
import { commitSize, EventSaver, saveEvent } from '../../src/store/events/writer.js';
import { REAL_DATA_SKIP, fixturePath, sharedPath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

const E1 = '10000000-0000-4000-8000-000000000001';
const E2 = '20000000-0000-4000-8000-000000000002';
const a = (n: number) => `a0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function event(uuid: string, timestamp: number, attributes: object[], extra: object = {}): MispEvent {
  const parsed = parseMispEvent({ Event: { uuid, info: `Event ${uuid.slice(0, 1)}`, date: '2024-05-01', timestamp: String(timestamp), Attribute: attributes, ...extra } });
  assert.deepEqual(parsed.problems, []);
  return parsed.event!;
}

async function exportAll(store: Store): Promise<string> {
  const out: unknown[] = [];
  for await (const id of visibleEventIds(store, OPERATOR)) out.push(serializeMispEvent((await loadEvent(store, OPERATOR, { id }, { includeDeleted: true }))!));
  return JSON.stringify(out);
}

forEachDialect('importing events', (fixture) => {
  after(() => fixture.cleanup());

  it('is idempotent by uuid: the same event twice changes nothing', async () => {
    const store = await fixture.open();
    const e = event(E1, 100, [{ uuid: a(1), type: 'domain', value: 'evil.example' }], { Tag: [{ name: 'tlp:green' }, { name: 'type:OSINT' }] });
    assert.equal((await saveEvent(store, e)).status, 'created');
    const before = await exportAll(store);
    assert.equal((await saveEvent(store, e)).status, 'unchanged');
    assert.equal((await saveEvent(store, event(E1, 99, []))).status, 'unchanged', 'an older version is left alone');
    assert.equal(await exportAll(store), before);
  });

  it('updates from a newer version: changed, added and deleted attributes and objects', async () => {
    const store = await fixture.open();
    await saveEvent(store, event(E1, 100, [
      { uuid: a(1), type: 'domain', value: 'one.example', timestamp: '100', comment: 'first' },
      { uuid: a(2), type: 'domain', value: 'two.example', timestamp: '100', Tag: [{ name: 'kill-chain:delivery' }] },
      { uuid: a(3), type: 'domain', value: 'three.example', timestamp: '100' },
    ], { Tag: [{ name: 'tlp:green' }] }));
    const outcome = await saveEvent(store, event(E1, 200, [
      { uuid: a(1), type: 'domain', value: 'one.example', timestamp: '200', comment: 'revised' },
      { uuid: a(2), type: 'domain', value: 'ignored.example', timestamp: '100' },
      { uuid: a(3), type: 'domain', value: 'three.example', timestamp: '200', deleted: true },
      { uuid: a(4), type: 'ip-dst', value: '192.0.2.4', timestamp: '200' },
    ], {
      info: 'Renamed', Tag: [{ name: 'tlp:amber' }, { name: 'tlp:green' }],
      Object: [{ uuid: a(10), name: 'file', timestamp: '200', Attribute: [{ uuid: a(11), type: 'md5', object_relation: 'md5', value: 'b'.repeat(32) }] }],
    }));
    assert.equal(outcome.status, 'updated');
    const stored = (await loadEvent(store, OPERATOR, { uuid: E1 }))!;
    assert.equal(stored.info, 'Renamed');
    assert.deepEqual(stored.tags.map((t) => t.name), ['tlp:amber', 'tlp:green'], "the newer version's tags, in its order");
    assert.deepEqual(stored.attributes.map((x) => [x.uuid, x.value, x.comment]), [
      [a(1), 'one.example', 'revised'],
      [a(2), 'two.example', ''],
      [a(4), '192.0.2.4', ''],
    ], 'a(2) was not newer and kept its value; a(3) is soft-deleted');
    assert.deepEqual(stored.attributes[1]!.tags.map((t) => t.name), ['kill-chain:delivery']);
    assert.equal(stored.objects[0]!.attributes[0]!.value, 'b'.repeat(32));
    const withDeleted = (await loadEvent(store, OPERATOR, { uuid: E1 }, { includeDeleted: true }))!;
    assert.equal(withDeleted.attributes.find((x) => x.uuid === a(3))?.deleted, true, 'soft-deleted, not removed');
    const row = await store.db.selectFrom('event').select('attribute_count').where('id', '=', stored.id).executeTakeFirstOrThrow();
    assert.equal(row.attribute_count, 4, 'three live event attributes and one object attribute');
  });

  it('rejects an attribute whose uuid another event holds, and stores the rest', async () => {
    const store = await fixture.open();
    await saveEvent(store, event(E1, 100, [{ uuid: a(1), type: 'domain', value: 'one.example' }]));
    const outcome = await saveEvent(store, event(E2, 100, [
      { uuid: a(1), type: 'domain', value: 'stolen.example' },
      { uuid: a(2), type: 'domain', value: 'two.example' },
    ]));
    assert.equal(outcome.status, 'created');
    assert.equal(outcome.rejectedAttributes, 1);
    assert.deepEqual(outcome.problems.map((p) => [p.event, p.item, p.field]), [[E2, a(1), 'uuid']]);
    assert.deepEqual((await loadEvent(store, OPERATOR, { uuid: E2 }))!.attributes.map((x) => x.value), ['two.example']);
    assert.deepEqual((await loadEvent(store, OPERATOR, { uuid: E1 }))!.attributes.map((x) => x.value), ['one.example']);
  });

  it('groups more attributes per commit the more the store holds, within bounds', () => {
    assert.deepEqual([0, 500_000, 3_000_000, 10_000_000, 80_000_000].map(commitSize), [100_000, 100_000, 300_000, 1_000_000, 1_000_000]);
  });

  it('keeps every event whole or absent when one of a group fails', async () => {
    const store = await fixture.open();
    const saver = new EventSaver(store);
    await saver.save(event(E1, 100, [{ uuid: a(1), type: 'domain', value: 'one.example' }], { Tag: [{ name: 'first' }] }));
    // The database itself refuses this one's report (its name is NOT NULL), written after its tags,
    // its event row and its attributes.
    const broken = event('30000000-0000-4000-8000-000000000003', 100, [{ uuid: a(5), type: 'domain', value: 'x.example' }], {
      Tag: [{ name: 'broken-only' }], EventReport: [{ uuid: a(6), name: 'r', content: '' }],
    });
    (broken.reports[0] as { name: unknown }).name = null;
    await assert.rejects(saver.save(broken));
    await saver.save(event(E2, 100, [{ uuid: a(2), type: 'domain', value: 'two.example' }], { Tag: [{ name: 'first' }] }));
    await saver.flush();
    const ids = [];
    for await (const id of visibleEventIds(store, OPERATOR)) ids.push((await loadEvent(store, OPERATOR, { id }))!.uuid);
    assert.deepEqual(ids, [E1, E2]);
    const attributes = await store.db.selectFrom('attribute').select('value1').orderBy('id').execute();
    assert.deepEqual(attributes.map((r) => r.value1), ['one.example', 'two.example']);
    assert.deepEqual((await store.db.selectFrom('tag').select('name').where('name', '=', 'broken-only').execute()), []);
    assert.deepEqual((await loadEvent(store, OPERATOR, { uuid: E2 }))!.tags.map((t) => t.name), ['first']);
  });

  it('stores sightings, objects and references, and reads back what it was given', async () => {
    const store = await fixture.open();
    const e = event(E1, 100, [
      { uuid: a(1), type: 'ip-dst', value: '198.51.100.1', Sighting: [{ uuid: a(90), type: '0', date_sighting: '1700000000', source: 'sensor-1', Organisation: { name: 'Watchers', uuid: a(91) } }] },
    ], {
      Object: [{
        uuid: a(10), name: 'domain-ip', 'meta-category': 'network', description: 'A domain and its IP', template_uuid: a(11), template_version: '9', timestamp: '100',
        Attribute: [{ uuid: a(12), type: 'domain', object_relation: 'domain', value: 'c2.example' }],
        ObjectReference: [{ uuid: a(13), referenced_uuid: a(1), relationship_type: 'resolves-to', timestamp: '100' }],
      }],
      EventReport: [{ uuid: a(20), name: 'Summary', content: '# Notes', timestamp: '100' }],
    });
    await saveEvent(store, e);
    const back = (await loadEvent(store, OPERATOR, { uuid: E1 }))!;
    const { id: _id, ...model } = back;
    assert.deepEqual(serializeMispEvent(model), serializeMispEvent({ ...e, org: e.orgc }));
    assert.equal(back.attributes[0]!.sightings[0]!.org?.name, 'Watchers');
    assert.equal(back.objects[0]!.references[0]!.referenced_uuid, a(1));
  });

  /** Exports a store, imports the export into a second store, and asserts that the second exports the same. */
  async function exportsBackUnchanged(first: Store): Promise<string> {
    const exported = await exportAll(first);
    const second = await fixture.open();
    async function* items() {
      for (const json of JSON.parse(exported) as unknown[]) yield { source: 'export', json };
    }
    await importEvents(second, items());
    assert.equal(await exportAll(second), exported);
    return exported;
  }

  it('imports a feed (objects, references, sightings, reports, a deleted attribute) and exports it back unchanged through a second store', async () => {
    const first = await fixture.open();
    const summary = await importEvents(first, readInputs([fixturePath('feeds', 'cert-a')]));
    assert.deepEqual(summary.events, { created: 3, updated: 0, unchanged: 0, rejected: 0 });
    assert.deepEqual(summary.attributes, { stored: 39, rejected: 0 });
    const exported = await exportsBackUnchanged(first);
    // The sighting, the object reference, the event report and the deleted attribute are in the export.
    for (const uuid of ['c1a30000-0000-4000-8000-000000000001', 'c1a40000-0000-4000-8000-000000000001', 'c1a50000-0000-4000-8000-000000000001',
      'c1a10000-0000-4000-8000-000000000020']) assert.ok(exported.includes(uuid), uuid);
  });

  it('imports the real ANSSI feed and exports it back unchanged through a second store', { skip: REAL_DATA_SKIP }, async () => {
    const first = await fixture.open();
    const summary = await importEvents(first, readInputs([sharedPath('data', 'feeds', 'MISP-ANSSI')]));
    assert.deepEqual(summary.events, { created: 13, updated: 0, unchanged: 0, rejected: 0 });
    assert.equal(summary.attributes.rejected, 0);
    await exportsBackUnchanged(first);
  });
});
