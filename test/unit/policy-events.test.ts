import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  eventFacts, keepsCreator, mayAddEvents, mayAddToEvent, mayChange, mayChangeEvent, mayDeleteEvent, mayProposeTo, mayPublishEvent, maySync,
} from '../../src/access/policy/events.js';
import { eventOf, ORG_A, ORG_B, ROLE_NAMES, userOf, userWith, type RoleName } from '../helpers/policy-users.js';

const own = eventOf(ORG_A, ORG_A);
const othersEvent = eventOf(ORG_B, ORG_B);
/** Held by A, created elsewhere (B): an event A pulled or was given. */
const heldByA = eventOf(ORG_A, ORG_B);
/** Created by A, held by B: A's event after B took it in. */
const createdByA = eventOf(ORG_B, ORG_A);

/** Each default role of a user of organisation A, against events of A and of B. */
const EXPECTED: Record<RoleName, { change: [boolean, boolean]; publish: [boolean, boolean]; add: [boolean, boolean]; propose: [boolean, boolean]; sync: boolean }> = {
  admin: { change: [true, true], publish: [true, true], add: [true, true], propose: [false, false], sync: true },
  'Org Admin': { change: [true, false], publish: [true, false], add: [true, false], propose: [false, true], sync: false },
  User: { change: [true, false], publish: [false, false], add: [true, false], propose: [false, true], sync: false },
  Publisher: { change: [true, false], publish: [true, false], add: [true, false], propose: [false, true], sync: false },
  'Sync user': { change: [true, false], publish: [true, false], add: [true, false], propose: [false, true], sync: true },
  'Read Only': { change: [false, false], publish: [false, false], add: [false, false], propose: [false, false], sync: false },
};

describe('event policy, by default role', () => {
  for (const name of ROLE_NAMES) {
    it(`${name}: own event and another organisation's`, () => {
      const user = userOf(name);
      const e = EXPECTED[name];
      assert.deepEqual([mayChangeEvent(user, own), mayChangeEvent(user, othersEvent)], e.change, 'change');
      assert.deepEqual([mayDeleteEvent(user, own), mayDeleteEvent(user, othersEvent)], e.change, 'delete is change');
      assert.deepEqual([mayPublishEvent(user, own), mayPublishEvent(user, othersEvent)], e.publish, 'publish');
      assert.deepEqual([mayAddToEvent(user, own), mayAddToEvent(user, othersEvent)], e.add, 'add attribute or object');
      assert.deepEqual([mayProposeTo(user, own), mayProposeTo(user, othersEvent)], e.propose, 'propose');
      assert.equal(maySync(user), e.sync);
      assert.equal(keepsCreator(user), e.sync, 'only sync users and site admins keep the Orgc of a document');
    });
  }
});

describe('event policy, by ownership', () => {
  it('lets the owner (Org) or the creator (Orgc) organisation change an event', () => {
    const user = userOf('User', ORG_A);
    assert.equal(mayChangeEvent(user, heldByA), true);
    assert.equal(mayChangeEvent(user, createdByA), true);
    assert.equal(mayChangeEvent(user, eventOf(null, ORG_A)), true, 'no Org: its creator owns it');
    assert.equal(mayChangeEvent(user, eventOf(null, ORG_B)), false);
  });

  it('lets a site admin of any organisation change any event', () => {
    assert.equal(mayChangeEvent(userOf('admin', ORG_B), own), true);
    assert.equal(mayPublishEvent(userOf('admin', ORG_B), own), true);
  });

  it('refuses an organisation admin and a sync user what belongs to another organisation', () => {
    assert.equal(mayChangeEvent(userOf('Org Admin', ORG_B), own), false);
    assert.equal(mayChangeEvent(userOf('Sync user', ORG_B), own), false);
  });

  it('needs perm_modify or perm_modify_org to change, perm_publish to publish, perm_add to add', () => {
    assert.equal(mayChangeEvent(userWith(['perm_add']), own), false, 'perm_add alone creates, does not change');
    assert.equal(mayChangeEvent(userWith(['perm_modify']), own), true);
    assert.equal(mayChangeEvent(userWith(['perm_modify_org']), own), true);
    assert.equal(mayPublishEvent(userWith(['perm_publish']), own), false, 'publishing is changing as well');
    assert.equal(mayPublishEvent(userWith(['perm_modify', 'perm_publish']), own), true);
    assert.equal(mayAddToEvent(userWith(['perm_modify']), own), false, 'adding needs perm_add');
    assert.equal(mayAddToEvent(userWith(['perm_modify', 'perm_add']), own), true);
    assert.equal(mayAddEvents(userWith(['perm_add'])), true);
    assert.equal(mayAddEvents(userWith(['perm_modify'])), false);
    assert.equal(keepsCreator(userWith(['perm_add', 'perm_sync'])), true);
    assert.equal(keepsCreator(userWith(['perm_add', 'perm_admin'])), false);
  });

  it('reads the same rule from a whole event', () => {
    const user = userOf('User', ORG_A);
    const whole = { org: { uuid: ORG_B.uuid }, orgc: { uuid: ORG_A.uuid } };
    assert.deepEqual(eventFacts(whole), createdByA);
    assert.equal(mayChange(user, whole), true);
    assert.equal(mayChange(user, { org: null, orgc: { uuid: ORG_B.uuid } }), false);
  });
});
