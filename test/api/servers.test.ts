import assert from 'node:assert/strict';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { after, before, it } from 'node:test';
import { findOrganisation, addOrganisation } from '../../src/store/access/organisations.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import type { Store } from '../../src/store/db/database.js';
import { serverAuthkey } from '../../src/store/servers.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const REMOTE_KEY = 'R'.repeat(20) + 'k'.repeat(20);

forEachDialect('REST API: servers (remote instances)', (fixture) => {
  let i: Instance;
  let store: Store;
  let remoteOrg: { id: number; uuid: string };
  let syncKey: string;

  before(async () => {
    store = await fixture.open();
    i = await serve(store);
    remoteOrg = await addOrganisation(store, 'Remote Org');
    const made = await addUser(store, 'sync@remote.test', remoteOrg.id, 'Sync user');
    assert.ok(made.ok);
    syncKey = await addApiKey(store, made.user.id);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it("adds, edits, lists and deletes a server as PyMISP's test_servers does, and never shows the key", async () => {
    const added = await call(i, i.admin, 'POST', '/servers/add', { Server: { name: 'Test Server', url: 'https://127.0.0.1/', remote_org_id: remoteOrg.id, authkey: REMOTE_KEY } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const s = added.body.Server;
    assert.equal(s.name, 'Test Server');
    assert.equal(s.url, 'https://127.0.0.1');
    assert.equal(s.remote_org_id, String(remoteOrg.id));
    assert.equal(s.authkey, undefined);
    assert.equal(JSON.stringify(added.body).includes(REMOTE_KEY), false);
    assert.equal(s.pull, false);
    assert.deepEqual(JSON.parse(s.pull_rules), { tags: { OR: [], NOT: [] }, orgs: { OR: [], NOT: [] }, type_attributes: { NOT: [] }, type_objects: { NOT: [] }, url_params: '' });
    // Stored sealed: the row holds no trace of the key, and only the store's own reader opens it.
    const row = await store.db.selectFrom('server').select('authkey').where('id', '=', Number(s.id)).executeTakeFirstOrThrow();
    assert.equal(Buffer.from(row.authkey).includes(Buffer.from(REMOTE_KEY)), false);
    assert.equal(await serverAuthkey(store, Number(s.id)), REMOTE_KEY);

    // PyMISP's update_server sends back what add answered, with a new name.
    const edited = await call(i, i.admin, 'POST', `/servers/edit/${s.id}`, { ...s, name: 'Updated name', pull: true, pull_rules: { tags: { OR: ['tlp:clear'], NOT: [] } } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.Server.name, 'Updated name');
    assert.equal(edited.body.Server.pull, true);
    assert.deepEqual(JSON.parse(edited.body.Server.pull_rules), { tags: { OR: ['tlp:clear'], NOT: [] } });
    assert.equal(await serverAuthkey(store, Number(s.id)), REMOTE_KEY, 'an edit without a key keeps the stored one');

    const list = await call(i, i.admin, 'GET', '/servers/index');
    assert.equal(list.status, 200);
    assert.equal(list.body[0].Server.name, 'Updated name');
    assert.equal(list.body[0].RemoteOrg.uuid, remoteOrg.uuid);
    assert.equal(JSON.stringify(list.body).includes(REMOTE_KEY), false);

    const removed = await call(i, i.admin, 'POST', `/servers/delete/${s.id}`);
    assert.equal(removed.status, 200);
    assert.equal(removed.body.name, 'Server deleted');
    assert.equal((await call(i, i.admin, 'POST', `/servers/delete/${s.id}`)).status, 404);
  });

  it('refuses what MISP refuses: no remote organisation, a bad url, bad rules, a bad key; and everyone but site admins', async () => {
    const base = { name: 'x', url: 'https://misp.example', remote_org_id: remoteOrg.uuid, authkey: REMOTE_KEY };
    assert.equal((await call(i, i.admin, 'POST', '/servers/add', { ...base, remote_org_id: undefined })).status, 405);
    const badUrl = await call(i, i.admin, 'POST', '/servers/add', { ...base, url: 'ftp://x' });
    assert.equal(badUrl.status, 403);
    assert.ok(badUrl.body.errors.url);
    const badRules = await call(i, i.admin, 'POST', '/servers/add', { ...base, pull_rules: '{nope' });
    assert.equal(badRules.status, 403);
    assert.match(badRules.body.errors.pull_rules[0], /valid JSON/);
    assert.equal((await call(i, i.admin, 'POST', '/servers/add', { ...base, authkey: 'short' })).status, 403);
    assert.equal((await call(i, i.admin, 'POST', '/servers/add', { ...base, remote_org_id: 9999 })).status, 403);
    for (const key of [i.alice, syncKey]) {
      assert.equal((await call(i, key, 'GET', '/servers/index')).status, 403);
      assert.equal((await call(i, key, 'POST', '/servers/add', base)).status, 403);
    }
    // By uuid, and the organisation cannot be deleted while a server names it.
    const ok = await call(i, i.admin, 'POST', '/servers/add', base);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const org = await findOrganisation(store, remoteOrg.uuid);
    assert.equal(ok.body.Server.remote_org_id, String(org!.id));
    await call(i, i.admin, 'POST', `/servers/delete/${ok.body.Server.id}`);
  });

  it("answers MISP's getVersion and postTest, with gzip and br bodies", async () => {
    const v = await call(i, syncKey, 'GET', '/servers/getVersion');
    assert.equal(v.status, 200);
    assert.match(v.body.version, /^2\.5\./);
    for (const k of ['perm_sync', 'perm_sighting', 'perm_galaxy_editor', 'perm_analyst_data', 'filter_sightings']) assert.equal(typeof v.body[k], 'boolean', k);
    assert.equal(v.body.perm_sync, true);
    assert.match(v.body.uuid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(v.body.request_encoding, ['gzip', 'br']);
    assert.equal((await call(i, i.alice, 'GET', '/servers/getVersion')).body.uuid, '-');

    const text = 'MISP sync test '.repeat(420);
    for (const [encoding, bytes] of [['gzip', gzipSync(JSON.stringify({ testString: text }))], ['br', brotliCompressSync(JSON.stringify({ testString: text }))]] as const) {
      const res = await fetch(`${i.base}/servers/postTest`, {
        method: 'POST', body: bytes,
        headers: { Authorization: syncKey, Accept: 'application/json', 'Content-Type': 'application/json', 'Content-Encoding': encoding },
      });
      assert.equal(res.status, 200, encoding);
      const body = await res.json() as { body: { testString: string }; headers: Record<string, unknown> };
      assert.equal(body.body.testString, text);
      assert.deepEqual(body.headers, { 'Content-type': 'application/json', Accept: 'application/json', Authorization: 'OK' });
    }
    const broken = await fetch(`${i.base}/servers/postTest`, {
      method: 'POST', body: Buffer.from('not gzip at all'), headers: { Authorization: syncKey, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    });
    assert.equal(broken.status, 400);
  });
});
