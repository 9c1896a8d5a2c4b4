import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_ROLES } from '../../src/access/roles.js';
import { mayEditRoles } from '../../src/access/policy/roles.js';
import {
  mayAdministerUsers, mayChangeAccount, mayDeleteUser, mayGrantRole, mayMakeApiKeys, mayManageKeysOf, mayManageUser, mayMoveUsers, userFacts,
} from '../../src/access/policy/users.js';
import { ORG_A, ORG_B, ROLE_NAMES, userOf, userWith } from '../helpers/policy-users.js';

const roleNamed = (name: string) => DEFAULT_ROLES.find((r) => r.name === name)!;

it('lets organisation admins manage their organisation\'s users, site admins everyone\'s', () => {
  const inA = userFacts(userOf('User', ORG_A));
  const inB = userFacts(userOf('User', ORG_B));
  for (const name of ROLE_NAMES) {
    const user = userOf(name, ORG_A);
    const admin = name === 'admin' || name === 'Org Admin';
    assert.equal(mayAdministerUsers(user), admin, name);
    assert.equal(mayManageUser(user, inA), admin, `${name}: a user of his organisation`);
    assert.equal(mayManageUser(user, inB), name === 'admin', `${name}: a user of another`);
    assert.equal(mayMoveUsers(user), name === 'admin', `${name} moves users between organisations`);
  }
  assert.equal(mayManageUser(userWith(['perm_admin'], ORG_B), inB), true, 'perm_admin is what makes an organisation admin');
});

it('keeps the site admin role for site admins to give', () => {
  const orgAdmin = userOf('Org Admin');
  for (const role of DEFAULT_ROLES) {
    assert.equal(mayGrantRole(orgAdmin, role), !role.permissions.includes('perm_site_admin'), `an organisation admin gives ${role.name}`);
    assert.equal(mayGrantRole(userOf('admin'), role), true, `a site admin gives ${role.name}`);
  }
  assert.equal(mayGrantRole(orgAdmin, { permissions: ['perm_auth', 'perm_site_admin'] }), false, 'whatever else the role holds');
  assert.equal(mayGrantRole(orgAdmin, roleNamed('Org Admin')), true);
});

it('lets no admin lock himself out: disable, demote or delete himself', () => {
  const boss = userOf('Org Admin', ORG_A);
  const me = userFacts(boss);
  const other = userFacts(userOf('User', ORG_A));
  assert.equal(mayChangeAccount(boss, me, { disabled: true }), false);
  assert.equal(mayChangeAccount(boss, me, { roleId: boss.role.id + 1 }), false);
  assert.equal(mayChangeAccount(boss, me, { roleId: boss.role.id, disabled: false }), true, 'the same role is no change');
  assert.equal(mayChangeAccount(boss, me, {}), true);
  assert.equal(mayChangeAccount(boss, other, { disabled: true, roleId: 1 }), true);
  assert.equal(mayDeleteUser(boss, me), false);
  assert.equal(mayDeleteUser(boss, other), true);
  assert.equal(mayDeleteUser(boss, userFacts(userOf('User', ORG_B))), false, 'not another organisation\'s');
  assert.equal(mayDeleteUser(userOf('admin', ORG_B), other), true);
});

it('lets users with perm_auth make keys; a user\'s keys are his and his admins\'', () => {
  const expected = { admin: true, 'Org Admin': true, User: true, Publisher: true, 'Sync user': true, 'Read Only': true };
  for (const name of ROLE_NAMES) assert.equal(mayMakeApiKeys(userOf(name)), expected[name], name);
  assert.equal(mayMakeApiKeys(userWith(['perm_add'])), false);
  const user = userOf('User', ORG_A);
  assert.equal(mayManageKeysOf(user, userFacts(user)), true);
  assert.equal(mayManageKeysOf(user, userFacts(userOf('User', ORG_A))), false);
  assert.equal(mayManageKeysOf(userOf('Org Admin', ORG_A), userFacts(user)), true);
  assert.equal(mayManageKeysOf(userOf('Org Admin', ORG_B), userFacts(user)), false);
});

it('leaves roles to site admins', () => {
  for (const name of ROLE_NAMES) assert.equal(mayEditRoles(userOf(name)), name === 'admin', name);
  assert.equal(mayEditRoles(userWith(['perm_admin'])), false);
});
