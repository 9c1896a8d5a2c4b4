import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mayDeleteTags, mayEditTags, mayTag, mayTagItem } from '../../src/access/policy/tags.js';
import { eventOf, ORG_A, ORG_B, ROLE_NAMES, userOf, userWith } from '../helpers/policy-users.js';

const own = eventOf(ORG_A, ORG_A);
const others = eventOf(ORG_B, ORG_B);

it('lets tag editors make and change tags, and site admins alone delete them', () => {
  const editors = { admin: true, 'Org Admin': true, User: false, Publisher: false, 'Sync user': true, 'Read Only': false };
  for (const name of ROLE_NAMES) {
    assert.equal(mayEditTags(userOf(name)), editors[name], `${name} edits tags`);
    assert.equal(mayDeleteTags(userOf(name)), name === 'admin', `${name} deletes tags`);
  }
  assert.equal(mayEditTags(userWith(['perm_tag_editor'])), true);
  assert.equal(mayEditTags(userWith(['perm_tagger'])), false);
});

const HOST = 99;

it('lets taggers tag: globally what their organisation may change; locally their own events, or any as the host organisation or a site admin', () => {
  for (const name of ROLE_NAMES) {
    const user = userOf(name, ORG_A);
    const tagger = name !== 'Read Only';
    assert.equal(mayTag(user), tagger, name);
    assert.equal(mayTagItem(user, own, false, HOST), tagger, `${name}: a global tag on his own event`);
    assert.equal(mayTagItem(user, own, true, HOST), tagger, `${name}: a local tag on his own event`);
    assert.equal(mayTagItem(user, others, false, HOST), name === 'admin', `${name}: a global tag on another's event`);
    assert.equal(mayTagItem(user, others, true, HOST), name === 'admin', `${name}: a local tag on another's event, not of the host organisation`);
    assert.equal(mayTagItem(user, others, true, ORG_A.id), tagger, `${name}: a local tag on another's event, as the host organisation`);
  }
  assert.equal(mayTagItem(userWith(['perm_modify']), own, false, HOST), false, 'changing the event is not enough: tagging takes perm_tagger');
  assert.equal(mayTagItem(userWith(['perm_tagger']), own, false, HOST), false, 'a global tag changes the event');
  assert.equal(mayTagItem(userWith(['perm_tagger']), own, true, HOST), true);
  assert.equal(mayTagItem(userOf('User', ORG_B), eventOf(ORG_B, ORG_A), true, HOST), true, 'the organisation holding a pulled event tags it locally');
});
