import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Store } from '../../src/store/db/database.js';
import { findUser, setPassword } from '../../src/store/access/users.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const PASSWORD = 'a long enough password';

forEachDialect('abilities: what the web interface offers is what the server allows', (fixture) => {
  let i: Instance;
  let store: Store;
  let eventId: string;
  let drafts: string;

  before(async () => {
    store = await fixture.open();
    i = await serve(store);
    await setPassword(store, (await findUser(store, 'alice@a.test'))!.id, PASSWORD);
    eventId = (await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Alice\'s', distribution: 1 } })).body.Event.id;
    drafts = (await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Alice\'s own', distribution: 0 } })).body.Event.id;
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('answers the signed-in user\'s abilities with the session', async () => {
    const res = await fetch(`${i.base}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'alice@a.test', password: PASSWORD }) });
    const signedIn = await res.json() as { abilities: Record<string, boolean>; csrfToken: string };
    assert.equal(signedIn.abilities.canAdd, true);
    assert.equal(signedIn.abilities.canPublish, false, 'a User does not publish');
    assert.equal(signedIn.abilities.siteAdmin, false);
    assert.equal(signedIn.abilities.canManageUsers, false);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const session = await (await fetch(`${i.base}/auth/session`, { headers: { Cookie: cookie } })).json() as { abilities: Record<string, boolean> };
    assert.deepEqual(session.abilities, signedIn.abilities);
  });

  it('answers what a user may do to an event, and the server holds to it', async () => {
    const alice = (await call(i, i.alice, 'GET', `/cairn/events/${eventId}/abilities`)).body;
    assert.deepEqual({ change: alice.change, publish: alice.publish, tag: alice.tag, add: alice.addAttribute, propose: alice.propose },
      { change: true, publish: false, tag: true, add: true, propose: false });
    assert.equal((await call(i, i.alice, 'POST', `/events/publish/${eventId}`)).status, 403, 'publish: false, and so it is');

    const bob = (await call(i, i.bob, 'GET', `/cairn/events/${eventId}/abilities`)).body;
    assert.deepEqual({ change: bob.change, delete: bob.delete, tag: bob.tag, tagLocally: bob.tagLocally, add: bob.addObject, propose: bob.propose },
      { change: false, delete: false, tag: false, tagLocally: false, add: false, propose: true });
    assert.equal((await call(i, i.bob, 'POST', `/events/delete/${eventId}`)).status, 403, 'delete: false, and so it is');

    const admin = (await call(i, i.admin, 'GET', `/cairn/events/${eventId}/abilities`)).body;
    assert.ok(admin.change && admin.publish && admin.delete && admin.purgeItems);
    assert.equal((await call(i, i.admin, 'POST', `/events/publish/${eventId}`)).status, 200);
  });

  it('knows no event the user may not see', async () => {
    assert.equal((await call(i, i.bob, 'GET', `/cairn/events/${drafts}/abilities`)).status, 404);
    assert.equal((await call(i, i.bob, 'POST', `/events/delete/${drafts}`)).status, 404, 'a refusal would tell him it exists');
    assert.equal((await call(i, i.alice, 'GET', '/cairn/events/999999/abilities')).status, 404);
  });
});
