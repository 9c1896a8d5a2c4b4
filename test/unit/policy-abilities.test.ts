import assert from 'node:assert/strict';
import { it } from 'node:test';
import { abilities } from '../../src/access/policy/abilities.js';
import { eventOf, ORG_A, ORG_B, ROLE_NAMES, userOf } from '../helpers/policy-users.js';

it('says what each default role may do, as plain JSON booleans', () => {
  for (const name of ROLE_NAMES) {
    const a = abilities(userOf(name));
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a, 'serialisable');
    assert.ok(Object.values(a).every((v) => typeof v === 'boolean'));
  }
  const admin = abilities(userOf('admin'));
  assert.ok(Object.values(admin).every((v) => v === true) === false, 'a site admin is no organisation admin');
  assert.equal(admin.siteAdmin, true);
  assert.equal(admin.orgAdmin, false);
  assert.deepEqual([admin.canManageFeeds, admin.canManageServers], [true, true], 'feeds and remote servers are the site admin\'s');
  const orgAdmin = abilities(userOf('Org Admin'));
  assert.deepEqual(
    { siteAdmin: orgAdmin.siteAdmin, orgAdmin: orgAdmin.orgAdmin, users: orgAdmin.canManageUsers, roles: orgAdmin.canEditRoles, audit: orgAdmin.canReadAuditLog, groups: orgAdmin.canMakeSharingGroups },
    { siteAdmin: false, orgAdmin: true, users: true, roles: false, audit: true, groups: true },
  );
  assert.deepEqual([orgAdmin.canManageFeeds, orgAdmin.canManageServers], [false, false]);
  assert.deepEqual(ROLE_NAMES.filter((n) => abilities(userOf(n)).canViewFeedCorrelations), ['admin'], 'feed hits: MISP\'s default roles give perm_view_feed_correlations to admin only');
  const user = abilities(userOf('User'));
  assert.deepEqual(
    { add: user.canAdd, publish: user.canPublish, tag: user.canTag, sight: user.canSight, users: user.canManageUsers, tags: user.canEditTags },
    { add: true, publish: false, tag: true, sight: true, users: false, tags: false },
  );
  const readOnly = abilities(userOf('Read Only'));
  assert.deepEqual(Object.entries(readOnly).filter(([, v]) => v).map(([k]) => k), ['canMakeApiKeys']);
  assert.equal(abilities(userOf('Publisher')).canPublish, true);
  assert.equal(abilities(userOf('Sync user')).canSync, true);
});

it('says what a user may do to an event', () => {
  const own = eventOf(ORG_A, ORG_A);
  const others = eventOf(ORG_B, ORG_B);
  assert.deepEqual(abilities(userOf('User', ORG_A), own, 99), {
    change: true, publish: false, delete: true, tag: true, tagLocally: true, addAttribute: true, addObject: true,
    editItems: true, deleteItems: true, purgeItems: false, propose: false,
  });
  assert.deepEqual(abilities(userOf('Publisher', ORG_A), others, 99), {
    change: false, publish: false, delete: false, tag: false, tagLocally: false, addAttribute: false, addObject: false,
    editItems: false, deleteItems: false, purgeItems: false, propose: true,
  });
  const admin = abilities(userOf('admin', ORG_B), own, 99);
  assert.ok(admin.change && admin.publish && admin.purgeItems && !admin.propose);
  const readOnly = abilities(userOf('Read Only', ORG_A), own, 99);
  assert.ok(Object.values(readOnly).every((v) => v === false));
});
