import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

// MISP's directory of sharing communities, read from the configured library folders as MISP reads the
// list it ships (app/files/community-metadata/defaults.json). The list here is the test's own.
const community = (n: number, vetted: boolean, sector: string) => ({
  name: `Community ${n}`, uuid: `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`, org_uuid: 'c0ffee00-0000-4000-8000-000000000001',
  org_name: 'Host Org', description: `Sharing for ${sector}`, url: 'https://example.org/', sector, nationality: 'International',
  type: 'Vetted Information Sharing Community', email: 'contact@example.org', logo: '', pgp_key: '', misp_project_vetted: vetted,
  scope_of_data_to_be_shared: 'indicators',
});

forEachDialect('REST API: communities', (fixture) => {
  let i: Instance;
  let bare: Instance;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-communities-'));
  before(async () => {
    mkdirSync(join(dir, 'community-metadata'));
    writeFileSync(join(dir, 'community-metadata', 'defaults.json'), JSON.stringify([community(1, true, 'Finance'), community(2, false, 'Health'), community(3, true, 'Energy')]));
    const store = await fixture.open();
    i = await serve(store, { libraryDirs: [dir] });
    bare = await serve(await fixture.open(), {});
  });
  after(async () => {
    await i.app.close();
    await bare.app.close();
    await fixture.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the vetted communities by default, numbered by their place in the list, with their organisation', async () => {
    const res = await call(i, i.alice, 'GET', '/communities/index');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.map((c: { id: number; name: string }) => [c.id, c.name]), [[1, 'Community 1'], [3, 'Community 3']]);
    assert.deepEqual(res.body[0].Org, { uuid: 'c0ffee00-0000-4000-8000-000000000001', name: 'Host Org' });
    const unvetted = await call(i, i.alice, 'GET', '/communities/index/context:unvetted');
    assert.deepEqual(unvetted.body.map((c: { id: number }) => c.id), [2]);
    const searched = await call(i, i.alice, 'GET', '/communities/index?value=ENERGY');
    assert.deepEqual(searched.body.map((c: { id: number }) => c.id), [3]);
    assert.equal((await call(i, i.alice, 'GET', '/communities/index?context=secret')).status, 400);
  });

  it('shows one community by place or uuid, and answers 404 for another', async () => {
    const byId = await call(i, i.alice, 'GET', '/communities/view/2');
    assert.equal(byId.body.name, 'Community 2');
    const byUuid = await call(i, i.alice, 'GET', '/communities/view/c0000000-0000-4000-8000-000000000003');
    assert.equal(byUuid.body.id, 3);
    assert.equal((await call(i, i.alice, 'GET', '/communities/view/9')).status, 404);
    assert.equal((await call(i, null, 'GET', '/communities/view/1')).status, 403);
  });

  it('lists none when no library folder holds a community list', async () => {
    const res = await call(bare, bare.alice, 'GET', '/communities/index');
    assert.deepEqual(res.body, []);
  });
});
