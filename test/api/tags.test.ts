import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const A = 'aa000000-0000-4000-8000-000000000001';
const SECRET = 'bb000000-0000-4000-8000-000000000002';
const ATTR = 'aa000000-0000-4000-8000-0000000000a1';

forEachDialect('REST API: tags', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
    await makeTags(i, ['tlp:green', 'secret-op']);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: A, info: 'Shared', distribution: 1, Tag: [{ name: 'tlp:green' }],
      Attribute: [{ uuid: ATTR, type: 'domain', value: 'x.example' }] } })).status, 200);
    assert.equal((await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: SECRET, info: 'Org B only', distribution: 0, Tag: [{ name: 'tlp:green' }, { name: 'secret-op' }] } })).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const tags = async (key: string) => Object.fromEntries(((await call(i, key, 'GET', '/tags/index')).body.Tag as Array<{ name: string; count: number; attribute_count: number }>)
    .map((t) => [t.name, [t.count, t.attribute_count]]));

  it('lists tags with usage counts of only what the user may see', async () => {
    assert.deepEqual(await tags(i.alice), { 'secret-op': [0, 0], 'tlp:green': [1, 0] });
    assert.deepEqual(await tags(i.bob), { 'secret-op': [1, 0], 'tlp:green': [2, 0] });
    assert.deepEqual(await tags(i.admin), { 'secret-op': [1, 0], 'tlp:green': [2, 0] });
  });

  it('attaches and removes tags on events and attributes, local ones on what the user may only see', async () => {
    const attach = (key: string, body: object) => call(i, key, 'POST', '/tags/attachTagToObject', body);
    assert.equal((await attach(i.alice, { uuid: ATTR, tag: 'kill-chain:c2' })).status, 403, 'a User may not create tags');
    assert.equal((await attach(i.admin, { uuid: ATTR, tag: 'kill-chain:c2' })).body.saved, true);
    assert.deepEqual((await tags(i.alice))['kill-chain:c2'], [0, 1]);
    assert.equal((await attach(i.alice, { uuid: A, tag: 'kill-chain:c2' })).status, 200, 'an existing tag, on his own event');
    assert.equal((await attach(i.bob, { uuid: A, tag: 'tlp:green' })).status, 403, "a global tag on another organisation's event");
    const foreignLocal = await attach(i.bob, { uuid: A, tag: 'tlp:green', local: 1 });
    assert.equal(foreignLocal.status, 403, 'a local tag on an event of another organisation: every user would see it');
    assert.match(foreignLocal.body.message, /Local tags can only be added or removed by users of the host organisation/);
    assert.equal((await attach(i.alice, { uuid: A, tag: 'tlp:green', local: 1 })).status, 200, 'a local tag on his own event');
    assert.equal((await attach(i.admin, { uuid: SECRET, tag: 'kill-chain:c2', local: 1 })).status, 200, 'the host organisation tags locally what it sees');
    assert.equal((await attach(i.alice, { uuid: SECRET, tag: 'tlp:green', local: true })).status, 404, 'never on an event he may not see');
    assert.equal((await attach(i.alice, { uuid: 'nope', tag: 'x' })).status, 403);
    const removed = await call(i, i.alice, 'POST', '/tags/removeTagFromObject', { uuid: A, tag: 'kill-chain:c2' });
    assert.match(removed.body.message, /^Global tag kill-chain:c2 \(\d+\) successfully removed from Event\(\d+\)\.$/);
    assert.equal((await call(i, i.alice, 'POST', '/tags/removeTagFromObject', { uuid: A, tag: 'kill-chain:c2' })).status, 404);
    const view = await call(i, i.alice, 'GET', `/events/view/${A}`);
    assert.deepEqual(view.body.Event.Tag.map((t: { name: string }) => t.name), ['tlp:green']);
  });
});
