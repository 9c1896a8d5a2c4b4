import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const A = 'aa100000-0000-4000-8000-0000000000a1';

forEachDialect('REST API: role limits, the Log index, tag messages', (fixture) => {
  let i: Instance;
  let attribute: { id: string; uuid: string };
  let eventId: string;
  before(async () => {
    i = await serve(await fixture.open());
    const made = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: A, info: 'A', distribution: 1, Attribute: [{ type: 'ip-dst', value: '203.0.113.20' }] } });
    eventId = made.body.Event.id;
    attribute = made.body.Event.Attribute[0];
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it("stores and echoes a role's max_execution_time and memory_limit as MISP's Role model keeps them", async () => {
    const made = await call(i, i.admin, 'POST', '/admin/roles/add', { Role: { name: 'limited', perm_add: true } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.Role.max_execution_time, '');
    assert.equal(made.body.Role.memory_limit, '');
    const id = made.body.Role.id;
    const edited = await call(i, i.admin, 'POST', `/admin/roles/edit/${id}`, { Role: { max_execution_time: 1234, memory_limit: '2048M' } });
    assert.equal(edited.body.Role.max_execution_time, '1234');
    assert.equal(edited.body.Role.memory_limit, '2048M');
    assert.equal(edited.body.Role.perm_add, true, 'the rest of the role stays');
    const odd = await call(i, i.admin, 'POST', `/admin/roles/edit/${id}`, { memory_limit: 'lots', max_execution_time: '30s' });
    assert.equal(odd.body.Role.memory_limit, '', 'not a size: none, as MISP');
    assert.equal(odd.body.Role.max_execution_time, '30', "PHP's intval");
    const kept = await call(i, i.admin, 'POST', `/admin/roles/edit/${id}`, { name: 'limited too' });
    assert.equal(kept.body.Role.max_execution_time, '30', 'absent: kept');
    const listed = (await call(i, i.alice, 'GET', '/roles')).body.find((r: { Role: { id: string } }) => r.Role.id === id);
    assert.equal(listed.Role.max_execution_time, '30');
  });

  it("answers MISP's Log index over the audit log, for site admins and organisation admins", async () => {
    const logs = await call(i, i.admin, 'POST', '/admin/logs/index', { model: 'Event', action: 'add' });
    assert.equal(logs.status, 200, JSON.stringify(logs.body));
    assert.ok(logs.body.length >= 1);
    const entry = logs.body[0].Log;
    assert.equal(entry.model, 'Event');
    assert.equal(entry.action, 'add');
    assert.equal(entry.email, 'alice@a.test');
    assert.equal(entry.org, 'Org A');
    assert.match(entry.created, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const since = Date.now() / 1000 + 60;
    assert.deepEqual((await call(i, i.admin, 'POST', '/admin/logs/index', { model: 'Event', created: since })).body, [], 'nothing after a time to come (a fraction, as PyMISP sends)');
    assert.ok((await call(i, i.admin, 'POST', '/admin/logs/index', { model: 'Event', created: [1, since] })).body.length >= 1);
    assert.deepEqual((await call(i, i.admin, 'POST', '/admin/logs/index', { model: 'User', action: 'email' })).body, [], 'Cairn sends no e-mail, so logs none');
    assert.ok((await call(i, i.admin, 'GET', '/admin/logs/index?model=Event&limit=1')).body.length === 1);
    assert.deepEqual((await call(i, i.admin, 'POST', '/admin/logs/index', { org: 'Org B', model: 'Event' })).body, []);
    assert.equal((await call(i, i.alice, 'POST', '/admin/logs/index', {})).status, 403, 'a User reads no log');
    const roles = (await call(i, i.admin, 'GET', '/roles')).body as Array<{ Role: { id: string; name: string } }>;
    const orgAdmin = roles.find((r) => r.Role.name === 'Org Admin')!.Role.id;
    const adminOf = async (org: string, email: string) => {
      const orgId = (await call(i, i.admin, 'GET', `/organisations/view/${org}`)).body.Organisation.id;
      const user = await call(i, i.admin, 'POST', '/admin/users/add', { User: { email, org_id: orgId, role_id: orgAdmin } });
      return (await call(i, i.admin, 'POST', `/auth_keys/add/${user.body.User.id}`, {})).body.AuthKey.authkey_raw as string;
    };
    const bossA = await adminOf('Org A', 'boss@a.test');
    const bossB = await adminOf('Org B', 'boss@b.test');
    assert.ok((await call(i, bossA, 'POST', '/admin/logs/index', { model: 'Event', action: 'add' })).body.length >= 1, "his organisation's entries");
    assert.deepEqual((await call(i, bossB, 'POST', '/admin/logs/index', { model: 'Event', action: 'add' })).body, [], "not another organisation's");
    assert.deepEqual((await call(i, bossB, 'POST', '/admin/logs/index', { org: 'Org A' })).body, []);
  });

  it("answers MISP's messages when tagging, and attributes/view shows the attribute's tags", async () => {
    const tagged = await call(i, i.admin, 'POST', '/tags/attachTagToObject', { uuid: A, tag: 'generic_tag_test' });
    assert.equal(tagged.status, 200, JSON.stringify(tagged.body));
    assert.match(tagged.body.message, new RegExp(`^Global tag generic_tag_test\\(\\d+\\) successfully attached to Event\\(${eventId}\\)\\.$`));
    assert.equal(tagged.body.success, true);
    const again = await call(i, i.admin, 'POST', '/tags/attachTagToObject', { uuid: A, tag: 'generic_tag_test' });
    assert.equal(again.body.message, 'Event already has the requested tag attached, no changes had to be made for tag generic_tag_test.');
    const local = await call(i, i.admin, 'POST', '/tags/attachTagToObject', { uuid: attribute.uuid, tag: 'generic_tag_test', local: true });
    assert.match(local.body.message, new RegExp(`^Local tag generic_tag_test\\(\\d+\\) successfully attached to Attribute\\(${attribute.id}\\)\\.$`));
    const view = await call(i, i.alice, 'GET', `/attributes/view/${attribute.uuid}`);
    assert.deepEqual(view.body.Attribute.Tag.map((t: { name: string; local: boolean }) => [t.name, t.local]), [['generic_tag_test', true]]);
    const removed = await call(i, i.admin, 'POST', '/tags/removeTagFromObject', { uuid: attribute.uuid, tag: 'generic_tag_test' });
    assert.match(removed.body.message, new RegExp(`^Local tag generic_tag_test \\(\\d+\\) successfully removed from Attribute\\(${attribute.id}\\)\\.$`));
    assert.equal((await call(i, i.alice, 'GET', `/attributes/view/${attribute.uuid}`)).body.Attribute.Tag, undefined);
  });
});
