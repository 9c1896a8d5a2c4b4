import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { call, makeTags, serve } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const EVENT_UUID = '5e000000-0000-4000-8000-000000000001';

forEachDialect('REST API: handshake and events', (fixture) => {
  const servers: FastifyInstance[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await fixture.cleanup();
  });

  it("answers PyMISP's handshake, and refuses a missing or wrong key in MISP's shape", async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const v = await call(i, i.admin, 'GET', '/servers/getVersion');
    assert.equal(v.status, 200);
    assert.match(v.body.version, /^2\.\d+\.\d+$/);
    assert.equal(v.body.perm_sync, true);
    const me = await call(i, i.alice, 'GET', '/users/view/me');
    assert.equal(me.body.User.email, 'alice@a.test');
    assert.equal(me.body.Role.name, 'User');
    assert.equal(me.body.Role.perm_site_admin, false);
    assert.equal(me.body.Role.perm_add, true);
    assert.equal(me.body.Organisation.name, 'Org A');
    const types = await call(i, i.alice, 'GET', '/attributes/describeTypes.json');
    assert.equal(types.body.result.sane_defaults.md5.default_category, 'Payload delivery');
    assert.ok(types.body.result.category_type_mappings['Network activity'].includes('ip-dst'));
    for (const key of [null, 'x'.repeat(40), 'short']) {
      const r = await call(i, key, 'GET', '/users/view/me');
      assert.equal(r.status, 403);
      assert.match(r.body.message, /Authentication failed/);
      assert.equal(r.body.url, '/users/view/me');
    }
    const missing = await call(i, i.admin, 'GET', '/no/such/route');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.url, '/no/such/route');
    const bad = await call(i, i.admin, 'POST', '/events/add', '{"Event": ');
    assert.equal(bad.status, 400);
    assert.equal(typeof bad.body.message, 'string');
  });

  it('adds an event as its organisation, lists each rejected attribute, and views it', async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    await makeTags(i, ['tlp:amber']);
    const added = await call(i, i.alice, 'POST', '/events/add', {
      Event: {
        uuid: EVENT_UUID, info: 'Phishing wave', distribution: 0, threat_level_id: 2,
        Orgc: { name: 'Somebody else', uuid: 'ffffffff-0000-4000-8000-000000000000' },
        Attribute: [{ type: 'domain', value: 'Evil.Example' }, { type: 'md5', value: 'not-a-hash' }, { type: 'ip-dst', value: '198.51.100.9' }],
        Tag: [{ name: 'tlp:amber' }, { name: 'misp-galaxy:threat-actor="Sofacy"' }, { name: 'misp-galaxy:threat-actor="APT29"' }],
      },
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body.Event.Galaxy.map((g: { type: string; GalaxyCluster: Array<{ value: string }> }) => [g.type, g.GalaxyCluster.map((c) => c.value)]),
      [['threat-actor', ['Sofacy', 'APT29']]], 'galaxy tags are listed as galaxies, as MISP lists them');
    assert.equal(added.body.Event.uuid, EVENT_UUID);
    assert.equal(added.body.Event.Orgc.name, 'Org A', 'a user who is not a sync user creates as his own organisation');
    assert.deepEqual(added.body.Event.Attribute.map((a: { value: string }) => a.value), ['evil.example', '198.51.100.9']);
    assert.equal(added.body.errors.length, 1);
    assert.match(added.body.errors[0], /not-a-hash/);
    const again = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: EVENT_UUID, info: 'again' } });
    assert.equal(again.status, 404, 'MISP answers an existing uuid with 404 and where the event is');
    assert.match(again.body.message, /Event already exists/);
    const noInfo = await call(i, i.alice, 'POST', '/events/add', { Event: { info: ' ' } });
    assert.equal(noInfo.status, 403);
    assert.ok(noInfo.body.errors.info, JSON.stringify(noInfo.body));

    const view = await call(i, i.alice, 'GET', `/events/view/${EVENT_UUID}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.Event.info, 'Phishing wave');
    assert.equal(view.body.Event.id, added.body.Event.id);
    assert.deepEqual(view.body.Event.Tag.map((t: { name: string }) => t.name), ['tlp:amber', 'misp-galaxy:threat-actor="Sofacy"', 'misp-galaxy:threat-actor="APT29"']);
    assert.equal((await call(i, i.alice, 'GET', `/events/view/${view.body.Event.id}`)).status, 200, 'by id too');
  });

  it('shows an organisation-only event to its organisation and site admins alone, everywhere', async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const secret = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: EVENT_UUID, info: 'Org A only', distribution: 0,
      Attribute: [{ type: 'domain', value: 'shared.example' }, { type: 'domain', value: 'own.example', distribution: 0 }] } });
    const open = await call(i, i.bob, 'POST', '/events/add', { Event: { info: 'Org B, shared', distribution: 3,
      Attribute: [{ type: 'domain', value: 'shared.example' }, { type: 'domain', value: 'own.example', distribution: 0 }] } });
    assert.equal(secret.status, 200);
    assert.equal(open.status, 200);

    assert.equal((await call(i, i.bob, 'GET', `/events/view/${EVENT_UUID}`)).status, 404, 'not even its existence');
    assert.equal((await call(i, i.bob, 'GET', `/events/view/${secret.body.Event.id}`)).status, 404);
    assert.equal((await call(i, i.admin, 'GET', `/events/view/${EVENT_UUID}`)).status, 200);

    const bobIndex = (await call(i, i.bob, 'GET', '/events/index')).body as Array<{ info: string }>;
    assert.deepEqual(bobIndex.map((e) => e.info), ['Org B, shared']);
    const aliceIndex = (await call(i, i.alice, 'GET', '/events/index')).body as Array<{ info: string; attribute_count: string }>;
    assert.deepEqual(aliceIndex.map((e) => [e.info, e.attribute_count]), [['Org B, shared', '1'], ['Org A only', '2']],
      "the count leaves out Org B's organisation-only attribute");
    const adminIndex = (await call(i, i.admin, 'GET', '/events/index?limit=1&page=2')).body as Array<{ info: string }>;
    assert.deepEqual(adminIndex.map((e) => e.info), ['Org A only']);

    const bobView = (await call(i, i.bob, 'GET', `/events/view/${open.body.Event.id}`)).body;
    assert.deepEqual(bobView.Event.RelatedEvent, [], "Org A's event is not named to Org B");
    const aliceView = (await call(i, i.alice, 'GET', `/events/view/${open.body.Event.id}`)).body;
    assert.deepEqual(aliceView.Event.Attribute.map((a: { value: string }) => a.value), ['shared.example']);
    assert.deepEqual(aliceView.Event.RelatedEvent.map((r: { Event: { info: string } }) => r.Event.info), ['Org A only']);
    assert.equal((await call(i, i.alice, 'GET', '/events/index?limit=0')).status, 400);
  });

  it('stores concurrent adds, each whole, and one event per uuid', async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const adds = await Promise.all(Array.from({ length: 12 }, (_, n) => call(i, n % 2 ? i.alice : i.bob, 'POST', '/events/add', {
      Event: { uuid: n < 2 ? EVENT_UUID : undefined, info: `Concurrent ${n}`, distribution: 3, Attribute: [{ type: 'domain', value: `n${n}.example` }, { type: 'domain', value: 'all.example' }] },
    })));
    // The refusal is MISP's 404 with Location once the first is visible, a 403 while it is still being written.
    const statuses = adds.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 11, 'the second event with one uuid is refused');
    assert.ok(statuses.some((s) => s === 403 || s === 404));
    const index = (await call(i, i.admin, 'GET', '/events/index')).body as Array<{ attribute_count: string }>;
    assert.equal(index.length, 11);
    assert.ok(index.every((e) => e.attribute_count === '2'));
    const one = adds.find((a) => a.status === 200)!;
    const view = await call(i, i.admin, 'GET', `/events/view/${one.body.Event.id}`);
    assert.equal(view.body.Event.RelatedEvent.length, 10, 'all.example links every other event');
  });

  it('deletes an event for its organisation or a site admin only', async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const made = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: EVENT_UUID, info: 'To delete', distribution: 3,
      Attribute: [{ type: 'domain', value: 'gone.example' }] } });
    const other = await call(i, i.bob, 'POST', '/events/add', { Event: { info: 'Stays', distribution: 3, Attribute: [{ type: 'domain', value: 'gone.example' }] } });
    assert.equal((await call(i, i.bob, 'GET', `/events/view/${other.body.Event.id}`)).body.Event.RelatedEvent.length, 1);
    const refused = await call(i, i.bob, 'POST', `/events/delete/${made.body.Event.id}`);
    assert.equal(refused.status, 403);
    const done = await call(i, i.alice, 'DELETE', `/events/delete/${EVENT_UUID}`);
    assert.equal(done.status, 200);
    assert.equal(done.body.message, 'Event deleted.');
    assert.equal((await call(i, i.alice, 'GET', `/events/view/${EVENT_UUID}`)).status, 404);
    assert.equal((await call(i, i.alice, 'DELETE', `/events/delete/${EVENT_UUID}`)).status, 404);
    assert.deepEqual((await call(i, i.bob, 'GET', `/events/view/${other.body.Event.id}`)).body.Event.RelatedEvent, [], 'no correlation to a deleted event');
  });
});
