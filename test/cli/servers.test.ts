import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import { openStore, type Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { ROOT, cairnArgs } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'cairn-cli-servers-'));
const db = join(work, 'cairn.db');
const run = promisify(execFile);

/** The command line runs while a remote Cairn serves in this process: it is started without blocking. */
async function cairn(args: string[]) {
  try {
    const r = await run(process.execPath, cairnArgs(...args), { cwd: ROOT, env: { ...process.env, CAIRN_DB: db, DATABASE_URL: '' } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

describe('cairn servers', () => {
  let remote: Instance;
  let remoteStore: Store;
  let key: string;

  before(async () => {
    remoteStore = await openStore({ sqlitePath: join(work, 'remote.db') });
    remote = await serve(remoteStore);
    const org = await addOrganisation(remoteStore, 'Host');
    const sync = await addUser(remoteStore, 'sync@host.test', org.id, 'Sync user');
    assert.ok(sync.ok);
    key = await addApiKey(remoteStore, sync.user.id);
    const made = await call(remote, remote.admin, 'POST', '/events/add', { Event: { info: 'remote event', distribution: 1, published: true, Attribute: [{ type: 'domain', value: 'cli.example' }] } });
    assert.equal(made.status, 200);
  });
  after(async () => {
    await remote.app.close();
    await remoteStore.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('adds a server, tests it, pulls, pushes and lists the runs', async () => {
    assert.equal((await cairn(['orgs', 'add', 'Host'])).code, 0);
    assert.equal((await cairn(['orgs', 'add', 'Remote'])).code, 0);
    const added = await cairn(['servers', 'add', 'remote', '--url', remote.base, '--key', key, '--remote-org', 'Remote', '--on', 'pull,push', '--pull-interval', '30']);
    assert.equal(added.code, 0, added.err);
    assert.match(added.out, /^\s+1\s+remote\s+http:\/\/127\.0\.0\.1:\d+\s+remote org Remote\s+\[push,pull\]\s+pull every 30 min/);
    assert.match((await cairn(['servers'])).out, /remote org Remote/);
    const tested = await cairn(['servers', 'test', '1']);
    assert.equal(tested.code, 0, tested.err);
    assert.equal(JSON.parse(tested.out).status, 1);
    const pulled = await cairn(['servers', 'pull', '1']);
    assert.equal(pulled.code, 0, pulled.err);
    assert.match(pulled.out, /^run 1: pull full ok: 1 pulled, 0 pushed, 0 refused/);
    const again = await cairn(['servers', 'pull', '1', 'incremental']);
    assert.match(again.out, /^run 2: pull incremental ok: 0 pulled/);
    const pushed = await cairn(['servers', 'push', '1']);
    assert.match(pushed.out, /^run 3: push full ok: 0 pulled, 0 pushed, 0 refused/, pushed.out + pushed.err);
    const runs = JSON.parse((await cairn(['servers', 'runs', '1', '--json'])).out) as Array<{ id: number; kind: string }>;
    assert.deepEqual(runs.map((r) => [r.id, r.kind]), [[3, 'push'], [2, 'pull'], [1, 'pull']]);
    assert.equal((await cairn(['servers', 'delete', '1'])).code, 0);
    assert.equal((await cairn(['servers'])).out, '');
  });

  it('refuses what it cannot do, naming the field', async () => {
    assert.match((await cairn(['servers', 'add', 'x', '--url', 'ftp://x', '--key', key, '--remote-org', 'Remote'])).err, /--url: Please enter a valid base-url/);
    assert.match((await cairn(['servers', 'add', 'x', '--url', remote.base, '--key', 'short', '--remote-org', 'Remote'])).err, /--key: A authkey of a length of 40/);
    assert.match((await cairn(['servers', 'add', 'x', '--url', remote.base, '--key', key, '--remote-org', 'Nobody'])).err, /--remote-org: no organisation "Nobody"/);
    assert.match((await cairn(['servers', 'add', 'x', '--url', remote.base, '--key', key, '--remote-org', 'Remote', '--on', 'fly'])).err, /--on: "fly" is not one of MISP's server flags/);
    assert.match((await cairn(['servers', 'pull', '9'])).err, /there is no server 9/);
    assert.match((await cairn(['servers', 'frobnicate'])).err, /unknown action "frobnicate"/);
  });
});
