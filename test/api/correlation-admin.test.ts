import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { saveWarninglists } from '../../src/store/libraries/warninglists.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const A = 'ca000000-0000-4000-8000-000000000001';
const B = 'ca000000-0000-4000-8000-000000000002';

forEachDialect('REST API: tag administration, correlation exclusions and warninglists', (fixture) => {
  let i: Instance;
  before(async () => {
    const store = await fixture.open();
    await saveWarninglists(store, [
      { name: 'resolvers', description: 'Public DNS resolvers', version: 3, type: 'cidr', matchingAttributes: ['ip-dst', 'ip-src'], list: ['8.8.8.0/24'] },
      { name: 'big sites', description: '', version: 1, type: 'hostname', matchingAttributes: ['domain', 'url'], list: ['example.com'] },
    ], false);
    i = await serve(store);
    await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: A, info: 'A', distribution: 1, Attribute: [{ type: 'domain', value: 'shared.example' }, { type: 'domain', value: 'cdn.example' }] } });
    await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: B, info: 'B', distribution: 1, Attribute: [{ type: 'domain', value: 'shared.example' }, { type: 'domain', value: 'cdn.example' }] } });
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const related = async () => ((await call(i, i.alice, 'GET', `/events/view/${A}`)).body.Event.RelatedEvent as unknown[]).length;
  const shared = async () => (await call(i, i.alice, 'POST', '/attributes/restSearch', { eventid: undefined, uuid: A, includeCorrelations: 1 })).body.response.Attribute
    .filter((a: { RelatedAttribute: unknown[] }) => a.RelatedAttribute.length > 0).map((a: { value: string }) => a.value).sort();

  it('adds, edits and deletes tags for those allowed to', async () => {
    assert.equal((await call(i, i.alice, 'POST', '/tags/add', { name: 'mine' })).status, 403, 'a User is no tag editor');
    const made = await call(i, i.admin, 'POST', '/tags/add', { Tag: { name: 'campaign:x', colour: '#ff0000' } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.Tag.colour, '#ff0000');
    assert.deepEqual(Object.keys((await call(i, i.admin, 'POST', '/tags/add', { name: 'campaign:x' })).body.errors), ['name']);
    assert.deepEqual(Object.keys((await call(i, i.admin, 'POST', `/tags/edit/${made.body.Tag.id}`, { colour: 'red' })).body.errors), ['colour']);
    assert.equal((await call(i, i.admin, 'POST', `/tags/edit/${made.body.Tag.id}`, { Tag: { name: 'campaign:y' } })).body.Tag.name, 'campaign:y');
    await call(i, i.admin, 'POST', '/tags/attachTagToObject', { uuid: A, tag: 'campaign:y' });
    assert.equal((await call(i, i.alice, 'GET', `/tags/view/${made.body.Tag.id}`)).body.count, 1);
    assert.equal((await call(i, i.alice, 'POST', `/tags/delete/${made.body.Tag.id}`)).status, 403);
    assert.equal((await call(i, i.admin, 'POST', `/tags/delete/${made.body.Tag.id}`)).body.message, 'Tag deleted.');
    assert.deepEqual((await call(i, i.alice, 'GET', `/events/view/${A}`)).body.Event.Tag, [], 'it leaves every event it was on');
  });

  it('takes values out of correlation while an exclusion stands', async () => {
    assert.deepEqual(await shared(), ['cdn.example', 'shared.example']);
    assert.equal((await call(i, i.alice, 'POST', '/correlation_exclusions/add', { value: 'cdn.%' })).status, 403);
    const made = await call(i, i.admin, 'POST', '/correlation_exclusions/add', { CorrelationExclusion: { value: 'cdn.%', comment: 'CDNs' } });
    assert.equal(made.body.CorrelationExclusion.value, 'cdn.%');
    assert.deepEqual(await shared(), ['shared.example']);
    assert.equal((await call(i, i.admin, 'GET', '/correlation_exclusions/index')).body.length, 1);
    assert.equal((await call(i, i.admin, 'POST', `/correlation_exclusions/delete/${made.body.CorrelationExclusion.id}`)).body.saved, true);
    assert.deepEqual(await shared(), ['cdn.example', 'shared.example']);
    assert.equal(await related(), 1);
  });

  it('lists warninglists, turns them on for those allowed to, and checks values against the enabled ones', async () => {
    const lists = (await call(i, i.alice, 'GET', '/warninglists/index')).body.Warninglists;
    assert.deepEqual(lists.map((l: { Warninglist: { name: string; enabled: boolean } }) => [l.Warninglist.name, l.Warninglist.enabled]), [['big sites', false], ['resolvers', false]]);
    assert.deepEqual(await (await call(i, i.alice, 'POST', '/warninglists/checkValue', ['8.8.8.8'])).body, {});
    assert.equal((await call(i, i.alice, 'POST', '/warninglists/toggleEnable', { name: 'resolvers' })).status, 403);
    const on = await call(i, i.admin, 'POST', '/warninglists/toggleEnable', { id: lists.map((l: { Warninglist: { id: string } }) => l.Warninglist.id), enabled: true });
    assert.equal(on.body.success, '2 warninglist(s) enabled');
    const hits = (await call(i, i.alice, 'POST', '/warninglists/checkValue', ['8.8.8.8', 'www.example.com', 'innocent.example'])).body;
    assert.deepEqual(Object.keys(hits).sort(), ['8.8.8.8', 'www.example.com']);
    assert.equal(hits['8.8.8.8'][0].name, 'resolvers');
    assert.equal((await call(i, i.alice, 'POST', '/warninglists/checkValue', { value: 12 })).status, 200);
    assert.equal((await call(i, i.alice, 'POST', '/warninglists/checkValue', { value: [{}] })).status, 400);
    assert.equal((await call(i, i.admin, 'POST', '/warninglists/toggleEnable', { name: 'nope' })).status, 404);
  });

  it('flips each list named when toggleEnable has no `enabled`, as MISP', async () => {
    const ids = (await call(i, i.alice, 'GET', '/warninglists/index')).body.Warninglists.map((l: { Warninglist: { id: string } }) => l.Warninglist.id);
    await call(i, i.admin, 'POST', '/warninglists/toggleEnable', { id: ids, enabled: true });
    assert.deepEqual((await call(i, i.admin, 'POST', '/warninglists/toggleEnable', { name: 'resolvers' })).body, { saved: true, success: '1 warninglist(s) disabled' });
    assert.deepEqual((await call(i, i.admin, 'POST', '/warninglists/toggleEnable', { id: ids })).body, { saved: true, success: '2 warninglist(s) toggled' });
    const states = (await call(i, i.alice, 'GET', '/warninglists/index')).body.Warninglists.map((l: { Warninglist: { name: string; enabled: boolean } }) => [l.Warninglist.name, l.Warninglist.enabled]);
    assert.deepEqual(states, [['big sites', false], ['resolvers', true]], 'each list took the other state');
  });

  it('refuses an attribute on an enabled warninglist when attributes/add enforces the lists', async () => {
    const refusal = 'Attribute could not be saved as it trips over a warninglist and enforceWarninglist is enforced.';
    const one = await call(i, i.alice, 'POST', `/attributes/add/${A}`, { type: 'ip-src', value: '8.8.8.8', enforceWarninglist: true });
    assert.equal(one.status, 403);
    assert.equal(one.body.errors, refusal);
    const byParameter = await call(i, i.alice, 'POST', `/attributes/add/${A}?enforceWarninglist=1`, { type: 'ip-dst', value: '8.8.8.7' });
    assert.equal(byParameter.body.errors, refusal);
    const two = await call(i, i.alice, 'POST', `/attributes/add/${A}`, [
      { type: 'ip-src', value: '8.8.8.9', enforceWarninglist: 1 }, { type: 'ip-src', value: '192.0.2.1', enforceWarninglist: 1 },
    ]);
    assert.equal(two.status, 200);
    assert.deepEqual(two.body.Attribute.value, '192.0.2.1');
    assert.equal(two.body.errors.attribute_0, refusal);
    assert.equal((await call(i, i.alice, 'POST', `/attributes/add/${A}`, { type: 'ip-src', value: '8.8.8.8', enforceWarninglist: '0' })).status, 200, 'not enforced: saved');
  });
});
