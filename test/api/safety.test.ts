import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { call, serve } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';
import { findUser, setPassword } from '../../src/store/access/users.js';

forEachDialect('REST API: audit log, failed authentication and request limits', (fixture) => {
  const servers: FastifyInstance[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await fixture.cleanup();
  });

  it('records who created, changed or deleted what, and shows it to admins only', async () => {
    const i = await serve(await fixture.open());
    servers.push(i.app);
    const made = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Audited', distribution: 1 } });
    const id = made.body.Event.id;
    await call(i, i.alice, 'POST', `/events/edit/${id}`, { Event: { info: 'Audited again' } });
    await call(i, i.alice, 'POST', '/attributes/restSearch', { value: 'x' });
    await call(i, i.bob, 'POST', `/events/delete/${id}`);
    await call(i, i.admin, 'POST', `/events/delete/${id}`);
    assert.equal((await call(i, i.alice, 'GET', '/admin/audit_logs/index')).status, 403);
    const log = ((await call(i, i.admin, 'GET', '/admin/audit_logs/index?model=Event')).body as Array<{ AuditLog: Record<string, string> }>).map((e) => e.AuditLog);
    assert.deepEqual(log.map((e) => [e.email, e.action, e.model_id]), [
      ['admin@admin.test', 'delete', id], ['alice@a.test', 'edit', id], ['alice@a.test', 'add', id],
    ], 'reads and refused changes are not recorded; an add records the id it made');
    assert.equal(log[2]!.title, 'POST /events/add');
    assert.equal(log[2]!.request_ip, '127.0.0.1');
  });

  it('answers 429 to wrong keys past the limit, and never refuses a valid key', async () => {
    const i = await serve(await fixture.open(), { failedAuthLimit: 3 });
    servers.push(i.app);
    for (let n = 0; n < 3; n++) assert.equal((await call(i, 'X'.repeat(40), 'GET', '/users/view/me')).status, 403);
    const refused = await fetch(`${i.base}/users/view/me`, { headers: { Authorization: 'Y'.repeat(40), Accept: 'application/json' } });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(((await refused.json()) as { message: string }).message, /Too many failed authentications/);
    const me = await call(i, i.alice, 'GET', '/users/view/me');
    assert.equal(me.status, 200, 'a valid key from the same address still works');
    assert.equal(me.body.User.email, 'alice@a.test');
  });

  it('limits password sign-ins per address and account, as MISP does: other accounts are not locked out', async () => {
    const store = await fixture.open();
    const i = await serve(store, { failedAuthLimit: 3 });
    servers.push(i.app);
    const alice = (await findUser(store, 'alice@a.test'))!;
    const bob = (await findUser(store, 'bob@b.test'))!;
    await setPassword(store, alice.id, 'alice-password-1');
    await setPassword(store, bob.id, 'bob-password-12');
    const login = (email: string, password: string) => call(i, null, 'POST', '/auth/login', { email, password });
    for (let n = 0; n < 3; n++) assert.equal((await login('alice@a.test', 'wrong-password')).status, 403);
    assert.equal((await login('alice@a.test', 'alice-password-1')).status, 429, 'the account is refused from this address, even with the right password');
    assert.equal((await login('bob@b.test', 'bob-password-12')).status, 200, 'another account signs in from the same address');
    assert.equal((await call(i, i.alice, 'GET', '/users/view/me')).status, 200, "alice's key is not refused");
  });

  it('refuses a body over the size limit with 413, and malformed JSON with 400, never a 500', async () => {
    const i = await serve(await fixture.open(), { bodyLimit: 1024 });
    servers.push(i.app);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'x'.repeat(2000) } })).status, 413);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', '{"Event": ')).status, 400);
  });
});
