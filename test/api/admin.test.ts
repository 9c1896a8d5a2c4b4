import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

forEachDialect('REST API: organisations, users, roles and keys', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('lets site admins add, edit and delete organisations, and everyone list them', async () => {
    assert.equal((await call(i, i.alice, 'POST', '/admin/organisations/add', { name: 'Evil' })).status, 403);
    const made = await call(i, i.admin, 'POST', '/admin/organisations/add', { Organisation: { name: 'CERT-X', sector: 'Government', nationality: 'FR' } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.Organisation.sector, 'Government');
    assert.equal(made.body.Organisation.local, true);
    const id = made.body.Organisation.id;
    assert.equal((await call(i, i.admin, 'POST', '/admin/organisations/add', { name: 'CERT-X' })).body.errors.name.length, 1, 'names are unique');
    const edited = await call(i, i.admin, 'POST', `/admin/organisations/edit/${id}`, { Organisation: { name: 'CERT-Y' } });
    assert.equal(edited.body.Organisation.name, 'CERT-Y');
    assert.equal(edited.body.Organisation.sector, 'Government', 'what the edit does not name is kept');
    const names = ((await call(i, i.alice, 'GET', '/organisations/index/scope:local')).body as Array<{ Organisation: { name: string } }>).map((o) => o.Organisation.name);
    assert.ok(names.includes('CERT-Y') && names.includes('Org A'));
    assert.equal((await call(i, i.admin, 'GET', '/organisations/index/scope:elsewhere')).status, 400);
    assert.equal((await call(i, i.admin, 'POST', '/admin/organisations/delete/Org A')).status, 403, 'an organisation with users stays');
    // What only it may see or set would go to whichever organisation took its id next: it stays while they do.
    const tag = await call(i, i.admin, 'POST', '/tags/add', { Tag: { name: 'only for CERT-Y', org_id: id } });
    assert.equal(tag.status, 200, JSON.stringify(tag.body));
    const refused = await call(i, i.admin, 'POST', `/admin/organisations/delete/${id}`);
    assert.equal(refused.status, 403);
    assert.match(JSON.stringify(refused.body), /tags restricted to it/);
    assert.equal((await call(i, i.admin, 'POST', `/tags/delete/${tag.body.Tag.id}`)).status, 200);
    assert.equal((await call(i, i.admin, 'POST', `/admin/organisations/delete/${id}`)).body.saved, true);
    assert.equal((await call(i, i.admin, 'GET', `/organisations/view/${id}`)).status, 404);
  });

  it('lets admins manage users: site admins all, organisation admins their own, nobody else', async () => {
    const orgA = (await call(i, i.admin, 'GET', '/organisations/view/Org A')).body.Organisation.id;
    const orgB = (await call(i, i.admin, 'GET', '/organisations/view/Org B')).body.Organisation.id;
    const roles = (await call(i, i.alice, 'GET', '/roles')).body as Array<{ Role: { id: string; name: string; perm_site_admin: boolean } }>;
    const role = (name: string) => roles.find((r) => r.Role.name === name)!.Role.id;
    assert.equal(roles.length, 6);

    assert.equal((await call(i, i.alice, 'GET', '/admin/users/index')).status, 403);
    const orgAdmin = await call(i, i.admin, 'POST', '/admin/users/add', { User: { email: 'boss@a.test', org_id: orgA, role_id: role('Org Admin') } });
    assert.equal(orgAdmin.status, 200, JSON.stringify(orgAdmin.body));
    const key = await call(i, i.admin, 'POST', `/auth_keys/add/${orgAdmin.body.User.id}`, { comment: 'for tests' });
    const boss = key.body.AuthKey.authkey_raw as string;
    assert.match(boss, /^[A-Za-z0-9]{40}$/);
    assert.equal(key.body.AuthKey.authkey_start, boss.slice(0, 4));

    const mine = ((await call(i, boss, 'GET', '/admin/users/index')).body as Array<{ User: { email: string } }>).map((u) => u.User.email).sort();
    assert.deepEqual(mine, ['alice@a.test', 'boss@a.test'], 'an organisation admin sees his organisation only');
    const outside = await call(i, boss, 'POST', '/admin/users/add', { email: 'x@b.test', org_id: orgB });
    assert.deepEqual(Object.keys(outside.body.errors), ['org_id']);
    assert.deepEqual(Object.keys((await call(i, boss, 'POST', '/admin/users/add', { email: 'x@a.test', role_id: role('admin') })).body.errors), ['role_id']);
    const made = await call(i, boss, 'POST', '/admin/users/add', { email: 'New@A.test' });
    assert.equal(made.body.User.email, 'new@a.test');
    assert.equal(made.body.Role.name, 'User', 'the default role');
    assert.equal((await call(i, boss, 'POST', '/admin/users/add', { email: 'new@a.test' })).body.errors.email.length, 1);
    assert.equal((await call(i, boss, 'POST', '/admin/users/add', { email: 'not an address' })).status, 403);

    const id = made.body.User.id;
    assert.equal((await call(i, boss, 'POST', `/admin/users/edit/${id}`, { role_id: role('Publisher') })).body.Role.name, 'Publisher');
    assert.equal((await call(i, boss, 'POST', `/admin/users/edit/${id}`, { org_id: orgB })).status, 403);
    const bobId = ((await call(i, i.admin, 'GET', '/admin/users/index')).body as Array<{ User: { id: string; email: string } }>).find((u) => u.User.email === 'bob@b.test')!.User.id;
    assert.equal((await call(i, boss, 'GET', `/users/view/${bobId}`)).status, 404, "another organisation's user does not exist for him");
    assert.equal((await call(i, boss, 'POST', `/admin/users/delete/${bobId}`)).status, 404);

    // A disabled user's key stops working (the server trusts what it read of a key for a few seconds).
    const newKey = (await call(i, boss, 'POST', `/auth_keys/add/${id}`)).body.AuthKey.authkey_raw;
    assert.equal((await call(i, boss, 'POST', `/admin/users/edit/${id}`, { disabled: true })).body.User.disabled, true);
    assert.equal((await call(i, newKey, 'GET', '/users/view/me')).status, 403);
    assert.equal((await call(i, boss, 'POST', `/admin/users/delete/${id}`)).body.saved, true);
  });

  it('answers a new user with his key in cleartext, once, as MISP does, and the key works', async () => {
    const made = await call(i, i.admin, 'POST', '/admin/users/add', { User: { email: 'keyed@a.test' } });
    assert.equal(made.status, 200);
    const key = made.body.User.authkey;
    assert.match(key, /^[A-Za-z0-9]{40}$/);
    assert.equal((await call(i, key, 'GET', '/users/view/me')).body.User.email, 'keyed@a.test');
    const again = await call(i, i.admin, 'GET', `/users/view/${made.body.User.id}`);
    assert.equal(again.body.User.authkey, undefined, 'never shown again');
  });

  it('lets a user list and revoke his own keys', async () => {
    const made = (await call(i, i.bob, 'POST', '/auth_keys/add/me')).body.AuthKey;
    const keys = (await call(i, i.bob, 'GET', '/auth_keys/index')).body as Array<{ AuthKey: { id: string }; User: { email: string } }>;
    assert.ok(keys.every((k) => k.User.email === 'bob@b.test'));
    assert.equal(keys.length, 2);
    assert.equal((await call(i, i.alice, 'POST', `/auth_keys/delete/${made.id}`)).status, 404, "not another user's");
    assert.equal((await call(i, i.bob, 'POST', `/auth_keys/delete/${made.id}`)).body.saved, true);
    assert.equal((await call(i, made.authkey_raw, 'GET', '/users/view/me')).status, 403);
  });

  it('lets site admins add, change and delete roles', async () => {
    assert.equal((await call(i, i.alice, 'POST', '/admin/roles/add', { name: 'Analyst' })).status, 403);
    const made = await call(i, i.admin, 'POST', '/admin/roles/add', { Role: { name: 'Analyst', perm_add: true, perm_tagger: 1 } });
    assert.equal(made.body.Role.perm_add, true);
    assert.equal(made.body.Role.perm_publish, false);
    const changed = await call(i, i.admin, 'POST', `/admin/roles/edit/${made.body.Role.id}`, { perm_publish: true, perm_tagger: false });
    assert.deepEqual([changed.body.Role.perm_add, changed.body.Role.perm_publish, changed.body.Role.perm_tagger], [true, true, false]);
    const userRole = ((await call(i, i.admin, 'GET', '/roles')).body as Array<{ Role: { id: string; name: string } }>).find((r) => r.Role.name === 'User')!.Role.id;
    assert.equal((await call(i, i.admin, 'POST', `/admin/roles/delete/${userRole}`)).status, 403, 'a role users hold stays');
    assert.equal((await call(i, i.admin, 'POST', `/admin/roles/delete/${made.body.Role.id}`)).body.saved, true);
  });
});
