import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const A = 'a3000000-0000-4000-8000-000000000001';
const B = 'b3000000-0000-4000-8000-000000000002';

forEachDialect('REST API: attributes/index and restore, and tags named in attributes/add', (fixture) => {
  let i: Instance;
  before(async () => {
    const store = await fixture.open();
    i = await serve(store);
    const a = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: A, info: 'Org A', distribution: 1, Attribute: [
      { type: 'domain', value: 'one.example' }, { type: 'domain', value: 'two.example' }, { type: 'domain', value: 'gone.example', deleted: true }] } });
    assert.equal(a.status, 200);
    const b = await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: B, info: 'Org B', distribution: 0, Attribute: [{ type: 'domain', value: 'secret.example' }] } });
    assert.equal(b.status, 200);
    assert.equal((await call(i, i.admin, 'POST', '/tags/add', { name: 'known-tag' })).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const values = async (key: string, path = '/attributes/index') => {
    const r = await call(i, key, 'GET', path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body as Array<{ value: string }>).map((a) => a.value);
  };

  it('lists the live attributes the user may see, bare, with paging and searchvalue', async () => {
    assert.deepEqual(await values(i.alice), ['one.example', 'two.example'], 'not the deleted one, nor Org B\'s organisation-only event');
    assert.deepEqual((await values(i.admin)).sort(), ['one.example', 'secret.example', 'two.example']);
    assert.deepEqual(await values(i.alice, '/attributes/index?limit=1&page=2'), ['two.example']);
    assert.deepEqual(await values(i.bob, '/attributes/index?searchvalue=one.example'), ['one.example']);
    const first = (await call(i, i.alice, 'GET', '/attributes/index')).body[0];
    assert.equal(first.Event, undefined);
    assert.equal(typeof first.id, 'string');
  });

  it('tags an added attribute with existing tags, and leaves out unknown ones for a user who may not create tags', async () => {
    const r = await call(i, i.alice, 'POST', `/attributes/add/${A}`, [{ type: 'domain', value: 'three.example', Tag: [{ name: 'not-a-tag-yet' }, { name: 'known-tag' }] }]);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.Attribute.Tag.map((t: { name: string }) => t.name), ['known-tag'], 'the answer carries the tags saved');
    assert.equal(r.body.errors, undefined, 'a tag left out is no error: PyMISP would not read the attribute back');
    assert.match(r.body.warnings.join(' '), /not-a-tag-yet.*perm_tag_editor/, 'it is said, as events/add says it');
    const edited = await call(i, i.alice, 'POST', `/attributes/edit/${r.body.Attribute.id}`, { Tag: [{ name: 'nor-by-an-edit' }, { name: 'misp-galaxy:threat-actor="Sofacy"' }] });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.match(edited.body.warnings.join(' '), /nor-by-an-edit.*perm_tag_editor/);
    const view = (await call(i, i.alice, 'GET', `/attributes/view/${r.body.Attribute.id}`)).body.Attribute;
    assert.deepEqual(view.Tag.map((t: { name: string }) => t.name).sort(), ['known-tag', 'misp-galaxy:threat-actor="Sofacy"'],
      'a galaxy cluster\'s tag is put on whoever names it, as MISP forces it');
    const tags = await call(i, i.admin, 'GET', '/tags/index?searchall=not-a-tag-yet');
    assert.equal(JSON.stringify(tags.body).includes('not-a-tag-yet'), false, 'not created');
    const admin = await call(i, i.admin, 'POST', `/attributes/add/${A}`, { type: 'domain', value: 'four.example', Tag: [{ name: 'made-by-admin' }] });
    assert.deepEqual(admin.body.Attribute.Tag.map((t: { name: string }) => t.name), ['made-by-admin'], 'a site admin creates it');
  });

  it('restores a soft-deleted attribute (its event\'s organisation), answering it as attributes/view', async () => {
    const ev = (await call(i, i.admin, 'GET', `/events/view/${A}?deleted[]=0&deleted[]=1`)).body.Event as { Attribute: Array<{ id: string; value: string; deleted: boolean }> };
    const gone = ev.Attribute.find((a) => a.value === 'gone.example')!;
    assert.equal(gone.deleted, true);
    const unseen = await call(i, i.bob, 'POST', `/attributes/restore/${gone.id}`);
    assert.deepEqual([unseen.status, unseen.body.message], [405, 'Invalid Attribute'], 'one Org B may not see (deleted) answers as one he may not change: nothing told');
    const one = ev.Attribute.find((a) => a.value === 'one.example')!;
    const refused = await call(i, i.bob, 'POST', `/attributes/restore/${one.id}`);
    assert.equal(refused.status, 405);
    assert.equal(refused.body.message, 'Invalid Attribute');
    assert.equal((await call(i, i.admin, 'POST', `/events/publish/${A}`)).status, 200);
    const r = await call(i, i.alice, 'POST', `/attributes/restore/${gone.id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.Attribute.value, 'gone.example');
    assert.equal(r.body.Attribute.deleted, false);
    assert.ok((await values(i.alice)).includes('gone.example'));
    assert.equal((await call(i, i.alice, 'GET', `/events/view/${A}`)).body.Event.published, false, 'the event changed: unpublished, as MISP');
  });
});
