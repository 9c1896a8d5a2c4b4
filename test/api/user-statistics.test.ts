import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const SHARED = 'cb000000-0000-4000-8000-000000000001';
const PRIVATE = 'cb000000-0000-4000-8000-000000000002';

forEachDialect('REST API: users/statistics and tags/tagStatistics count what the caller may see', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
    await makeTags(i, ['tlp:green', 'campaign', 'secret-op']);
    // Alice's organisation shares one event with everyone and keeps one to itself.
    await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: SHARED, info: 'shared', distribution: 3, Tag: [{ name: 'tlp:green' }, { name: 'campaign' }],
      Attribute: [{ type: 'ip-dst', value: '198.51.100.1' }, { type: 'text', value: 'note' }] } });
    await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: PRIVATE, info: 'private', distribution: 0, Tag: [{ name: 'secret-op' }],
      Attribute: [{ type: 'ip-dst', value: '198.51.100.2' }, { type: 'domain', value: 'hidden.example' }] } });
    await call(i, i.alice, 'POST', '/sightings/add', { value: '198.51.100.1', source: 'sensor-a' });
    await call(i, i.alice, 'POST', '/sightings/add', { value: '198.51.100.2' });
    await call(i, i.bob, 'POST', '/sightings/add', { value: '198.51.100.1', type: 1 });
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const stats = async (key: string, context: string) => {
    const r = await call(i, key, 'GET', `/users/statistics/${context}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  it('data: events and attributes as far as the caller sees them, counts as strings', async () => {
    const alice = (await stats(i.alice, 'data')).stats;
    assert.equal(alice.event_count, '2');
    assert.equal(alice.attribute_count, '4');
    assert.equal(alice.attributes_per_event, '2');
    const bob = (await stats(i.bob, 'data')).stats;
    assert.equal(bob.event_count, '1', 'the event kept to Org A is not counted for Org B');
    assert.equal(bob.attribute_count, '2');
    assert.equal(bob.contributing_org_count, '1');
    assert.equal(typeof bob.user_count, 'string');
    assert.deepEqual(await stats(i.bob, ''), await stats(i.bob, 'data'), 'data is the default page');
  });

  it('orgs: the local organisations by name, their users and the events of theirs the caller sees', async () => {
    const bob = await stats(i.bob, 'orgs');
    assert.ok('Org A' in bob && 'Org B' in bob, Object.keys(bob).join());
    assert.equal(bob['Org A'].eventCount, '1');
    assert.equal(bob['Org A'].attributeCount, '2');
    assert.equal(bob['Org A'].userCount, '1');
    assert.equal((await stats(i.alice, 'orgs'))['Org A'].eventCount, '2');
    assert.equal((await call(i, i.bob, 'GET', '/users/statistics/orgs?scope=nowhere')).status, 403);
  });

  it('users: users and organisations made in all, this month and this year', async () => {
    const body = await stats(i.bob, 'users');
    assert.deepEqual(Object.keys(body), ['user', 'org_local', 'org_external']);
    assert.ok(body.user.data.total >= 3);
    assert.equal(body.user.data.month, body.user.data.total, 'every user was made now');
    assert.deepEqual(Object.keys(body.org_local.data), ['total', 'month', 'year']);
  });

  it('tags: event tags by enabled taxonomy (else custom), as flat data and a tree', async () => {
    const bob = await stats(i.bob, 'tags');
    assert.deepEqual(Object.keys(bob), ['flatData', 'treemap']);
    assert.deepEqual(bob.flatData, { tlp: { 'tlp:green': { name: 'tlp:green', size: 1 } }, custom: { campaign: { name: 'campaign', size: 1 } } });
    assert.equal(bob.treemap.name, 'tags');
    assert.ok(!JSON.stringify(bob).includes('secret-op'), 'a tag only on an event he may not see is not shown');
    assert.ok(JSON.stringify(await stats(i.alice, 'tags')).includes('secret-op'));
  });

  it('attributehistogram: attribute types for all and per creator organisation, what the caller sees', async () => {
    const bob = await stats(i.bob, 'attributehistogram');
    assert.deepEqual(bob, [
      { data: { 'ip-dst': '1', text: '1' }, org_name: 'All organisations', total: 2 },
      { data: { 'ip-dst': '1', text: '1' }, org_name: 'Org A', total: 2 },
    ]);
    assert.equal((await stats(i.alice, 'attributehistogram'))[0].total, 4);
  });

  it('sightings: those of the caller\'s organisation, by source', async () => {
    const alice = await stats(i.alice, 'sightings');
    assert.deepEqual(Object.keys(alice), ['toplist', 'eventids']);
    assert.deepEqual(alice.toplist, { 'sensor-a': 1, Undefined: 1 });
    assert.deepEqual(Object.keys(alice.eventids.Undefined), ['sighting']);
    const bob = await stats(i.bob, 'sightings');
    assert.deepEqual(bob.toplist, { Undefined: 1 });
    assert.deepEqual(Object.keys(bob.eventids.Undefined), ['false-positive']);
  });

  it('answers 404 for a page it does not offer', async () => {
    assert.equal((await call(i, i.bob, 'GET', '/users/statistics/galaxyMatrix')).status, 404);
  });

  it('tags/tagStatistics counts enabled taxonomies (TLP and PAP here) over the events the caller sees', async () => {
    const bob = (await call(i, i.bob, 'GET', '/tags/tagStatistics/false/true')).body;
    assert.deepEqual(bob, { tags: { campaign: '1', 'tlp:green': '1' }, taxonomies: { PAP: '0', tlp: '1' } });
    await call(i, i.admin, 'POST', '/taxonomies/disable/tlp', {});
    await call(i, i.admin, 'POST', '/taxonomies/disable/PAP', {});
    const none = (await call(i, i.bob, 'GET', '/tags/tagStatistics/true/true')).body;
    assert.deepEqual(none, { tags: { campaign: '50%', 'tlp:green': '50%' }, taxonomies: [] }, 'no enabled taxonomy: an empty list, as MISP');
  });
});
