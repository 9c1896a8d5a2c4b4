import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const A = 'ab000000-0000-4000-8000-0000000000a1';
const B = 'bc000000-0000-4000-8000-0000000000b2';
const HIDDEN = 'cd000000-0000-4000-8000-0000000000c3';

type Found = { Sighting: { id: string; event_id: string; attribute_id: string; org_id: string; source: string; type: string; value: string; Attribute?: { id: string; value: string }; Event?: { id: string; info: string; Orgc: { name: string } } } };

forEachDialect('REST API: sightings restSearch and delete', (fixture) => {
  let i: Instance;
  const ids: Record<string, { event: string; attribute: string }> = {};
  before(async () => {
    i = await serve(await fixture.open());
    const add = async (key: string, uuid: string, distribution: number, value: string) => {
      const made = await call(i, key, 'POST', '/events/add', { Event: { uuid, info: `event ${value}`, distribution, Attribute: [{ type: 'ip-dst', value }] } });
      ids[uuid] = { event: made.body.Event.id, attribute: made.body.Event.Attribute[0].id };
    };
    await add(i.alice, A, 1, '203.0.113.10');
    await add(i.alice, B, 1, '203.0.113.11');
    await add(i.bob, HIDDEN, 0, '203.0.113.12');
    assert.equal((await call(i, i.alice, 'POST', `/sightings/add/${ids[A]!.attribute}`, {})).status, 200);
    assert.equal((await call(i, i.alice, 'POST', `/sightings/add/${ids[B]!.attribute}`, { source: 'Testcases', type: '1' })).status, 200);
    assert.equal((await call(i, i.bob, 'POST', `/sightings/add/${ids[HIDDEN]!.attribute}`, { source: 'Testcases' })).status, 200);
    assert.equal((await call(i, i.bob, 'POST', `/sightings/add/${ids[A]!.attribute}`, { source: 'bob' })).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const search = async (key: string, body: unknown, path = '/sightings/restSearch') => {
    const r = await call(i, key, 'POST', path, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.response as Found[];
  };

  it('answers MISP\'s {response: [{Sighting}]} with the attribute and event when asked, only what the user may see', async () => {
    const all = await search(i.alice, { returnFormat: 'json', includeAttribute: true, includeEvent: true });
    assert.deepEqual(all.map((s) => s.Sighting.value).sort(), ['203.0.113.10', '203.0.113.10', '203.0.113.11'],
      "Alice sees her events' sightings (Bob's on her event too) and nothing of Bob's organisation-only event");
    const first = all.find((s) => s.Sighting.attribute_id === ids[A]!.attribute)!;
    assert.equal(first.Sighting.Attribute!.id, ids[A]!.attribute);
    assert.equal(first.Sighting.Event!.id, ids[A]!.event);
    assert.equal(first.Sighting.Event!.Orgc.name, 'Org A');
    const bob = await search(i.bob, {});
    assert.deepEqual(bob.map((s) => s.Sighting.source).sort(), ['Testcases', 'bob'],
      "Bob sees his own sightings, not Org A's sightings on Org A's events (MISP's default policy)");
    assert.equal(bob[0]!.Sighting.Attribute, undefined, 'no attribute unless asked');
  });

  it('filters by source, type, organisation, time and context', async () => {
    assert.deepEqual((await search(i.alice, { source: 'Testcases' })).map((s) => s.Sighting.attribute_id), [ids[B]!.attribute]);
    assert.deepEqual((await search(i.alice, { type: '1' })).map((s) => s.Sighting.attribute_id), [ids[B]!.attribute]);
    assert.equal((await search(i.admin, { source: 'Testcases' })).length, 2, 'a site admin sees every sighting');
    const orgB = (await search(i.admin, { source: 'bob', includeEvent: true }))[0]!.Sighting.org_id;
    assert.deepEqual((await search(i.alice, { org_id: orgB })).map((s) => s.Sighting.source), ['bob']);
    assert.equal((await search(i.alice, { org_id: `!${orgB}` })).length, 2);
    assert.equal((await search(i.alice, { last: Math.floor(Date.now() / 1000) + 100 })).length, 0, 'none after a time to come');
    assert.equal((await search(i.alice, { from: 1, to: 2 })).length, 0);
    assert.equal((await search(i.alice, { last: '1d' })).length, 3);
    assert.equal((await search(i.alice, { last: Date.now() / 1000 - 3600 })).length, 3, 'epoch seconds with a fraction, as PyMISP sends a datetime');
    const byEvent = await search(i.alice, { id: Number(ids[A]!.event) }, '/sightings/restSearch/event');
    assert.deepEqual(byEvent.map((s) => s.Sighting.event_id), [ids[A]!.event, ids[A]!.event]);
    const byAttribute = await search(i.alice, { context: 'attribute', id: ids[B]!.attribute });
    assert.deepEqual(byAttribute.map((s) => s.Sighting.attribute_id), [ids[B]!.attribute]);
    assert.equal((await search(i.alice, { id: Number(ids[HIDDEN]!.event) }, '/sightings/restSearch/event')).length, 0, "Bob's hidden event gives nothing");
    const noId = await call(i, i.alice, 'POST', '/sightings/restSearch/event', {});
    assert.equal(noId.status, 400);
    assert.equal(noId.body.message, 'An ID or UUID must be provided if the context is set.');
    assert.equal((await call(i, i.alice, 'POST', '/sightings/restSearch', { context: 'org', id: 1 })).status, 400);
  });

  it('lists sightings with id, context and org_id in the body, and deletes one of the user\'s organisation', async () => {
    const listed = await call(i, i.alice, 'POST', '/sightings/listSightings', { context: 'attribute', id: Number(ids[A]!.attribute) });
    assert.equal(listed.body.length, 2);
    const orgB = listed.body.find((s: Found) => s.Sighting.source === 'bob').Sighting.org_id;
    const ofB = await call(i, i.alice, 'POST', '/sightings/listSightings', { context: 'attribute', id: ids[A]!.attribute, org_id: orgB });
    assert.deepEqual(ofB.body.map((s: Found) => s.Sighting.source), ['bob']);
    const bobs = ofB.body[0].Sighting.id;
    assert.equal((await call(i, i.alice, 'POST', `/sightings/delete/${bobs}`)).status, 404, "Alice may not delete Org B's sighting");
    const deleted = await call(i, i.bob, 'POST', `/sightings/delete/${bobs}`);
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.message, 'Sighting successfully deleted.');
    assert.equal((await call(i, i.bob, 'POST', `/sightings/delete/${bobs}`)).status, 404);
    assert.equal((await call(i, i.alice, 'POST', '/sightings/listSightings', { context: 'attribute', id: ids[A]!.attribute })).body.length, 1);
  });

  it('takes a list for a body to sightings/add as MISP: the attribute in the address, with the defaults', async () => {
    const r = await call(i, i.alice, 'POST', `/sightings/add/${ids[B]!.attribute}`, [{ id: '1', source: 'ignored' }]);
    assert.equal(r.status, 200);
    assert.equal(r.body.Sighting.source, '');
  });
});
