import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { OPERATOR } from '../../src/access/viewer.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { renderReport } from '../../src/formats/report-md/render.js';
import { withEventAnalystData } from '../../src/services/analyst-data/document.js';
import { prepareExport } from '../../src/services/export/loop.js';
import { importEvents } from '../../src/services/import/bulk.js';
import { WriteQueue } from '../../src/services/write-queue.js';
import { findAnalystData, type AnalystWrite } from '../../src/store/analyst-data.js';
import type { Store } from '../../src/store/db/database.js';
import { eventUuidTaken, loadEvent } from '../../src/store/events/reader.js';
import { forEachDialect } from '../helpers/stores.js';

const EVENT = 'a1d00000-0000-4000-8000-000000000001';
const ATTRIBUTE = 'a1d00000-0000-4000-8000-0000000000a1';
const CREATOR = { uuid: 'a1d00000-0000-4000-8000-0000000000cc', name: 'Far Away CERT' };

/** An event whose notes come as MISP writes them: one without a uuid, an opinion on a note, an opinion on an attribute. */
function doc(timestamp: number) {
  return {
    Event: {
      uuid: EVENT, info: 'Analyst data travels', date: '2024-05-01', timestamp: String(timestamp), distribution: '1', Orgc: CREATOR, Org: CREATOR,
      Note: [
        { note: 'no uuid given', authors: 'analyst@far.example', distribution: '1' },
        { uuid: 'a1d00000-0000-4000-8000-0000000000b1', note: 'with a uuid', distribution: '1', modified: '2024-05-01 10:00:00',
          Opinion: [{ uuid: 'a1d00000-0000-4000-8000-0000000000b2', opinion: '70', comment: 'agreed', distribution: '1' }] },
      ],
      Attribute: [{ uuid: ATTRIBUTE, type: 'domain', value: 'notes.example', Opinion: [{ opinion: 20, comment: 'doubtful', distribution: 1 }] }],
      EventReport: [{ uuid: 'a1d00000-0000-4000-8000-0000000000c1', name: 'Write-up', content: '# Findings\nAll of them.', distribution: 1 }],
    },
  };
}

async function* items(...docs: unknown[]) {
  for (const json of docs) yield { source: 'test', json };
}

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c;
  return out;
}

/** The event as the CLI exports it (analyst data included), one document. */
async function exported(store: Store): Promise<string> {
  const out = await prepareExport({ store, viewer: OPERATOR, baseUrl: 'http://localhost' },
    { format: 'json', scope: { events: { ref: { uuid: EVENT } } }, jsonLayout: 'single', includeAnalystData: true });
  return text(out.chunks);
}

const everything = (store: Store) => findAnalystData(store, OPERATOR, {});

forEachDialect('Analyst data: written with its event, exported and imported again', (fixture) => {
  after(() => fixture.cleanup());

  it('exports notes and opinions where MISP puts them, and importing the export twice stores each once', async () => {
    const first = await fixture.open();
    await importEvents(first, items(doc(100)));
    const stored = await everything(first);
    assert.equal(stored.length, 4);
    const json = await exported(first);
    const event = JSON.parse(json).Event;
    assert.deepEqual(event.Note.map((n: { note: string }) => n.note), ['no uuid given', 'with a uuid']);
    assert.equal(event.Note[1].Opinion[0].comment, 'agreed', 'an opinion on a note sits under that note');
    assert.equal(event.Attribute[0].Opinion[0].opinion, '20');
    assert.equal(event.Note[0].Orgc.name, CREATOR.name);

    // Without includeAnalystData the document is as it always was.
    const plain = JSON.parse(await text((await prepareExport({ store: first, viewer: OPERATOR, baseUrl: 'http://localhost' },
      { format: 'json', scope: { events: { ref: { uuid: EVENT } } }, jsonLayout: 'single' })).chunks)).Event;
    assert.equal(plain.Note, undefined);
    assert.equal(plain.Attribute[0].Opinion, undefined);

    const second = await fixture.open();
    await importEvents(second, items(JSON.parse(json)));
    assert.equal(await exported(second), json, 'the export of the import is the export');
    const again = JSON.parse(json);
    again.Event.timestamp = '200';
    for (const n of again.Event.Note) delete n.uuid;
    again.Event.Note[1].uuid = 'a1d00000-0000-4000-8000-0000000000b1';
    await importEvents(second, items(again));
    // The uuid-less note of the first document was given a uuid from what it says: the second import finds it.
    await importEvents(second, items(doc(300)));
    const copied = await everything(second);
    assert.deepEqual(copied.map((r) => r.uuid).sort(), stored.map((r) => r.uuid).sort());
    assert.deepEqual(copied.map((r) => r.orgc.name), stored.map(() => CREATOR.name));
    const modified = (s: Store) => findAnalystData(s, OPERATOR, {}).then((rows) => rows.map((r) => r.modified));
    assert.deepEqual(await modified(second), await modified(first), 'an item of a document that says no version is not rewritten');
  });

  it('writes the analyst data given with an event in its transaction: a failure leaves neither', async () => {
    const store = await fixture.open();
    const queue = new WriteQueue(store);
    const event = parseMispEvent(doc(100)).event!;
    const note = (uuid: string, authors: string | null): AnalystWrite => ({
      uuid, kind: 'Note', objectUuid: EVENT, objectType: 'Event', authors: authors as string, language: null, orgc: CREATOR, org: CREATOR,
      distribution: 1, sharingGroupId: null, created: 100, modified: 100, note: 'written with its event', fromRequest: false,
    });
    // The second note breaks a constraint of the table (a note has authors): the event must not be stored without its notes.
    await assert.rejects(queue.save(event, { onlyNew: true, analyst: [note('a1d00000-0000-4000-8000-0000000000d1', 'me'), note('a1d00000-0000-4000-8000-0000000000d2', null)] }));
    assert.equal(await eventUuidTaken(store, EVENT), false);
    assert.deepEqual(await everything(store), []);

    const saved = await queue.save(event, { onlyNew: true, analyst: [note('a1d00000-0000-4000-8000-0000000000d1', 'me')] });
    assert.equal(saved?.status, 'created');
    assert.deepEqual(saved?.analyst, { stored: ['a1d00000-0000-4000-8000-0000000000d1'], skipped: [] });
    assert.deepEqual((await everything(store)).map((r) => r.note), ['written with its event']);
  });

  it("prints an event's reports and analyst notes in its threat report, and nothing more for an event without", async () => {
    const store = await fixture.open();
    await importEvents(store, items(doc(100)));
    const event = (await loadEvent(store, OPERATOR, { uuid: EVENT }))!;
    const report = renderReport(await withEventAnalystData(store, OPERATOR, event), { redact: new Set(['domain']) });
    assert.match(report, /## Event Reports\n### Write-up\n# Findings\nAll of them\.\n\n## Analyst Notes\n/);
    assert.match(report, /\* no uuid given \(analyst@far\.example\)\n/);
    assert.match(report, /\* on domain <domain>: opinion 20\/100 \u2014 doubtful \(Far Away CERT\)\n/);
    assert.match(report, /\* in reply: opinion 70\/100 \u2014 agreed/);
    const bare = { ...event, reports: [] };
    assert.equal(renderReport(await withEventAnalystData(store, OPERATOR, { ...bare, uuid: 'a1d00000-0000-4000-8000-00000000ffff', attributes: [] }), {}),
      renderReport({ ...bare, uuid: 'a1d00000-0000-4000-8000-00000000ffff', attributes: [] }, {}));
  });
});
