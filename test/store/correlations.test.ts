import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { OPERATOR, type Viewer } from '../../src/access/viewer.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import type { Store } from '../../src/store/db/database.js';
import { eventCorrelations, lookupValue } from '../../src/store/correlations/event-correlations.js';
import { saveEvent } from '../../src/store/events/writer.js';
import { addExclusion, removeExclusion } from '../../src/store/correlations/exclusions.js';
import { saveWarninglists, setWarninglistsEnabled } from '../../src/store/libraries/warninglists.js';
import { correlationSettings, setSetting } from '../../src/store/settings.js';
import { forEachDialect } from '../helpers/stores.js';

const uuid = (n: number) => `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ORG_A = { name: 'Org A', uuid: 'aaaaaaaa-0000-4000-8000-000000000000' };
const ORG_B = { name: 'Org B', uuid: 'bbbbbbbb-0000-4000-8000-000000000000' };

async function put(store: Store, n: number, attributes: object[], extra: object = {}) {
  const parsed = parseMispEvent({ Event: { uuid: uuid(n), info: `Event ${n}`, date: '2024-01-01', timestamp: '10', distribution: '3', Orgc: ORG_A, Attribute: attributes, ...extra } });
  assert.deepEqual(parsed.problems, []);
  return saveEvent(store, parsed.event!);
}

async function related(store: Store, n: number, viewer: Viewer = OPERATOR) {
  const settings = await correlationSettings(store);
  const c = await eventCorrelations(store, viewer, { uuid: uuid(n) }, settings);
  // What an event's view lists, found the short way, names the same events.
  const only = await eventCorrelations(store, viewer, { uuid: uuid(n) }, settings, { eventsOnly: true });
  assert.deepEqual(only?.related.map((r) => r.info).sort(), c?.related.map((r) => r.info).sort());
  return c && Object.fromEntries(c.related.map((r) => [r.info, r.values]));
}

forEachDialect('correlation', (fixture) => {
  after(() => fixture.cleanup());

  it('links events by exact values and by each part of composite values', async () => {
    const store = await fixture.open();
    await put(store, 1, [
      { type: 'domain|ip', value: 'c2.example|198.51.100.1' },
      { type: 'filename|md5', value: `dropper.exe|${'a'.repeat(32)}` },
      { type: 'ip-dst|port', value: '203.0.113.5|443' },
      { type: 'url', value: 'http://c2.example/gate.php' },
    ]);
    await put(store, 2, [
      { type: 'ip-dst', value: '198.51.100.1' },
      { type: 'md5', value: 'A'.repeat(32) },
      { type: 'hostname', value: 'C2.example' },
      { type: 'port', value: '443' },
      { type: 'ip-src', value: '203.0.113.5' },
    ]);
    await put(store, 3, [{ type: 'filename', value: 'dropper.exe' }, { type: 'url', value: 'http://c2.example/gate.php' }]);
    assert.deepEqual(await related(store, 1), {
      'Event 2': ['198.51.100.1', '203.0.113.5', 'a'.repeat(32), 'c2.example'],
      'Event 3': ['dropper.exe', 'http://c2.example/gate.php'],
    });
    assert.deepEqual(await related(store, 2), { 'Event 1': ['198.51.100.1', '203.0.113.5', 'a'.repeat(32), 'c2.example'] });
    const c = await eventCorrelations(store, OPERATOR, { uuid: uuid(3) }, await correlationSettings(store));
    assert.equal(c!.related[0]!.shared, 2);
    assert.equal(c!.related[0]!.links.length, 2, 'the attribute pairs that link the events');
  });

  it('leaves out non-correlating types, disabled attributes and events, deleted attributes and objects', async () => {
    const store = await fixture.open();
    await put(store, 1, [
      { type: 'port', value: '8080' }, { type: 'comment', value: 'same comment' },
      { type: 'float', value: '1.5' }, { type: 'domain', value: 'kept.example' },
      { type: 'domain', value: 'quiet.example', disable_correlation: true },
      { type: 'domain', value: 'removed.example', deleted: true },
    ], { Object: [{ name: 'file', deleted: true, Attribute: [{ type: 'md5', object_relation: 'md5', value: 'b'.repeat(32) }] }] });
    await put(store, 2, [
      { type: 'port', value: '8080' }, { type: 'comment', value: 'same comment' },
      { type: 'float', value: '1.5' }, { type: 'domain', value: 'kept.example' },
      { type: 'domain', value: 'quiet.example' }, { type: 'domain', value: 'removed.example' },
      { type: 'md5', value: 'b'.repeat(32) },
    ]);
    await put(store, 3, [{ type: 'domain', value: 'kept.example' }], { disable_correlation: true });
    assert.deepEqual(await related(store, 2), { 'Event 1': ['kept.example'] });
    assert.deepEqual(await related(store, 3), {});
  });

  it('correlates text, other and datetime values, and values that differ only in case, as MISP does', async () => {
    const store = await fixture.open();
    await put(store, 1, [
      { type: 'text', value: 'CVE-2017-11882' }, { type: 'other', value: '@malwrhunterteam' },
      { type: 'datetime', value: '2017-11-13T10:00:00Z' }, { type: 'filename', value: 'CRAB-Decrypt.txt' },
      { type: 'regkey', value: 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\evil' },
    ]);
    await put(store, 2, [
      { type: 'text', value: 'cve-2017-11882' }, { type: 'text', value: '@MalwrHunterTeam' },
      { type: 'datetime', value: '2017-11-13 10:00:00' }, { type: 'filename', value: 'CRAB-DECRYPT.txt' },
      { type: 'regkey', value: 'hklm\\software\\microsoft\\windows\\currentversion\\run\\EVIL' },
    ]);
    // Each event names its own values as written.
    assert.deepEqual(await related(store, 2), { 'Event 1': [
      '2017-11-13T10:00:00.000000+0000', '@MalwrHunterTeam', 'CRAB-DECRYPT.txt', 'cve-2017-11882',
      'hklm\\software\\microsoft\\windows\\currentversion\\run\\EVIL',
    ] });
    assert.deepEqual((await lookupValue(store, OPERATOR, 'crab-decrypt.TXT', await correlationSettings(store))).events, [uuid(1), uuid(2)]);
  });

  it('object attributes correlate like event attributes, and follow updates', async () => {
    const store = await fixture.open();
    await put(store, 1, [], { Object: [{ uuid: uuid(100), name: 'file', timestamp: '10', Attribute: [{ uuid: uuid(101), type: 'sha1', object_relation: 'sha1', value: 'c'.repeat(40), timestamp: '10' }] }] });
    await put(store, 2, [{ uuid: uuid(201), type: 'sha1', value: 'c'.repeat(40), timestamp: '10' }]);
    assert.deepEqual(await related(store, 2), { 'Event 1': ['c'.repeat(40)] });
    await put(store, 2, [{ uuid: uuid(201), type: 'sha1', value: 'c'.repeat(40), timestamp: '20', deleted: true }], { timestamp: '20' });
    assert.deepEqual(await related(store, 1), {}, 'a soft-deleted attribute no longer correlates');
  });

  it('flags a value held by more events than the threshold instead of listing it', async () => {
    const store = await fixture.open();
    for (let n = 1; n <= 5; n++) await put(store, n, [{ type: 'ip-dst', value: '192.0.2.53' }, ...(n <= 2 ? [{ type: 'domain', value: 'pair.example' }] : [])]);
    assert.equal(await setSetting(store, 'correlation.over_threshold', 'many'), 'a whole number of 1 or more');
    assert.equal(await setSetting(store, 'correlation.over_threshold', '3'), undefined);
    const settings = await correlationSettings(store);
    const c = (await eventCorrelations(store, OPERATOR, { uuid: uuid(1) }, settings))!;
    assert.deepEqual(c.overCorrelating, [{ value: '192.0.2.53', events: 4 }]);
    assert.deepEqual(c.related.map((r) => [r.info, r.values]), [['Event 2', ['pair.example']]]);
    assert.deepEqual(await lookupValue(store, OPERATOR, '192.0.2.53', settings), {
      value: '192.0.2.53', events: [1, 2, 3, 4, 5].map(uuid), warninglists: [], overCorrelating: true,
    });
    assert.deepEqual(await lookupValue(store, OPERATOR, 'PAIR.example', settings), { value: 'PAIR.example', events: [uuid(1), uuid(2)], warninglists: [], overCorrelating: false });
  });

  it('applies correlation exclusions at once to what is stored, exact and % patterns alike', async () => {
    const store = await fixture.open();
    const values = [{ type: 'domain', value: 'windowsupdate.com' }, { type: 'domain', value: 'cdn.google.example' }, { type: 'ip-dst', value: '192.0.2.9' }];
    await put(store, 1, values);
    await put(store, 2, values);
    assert.equal(await addExclusion(store, 'WindowsUpdate.com', 'benign'), true);
    assert.equal(await addExclusion(store, 'WindowsUpdate.com'), false);
    await addExclusion(store, '%.google.%');
    assert.deepEqual(await related(store, 1), { 'Event 2': ['192.0.2.9'] });
    assert.equal(await removeExclusion(store, '%.google.%'), true);
    assert.equal(await removeExclusion(store, '%.google.%'), false);
    assert.deepEqual(await related(store, 1), { 'Event 2': ['192.0.2.9', 'cdn.google.example'] });
  });

  it('leaves values on an enabled warninglist out of correlation, and names the lists on lookup', async () => {
    const store = await fixture.open();
    const values = [{ type: 'ip-dst', value: '8.8.8.8' }, { type: 'domain', value: 'c2.example' }];
    await put(store, 1, values);
    await put(store, 2, values);
    await saveWarninglists(store, [{ name: 'resolvers', description: '', version: 1, type: 'cidr', matchingAttributes: ['ip-dst'], list: ['8.8.8.0/24'] }], true);
    assert.deepEqual(await related(store, 1), { 'Event 2': ['c2.example'] });
    assert.deepEqual((await lookupValue(store, OPERATOR, '8.8.8.8', await correlationSettings(store))).warninglists, ['resolvers']);
    await setSetting(store, 'correlation.skip_warninglisted', 'false');
    assert.deepEqual(await related(store, 1), { 'Event 2': ['8.8.8.8', 'c2.example'] });
    await setSetting(store, 'correlation.skip_warninglisted', 'true');
    assert.deepEqual(await setWarninglistsEnabled(store, ['resolvers'], false), ['resolvers']);
    assert.deepEqual(await related(store, 1), { 'Event 2': ['8.8.8.8', 'c2.example'] }, 'a disabled list no longer applies');
  });

  it('never names or counts an event the viewer may not see', async () => {
    const store = await fixture.open();
    await put(store, 1, [{ type: 'domain', value: 'secret.example' }, { type: 'ip-dst', value: '192.0.2.1' }], { distribution: '0' });
    await put(store, 2, [{ type: 'domain', value: 'secret.example' }, { type: 'ip-dst', value: '192.0.2.1' }], { Orgc: ORG_B, distribution: '0' });
    await put(store, 3, [{ type: 'ip-dst', value: '192.0.2.1', distribution: '0' }], { Orgc: ORG_B });
    const orgB = await store.db.selectFrom('organisation').select('id').where('name', '=', 'Org B').executeTakeFirstOrThrow();
    const userB: Viewer = { kind: 'user', orgId: orgB.id, siteAdmin: false };
    const orgA = await store.db.selectFrom('organisation').select('id').where('name', '=', 'Org A').executeTakeFirstOrThrow();
    const userA: Viewer = { kind: 'user', orgId: orgA.id, siteAdmin: false };
    assert.deepEqual(await related(store, 2, userB), { 'Event 3': ['192.0.2.1'] }, "org A's own event stays hidden from org B");
    assert.equal(await related(store, 1, userB), undefined, 'nor can org B ask about it');
    assert.deepEqual(await related(store, 1, userA), {}, "org B's event and org B's own attribute stay hidden from org A");
    await setSetting(store, 'correlation.over_threshold', '1');
    const settings = await correlationSettings(store);
    assert.deepEqual((await lookupValue(store, userA, '192.0.2.1', settings)), { value: '192.0.2.1', events: [uuid(1)], warninglists: [], overCorrelating: false });
    assert.equal((await lookupValue(store, OPERATOR, '192.0.2.1', settings)).overCorrelating, true);
  });
});
