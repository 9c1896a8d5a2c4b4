import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../helpers/stores.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ADMIN_KEY = `${'F'.repeat(20)}${randomBytes(10).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'cairn-first-start-'));
const children: ChildProcess[] = [];
const schemas: string[] = [];
after(async () => {
  await Promise.all(children.map((c) => new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve(undefined);
    c.once('exit', resolve);
    c.kill('SIGTERM');
  })));
  rmSync(work, { recursive: true, force: true });
  if (schemas.length && TEST_DATABASE_URL) {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await client.end();
  }
});

/** `cairn serve --port 0 --workers 1`; resolves with its address and what it wrote, or rejects with what it wrote when it stops. */
function serve(env: NodeJS.ProcessEnv): Promise<{ base: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--port', '0', '--workers', '1'], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: '', CAIRN_ADMIN_KEY: ADMIN_KEY, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving MISP's REST API on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ base: m[1]!, stderr: () => err });
    });
    child.on('exit', () => reject(new Error(`serve stopped: ${err}`)));
  });
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`three servers started at once on an empty store [${dialect}]`, { skip: dialect === 'postgres' && !TEST_DATABASE_URL ? 'needs PostgreSQL (npm test provides it)' : false }, () => {
    it('take turns: one migrates and makes the admin, the others find it done, and all serve', async () => {
      const schema = `first_${randomBytes(5).toString('hex')}`;
      if (dialect === 'postgres') schemas.push(schema);
      const env = dialect === 'sqlite' ? { CAIRN_DB: join(work, 'first.db') } : { DATABASE_URL: TEST_DATABASE_URL!, CAIRN_PG_SCHEMA: schema };
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
