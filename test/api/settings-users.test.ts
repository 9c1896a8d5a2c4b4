import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { call, serve } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';
import { setSetting } from '../../src/store/settings.js';

type Json = Record<string, any>;

forEachDialect('REST API: instance settings, users and roles', (fixture) => {
  const servers: FastifyInstance[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await fixture.cleanup();
  });

  it("lists, reads and changes the instance settings under MISP's names, to site admins only", async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    assert.equal((await call(i, i.alice, 'GET', '/servers/serverSettings')).status, 403);
    const all = (await call(i, i.admin, 'GET', '/servers/serverSettings')).body.finalSettings as Json[];
    const byName = new Map(all.map((s) => [s.setting, s]));
    assert.equal(byName.get('MISP.max_correlations_per_event')!.value, 5000);
    assert.equal(byName.get('MISP.live')!.value, true);
    assert.equal(byName.get('MISP.unpublishedprivate')!.value, false);
    assert.equal(byName.get('MISP.correlation_limit')!.type, 'numeric');
    assert.equal(byName.get('Security.salt')!.value, '*****', 'a secret is listed, never shown');

    const edit = await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/MISP.correlation_limit', { value: 10 });
    assert.equal(edit.status, 200);
    assert.equal(edit.body.message, 'Field updated');
    assert.equal((await call(i, i.admin, 'GET', '/servers/getSetting/MISP.correlation_limit')).body.value, 10);
    assert.deepEqual((await call(i, i.admin, 'GET', '/servers/serverSettingsEdit/MISP.correlation_limit')).body, { 'MISP.correlation_limit': 10 });
    assert.equal((await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/MISP.unpublishedprivate', { Server: { value: '1' } })).status, 200);
    assert.equal((await call(i, i.admin, 'GET', '/servers/getSetting/MISP.unpublishedprivate')).body.value, true);

    const bad = await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/MISP.correlation_limit', { value: 'many' });
    assert.equal(bad.status, 403);
    assert.match(bad.body.message, /MISP.correlation_limit takes a whole number/);
    assert.equal((await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/MISP.live', {})).body.message, 'Invalid input. Expected: {"value": "new_setting"}');
    const salt = await call(i, i.admin, 'GET', '/servers/getSetting/Security.salt');
    assert.deepEqual([salt.status, salt.body.message], [403, 'This setting is redacted.']);
    assert.equal((await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/Security.salt', { value: 'x' })).status, 403);
    assert.equal((await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/Security.advanced_authkeys', { value: false })).status, 403);
    const jobs = await call(i, i.admin, 'GET', '/servers/getSetting/MISP.background_jobs');
    assert.deepEqual([jobs.body.value, jobs.body.editable], [false, false], 'Cairn runs every job within its request');
    assert.equal((await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/MISP.background_jobs', { value: false, force: true })).body.message, 'Field updated', 'setting it to what it is changes nothing');
    assert.equal((await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/MISP.background_jobs', { value: true, force: true })).status, 403);
    const unknown = await call(i, i.admin, 'GET', '/servers/getSetting/MISP.nothing');
    assert.deepEqual([unknown.status, unknown.body.message], [404, 'Setting MISP.nothing is invalid.']);
    assert.equal((await call(i, i.alice, 'POST', '/servers/serverSettingsEdit/MISP.live', { value: false })).status, 403);
  });

  it('closes the instance to everyone but site admins while MISP.live is off, and sees a change made beside the API at once', async () => {
    const store = await fixture.open();
    const i = await serve(store);
    servers.push(i.app);
    assert.equal((await call(i, i.alice, 'GET', '/users/view/me')).status, 200);
    await setSetting(store, 'instance.live', 'false'); // as the CLI or another server would
    const refused = await call(i, i.alice, 'GET', '/users/view/me');
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, /not live/);
    assert.equal((await call(i, i.admin, 'GET', '/users/view/me')).status, 200);
    assert.equal((await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/MISP.live', { value: true })).status, 200);
    assert.equal((await call(i, i.alice, 'GET', '/users/view/me')).status, 200);
  });

  it('applies a changed role, a disabled user and a revoked key at the very next request', async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const me = (await call(i, i.alice, 'GET', '/users/view/me')).body.User;
    const event = { Event: { info: 'Role change', distribution: 0 } };
    assert.equal((await call(i, i.alice, 'POST', '/events/add', event)).status, 200);
    await call(i, i.admin, 'POST', `/admin/users/edit/${me.id}`, { role_id: 6 });
    assert.equal((await call(i, i.alice, 'POST', '/events/add', event)).status, 403);
    await call(i, i.admin, 'POST', `/admin/users/edit/${me.id}`, { role_id: 3, disabled: true });
    assert.equal((await call(i, i.alice, 'GET', '/users/view/me')).status, 403);
    await call(i, i.admin, 'POST', `/admin/users/edit/${me.id}`, { disabled: false });
    const keys = (await call(i, i.admin, 'GET', '/authKeys/index')).body as Json[];
    const mine = keys.filter((k) => k.AuthKey.user_id === me.id);
    assert.equal(mine.length, 1);
    assert.equal((await call(i, i.admin, 'POST', `/authKeys/delete/${mine[0]!.AuthKey.id}`)).status, 200);
    assert.equal((await call(i, i.alice, 'GET', '/users/view/me')).status, 403);
  });

  it('sets the default role, filters the user index, and lets a user edit himself and change his password', async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const set = await call(i, i.admin, 'POST', '/admin/roles/set_default/4');
    assert.equal(set.body.message, 'Default role set.');
    assert.equal((await call(i, i.admin, 'POST', '/admin/roles/set_default/99')).status, 403);
    const roles = (await call(i, i.admin, 'GET', '/roles')).body as Json[];
    assert.deepEqual(roles.filter((r) => r.Role.default_role).map((r) => r.Role.name), ['Publisher']);
    const made = (await call(i, i.admin, 'POST', '/admin/users/add', { email: 'new@a.test', org_id: '1' })).body.User;
    assert.equal(made.role_id, '4', 'a user added without a role gets the default one');
    await call(i, i.admin, 'POST', '/admin/roles/set_default/3');

    const found = (await call(i, i.admin, 'GET', '/admin/users/index?value=ALICE@a')).body as Json[];
    assert.deepEqual(found.map((u) => u.User.email), ['alice@a.test']);
    const orgB = found[0]!.Organisation.id;
    assert.deepEqual(((await call(i, i.admin, 'GET', `/admin/users/index?value=alice&searchorg=${orgB}`)).body as Json[]).length, 1);
    assert.deepEqual(((await call(i, i.admin, 'GET', '/admin/users/index?value=alice&searchorg=999')).body as Json[]).length, 0);
    assert.deepEqual(((await call(i, i.admin, 'GET', '/admin/users/index?searchemail=b.test')).body as Json[]).map((u) => u.User.email), ['bob@b.test']);

    const me = (await call(i, i.alice, 'GET', '/users/view/me')).body.User;
    assert.equal(me.last_pw_change, '0');
    const edited = await call(i, i.alice, 'POST', `/users/edit/${me.id}`, { User: { ...me, autoalert: true, role_id: '1', org_id: '1' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.User.autoalert, true);
    assert.equal(edited.body.User.role_id, me.role_id, 'a user does not change his own role');
    assert.equal(edited.body.User.org_id, me.org_id);
    const bobId = ((await call(i, i.bob, 'GET', '/users/view/me')).body.User.id) as string;
    assert.equal((await call(i, i.alice, 'POST', `/users/edit/${bobId}`, { autoalert: true })).status, 404);

    assert.equal((await call(i, i.alice, 'POST', '/users/change_pw', { password: 'short' })).status, 403);
    const changed = await call(i, i.alice, 'POST', '/users/change_pw', { password: 'Password1234' });
    assert.equal(changed.body.message, 'Password Changed.');
    assert.notEqual((await call(i, i.alice, 'GET', '/users/view/me')).body.User.last_pw_change, '0');
    assert.equal((await call(i, i.alice, 'POST', '/users/change_pw', { password: 'Password1234' })).status, 403, 'not the same password again');
    assert.equal((await call(i, null, 'POST', '/auth/login', { email: 'alice@a.test', password: 'Password1234' })).status, 200);
    const key = await call(i, i.alice, 'POST', '/authKeys/add/me', {});
    assert.match(key.body.AuthKey.authkey_raw, /^[A-Za-z0-9]{40}$/);
  });

  it("keeps each user's settings as MISP's userSettings do: his own, his organisation's for an org admin, all for a site admin", async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const filter = { 'Tag.name': 'test_publish_filter' };
    const set = await call(i, i.alice, 'POST', '/userSettings/setSetting', { setting: 'publish_alert_filter', value: JSON.stringify(filter) });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.UserSetting.value, filter);
    assert.equal(set.body.UserSetting.setting, 'publish_alert_filter');
    const again = await call(i, i.alice, 'POST', '/userSettings/setSetting', { setting: 'homepage', value: { path: '/events/index' } });
    assert.deepEqual(again.body.UserSetting.value, { path: '/events/index' });
    const restricted = await call(i, i.alice, 'POST', '/userSettings/setSetting', { setting: 'dashboard_access', value: 1 });
    assert.deepEqual([restricted.status, restricted.body.message], [405, 'This setting is restricted and requires the following permission(s): site_admin']);
    assert.equal((await call(i, i.alice, 'POST', '/userSettings/setSetting', { setting: 'nonsense', value: 1 })).body.message, 'Invalid setting.');
    assert.equal((await call(i, i.admin, 'POST', '/userSettings/setSetting', { setting: 'dashboard_access', value: 1 })).body.UserSetting.value, 1);

    const got = await call(i, i.alice, 'POST', '/userSettings/getSetting', { setting: 'publish_alert_filter' });
    assert.deepEqual(got.body.value, filter);
    const aliceId = set.body.UserSetting.user_id as string;
    assert.equal((await call(i, i.bob, 'POST', '/userSettings/getSetting', { setting: 'publish_alert_filter', user_id: aliceId })).status, 404, "bob does not read alice's settings");
    assert.deepEqual((await call(i, i.admin, 'GET', `/user_settings/getSetting/${aliceId}/publish_alert_filter`)).body.value, filter);

    const mine = (await call(i, i.alice, 'GET', '/userSettings/index')).body as Json[];
    assert.deepEqual(mine.map((s) => s.UserSetting.setting).sort(), ['homepage', 'publish_alert_filter']);
    assert.equal(((await call(i, i.bob, 'GET', '/userSettings/index')).body as Json[]).length, 0);
    assert.equal(((await call(i, i.admin, 'GET', '/userSettings/index')).body as Json[]).length, 3);
    assert.equal(((await call(i, i.admin, 'GET', '/userSettings/index?user_id=me')).body as Json[]).length, 1);

    const id = mine.find((s) => s.UserSetting.setting === 'homepage')!.UserSetting.id;
    assert.equal((await call(i, i.bob, 'POST', `/userSettings/delete/${id}`)).status, 404);
    assert.equal((await call(i, i.alice, 'POST', `/userSettings/delete/${id}`)).status, 200);
    assert.equal(((await call(i, i.alice, 'GET', '/userSettings/index')).body as Json[]).length, 1);
  });

  it('takes self-registrations only while Security.allow_self_registration is on; site admins accept or discard them', async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const register = (body: Json) => call(i, null, 'POST', '/users/register', body);
    const closed = await register({ email: 'self@c.test' });
    assert.deepEqual([closed.status, closed.body.message], [405, 'Self registration is not enabled on this instance.']);
    await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/Security.allow_self_registration', { value: true, force: true });
    const org = (await call(i, i.admin, 'GET', '/admin/users/index?value=alice')).body[0].Organisation as Json;
    const asked = await register({ email: 'self@c.test', org_uuid: org.uuid, org_name: org.name, perm_sync: false, perm_publish: false, perm_admin: false });
    assert.equal(asked.body.saved, true);
    assert.equal((await register({ email: 'discard@c.test' })).body.saved, true);
    assert.equal((await register({})).status, 400);
    assert.equal((await register({ email: 'not an address' })).status, 403);

    assert.equal((await call(i, i.alice, 'GET', '/users/registrations/index')).status, 403);
    const waiting = (await call(i, i.admin, 'GET', '/users/registrations/index')).body as Json[];
    assert.deepEqual(waiting.map((r) => r.Inbox.data.email), ['self@c.test', 'discard@c.test']);
    assert.equal(waiting[0]!.Inbox.data.org_name, 'Org A');
    assert.equal(waiting[0]!.Inbox.data.perm_sync, '');

    const accepted = await call(i, i.admin, 'POST', `/users/acceptRegistrations/${waiting[0]!.Inbox.id}`, { User: { org_id: org.id, role_id: null } });
    assert.equal(accepted.body.saved, true, JSON.stringify(accepted.body));
    const made = ((await call(i, i.admin, 'GET', '/admin/users/index?value=self@c.test')).body as Json[])[0]!;
    assert.deepEqual([made.User.org_id, made.User.role_id], [org.id, '3'], 'in the organisation chosen, with the default role');
    const noOrg = await call(i, i.admin, 'POST', `/users/acceptRegistrations/${waiting[1]!.Inbox.id}`, { User: { org_id: null, role_id: 3 } });
    assert.deepEqual([noOrg.status, noOrg.body.message], [400, 'No organisation selected. Supply an Organisation ID']);
    assert.equal((await call(i, i.admin, 'POST', `/users/discardRegistrations/${waiting[1]!.Inbox.id}`)).body.name, '1 registration(s) discarded.');
    assert.equal(((await call(i, i.admin, 'GET', '/users/registrations/index')).body as Json[]).length, 0);
  });
});
