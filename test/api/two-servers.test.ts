import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../helpers/stores.js';
import { ROOT, cairnArgs } from '../helpers/cli.js';

const ADMIN_KEY = `${'B'.repeat(20)}${randomBytes(10).toString('hex')}`;

/** Two `cairn serve` processes on one PostgreSQL database behave as one instance. */
describe('two cairn serve processes on one PostgreSQL database', { skip: TEST_DATABASE_URL ? false : 'needs PostgreSQL (npm test provides it)' }, () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const children: ChildProcess[] = [];
  let one: string;
  let two: string;

  async function start(): Promise<string> {
    const child = spawn(process.execPath, cairnArgs('serve', '--port', '0'), {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, CAIRN_PG_SCHEMA: schema, CAIRN_ADMIN_KEY: ADMIN_KEY },
    });
    children.push(child);
    let err = '';
    return new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /serving MISP's REST API on (http:\/\/[^\s]+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
  }

  const call = async (base: string, key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method, headers: { Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  before(async () => {
    one = await start();
    two = await start();
  });
  after(async () => {
    await Promise.all(children.map((c) => new Promise((resolve) => {
      c.on('exit', resolve);
      c.kill('SIGTERM');
    })));
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('shares users, keys and events: what one server writes, the other reads at once', async () => {
    const org = await call(one, ADMIN_KEY, 'POST', '/admin/organisations/add', { name: 'Org Two' });
    const user = await call(two, ADMIN_KEY, 'POST', '/admin/users/add', { email: 'u@two.test', org_id: org.body.Organisation.id });
    assert.equal(user.status, 200, JSON.stringify(user.body));
    const key = (await call(one, ADMIN_KEY, 'POST', `/auth_keys/add/${user.body.User.id}`)).body.AuthKey.authkey_raw as string;
    assert.equal((await call(two, key, 'GET', '/users/view/me')).body.User.email, 'u@two.test');

    const made = await call(one, key, 'POST', '/events/add', { Event: { info: 'From one', distribution: 0, Attribute: [{ type: 'domain', value: 'both.example' }] } });
    assert.equal(made.status, 200);
    const seen = await call(two, key, 'GET', `/events/view/${made.body.Event.uuid}`);
    assert.equal(seen.body.Event.info, 'From one');
    assert.equal((await call(two, key, 'POST', `/events/edit/${made.body.Event.id}`, { Event: { info: 'Edited on two' } })).status, 200);
    assert.equal((await call(one, key, 'GET', `/events/view/${made.body.Event.id}`)).body.Event.info, 'Edited on two');

    const other = await call(two, ADMIN_KEY, 'POST', '/events/add', { Event: { info: 'Admin, from two', distribution: 1, Attribute: [{ type: 'domain', value: 'both.example' }] } });
    const related = (await call(one, key, 'GET', `/events/view/${made.body.Event.uuid}`)).body.Event.RelatedEvent;
    assert.deepEqual(related.map((r: { Event: { uuid: string } }) => r.Event.uuid), [other.body.Event.uuid], 'correlations span both servers');
  });

  it('stores concurrent adds on both servers, each once, and one event per uuid whichever server is asked', async () => {
    const adds = Array.from({ length: 20 }, (_, n) => call(n % 2 ? one : two, ADMIN_KEY, 'POST', '/events/add',
      { Event: { info: `Burst ${n}`, distribution: 1, Attribute: Array.from({ length: 20 }, (_x, k) => ({ type: 'ip-dst', value: `10.${n}.0.${k}` })) } }));
    assert.deepEqual((await Promise.all(adds)).map((r) => r.status), Array(20).fill(200));
    const index = (await call(two, ADMIN_KEY, 'GET', '/events/index?eventinfo=Burst')).body as Array<{ attribute_count: string }>;
    assert.equal(index.length, 20);
    assert.ok(index.every((e) => e.attribute_count === '20'));

    for (let round = 0; round < 5; round++) {
      const uuid = randomUUID();
      const race = await Promise.all([one, two].map((base) => call(base, ADMIN_KEY, 'POST', '/events/add', { Event: { uuid, info: `Race ${round}`, Attribute: [{ type: 'domain', value: `race${round}.example` }] } })));
      // The loser is refused: MISP's 404 with Location once the winner is visible, a 403 while it is being written.
      const statuses = race.map((r) => r.status).sort();
      assert.ok(statuses[0] === 200 && (statuses[1] === 403 || statuses[1] === 404), JSON.stringify(race.map((r) => r.body)));
    }
  });

  it('applies a disabled user, a changed role, a revoked key and a changed setting on the other server at the very next request', async () => {
    const org = await call(one, ADMIN_KEY, 'POST', '/admin/organisations/add', { name: 'Org Access' });
    const user = await call(one, ADMIN_KEY, 'POST', '/admin/users/add', { email: 'access@two.test', org_id: org.body.Organisation.id, role_id: 3 });
    const id = user.body.User.id as string;
    const key = user.body.User.authkey as string;
    const event = { Event: { info: 'Access', distribution: 0 } };
    assert.equal((await call(two, key, 'POST', '/events/add', event)).status, 200, 'two knows the key (and caches who it is)');
    assert.equal((await call(one, ADMIN_KEY, 'POST', `/admin/users/edit/${id}`, { role_id: 6 })).status, 200);
    assert.equal((await call(two, key, 'POST', '/events/add', event)).status, 403, 'the Read Only role applies on two at once');
    assert.equal((await call(one, ADMIN_KEY, 'POST', `/admin/users/edit/${id}`, { disabled: true })).status, 200);
    assert.equal((await call(two, key, 'GET', '/users/view/me')).status, 403, 'the disabled user is refused by two at once');
    await call(one, ADMIN_KEY, 'POST', `/admin/users/edit/${id}`, { disabled: false });
    assert.equal((await call(two, key, 'GET', '/users/view/me')).status, 200);
    assert.equal((await call(one, ADMIN_KEY, 'POST', '/servers/serverSettingsEdit/MISP.live', { value: false })).status, 200);
    assert.equal((await call(two, key, 'GET', '/users/view/me')).status, 403, 'a setting changed on one applies on two at once');
    assert.equal((await call(two, ADMIN_KEY, 'GET', '/users/view/me')).status, 200, 'site admins still work');
    await call(one, ADMIN_KEY, 'POST', '/servers/serverSettingsEdit/MISP.live', { value: true });
    assert.equal((await call(two, key, 'GET', '/users/view/me')).status, 200);
    const keys = (await call(one, ADMIN_KEY, 'GET', '/auth_keys/index')).body as Array<{ AuthKey: { id: string; user_id: string } }>;
    for (const k of keys.filter((x) => x.AuthKey.user_id === id)) await call(one, ADMIN_KEY, 'POST', `/auth_keys/delete/${k.AuthKey.id}`);
    assert.equal((await call(two, key, 'GET', '/users/view/me')).status, 403, 'the revoked key is refused by two at once');
  });
});
