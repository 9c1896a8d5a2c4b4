import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serveProcesses } from '../helpers/serve-process.js';
import { TEST_DATABASE_URL } from '../helpers/stores.js';

const { adminKey: ADMIN_KEY, storeEnv, serve: serveWith } = serveProcesses('first-start');
/** `cairn serve --port 0 --workers 1`. */
const serve = (env: NodeJS.ProcessEnv) => serveWith(env, ['--workers', '1']);

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`three servers started at once on an empty store [${dialect}]`, { skip: dialect === 'postgres' && !TEST_DATABASE_URL ? 'needs PostgreSQL (npm test provides it)' : false }, () => {
    it('take turns: one migrates and makes the admin, the others find it done, and all serve', async () => {
      const env = storeEnv(dialect, 'first');
      const servers = await Promise.all([serve(env), serve(env), serve(env)]);
      const made = servers.filter((s) => s.stderr().includes('first start: made'));
      assert.equal(made.length, 1, 'exactly one made the admin');
      for (const s of servers) {
        const res = await fetch(`${s.base}/admin/users/index`, { headers: { Authorization: ADMIN_KEY, Accept: 'application/json' } });
        assert.equal(res.status, 200);
        const users = (await res.json()) as Array<{ User: { email: string } }>;
        assert.deepEqual(users.map((u) => u.User.email), ['admin@admin.test']);
      }
      const orgs = await fetch(`${servers[0]!.base}/organisations/index?scope=local`, { headers: { Authorization: ADMIN_KEY, Accept: 'application/json' } });
      assert.equal(((await orgs.json()) as unknown[]).length, 1, 'one host organisation');
    });
  });
}
