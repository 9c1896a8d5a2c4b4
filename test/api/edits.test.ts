import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { call, makeTags, serve } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const EVENT = 'ed000000-0000-4000-8000-000000000001';

forEachDialect('REST API: edits and attributes', (fixture) => {
  const servers: FastifyInstance[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await fixture.cleanup();
  });

  async function setUp() {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    await makeTags(i, ['tlp:green']);
    const made = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: EVENT, info: 'First title', distribution: 1, timestamp: '1000',
      Tag: [{ name: 'tlp:green' }], Attribute: [{ uuid: 'ed000000-0000-4000-8000-0000000000a1', type: 'domain', value: 'one.example', timestamp: '1000' }] } });
    assert.equal(made.status, 200);
    return { i, id: made.body.Event.id as string };
  }

  it('edits an event: newer fields replace, tags stay unless given, and only its organisation may', async () => {
    const { i, id } = await setUp();
    const edited = await call(i, i.alice, 'POST', `/events/edit/${id}`, { Event: { info: 'Better title', threat_level_id: '1',
      Attribute: [{ uuid: 'ed000000-0000-4000-8000-0000000000a1', type: 'domain', value: 'one.example', comment: 'confirmed' }, { type: 'ip-dst', value: '192.0.2.77' }] } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.Event.info, 'Better title');
    assert.equal(edited.body.Event.uuid, EVENT);
    assert.ok(Number(edited.body.Event.timestamp) > 1000);
    assert.deepEqual(edited.body.Event.Tag.map((t: { name: string }) => t.name), ['tlp:green']);
    assert.deepEqual(edited.body.Event.Attribute.map((a: { value: string; comment: string }) => [a.value, a.comment]), [['one.example', 'confirmed'], ['192.0.2.77', '']]);
    assert.equal((await call(i, i.bob, 'POST', `/events/edit/${id}`, { Event: { info: 'Hijacked' } })).status, 403);
    assert.equal((await call(i, i.admin, 'PUT', `/events/edit/${id}`, { Event: { info: 'By the admin', Tag: [] } })).body.Event.Tag.length, 0);
    assert.equal((await call(i, i.alice, 'POST', '/events/edit/99999', { Event: { info: 'x' } })).status, 404);
  });

  it('edits an attribute: the fields named change, the rest and its tags stay, its correlations follow its value', async () => {
    const { i } = await setUp();
    const uuid = 'ed000000-0000-4000-8000-0000000000a1';
    await call(i, i.admin, 'POST', '/tags/attachTagToObject', { uuid, tag: 'kill-chain:c2' });
    await call(i, i.bob, 'POST', '/events/add', { Event: { info: 'Elsewhere', distribution: 1, Attribute: [{ type: 'domain', value: 'two.example' }] } });
    assert.equal((await call(i, i.bob, 'POST', `/attributes/edit/${uuid}`, { comment: 'mine' })).status, 403);
    const edited = await call(i, i.alice, 'POST', `/attributes/edit/${uuid}`, { Attribute: { value: 'two.example', to_ids: false } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual([edited.body.Attribute.value, edited.body.Attribute.to_ids, edited.body.Attribute.category], ['two.example', false, 'Network activity']);
    const related = (await call(i, i.alice, 'POST', '/attributes/restSearch', { value: 'two.example', includeCorrelations: 1 })).body.response.Attribute;
    assert.equal(related.find((a: { uuid: string }) => a.uuid === uuid).RelatedAttribute.length, 1, 'it now correlates with bob\'s event');
    const tags = (await call(i, i.alice, 'GET', `/events/view/${EVENT}`)).body.Event.Attribute[0].Tag.map((t: { name: string }) => t.name);
    assert.deepEqual(tags, ['kill-chain:c2']);
    const bad = await call(i, i.alice, 'POST', `/attributes/edit/${uuid}`, { value: 'not a domain!' });
    assert.equal(bad.status, 403);
    assert.deepEqual(Object.keys(bad.body.errors), ['value']);
  });

  it('publishes and unpublishes for a publisher of the event\'s organisation', async () => {
    const { i, id } = await setUp();
    assert.equal((await call(i, i.alice, 'POST', `/events/publish/${id}`)).status, 403, 'a User may not publish');
    assert.equal((await call(i, i.bob, 'POST', `/events/publish/${id}`)).status, 403);
    const done = await call(i, i.admin, 'POST', `/events/publish/${EVENT}`);
    assert.equal(done.status, 200);
    assert.equal(done.body.id, id);
    const view = (await call(i, i.alice, 'GET', `/events/view/${id}`)).body.Event;
    assert.equal(view.published, true);
    assert.ok(Number(view.publish_timestamp) > 0);
    assert.equal((await call(i, i.admin, 'POST', `/events/unpublish/${id}`)).body.message, 'Event unpublished.');
    assert.equal((await call(i, i.alice, 'GET', `/events/view/${id}`)).body.Event.published, false);
    assert.equal((await call(i, i.admin, 'POST', '/events/publish/424242')).status, 404);
  });

  it("hides an organisation-only object's attributes from other organisations, in search and views", async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const made = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Shared event, private object', distribution: 3,
      Attribute: [{ type: 'domain', value: 'public.example' }],
      Object: [{ name: 'file', distribution: 0, Attribute: [{ type: 'md5', object_relation: 'md5', value: 'e'.repeat(32), distribution: 5 }] }] } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const values = async (key: string) => ((await call(i, key, 'POST', '/attributes/restSearch', {})).body.response.Attribute as Array<{ value: string }>).map((a) => a.value);
    assert.deepEqual(await values(i.alice), ['public.example', 'e'.repeat(32)]);
    assert.deepEqual(await values(i.bob), ['public.example']);
    const view = await call(i, i.bob, 'GET', `/events/view/${made.body.Event.id}`);
    assert.deepEqual(view.body.Event.Object ?? [], []);
    const index = (await call(i, i.bob, 'GET', '/events/index')).body as Array<{ attribute_count: string }>;
    assert.equal(index[0]!.attribute_count, '1');
  });

  it('adds attributes to an event, one or a list, views them and deletes them softly or for good', async () => {
    const { i, id } = await setUp();
    const one = await call(i, i.alice, 'POST', `/attributes/add/${id}`, { type: 'md5', value: 'D41D8CD98F00B204E9800998ECF8427E', to_ids: true });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.Attribute.value, 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(one.body.Attribute.event_id, id);
    const many = await call(i, i.alice, 'POST', `/attributes/add/${EVENT}`, [{ type: 'domain', value: 'two.example' }, { type: 'md5', value: 'nope' }]);
    assert.equal(many.status, 200);
    assert.equal(many.body.Attribute.value, 'two.example', 'one attribute saved answers alone, as MISP');
    assert.match(many.body.errors.attribute_1.value[0], /nope/);
    const bad = await call(i, i.alice, 'POST', `/attributes/add/${id}`, { type: 'no-such-type', value: 'x' });
    assert.equal(bad.status, 403);
    assert.ok(Object.keys(bad.body.errors).length > 0);
    assert.equal((await call(i, i.bob, 'POST', `/attributes/add/${id}`, { type: 'domain', value: 'bob.example' })).status, 403);

    const view = await call(i, i.bob, 'GET', `/attributes/view/${one.body.Attribute.id}`);
    assert.equal(view.body.Attribute.uuid, one.body.Attribute.uuid, 'a community event is visible to another organisation');
    assert.equal((await call(i, i.alice, 'GET', `/attributes/view/${one.body.Attribute.uuid}`)).body.Attribute.type, 'md5');

    assert.equal((await call(i, i.bob, 'POST', `/attributes/delete/${one.body.Attribute.id}`)).status, 403);
    assert.equal((await call(i, i.alice, 'POST', `/attributes/delete/${one.body.Attribute.id}`)).body.message, 'Attribute deleted.');
    const soft = await call(i, i.alice, 'GET', `/attributes/view/${one.body.Attribute.id}`);
    assert.equal(soft.body.Attribute.deleted, true, 'a soft delete keeps the attribute, marked');
    const search = await call(i, i.alice, 'POST', '/attributes/restSearch', { eventid: id });
    assert.deepEqual(search.body.response.Attribute.map((a: { value: string }) => a.value), ['one.example', 'two.example']);
    assert.equal((await call(i, i.alice, 'POST', `/attributes/delete/${many.body.Attribute.id}/1`)).status, 403, 'for good: site admins only');
    assert.equal((await call(i, i.admin, 'POST', `/attributes/delete/${many.body.Attribute.id}/1`)).status, 200);
    assert.equal((await call(i, i.admin, 'GET', `/attributes/view/${many.body.Attribute.id}`)).status, 404);
    // The owner and a site admin see the event's stored count of live attributes, kept by the deletes.
    for (const key of [i.alice, i.admin]) {
      const index = (await call(i, key, 'GET', '/events/index')).body as Array<{ attribute_count: string }>;
      assert.equal(index[0]!.attribute_count, '1');
    }
  });
});
