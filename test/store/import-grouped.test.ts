import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { OPERATOR } from '../../src/access/viewer.js';
import { serializeMispEvent } from '../../src/formats/misp-json/serialize.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import type { InputItem } from '../../src/formats/input.js';
import { importEvents } from '../../src/services/import/bulk.js';
import { parseEvents } from '../../src/services/import/parsed-event.js';
import { OPERATOR_ACTOR, runImport, type EventWriter } from '../../src/services/import/pipeline.js';
import type { Store } from '../../src/store/db/database.js';
import { loadEvent, visibleEventIds } from '../../src/store/events/reader.js';
import { saveEvent } from '../../src/store/events/writer.js';
import { generateEvents } from '../../bench/corpus.js';
import { forEachDialect } from '../helpers/stores.js';

/**
 * The bulk import writes the new events it has in flight together on PostgreSQL (grouped-writer.ts,
 * new-events.ts): what it stores must be what saving the events one at a time stores, down to the
 * rejected items, the values' counts of events and the events' attribute counts.
 */

const u = (n: number) => `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function doc(uuid: string, timestamp: number, attributes: object[], extra: object = {}) {
  return { Event: { uuid, info: `Event ${uuid.slice(-3)}`, date: '2024-05-01', timestamp: String(timestamp), Attribute: attributes, ...extra } };
}

/** A corpus with what the grouped write must get right besides plain new events. */
function documents() {
  const docs: Array<{ Event: Record<string, unknown> }> = [...generateEvents({ attributes: 4000, seed: 7, pool: 300 })];
  docs.push(
    // An attribute uuid and an object uuid that an earlier event of the same import holds.
    doc(u(1), 100, [{ uuid: u(101), type: 'domain', value: 'shared.example' }, { uuid: u(102), type: 'ip-dst', value: '192.0.2.1' }], {
      Object: [{ uuid: u(110), name: 'file', timestamp: '100', Attribute: [{ uuid: u(111), type: 'md5', object_relation: 'md5', value: 'a'.repeat(32) }] }],
    }),
    doc(u(2), 100, [{ uuid: u(101), type: 'domain', value: 'stolen.example' }, { uuid: u(103), type: 'domain', value: 'SHARED.example' }], {
      Object: [{ uuid: u(110), name: 'file', timestamp: '100', Attribute: [{ uuid: u(112), type: 'md5', object_relation: 'md5', value: 'b'.repeat(32) }] }],
    }),
    // One uuid twice within one event (the parser leaves the second out).
    doc(u(3), 100, [{ uuid: u(120), type: 'domain', value: 'twice.example' }, { uuid: u(120), type: 'domain', value: 'again.example' }]),
    // The same event twice, the second version newer: the later one wins, as in turn.
    doc(u(4), 100, [{ uuid: u(130), type: 'domain', value: 'old.example', timestamp: '100' }]),
    doc(u(4), 200, [{ uuid: u(130), type: 'domain', value: 'new.example', timestamp: '200' }, { uuid: u(131), type: 'url', value: 'http://new.example/x' }], { Tag: [{ name: 'tlp:green' }] }),
    // A deleted attribute, not counted, and an event that does not correlate.
    doc(u(5), 100, [{ uuid: u(140), type: 'domain', value: 'shared.example' }, { uuid: u(141), type: 'domain', value: 'gone.example', deleted: true }]),
    doc(u(6), 100, [{ uuid: u(150), type: 'domain', value: 'shared.example' }], { disable_correlation: true }),
  );
  return docs;
}

async function* items(docs: ReadonlyArray<unknown>): AsyncGenerator<InputItem> {
  for (const [i, json] of docs.entries()) yield { source: `doc ${i}`, json };
}

/** Every event as exported, with the values' counts of events and the events' attribute counts. */
async function state(store: Store) {
  const events: string[] = [];
  for await (const id of visibleEventIds(store, OPERATOR)) events.push(JSON.stringify(serializeMispEvent((await loadEvent(store, OPERATOR, { id }, { includeDeleted: true }))!)));
  const counts = await store.db.selectFrom('value_events').innerJoin('value', 'value.id', 'value_events.value_id')
    .select(['value.value', 'value_events.events']).where('value_events.events', '<>', 0).orderBy('value.value').execute();
  const attributeCounts = await store.db.selectFrom('event').select(['uuid', 'attribute_count']).orderBy('uuid').execute();
  return { events: events.sort(), counts, attributeCounts: attributeCounts.map((r) => [r.uuid.toString('hex'), r.attribute_count]) };
}

forEachDialect('importing many events at once', (fixture) => {
  after(() => fixture.cleanup());

  it('stores what saving them one at a time stores, and a second import changes nothing', async () => {
    const docs = documents();
    const bulk = await fixture.open();
    const problems: string[] = [];
    const totals = await importEvents(bulk, items(docs), { onProblem: (p) => problems.push(`${p.event} ${p.item} ${p.field}`) });
    const oneByOne = await fixture.open();
    const expectedProblems: string[] = [];
    for (const d of docs) {
      const parsed = parseMispEvent(d);
      const outcome = await saveEvent(oneByOne, parsed.event!);
      for (const p of [...parsed.problems, ...outcome.problems]) expectedProblems.push(`${p.event} ${p.item} ${p.field}`);
    }
    assert.deepEqual(problems, expectedProblems);
    assert.ok(problems.includes(`${u(2)} ${u(101)} uuid`) && problems.includes(`${u(2)} ${u(110)} uuid`) && problems.includes(`${u(3)} ${u(120)} uuid`));
    const stored = await state(bulk);
    assert.deepEqual(stored, await state(oneByOne));
    assert.equal(totals.events.created, docs.length - 1);
    assert.equal(totals.events.updated, 1);
    assert.equal(stored.counts.find((c) => c.value === 'shared.example')?.events, 3, 'one per correlating event, whatever the case (u1, u2, u5; not u6)');

    const again = await importEvents(bulk, items(docs));
    assert.equal(again.events.created, 0);
    assert.equal(again.attributes.stored, 0);
    assert.deepEqual(await state(bulk), stored);

    // New events, one of which holds an attribute uuid stored before: the group fails as a whole and
    // its events are written one by one; the import goes on and each event ends as in turn.
    const later = [
      doc(u(7), 300, [{ uuid: u(160), type: 'domain', value: 'shared.example' }]),
      doc(u(8), 300, [{ uuid: u(102), type: 'ip-dst', value: '192.0.2.99' }, { uuid: u(170), type: 'domain', value: 'eight.example' }]),
      doc(u(9), 300, [{ uuid: u(180), type: 'domain', value: 'nine.example' }], { Tag: [{ name: 'tlp:amber' }] }),
      ...[...generateEvents({ attributes: 1500, seed: 8, pool: 300 })],
    ];
    const laterProblems: string[] = [];
    const third = await importEvents(bulk, items(later), { onProblem: (p) => laterProblems.push(`${p.event} ${p.item} ${p.field}`) });
    for (const d of later) await saveEvent(oneByOne, parseMispEvent(d).event!);
    assert.deepEqual(laterProblems, [`${u(8)} ${u(102)} uuid`]);
    assert.equal(third.events.created, later.length);
    assert.deepEqual(await state(bulk), await state(oneByOne));
  });

  it('stores a feed of new events, prepared a group ahead and in several statements each, as saving them one at a time', async () => {
    // No uuid clashes: every group after the first takes the prepared way (new-events.ts, prepareNewEvents).
    const docs = [...generateEvents({ attributes: 25_000, seed: 9, pool: 2000 })];
    const bulk = await fixture.open();
    const totals = await importEvents(bulk, items(docs));
    const oneByOne = await fixture.open();
    for (const d of docs) await saveEvent(oneByOne, parseMispEvent(d).event!);
    assert.equal(totals.events.created, docs.length);
    const stored = await state(bulk);
    assert.deepEqual(stored, await state(oneByOne));
    await importEvents(bulk, items(docs));
    assert.deepEqual(await state(bulk), stored);
  });

  it('writes groups on two connections at once (PostgreSQL) and stores what saving the events one at a time stores', async () => {
    // Several groups of 20,000 attributes: the lanes write at once. One event comes in three versions
    // far apart, the newest in the middle (each goes to the lane that holds the event uncommitted, the
    // groups between to the other); new tags come in opposite orders.
    const docs: Array<{ Event: Record<string, unknown> }> = [...generateEvents({ attributes: 100_000, seed: 11, pool: 3000 })];
    assert.ok(docs.length > 120, `${docs.length} events`);
    const version = (timestamp: number, value: string, tags: string[]) =>
      doc(u(40), timestamp, [{ uuid: u(400), type: 'domain', value, timestamp: String(timestamp) }, { uuid: u(401 + timestamp), type: 'domain', value: `${timestamp}.example` }], { Tag: tags.map((name) => ({ name })) });
    docs.splice(0, 0, version(100, 'first.example', ['lane:a', 'lane:b']));
    docs.splice(70, 0, version(300, 'newest.example', ['lane:b', 'lane:a']));
    docs.splice(docs.length - 1, 0, version(200, 'middle.example', ['lane:c']));
    // An event that claims the attribute of that one, in a group of its own lane: that lane waits for the
    // other's commit, which comes at the end at the latest, and then rejects it as in turn.
    docs.splice(100, 0, doc(u(41), 100, [{ uuid: u(400), type: 'domain', value: 'claimed.example' }, { uuid: u(410), type: 'domain', value: 'own.example' }]));
    const bulk = await fixture.open();
    const problems: string[] = [];
    const totals = await importEvents(bulk, items(docs), { writers: 2, onProblem: (p) => problems.push(`${p.event} ${p.item} ${p.field}`) });
    const oneByOne = await fixture.open();
    for (const d of docs) await saveEvent(oneByOne, parseMispEvent(d).event!);
    assert.deepEqual(problems, [`${u(41)} ${u(400)} uuid`]);
    assert.equal(totals.events.created, docs.length - 2);
    const stored = await state(bulk);
    assert.deepEqual(stored, await state(oneByOne));
    const held = stored.events.find((e) => e.includes(u(400)))!;
    assert.match(held, /newest\.example/);
    assert.equal(stored.counts.find((c) => c.value === 'newest.example')?.events, 1);
    assert.equal(stored.counts.find((c) => c.value === 'first.example'), undefined);
  });

  it('takes no more events in while those in flight hold the attributes it allows', async () => {
    const store = await fixture.open();
    const sizes = [3000, 3000, 3000, 10, 10, 9000, 10, 3000];
    let held = 0;
    let most = 0;
    const writer: EventWriter = {
      async save(event) {
        held += event.attributes.length;
        most = Math.max(most, held);
        await new Promise((resolve) => setTimeout(resolve, 5));
        held -= event.attributes.length;
        return { status: 'created', eventId: 1, problems: [], rejectedAttributes: 0 };
      },
    };
    const items = parseEvents(sizes.map((n, i) => ({
      source: `doc ${i}`,
      json: doc(u(500 + i), 100, Array.from({ length: n }, (_, k) => ({ uuid: u(10_000 * (i + 1) + k), type: 'domain', value: `d${i}-${k}.example` }))),
    })), {});
    const totals = await runImport(store, items, { actor: OPERATOR_ACTOR, writer, concurrency: 64, attributesInFlight: 5000 });
    assert.equal(totals.events.created, sizes.length);
    // Below the bound an event is taken in whatever its size: at most the bound plus the largest event.
    assert.ok(most < 5000 + 9000, `held ${most} attributes at once`);
  });
});
