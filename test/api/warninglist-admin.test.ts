import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { saveWarninglists } from '../../src/store/libraries/warninglists.js';
import type { Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const EVENT = 'ca000000-0000-4000-8000-0000000001a1';

forEachDialect('REST API: warninglists made here', (fixture) => {
  let i: Instance;
  let store: Store;
  let id: string;
  before(async () => {
    store = await fixture.open();
    await saveWarninglists(store, [
      { name: 'resolvers', description: 'Public DNS resolvers', version: 3, type: 'cidr', matchingAttributes: ['ip-dst'], list: ['8.8.8.0/24'] },
    ], true);
    i = await serve(store);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });
  const lists = async () => ((await call(i, i.alice, 'GET', '/warninglists/index')).body.Warninglists as { Warninglist: { id: string; name: string; default: boolean; category: string } }[])
    .map((l) => l.Warninglist);

  it('refuses a list without what MISP requires, in its words', async () => {
    assert.equal((await call(i, i.alice, 'POST', '/warninglists/add', { name: 'x' })).status, 403, 'a plain user has no perm_warninglist');
    const bad = await call(i, i.admin, 'POST', '/warninglists/add', { Warninglist: { name: '', type: 'glob', category: 'maybe', entries: '' } });
    assert.equal(bad.status, 403);
    assert.deepEqual([bad.body.saved, bad.body.message], [false, 'Could not add warninglist']);
    assert.deepEqual(Object.keys(bad.body.errors).sort(), ['category', 'description', 'entries', 'name', 'type']);
    assert.deepEqual(bad.body.errors.name, ['Name cannot be empty.']);
    const taken = await call(i, i.admin, 'POST', '/warninglists/add', { name: 'resolvers', description: 'd', type: 'string', entries: ['a'] });
    assert.deepEqual(taken.body.errors, { name: ['Warninglist with same name already exists.'] });
  });

  it('makes a list of the instance\'s own, enabled, that applies at once (to every type when it names none)', async () => {
    const add = await call(i, i.admin, 'POST', '/warninglists/add', {
      Warninglist: { name: 'Our hosts', description: 'Internal names', type: 'substring', category: 'known', entries: 'intranet.corp # the portal\nvpn.corp\n' },
    });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    const w = add.body.Warninglist;
    id = w.id;
    assert.deepEqual([w.name, w.default, w.enabled, w.category, w.type, w.version, w.valid_attributes], ['Our hosts', false, true, 'known', 'substring', '1', 'ALL']);
    assert.deepEqual(w.WarninglistEntry.map((e: { value: string }) => e.value), ['intranet.corp', 'vpn.corp']);
    assert.deepEqual(Object.keys((await call(i, i.alice, 'POST', '/warninglists/checkValue', ['mail.intranet.corp'])).body), ['mail.intranet.corp']);
    const event = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: EVENT, info: 'hosts', distribution: 0,
      Attribute: [{ type: 'hostname', value: 'www.vpn.corp' }, { type: 'hostname', value: 'elsewhere.example' }] } });
    assert.equal(event.status, 200);
    const hits = await call(i, i.alice, 'POST', '/attributes/restSearch', { eventid: event.body.Event.id, enforceWarninglist: 1 });
    assert.deepEqual(hits.body.response.Attribute.map((a: { value: string }) => a.value), ['elsewhere.example'], 'a list matching ALL applies to every type');
    const mine = (await lists()).find((l) => l.name === 'Our hosts')!;
    assert.deepEqual([mine.default, mine.category], [false, 'known']);
    assert.equal((await lists()).find((l) => l.name === 'resolvers')!.default, true);
  });

  it('edits and deletes only lists made here; a library reload leaves them', async () => {
    const library = (await lists()).find((l) => l.name === 'resolvers')!;
    assert.equal((await call(i, i.admin, 'POST', `/warninglists/edit/${library.id}`, { description: 'x' })).status, 404, 'a default list is not editable');
    assert.equal((await call(i, i.admin, 'POST', `/warninglists/delete/${library.id}`)).status, 404);
    const edit = await call(i, i.admin, 'POST', `/warninglists/edit/${id}`, { entries: ['vpn.corp', { value: 'git.corp', comment: 'code' }], matching_attributes: ['hostname'] });
    assert.equal(edit.status, 200);
    assert.deepEqual([edit.body.Warninglist.version, edit.body.Warninglist.valid_attributes, edit.body.Warninglist.description], ['2', 'hostname', 'Internal names']);
    assert.deepEqual(edit.body.Warninglist.WarninglistEntry.map((e: { value: string }) => e.value), ['vpn.corp', 'git.corp']);
    assert.equal((await call(i, i.admin, 'POST', `/warninglists/edit/${id}`, { type: 'nope' })).status, 403);
    await saveWarninglists(store, [{ name: 'Our hosts', description: 'library', version: 9, type: 'string', matchingAttributes: ['domain'], list: ['z'] }], true);
    assert.equal((await call(i, i.alice, 'GET', `/warninglists/view/${id}`)).body.Warninglist.description, 'Internal names', 'a library list does not replace one made here');
    const del = await call(i, i.admin, 'POST', `/warninglists/delete/${id}`);
    assert.deepEqual([del.status, del.body.message], [200, 'Warninglist successfully deleted.']);
    assert.ok(!(await lists()).some((l) => l.name === 'Our hosts'));
  });
});
