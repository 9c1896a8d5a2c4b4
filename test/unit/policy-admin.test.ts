import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mayReadAuditLog, readsWholeAuditLog } from '../../src/access/policy/audit.js';
import { mayManageCorrelationExclusions, mayToggleWarninglists } from '../../src/access/policy/correlation.js';
import { mayEditGalaxies, mayToggleNoticelists, mayToggleTaxonomies } from '../../src/access/policy/libraries.js';
import { mayDeleteOrganisation, mayEditOrganisations } from '../../src/access/policy/organisations.js';
import { mayDeleteSharingGroup, mayEditSharingGroup, mayMakeSharingGroups, sharingGroupFacts } from '../../src/access/policy/sharing-groups.js';
import { mayReadCollection, mayWriteCollection } from '../../src/access/policy/taxii.js';
import { ORG_A, ORG_B, ROLE_NAMES, userOf, userWith } from '../helpers/policy-users.js';

const ORG_C = { id: 3, uuid: 'c0000000-0000-4000-8000-000000000003', name: 'Org C', local: true };

it('leaves organisations to site admins, who may not delete their own', () => {
  for (const name of ROLE_NAMES) assert.equal(mayEditOrganisations(userOf(name)), name === 'admin', name);
  assert.equal(mayDeleteOrganisation(userOf('admin', ORG_A), ORG_B), true);
  assert.equal(mayDeleteOrganisation(userOf('admin', ORG_A), ORG_A), false);
  assert.equal(mayDeleteOrganisation(userOf('Org Admin', ORG_A), ORG_B), false);
});

it('lets perm_sharing_group make sharing groups; the owner and extending members edit, the owner alone deletes', () => {
  const makers = { admin: true, 'Org Admin': true, User: false, Publisher: false, 'Sync user': true, 'Read Only': false };
  for (const name of ROLE_NAMES) assert.equal(mayMakeSharingGroups(userOf(name)), makers[name], name);
  const group = sharingGroupFacts({ org: { id: ORG_A.id }, organisations: [{ org: { id: ORG_A.id }, extend: false }, { org: { id: ORG_B.id }, extend: true }, { org: { id: ORG_C.id }, extend: false }] });
  assert.deepEqual(group, { orgId: 1, members: [{ orgId: 1, extend: false }, { orgId: 2, extend: true }, { orgId: 3, extend: false }] });
  const cases: Array<[string, ReturnType<typeof userOf>, boolean, boolean]> = [
    ['owner org admin', userOf('Org Admin', ORG_A), true, true],
    ['owner sync user', userOf('Sync user', ORG_A), true, true],
    ['owner without perm_sharing_group', userOf('Publisher', ORG_A), false, false],
    ['extending member', userOf('Org Admin', ORG_B), true, false],
    ['extending member without perm_sharing_group', userOf('User', ORG_B), false, false],
    ['plain member', userOf('Org Admin', ORG_C), false, false],
    ['site admin of a plain member', userOf('admin', ORG_C), true, true],
    ['bare perm_sharing_group of the owner', userWith(['perm_sharing_group'], ORG_A), true, true],
  ];
  for (const [who, user, edit, remove] of cases) {
    assert.equal(mayEditSharingGroup(user, group), edit, `${who} edits and adds members`);
    assert.equal(mayDeleteSharingGroup(user, group), remove, `${who} deletes`);
  }
});

it('lets those who may add events write to a writable TAXII collection; everyone reads those he is shown', () => {
  const writable = { writable: true };
  const readOnly = { writable: false };
  for (const name of ROLE_NAMES) {
    const user = userOf(name);
    assert.equal(mayWriteCollection(user, writable), name !== 'Read Only', name);
    assert.equal(mayWriteCollection(user, readOnly), false, `${name}: not a read-only collection`);
    assert.equal(mayReadCollection(user, readOnly), true);
  }
});

it('shows the audit log to site admins whole and to organisation admins with perm_audit for their organisation', () => {
  const readers = { admin: true, 'Org Admin': true, User: false, Publisher: false, 'Sync user': false, 'Read Only': false };
  for (const name of ROLE_NAMES) {
    assert.equal(mayReadAuditLog(userOf(name)), readers[name], name);
    assert.equal(readsWholeAuditLog(userOf(name)), name === 'admin', name);
  }
  assert.equal(mayReadAuditLog(userWith(['perm_audit'])), false, 'perm_audit alone is not enough');
  assert.equal(mayReadAuditLog(userWith(['perm_admin'])), false);
  assert.equal(mayReadAuditLog(userWith(['perm_audit', 'perm_admin'])), true);
});

it('leaves correlation exclusions, taxonomies and noticelists to site admins, warninglists to perm_warninglist', () => {
  for (const name of ROLE_NAMES) {
    const user = userOf(name);
    assert.equal(mayManageCorrelationExclusions(user), name === 'admin', name);
    assert.equal(mayToggleTaxonomies(user), name === 'admin', name);
    assert.equal(mayToggleNoticelists(user), name === 'admin', name);
    assert.equal(mayToggleWarninglists(user), name === 'admin', name);
    // As MISP ships its roles, every one but Read Only edits galaxy clusters (a Sync user takes pushed clusters).
    assert.equal(mayEditGalaxies(user), name !== 'Read Only', name);
  }
  assert.equal(mayToggleWarninglists(userWith(['perm_warninglist'])), true);
  assert.equal(mayManageCorrelationExclusions(userWith(['perm_warninglist', 'perm_admin'])), false);
});
