import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { saveWarninglists } from '../../src/store/libraries/warninglists.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const SHARED_EVENT = 'face0000-0000-4000-8000-000000000001';
const PRIVATE_EVENT = 'face0000-0000-4000-8000-000000000002';
const OTHER_ORG = { name: 'CERT-Elsewhere', uuid: 'face0000-0000-4000-8000-0000000000aa' };

forEachDialect('REST API: what the web interface reads', (fixture) => {
  let i: Instance;
  before(async () => {
    const store = await fixture.open();
    await saveWarninglists(store, [
      { name: 'resolvers', description: 'Public DNS resolvers', version: 1, type: 'cidr', matchingAttributes: ['ip-dst'], list: ['8.8.8.0/24'] },
    ], true);
    i = await serve(store);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: SHARED_EVENT, info: 'Shared', distribution: 1, date: '2026-10-01',
      Attribute: [{ type: 'domain', value: 'linked.example' }, { type: 'ip-dst', value: '8.8.8.8' }] } })).status, 200);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: PRIVATE_EVENT, info: 'Alice only', distribution: 0, date: '2026-11-01',
      Attribute: [{ type: 'domain', value: 'linked.example' }] } })).status, 200);
    assert.equal((await call(i, i.bob, 'POST', '/events/add', { Event: { info: 'Bob links', distribution: 1, date: '2026-11-02',
      Attribute: [{ type: 'domain', value: 'linked.example' }] } })).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('counts on the dashboard only what each user may see', async () => {
    const alice = (await call(i, i.alice, 'GET', '/cairn/dashboard')).body;
    const bob = (await call(i, i.bob, 'GET', '/cairn/dashboard')).body;
    assert.deepEqual([alice.events, alice.attributes, alice.correlations], [3, 4, 1]);
    assert.deepEqual([bob.events, bob.attributes, bob.correlations], [2, 3, 1]);
    assert.ok(!JSON.stringify(bob).includes('Alice only'));
    assert.deepEqual(bob.latest.map((e: { info: string }) => e.info), ['Bob links', 'Shared'], 'newest first');
    assert.deepEqual(alice.eventsByMonth, [{ month: '2026-10', events: 1 }, { month: '2026-11', events: 2 }]);
    assert.equal(alice.attributesByType.domain, 3);
  });

  it("marks an event's attributes with their correlations, naming only events the reader may see", async () => {
    const bob = (await call(i, i.bob, 'GET', `/cairn/events/${SHARED_EVENT}/annotations`)).body;
    const view = (await call(i, i.bob, 'GET', `/events/view/${SHARED_EVENT}`)).body.Event;
    const domain = view.Attribute.find((a: { type: string }) => a.type === 'domain');
    assert.equal(bob.attributes[domain.uuid].correlations, 1, "bob's own event, not alice's private one");
    assert.deepEqual(bob.related.map((r: { info: string; values: string[] }) => [r.info, r.values]), [['Bob links', ['linked.example']]]);
    const alice = (await call(i, i.alice, 'GET', `/cairn/events/${SHARED_EVENT}/annotations`)).body;
    assert.equal(alice.attributes[domain.uuid].correlations, 2);
    const resolver = view.Attribute.find((a: { type: string }) => a.type === 'ip-dst');
    assert.deepEqual(alice.attributes[resolver.uuid], { correlations: 0, warninglists: ['resolvers'] }, 'warninglist hits marked');
    assert.equal((await call(i, i.bob, 'GET', `/cairn/events/${PRIVATE_EVENT}/annotations`)).status, 404);
    const graph = (await call(i, i.bob, 'GET', `/cairn/events/${SHARED_EVENT}/graph?depth=2`)).body;
    assert.deepEqual(graph.nodes.map((n: { info: string }) => n.info), ['Shared', 'Bob links']);
    assert.deepEqual(graph.edges.map((e: { values: string[] }) => e.values), [['linked.example']]);
    assert.equal((await call(i, i.bob, 'GET', `/cairn/events/${SHARED_EVENT}/graph?depth=9`)).status, 400);
  });

  it('renders an event as the report', async () => {
    const res = await fetch(`${i.base}/cairn/events/${SHARED_EVENT}/report?related=1`, { headers: { Authorization: i.bob } });
    assert.match(res.headers.get('content-type') ?? '', /^text\/markdown/);
    const text = await res.text();
    assert.match(text, /^# Threat Report: 2026-10-01: Shared\n/);
    assert.match(text, /## Related Events\n\* 2026-11-02: Bob links/);
    assert.ok(!text.includes('Alice only'));
  });

  it('previews an import without storing it, then imports, taking ownership unless the user may sync', async () => {
    const doc = { response: [
      { Event: { uuid: 'face0000-0000-4000-8000-000000000010', info: 'From a feed', distribution: 1, Orgc: OTHER_ORG,
        Attribute: [{ type: 'ip-dst', value: '192.0.2.1' }, { type: 'ip-dst', value: 'not an address' }] } },
      { Event: { uuid: SHARED_EVENT, info: 'Shared, changed by someone else', timestamp: String(Math.floor(Date.now() / 1000) + 60), Attribute: [] } },
    ] };
    const preview = (await call(i, i.bob, 'POST', '/cairn/import/preview', doc)).body;
    assert.equal(preview.format, 'misp');
    assert.deepEqual(preview.events.map((e: { status: string }) => e.status), ['created', 'refused']);
    assert.match(preview.events[0].problems.join(), /not an address.*invalid ip-dst/);
    assert.match(preview.events[1].reason, /exists and you may not change it/);
    assert.equal((await call(i, i.bob, 'GET', '/events/view/face0000-0000-4000-8000-000000000010')).status, 404, 'a preview stores nothing');

    const done = (await call(i, i.bob, 'POST', '/cairn/import', doc)).body;
    assert.deepEqual(done.events.map((e: { status: string }) => e.status), ['created', 'refused']);
    const stored = (await call(i, i.bob, 'GET', `/events/view/${done.events[0].eventId}`)).body.Event;
    assert.equal(stored.Orgc.name, 'Org B', 'a user who may not sync takes ownership');
    assert.deepEqual(stored.Attribute.map((a: { value: string }) => a.value), ['192.0.2.1']);
    assert.equal((await call(i, i.bob, 'POST', '/cairn/import/preview', doc)).body.events[0].status, 'unchanged');

    const admin = (await call(i, i.admin, 'POST', '/cairn/import', { Event: { uuid: 'face0000-0000-4000-8000-000000000011', info: 'Kept creator', Orgc: OTHER_ORG } })).body;
    assert.equal((await call(i, i.admin, 'GET', `/events/view/${admin.events[0].eventId}`)).body.Event.Orgc.name, 'CERT-Elsewhere', 'a site admin keeps the creator');

    const stix = (await call(i, i.bob, 'POST', '/cairn/import/preview', { type: 'bundle', id: 'bundle--face0000-0000-4000-8000-000000000020', objects: [
      { type: 'indicator', spec_version: '2.1', id: 'indicator--face0000-0000-4000-8000-000000000021', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z',
        pattern: "[domain-name:value = 'stix.example']", pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z' },
      { type: 'location', spec_version: '2.1', id: 'location--face0000-0000-4000-8000-000000000022', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', country: 'FR' },
    ] })).body;
    assert.equal(stix.format, 'stix2');
    assert.deepEqual(stix.events.map((e: { status: string; attributes: number }) => [e.status, e.attributes]), [['created', 1]]);
    assert.deepEqual(stix.left, ['location--face0000-0000-4000-8000-000000000022: no MISP equivalent for a location']);
    assert.equal((await call(i, i.bob, 'POST', '/cairn/import/preview', { hello: 1 })).body.left[0], 'not a MISP event, a list of events or {"response": [...]}');
  });
});
