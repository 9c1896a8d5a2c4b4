import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { OPERATOR, type Viewer } from '../../src/access/viewer.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { correlationGraph } from '../../src/store/correlations/graph.js';
import { eventCorrelations, lookupValue } from '../../src/store/correlations/event-correlations.js';
import type { Store } from '../../src/store/db/database.js';
import { eventOfAttribute } from '../../src/store/events/reader.js';
import { saveEvent } from '../../src/store/events/writer.js';
import { correlationSettings, setSetting } from '../../src/store/settings.js';
import { rebuildValueIndex } from '../../src/store/values/index.js';
import { forEachDialect } from '../helpers/stores.js';

const uuid = (n: number) => `d0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ORG = { name: 'Org A', uuid: 'aaaaaaaa-0000-4000-8000-000000000000' };

async function put(store: Store, n: number, attributes: object[], extra: object = {}) {
  const parsed = parseMispEvent({ Event: { uuid: uuid(n), info: `Event ${n}`, date: '2024-01-01', timestamp: '10', distribution: '3', Orgc: ORG, Attribute: attributes, ...extra } });
  assert.deepEqual(parsed.problems, []);
  return saveEvent(store, parsed.event!);
}

async function correlations(store: Store, n: number, viewer: Viewer = OPERATOR) {
  return (await eventCorrelations(store, viewer, { uuid: uuid(n) }, await correlationSettings(store)))!;
}

/** Related events by info, each with its links as `value ~ related value (kind)`. */
async function links(store: Store, n: number) {
  const c = await correlations(store, n);
  const only = await eventCorrelations(store, OPERATOR, { uuid: uuid(n) }, await correlationSettings(store), { eventsOnly: true });
  assert.deepEqual(only!.related.map((r) => r.info).sort(), c.related.map((r) => r.info).sort(), 'what an event view lists, found the short way');
  return Object.fromEntries(c.related.map((r) => [r.info, [...new Set(r.links.map((l) => `${l.value} ~ ${l.relatedValue} (${l.kind})`))].sort()]));
}

async function overCorrelating(store: Store, value: string) {
  return (await lookupValue(store, OPERATOR, value, await correlationSettings(store))).overCorrelating;
}

forEachDialect('correlation index', (fixture) => {
  after(() => fixture.cleanup());

  it('correlates addresses with the CIDR ranges that hold them, and overlapping ranges, in IPv4 and IPv6', async () => {
    const store = await fixture.open();
    await put(store, 1, [{ type: 'ip-dst', value: '10.1.2.3' }, { type: 'ip-src', value: '2001:db8::1' }]);
    await put(store, 2, [{ type: 'ip-src', value: '10.1.0.0/16' }]);
    await put(store, 3, [{ type: 'ip-dst', value: '10.0.0.0/8' }, { type: 'ip-dst', value: '2001:db8::/32' }]);
    await put(store, 4, [{ type: 'domain|ip', value: 'c2.example|10.200.0.1' }, { type: 'ip-dst|port', value: '10.1.2.3|443' }]);
    await put(store, 5, [{ type: 'ip-dst', value: '11.0.0.1' }, { type: 'filename', value: '10.1.2.4' }, { type: 'ip-dst', value: '::ffff:0:0/96' }]);

    assert.deepEqual(await links(store, 1), {
      'Event 2': ['10.1.2.3 ~ 10.1.0.0/16 (cidr)'],
      'Event 3': ['10.1.2.3 ~ 10.0.0.0/8 (cidr)', '2001:db8::1 ~ 2001:db8::/32 (cidr)'],
      'Event 4': ['10.1.2.3 ~ 10.1.2.3 (exact)'],
      // IPv4 lives in IPv6 space at ::ffff:0:0/96, so the mapped range holds every IPv4 address.
      'Event 5': ['10.1.2.3 ~ ::ffff:0:0/96 (cidr)'],
    });
    assert.deepEqual(await links(store, 2), {
      'Event 1': ['10.1.0.0/16 ~ 10.1.2.3 (cidr)'],
      'Event 3': ['10.1.0.0/16 ~ 10.0.0.0/8 (cidr)'],
      'Event 4': ['10.1.0.0/16 ~ 10.1.2.3 (cidr)'],
      'Event 5': ['10.1.0.0/16 ~ ::ffff:0:0/96 (cidr)'],
    });
    const three = await links(store, 3);
    assert.deepEqual(three['Event 4'], ['10.0.0.0/8 ~ 10.1.2.3 (cidr)', '10.0.0.0/8 ~ 10.200.0.1 (cidr)'], 'the address of a domain|ip too');
    assert.equal(Object.keys(three).includes('Event 5') && three['Event 5']!.some((l) => l.includes('11.0.0.1')), false, 'an address outside the range');
    assert.equal(Object.values(three).flat().some((l) => l.includes('10.1.2.4')), false, 'a filename is no address');

    await setSetting(store, 'correlation.cidr', 'false');
    assert.deepEqual(await links(store, 2), {}, 'CIDR correlation is an instance setting');
  });

  it('flags a range whose addresses are held by more events than the threshold', async () => {
    const store = await fixture.open();
    await put(store, 1, [{ type: 'ip-dst', value: '192.0.2.0/24' }]);
    for (let n = 2; n <= 5; n++) await put(store, n, [{ type: 'ip-dst', value: `192.0.2.${n}` }]);
    await setSetting(store, 'correlation.over_threshold', '3');
    const c = await correlations(store, 1);
    assert.deepEqual(c.overCorrelating, [{ value: '192.0.2.0/24', events: 4 }]);
    assert.deepEqual(c.related, []);
    assert.deepEqual((await correlations(store, 2)).related.map((r) => r.info), ['Event 1'], 'each address still links to the range');
  });

  it('keeps the count of events per value through updates, and a rebuild finds the same', async () => {
    const store = await fixture.open();
    await setSetting(store, 'correlation.over_threshold', '1');
    await put(store, 1, [{ uuid: uuid(101), type: 'domain', value: 'hot.example', timestamp: '10' }, { type: 'md5', value: 'a'.repeat(32) }]);
    await put(store, 2, [{ uuid: uuid(201), type: 'domain', value: 'hot.example', timestamp: '10' }]);
    assert.equal(await overCorrelating(store, 'hot.example'), true, 'two events: more than one');
    assert.equal(await overCorrelating(store, 'a'.repeat(32)), false);

    await put(store, 2, [{ uuid: uuid(201), type: 'domain', value: 'hot.example', timestamp: '20' }], { timestamp: '20', disable_correlation: true });
    assert.equal(await overCorrelating(store, 'hot.example'), false, 'an event with correlation disabled no longer counts');
    await put(store, 2, [{ uuid: uuid(201), type: 'domain', value: 'hot.example', timestamp: '30' }], { timestamp: '30' });
    assert.equal(await overCorrelating(store, 'hot.example'), true, 'enabled again');
    await put(store, 1, [{ uuid: uuid(101), type: 'domain', value: 'hot.example', timestamp: '40', deleted: true }], { timestamp: '40' });
    assert.equal(await overCorrelating(store, 'hot.example'), false, 'a deleted attribute no longer counts');
    await put(store, 1, [{ uuid: uuid(101), type: 'domain', value: 'other.example', timestamp: '50' }], { timestamp: '50' });
    await put(store, 3, [{ type: 'domain', value: 'other.example' }, { type: 'text', value: 'other.example' }]);
    assert.equal(await overCorrelating(store, 'other.example'), true, 'an edited value counts under its new value');

    const before = await Promise.all(['hot.example', 'other.example', 'a'.repeat(32)].map((v) => overCorrelating(store, v)));
    await rebuildValueIndex(store);
    const rebuilt = await Promise.all(['hot.example', 'other.example', 'a'.repeat(32)].map((v) => overCorrelating(store, v)));
    assert.deepEqual(rebuilt, before);
    assert.deepEqual(await links(store, 3), { 'Event 1': ['other.example ~ other.example (exact)'] });
  });

  it('gives the correlations of one attribute', async () => {
    const store = await fixture.open();
    await put(store, 1, [{ uuid: uuid(11), type: 'domain', value: 'one.example' }, { uuid: uuid(12), type: 'domain', value: 'two.example' }]);
    await put(store, 2, [{ type: 'domain', value: 'one.example' }]);
    await put(store, 3, [{ type: 'domain', value: 'two.example' }]);
    const event = await eventOfAttribute(store, OPERATOR, uuid(12));
    assert.deepEqual(event, { id: (await correlations(store, 1)).id });
    const c = (await eventCorrelations(store, OPERATOR, event!, await correlationSettings(store), { attribute: uuid(12) }))!;
    assert.equal(c.attribute, uuid(12));
    assert.deepEqual(c.related.map((r) => [r.info, r.values]), [['Event 3', ['two.example']]]);
    assert.equal(await eventOfAttribute(store, OPERATOR, uuid(99)), undefined);
  });

  it('draws the graph around an event to a depth, within a node limit', async () => {
    const store = await fixture.open();
    // A chain 1 - 2 - 3 - 4, and 5 hanging off 2.
    await put(store, 1, [{ type: 'domain', value: 'a.example' }]);
    await put(store, 2, [{ type: 'domain', value: 'a.example' }, { type: 'domain', value: 'b.example' }, { type: 'domain', value: 'e.example' }]);
    await put(store, 3, [{ type: 'domain', value: 'b.example' }, { type: 'domain', value: 'c.example' }]);
    await put(store, 4, [{ type: 'domain', value: 'c.example' }]);
    await put(store, 5, [{ type: 'domain', value: 'e.example' }]);
    const settings = await correlationSettings(store);
    const g = (await correlationGraph(store, OPERATOR, { uuid: uuid(1) }, settings, { depth: 2, maxNodes: 10 }))!;
    assert.deepEqual(g.nodes.map((n) => [n.info, n.depth]), [['Event 1', 0], ['Event 2', 1], ['Event 3', 2], ['Event 5', 2]]);
    assert.deepEqual(g.edges.map((e) => [e.from, e.to, e.shared]), [[uuid(1), uuid(2), 1], [uuid(2), uuid(3), 1], [uuid(2), uuid(5), 1]]);
    assert.equal(g.truncated, false);
    const deep = (await correlationGraph(store, OPERATOR, { uuid: uuid(1) }, settings, { depth: 5, maxNodes: 10 }))!;
    assert.equal(deep.nodes.length, 5);
    const small = (await correlationGraph(store, OPERATOR, { uuid: uuid(1) }, settings, { depth: 5, maxNodes: 3 }))!;
    assert.deepEqual(small.nodes.map((n) => n.info), ['Event 1', 'Event 2', 'Event 3']);
    assert.equal(small.truncated, true);
    assert.equal(await correlationGraph(store, OPERATOR, { uuid: uuid(9) }, settings), undefined);
  });
});
