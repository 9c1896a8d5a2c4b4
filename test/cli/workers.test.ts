import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { serveProcesses } from '../helpers/serve-process.js';
import { TEST_DATABASE_URL } from '../helpers/stores.js';

const { adminKey: ADMIN_KEY, storeEnv, serve } = serveProcesses('workers');

async function call(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method, headers: { Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The server processes a primary runs: its children. */
function childrenOf(pid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
}

/**
 * What each process keeps (keys are read per request; settings and the writers' tag and organisation
 * ids are checked against the store's generation counters) stays right when another process changes
 * it: two servers on one SQLite file, each asked in turn.
 */
describe('two server processes on one SQLite file', () => {
  it('a key revoked, a setting changed, a tag deleted in one are seen at once by the other', async () => {
    const env = storeEnv('sqlite', 'two');
    const one = (await serve(env, ['--workers', '1'])).base;
    const two = (await serve(env, ['--workers', '1'])).base;

    const org = await call(one, ADMIN_KEY, 'POST', '/admin/organisations/add', { name: 'Org W' });
    const user = await call(two, ADMIN_KEY, 'POST', '/admin/users/add', { email: 'w@w.test', org_id: org.body.Organisation.id });
    assert.equal(user.status, 200, JSON.stringify(user.body));
    const made = await call(one, ADMIN_KEY, 'POST', `/auth_keys/add/${user.body.User.id}`);
    const key = made.body.AuthKey.authkey_raw as string;
    assert.equal((await call(two, key, 'GET', '/users/view/me')).status, 200);

    // A setting: MISP.live off leaves the instance to site admins, on every server at once.
    assert.equal((await call(one, ADMIN_KEY, 'POST', '/servers/serverSettingsEdit/MISP.live', { value: false })).status, 200);
    assert.equal((await call(two, key, 'GET', '/users/view/me')).status, 403);
    assert.equal((await call(two, ADMIN_KEY, 'POST', '/servers/serverSettingsEdit/MISP.live', { value: true })).status, 200);
    assert.equal((await call(one, key, 'GET', '/users/view/me')).status, 200);

    // A tag both servers' writers know by id, deleted on one: the other must not write the old id.
    const tagged = { Event: { info: 'Tagged', distribution: 0, Tag: [{ name: 'cluster:test' }], Attribute: [{ type: 'domain', value: 'tagged.example' }] } };
    assert.equal((await call(one, ADMIN_KEY, 'POST', '/events/add', tagged)).status, 200);
    assert.equal((await call(two, ADMIN_KEY, 'POST', '/events/add', tagged)).status, 200);
    const tag = (await call(one, ADMIN_KEY, 'GET', '/tags/index')).body.Tag.find((t: { name: string }) => t.name === 'cluster:test');
    assert.equal((await call(one, ADMIN_KEY, 'POST', `/tags/delete/${tag.id}`)).status, 200);
    const again = await call(two, ADMIN_KEY, 'POST', '/events/add', tagged);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body.Event.Tag.map((t: { name: string }) => t.name), ['cluster:test']);

    // The key, revoked on one, is refused by the other at its next request.
    assert.equal((await call(one, ADMIN_KEY, 'POST', `/auth_keys/delete/${made.body.AuthKey.id}`)).status, 200);
    assert.equal((await call(two, key, 'GET', '/users/view/me')).status, 403);
  });
});

/**
 * `--workers 2`: two processes on one port. Events added at once through both are each stored once,
 * with ids of their own, and correlate with exactly those that share a value with them: one writer at a time (SQLite's lock,
 * PostgreSQL's transactions), whichever process writes.
 */
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`cairn serve --workers 2 [${dialect}]`, { skip: dialect === 'postgres' && !TEST_DATABASE_URL ? 'needs PostgreSQL (npm test provides it)' : false }, () => {
    it('runs two processes on one port whose concurrent writes keep ids and correlations exact', async () => {
      const env = storeEnv(dialect, 'cluster');
      const { base, child } = await serve(env, ['--workers', '2']);
      assert.equal(childrenOf(child.pid!).length, 2, 'two server processes');

      const n = 40;
      const added = await Promise.all(Array.from({ length: n }, (_, k) => call(base, ADMIN_KEY, 'POST', '/events/add', {
        Event: { info: `Concurrent ${k}`, distribution: 1, Attribute: [{ type: 'domain', value: `shared-${k % 4}.example` }, { type: 'ip-dst', value: `10.9.${k}.1` }] },
      })));
      assert.deepEqual(added.filter((a) => a.status !== 200).map((a) => a.body), []);
      const ids = added.map((a) => Number(a.body.Event.id));
      assert.equal(new Set(ids).size, n, 'every event has an id of its own');

      const index = await call(base, ADMIN_KEY, 'GET', '/events/index');
      assert.equal(index.body.length, n);
      // Four groups of ten events share a value (fewer than the over-correlation threshold of 20).
      for (const k of [0, 1, n >> 1, n - 1]) {
        const id = ids[k]!;
        const view = await call(base, ADMIN_KEY, 'GET', `/events/view/${id}`);
        const related = view.body.Event.RelatedEvent.map((r: { Event: { id: string } }) => Number(r.Event.id)).sort((a: number, b: number) => a - b);
        const group = ids.filter((other, j) => j % 4 === k % 4 && other !== id).sort((a, b) => a - b);
        assert.deepEqual(related, group, `event ${id} correlates with the nine others of its group`);
      }
      const found = await call(base, ADMIN_KEY, 'POST', '/attributes/restSearch', { value: 'shared-0.example' });
      assert.equal(found.body.response.Attribute.length, n / 4);
    });
  });
}
