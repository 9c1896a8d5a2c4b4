import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const A = 'ab000000-0000-4000-8000-000000000001';
const B = 'bc000000-0000-4000-8000-000000000002';

forEachDialect('REST API: sightings', (fixture) => {
  let i: Instance;
  let attributeId: string;
  before(async () => {
    i = await serve(await fixture.open());
    const a = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: A, info: 'A', distribution: 1, Attribute: [{ type: 'ip-dst', value: '203.0.113.9' }] } });
    attributeId = a.body.Event.Attribute ? (await call(i, i.alice, 'POST', '/attributes/restSearch', { eventid: a.body.Event.id })).body.response.Attribute[0].id : '';
    await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: B, info: 'B', distribution: 0, Attribute: [{ type: 'ip-dst', value: '203.0.113.9' }] } });
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('adds sightings by value (every attribute the user may see), by id, and lists them by MISP\'s default policy', async () => {
    const byValue = await call(i, i.alice, 'POST', '/sightings/add', { value: '203.0.113.9', source: 'sensor-1' });
    assert.equal(byValue.status, 200);
    assert.equal(byValue.body.Sighting.source, 'sensor-1', "only Org A's attribute: Org B's event is hidden from Alice");
    const bob = await call(i, i.bob, 'POST', '/sightings/add', { value: '203.0.113.9', type: 1 });
    assert.equal(bob.body.message, '2 sightings successfully added.');
    assert.equal((await call(i, i.bob, 'POST', `/sightings/add/${attributeId}`, { type: 7 })).status, 403);
    assert.equal((await call(i, i.alice, 'POST', '/sightings/add', { value: '198.51.100.1' })).status, 404);

    const forAlice = await call(i, i.alice, 'POST', `/sightings/listSightings/${attributeId}/attribute`);
    assert.deepEqual(forAlice.body.map((s: { Sighting: { type: string } }) => s.Sighting.type), ['0', '1'], 'all sightings of her own event');
    const forBob = await call(i, i.bob, 'POST', `/sightings/listSightings/${attributeId}/attribute`);
    assert.deepEqual(forBob.body.map((s: { Sighting: { type: string } }) => s.Sighting.type), ['1'], "not Org A's own sighting on Org A's event");
    const view = await call(i, i.bob, 'GET', `/events/view/${A}`);
    assert.equal(view.body.Event.Attribute[0].Sighting.length, 1, 'nor in the event view');
    assert.equal((await call(i, i.alice, 'POST', `/sightings/listSightings/${B}/event`)).status, 404);
  });
});
