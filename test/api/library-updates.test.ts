import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Store } from '../../src/store/db/database.js';
import { MIGRATIONS } from '../../src/store/db/migrate.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

forEachDialect('REST API: library updates and instance diagnostics', (fixture) => {
  let i: Instance;
  let bare: Instance;
  let store: Store;
  // A copy of the fixture libraries, whose versions a test moves on.
  const dir = mkdtempSync(join(tmpdir(), 'cairn-libraries-'));
  before(async () => {
    cpSync(fixturePath('misp'), dir, { recursive: true });
    // A list loaded after RFC 1918's (a later id) whose name sorts before it, holding one of its values.
    mkdirSync(join(dir, 'misp-warninglists', 'lists', 'zz-private'));
    writeFileSync(join(dir, 'misp-warninglists', 'lists', 'zz-private', 'list.json'), JSON.stringify({
      name: 'Another private range', description: 'test', version: 1, type: 'cidr', matching_attributes: ['ip-src', 'ip-dst'], list: ['10.0.0.0/8'],
    }));
    store = await fixture.open();
    i = await serve(store, { libraryDirs: [dir] });
    // The same store served without configured folders.
    bare = { ...i, ...(await (async () => {
      const { buildServer } = await import('../../src/api/server.js');
      const app = await buildServer(store);
      return { app, base: await app.listen({ host: '127.0.0.1', port: 0 }) };
    })()) };
  });
  after(async () => {
    await bare.app.close();
    await i.app.close();
    await fixture.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses updates to all but site admins, and says when no folder is configured', async () => {
    const refused = await call(i, i.alice, 'POST', '/taxonomies/update');
    assert.equal(refused.status, 403);
    const none = await call(bare, bare.admin, 'POST', '/galaxies/update');
    assert.equal(none.status, 400);
    assert.match(none.body.message, /No library folder is configured.*CAIRN_LIBRARIES/);
    assert.equal((await call(i, i.admin, 'GET', '/galaxies/index')).body.length, 0, 'nothing was loaded');
  });

  it('loads each kind from the folders, then finds it up to date', async () => {
    const taxonomies = await call(i, i.admin, 'POST', '/taxonomies/update');
    assert.equal(taxonomies.status, 200);
    assert.match(taxonomies.body.name, /^Successfully updated \d+ taxonomy libraries\.$/);
    assert.equal((await call(i, i.admin, 'POST', '/taxonomies/update')).body.name, 'All taxonomy libraries are up to date already.');
    assert.ok((await call(i, i.alice, 'GET', '/taxonomies/view/admiralty-scale')).status === 200);

    assert.deepEqual((await call(i, i.admin, 'POST', '/galaxies/update')).body.name, 'Galaxies updated.');
    const galaxies = (await call(i, i.alice, 'GET', '/galaxies/index')).body.map((g: { Galaxy: { type: string } }) => g.Galaxy.type);
    assert.deepEqual(galaxies.sort(), ['threat-actor', 'tool']);
    assert.equal((await call(i, i.admin, 'POST', '/galaxies/update')).body.name, 'Galaxies updated.', 'MISP says the same whatever changed');

    assert.equal((await call(i, i.admin, 'POST', '/noticelists/update')).body.name, 'Successfully updated 1 noticelists.');
    assert.equal((await call(i, i.admin, 'POST', '/noticelists/update')).body.name, 'All noticelists are up to date already.');
    assert.equal((await call(i, i.admin, 'POST', '/warninglists/update')).body.name, 'Successfully updated 4 warninglists.');
    assert.equal((await call(i, i.admin, 'POST', '/warninglists/update')).body.name, 'All warninglists are up to date already.');

    const templates = await call(i, i.admin, 'POST', '/objectTemplates/update');
    assert.equal(templates.status, 200);
    assert.deepEqual(templates.body.map((t: { ObjectTemplate: { name: string } }) => t.ObjectTemplate.name).sort(), ['domain-ip', 'file'], 'answers the templates, as MISP redirects to their index');
  });

  it('stores a library whose version moved, keeping its id and enabled state', async () => {
    const before = (await call(i, i.alice, 'GET', '/noticelists/view/gdpr')).body.Noticelist;
    assert.equal((await call(i, i.admin, 'POST', `/noticelists/enableNoticelist/${before.id}/true`)).status, 200);
    const file = join(dir, 'misp-noticelist', 'lists', 'gdpr', 'list.json');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { version: number };
    writeFileSync(file, JSON.stringify({ ...doc, version: doc.version + 1 }));
    assert.equal((await call(i, i.admin, 'POST', '/noticelists/update')).body.name, 'Successfully updated 1 noticelists.');
    const after = (await call(i, i.alice, 'GET', '/noticelists/view/gdpr')).body.Noticelist;
    assert.deepEqual([after.id, after.enabled, after.version], [before.id, true, String(doc.version + 1)]);
    const log = (await call(i, i.admin, 'GET', '/admin/audit_logs/index?model=Noticelist&action=update')).body;
    assert.ok(log.length >= 1, 'each update is in the audit log');
  });

  it('shows a warninglist with its values, and lists correlation exclusions at the bare path', async () => {
    const list = (await call(i, i.alice, 'GET', '/warninglists/index')).body.Warninglists
      .find((w: { Warninglist: { name: string } }) => w.Warninglist.name.includes('RFC 1918')) ?? (await call(i, i.alice, 'GET', '/warninglists/index')).body.Warninglists[0];
    const view = await call(i, i.alice, 'GET', `/warninglists/view/${list.Warninglist.id}`);
    assert.equal(view.status, 200);
    assert.ok(view.body.Warninglist.WarninglistEntry.length > 0);
    assert.equal(view.body.Warninglist.WarninglistEntry[0].warninglist_id, list.Warninglist.id);
    assert.ok(Array.isArray(view.body.Warninglist.WarninglistType));

    // A value on two lists: the lists in id order, as MISP gives them.
    const hits = (await call(i, i.alice, 'POST', '/warninglists/checkValue', ['10.1.2.3'])).body['10.1.2.3'];
    assert.deepEqual(hits.map((h: { name: string }) => h.name), ['RFC 1918 private ranges', 'Another private range']);

    assert.equal((await call(i, i.admin, 'POST', '/correlation_exclusions/add', { value: 'bare-path.test' })).status, 200);
    const bareList = await call(i, i.admin, 'GET', '/correlation_exclusions');
    assert.deepEqual(bareList.body, (await call(i, i.admin, 'GET', '/correlation_exclusions/index')).body);
    assert.equal(bareList.body[0].CorrelationExclusion.value, 'bare-path.test');
    assert.equal((await call(i, i.alice, 'GET', '/correlation_exclusions')).status, 403);
  });

  it("diagnoses the store's schema against its migrations' snapshot", async () => {
    assert.equal((await call(i, i.alice, 'GET', '/servers/dbSchemaDiagnostic')).status, 403);
    const d = await call(i, i.admin, 'GET', '/servers/dbSchemaDiagnostic');
    assert.equal(d.status, 200);
    assert.equal(d.body.actual_db_version, MIGRATIONS.at(-1));
    assert.equal(d.body.expected_db_version, d.body.actual_db_version);
    assert.equal(d.body.error, '');
    assert.deepEqual(d.body.diagnostic, {}, 'a migrated store has the schema of its snapshot');
    assert.ok(d.body.checked_table_column.event.includes('uuid'));
    // A column the migrations do not make shows as one that should not exist.
    await store.db.schema.alterTable('noticelist').addColumn('stray', 'text').execute();
    try {
      const again = (await call(i, i.admin, 'GET', '/servers/dbSchemaDiagnostic')).body;
      assert.deepEqual(again.diagnostic.noticelist.map((x: { error_type: string; column_name: string }) => [x.error_type, x.column_name]), [['additional', 'stray']]);
    } finally {
      await store.db.schema.alterTable('noticelist').dropColumn('stray').execute();
    }
  });

  it('checks its route table as MISP checks its ACL, and lists its APIs', async () => {
    assert.equal((await call(i, i.alice, 'GET', '/events/queryACL/findMissingFunctionNames')).status, 403);
    const acl = await call(i, i.admin, 'GET', '/events/queryACL/findMissingFunctionNames');
    assert.deepEqual([acl.status, acl.body], [200, []], 'every route says what it does');
    assert.equal((await call(i, i.admin, 'GET', '/events/queryACL/printAllFunctionNames')).status, 400);
    const apis = await call(i, i.admin, 'GET', '/api/getAllApis.json');
    assert.equal(apis.status, 200);
    const update = apis.body.allValidApis['POST /taxonomies/update'];
    assert.deepEqual([update.controller, update.action, update.api_name], ['taxonomies', 'update', '[taxonomies] update']);
    assert.equal(apis.body.allValidApis['GET /events/view/[id]'].controller, 'events');
    assert.equal(apis.body.allValidApis['POST /admin/users/add'].action, 'admin_add');
  });
});
