import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventsOf, eventsOfDocument, readInputs } from '../../src/formats/input.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { normaliseValue } from '../../src/model/values.js';

/** What the importer makes of one document: the events it reads, or why it reads none. */
function read(doc: unknown) {
  return [...eventsOfDocument(doc, 'doc.json')].map((e) => ('error' in e ? { error: e.error } : { event: e.source }));
}

describe('import as lenient as MISP', () => {
  it('gives an event without a uuid one, derived from its content, as PyMISP\'s own test files need', () => {
    // mispevent_testfiles/event.json of PyMISP: a bare event, no uuid.
    const doc = { analysis: '1', date: '2017-12-31', distribution: '1', info: 'This is a test', published: true, threat_level_id: '1' };
    assert.deepEqual(read(doc), [{ event: 'doc.json' }]);
    const first = parseMispEvent(doc);
    assert.deepEqual(first.problems, []);
    assert.match(first.event!.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseMispEvent({ Event: doc }).event!.uuid, first.event!.uuid, 'the same event gets the same uuid: importing it again finds it');
    assert.notEqual(parseMispEvent({ ...doc, info: 'Another' }).event!.uuid, first.event!.uuid);
    // An attribute-only event without uuid is read as an event too.
    assert.deepEqual(read({ Attribute: [{ type: 'filename', value: 'bar.exe' }], info: 'x' }), [{ event: 'doc.json' }]);
  });

  it('still refuses a uuid that is there but malformed', () => {
    const p = parseMispEvent({ Event: { uuid: 'not-a-uuid', info: 'x' } });
    assert.equal(p.event, null);
    assert.deepEqual(p.problems.map((q) => [q.field, q.reason]), [['uuid', 'not a uuid; event skipped']]);
  });

  it('reads an event date in the forms PHP reads', () => {
    for (const [date, expected] of [['2017/11/13', '2017-11-13'], ['9 Jun 2018', '2018-06-09'], ['2018-06-09 10:00:00', '2018-06-09']]) {
      const p = parseMispEvent({ Event: { uuid: '11111111-2222-4333-8444-555555555555', info: 'x', date } });
      assert.deepEqual(p.problems, [], date);
      assert.equal(p.event!.date, expected);
    }
  });

  it('reads datetime attributes and first_seen in the forms PHP reads', () => {
    const p = parseMispEvent({ Event: { uuid: '11111111-2222-4333-8444-555555555555', info: 'x', Attribute: [
      { type: 'datetime', value: '9 Jun 2018', first_seen: '2017/11/13 10:00:00' },
    ] } });
    assert.deepEqual(p.problems, []);
    assert.equal(p.event!.attributes[0]!.value, '2018-06-09T00:00:00.000000+0000');
    assert.equal(p.event!.attributes[0]!.first_seen, '2017-11-13T10:00:00.000000+0000');
  });

  it('takes the e-mail addresses MISP takes, and refuses those it refuses', () => {
    for (const v of ['"Doe"<doe@example.com>', '<doe@example.com>', 'doe@example.com (Doe)', 'doe@example.com']) {
      const r = normaliseValue('email-src', v);
      assert.ok(r.ok, v);
    }
    // MISP's test wants no white space before the @ and a dot after it.
    for (const v of ['"John Doe" <doe@example.com>', 'doe@localhost', 'doe']) assert.equal(normaliseValue('email-src', v).ok, false, v);
  });

  it('turns correlation off for an image attachment that does not say, as MISP does', () => {
    const p = parseMispEvent({ Event: { uuid: '11111111-2222-4333-8444-555555555555', info: 'x', Attribute: [
      { type: 'attachment', value: 'screenshot.PNG' }, { type: 'attachment', value: 'report.pdf' },
      { type: 'attachment', value: 'chart.jpg', disable_correlation: false },
    ] } });
    assert.deepEqual(p.event!.attributes.map((a) => a.disable_correlation), [true, false, false]);
  });

  it('names a document that is not an event as what it is', () => {
    assert.deepEqual(read({ uuid: 'c5f2dfb4-21a1-42d8-a452-1d3c36a204ff', name: 'Tea Matrix', type: 'tea-matrix', namespace: 'tea-matrix', GalaxyCluster: [] }),
      [{ error: 'a galaxy, not a MISP event' }]);
    assert.deepEqual(read({ uuid: 'c5f2dfb4-21a1-42d8-a452-1d3c36a204ff', name: 'Android', type: 'android', namespace: 'misp', description: 'x', version: 3 }),
      [{ error: 'a galaxy, not a MISP event' }]);
    assert.deepEqual(read({ uuid: 'c5f2dfb4-21a1-42d8-a452-1d3c36a204ff', name: 'x', type: 'x', values: [], authors: [], category: 'tool' }),
      [{ error: 'a galaxy cluster, not a MISP event' }]);
    assert.deepEqual(read({ name: 'file', uuid: '688c46fb-5edb-40a3-8273-1af7923e0000', 'meta-category': 'file', version: 1, attributes: { md5: {} }, requiredOneOf: ['md5'] }),
      [{ error: 'an object template, not a MISP event' }]);
    assert.deepEqual(read([{ SharingGroup: { uuid: '5758ebf5-c898-48e6-9fe9-5665c0a83866', name: 'Friends' }, SharingGroupOrg: [] }]),
      [{ error: 'a sharing group, not a MISP event' }]);
    assert.deepEqual(read({ namespace: 'tlp', predicates: [], values: [] }), [{ error: 'a taxonomy, not a MISP event' }]);
    assert.deepEqual(read({ name: 'List', list: ['a'], type: 'string', matching_attributes: ['domain'] }), [{ error: 'a warninglist, not a MISP event' }]);
    assert.deepEqual(read({ timestamp: '11111111', type: 'bar', value: '1' }), [{ error: 'a sighting, not a MISP event' }]);
    assert.deepEqual(read({ '5758ebf5-c898-48e6-9fe9-5665c0a83866': { info: 'x', Orgc: {} } }),
      [{ error: 'a feed manifest (import the feed\'s folder instead), not a MISP event' }]);
    assert.deepEqual(read({}), [{ error: 'not a MISP event, a list of events or {"response": [...]}' }]);
    // An events/index answer, whose items carry their SharingGroup, is events.
    assert.deepEqual(read([{ uuid: '5758ebf5-c898-48e6-9fe9-5665c0a83866', info: 'x', SharingGroup: { name: 'y' } }]), [{ event: 'doc.json[0]' }]);
  });

  it('imports a feed whose manifest carries keys of its own beside the events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-feed-'));
    try {
      const uuid = '5758ebf5-c898-48e6-9fe9-5665c0a83866';
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
        version: '1', description: 'A feed of ours', feeds: ['osint'], [uuid]: { info: 'An event', Orgc: { name: 'Org' }, timestamp: '1' },
      }));
      writeFileSync(join(dir, `${uuid}.json`), JSON.stringify({ Event: { uuid, info: 'An event' } }));
      const read = [];
      for await (const item of readInputs([dir])) read.push(...eventsOf(item));
      assert.deepEqual(read.map((r) => ('error' in r ? r.error : (r.json as { Event: { uuid: string } }).Event.uuid)), [uuid]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
