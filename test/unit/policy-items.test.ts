import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mayAddItem, mayAddItems, mayDeleteItem, mayEditItem, mayPurgeItems } from '../../src/access/policy/items.js';
import { mayAddSighting, mayDeleteSighting } from '../../src/access/policy/sightings.js';
import { eventOf, ORG_A, ORG_B, ROLE_NAMES, userOf, userWith } from '../helpers/policy-users.js';

const own = eventOf(ORG_A, ORG_A);
const others = eventOf(ORG_B, ORG_B);

it('lets whoever may change the event edit and delete its attributes and objects', () => {
  for (const name of ROLE_NAMES) {
    const user = userOf(name, ORG_A);
    const changes = name !== 'Read Only';
    assert.equal(mayEditItem(user, own), changes, `${name} edits in his own event`);
    assert.equal(mayDeleteItem(user, own), changes, `${name} deletes in his own event`);
    assert.equal(mayEditItem(user, others), name === 'admin', `${name} in another organisation's`);
    assert.equal(mayDeleteItem(user, others), name === 'admin');
  }
});

it('asks perm_add, and the event, to add', () => {
  assert.equal(mayAddItems(userOf('Read Only')), false);
  assert.equal(mayAddItems(userOf('User')), true);
  assert.equal(mayAddItem(userOf('User', ORG_A), own), true);
  assert.equal(mayAddItem(userOf('User', ORG_B), own), false);
  assert.equal(mayAddItem(userWith(['perm_modify']), own), false);
  assert.equal(mayEditItem(userWith(['perm_modify']), own), true, 'an edit needs no perm_add');
});

it('leaves removing for good to site admins', () => {
  assert.equal(mayDeleteItem(userOf('Org Admin', ORG_A), own, true), false);
  assert.equal(mayDeleteItem(userOf('Sync user', ORG_A), own, true), false);
  assert.equal(mayDeleteItem(userOf('admin', ORG_B), own, true), true);
  assert.equal(mayPurgeItems(userOf('admin')), true);
  assert.equal(mayPurgeItems(userOf('Org Admin')), false);
});

it('lets users with perm_sighting sight, and take back their organisation\'s sightings', () => {
  const expected = { admin: true, 'Org Admin': true, User: true, Publisher: true, 'Sync user': true, 'Read Only': false };
  for (const name of ROLE_NAMES) assert.equal(mayAddSighting(userOf(name)), expected[name], name);
  assert.equal(mayAddSighting(userWith(['perm_add'])), false);
  assert.equal(mayDeleteSighting(userOf('User', ORG_A), { orgUuid: ORG_A.uuid }), true);
  assert.equal(mayDeleteSighting(userOf('User', ORG_A), { orgUuid: ORG_B.uuid }), false);
  assert.equal(mayDeleteSighting(userOf('Org Admin', ORG_A), { orgUuid: ORG_B.uuid }), false);
  assert.equal(mayDeleteSighting(userOf('Read Only', ORG_A), { orgUuid: ORG_A.uuid }), false);
  assert.equal(mayDeleteSighting(userOf('admin', ORG_B), { orgUuid: ORG_A.uuid }), true);
});
