import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { call, serve } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

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

  it('refuses an address that keeps sending wrong keys, whatever key it sends next', async () => {
    const i = await serve(await fixture.open(), { failedAuthLimit: 3 });
    servers.push(i.app);
    for (let n = 0; n < 3; n++) assert.equal((await call(i, 'X'.repeat(40), 'GET', '/users/view/me')).status, 403);
    const refused = await fetch(`${i.base}/users/view/me`, { headers: { Authorization: i.alice, Accept: 'application/json' } });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(((await refused.json()) as { message: string }).message, /Too many failed authentications/);
  });

  it('refuses a body over the size limit with 413, and malformed JSON with 400, never a 500', async () => {
    const i = await serve(await fixture.open(), { bodyLimit: 1024 });
    servers.push(i.app);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'x'.repeat(2000) } })).status, 413);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', '{"Event": ')).status, 400);
  });
});
