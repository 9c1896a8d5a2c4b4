import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { readLibraries } from '../../src/libraries/directory.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import { findOrganisation } from '../../src/store/access/organisations.js';
import type { Store } from '../../src/store/db/database.js';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

const EVENT = 'ab000000-0000-4000-8000-000000000001';
const TEMPLATES = fixturePath('misp', 'misp-objects');

forEachDialect('REST API: objects and object references', (fixture) => {
  let i: Instance;
  let objectId: string;
  let store: Store;
  before(async () => {
    store = await fixture.open();
    await saveLibraries(store, readLibraries(TEMPLATES));
    i = await serve(store);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: EVENT, info: 'With objects', distribution: 1,
      Attribute: [{ type: 'ip-dst', value: '198.51.100.7' }] } })).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('adds an object that fits its template, with ids in MISP\'s shape', async () => {
    const made = await call(i, i.alice, 'POST', `/objects/add/${EVENT}`, { Object: { name: 'domain-ip', 'meta-category': 'network', Attribute: [
      { object_relation: 'domain', type: 'domain', value: 'objects.example' }, { object_relation: 'ip', type: 'ip-dst', value: '198.51.100.7' }] } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    objectId = made.body.Object.id;
    assert.match(objectId, /^\d+$/);
    assert.equal(made.body.Object.Attribute.length, 2);
    assert.ok(made.body.Object.Attribute.every((a: { object_id: string; id: string }) => a.object_id === objectId && /^\d+$/.test(a.id)));
    const view = await call(i, i.bob, 'GET', `/objects/view/${made.body.Object.uuid}`);
    assert.equal(view.body.Object.name, 'domain-ip');
    const related = (await call(i, i.alice, 'GET', `/events/view/${EVENT}`)).body.Event;
    assert.equal(related.Object.length, 1);
  });

  it('refuses an object that breaks its template, naming each relation at fault', async () => {
    const res = await call(i, i.alice, 'POST', `/objects/add/${EVENT}`, { Object: { name: 'domain-ip', Attribute: [
      { object_relation: 'ip', type: 'domain', value: 'wrong.example' }, { object_relation: 'colour', type: 'text', value: 'red' }] } });
    assert.equal(res.status, 403);
    assert.deepEqual(Object.keys(res.body.errors).sort(), ['colour', 'ip']);
    assert.match(res.body.errors.ip[0], /takes a ip-dst attribute, not domain/);
    const none = await call(i, i.alice, 'POST', `/objects/add/${EVENT}`, { Object: { name: 'domain-ip', Attribute: [{ object_relation: 'text', type: 'text', value: 'x' }] } });
    assert.ok(Object.keys(none.body.errors).some((k) => k.includes('domain')), 'requiredOneOf is checked');
    const unknown = await call(i, i.alice, 'POST', `/objects/add/${EVENT}`, { Object: { name: 'my-own-thing', Attribute: [{ object_relation: 'x', type: 'text', value: 'free' }] } });
    assert.equal(unknown.status, 200, 'an object of an unknown template is kept as it is');
  });

  it('edits an object, adds and removes references, and deletes it, only for those who may change the event', async () => {
    assert.equal((await call(i, i.bob, 'POST', `/objects/edit/${objectId}`, { comment: 'mine now' })).status, 403);
    const edited = await call(i, i.alice, 'POST', `/objects/edit/${objectId}`, { Object: { comment: 'seen in the wild', Attribute: [
      { object_relation: 'port', type: 'port', value: '8443' }] } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.Object.comment, 'seen in the wild');
    assert.deepEqual(edited.body.Object.Attribute.map((a: { object_relation: string }) => a.object_relation).sort(), ['domain', 'ip', 'port']);

    const target = (await call(i, i.alice, 'GET', `/events/view/${EVENT}`)).body.Event.Attribute[0].uuid;
    const ref = await call(i, i.alice, 'POST', `/objectReferences/add/${objectId}`, { ObjectReference: { referenced_uuid: target, relationship_type: 'resolves-to' } });
    assert.equal(ref.status, 200, JSON.stringify(ref.body));
    assert.equal(ref.body.ObjectReference.relationship_type, 'resolves-to');
    assert.equal((await call(i, i.alice, 'POST', '/objectReferences/add', { object_uuid: edited.body.Object.uuid, referenced_uuid: 'nope' })).status, 403);
    assert.equal((await call(i, i.alice, 'POST', `/objectReferences/delete/${ref.body.ObjectReference.id}`)).body.saved, true);
    assert.equal((await call(i, i.alice, 'GET', `/objects/view/${objectId}`)).body.Object.ObjectReference.length, 0);

    assert.equal((await call(i, i.alice, 'POST', `/objects/delete/${objectId}/1`)).status, 403, 'only site admins delete for good');
    assert.equal((await call(i, i.alice, 'POST', `/objects/delete/${objectId}`)).body.message, 'Object deleted');
    const after = (await call(i, i.alice, 'POST', '/attributes/restSearch', { value: 'objects.example' })).body.response.Attribute;
    assert.deepEqual(after, [], 'its attributes are deleted with it');
    assert.equal((await call(i, i.admin, 'POST', `/objects/delete/${objectId}`, { hard: 1 })).body.message, 'Object deleted');
    assert.equal((await call(i, i.admin, 'GET', `/objects/view/${objectId}`)).status, 404);
  });

  it('leaves out of an object\'s attributes the tags a User may not make or put on, as events/add does, and says so', async () => {
    const orgB = await findOrganisation(store, 'Org B');
    await makeTags(i, ['object:known']);
    assert.equal((await call(i, i.admin, 'POST', '/tags/add', { name: 'object:only for B', org_id: orgB!.id })).status, 200);
    const tagNames = async () => ((await call(i, i.admin, 'GET', '/tags/index')).body.Tag as Array<{ name: string }>).map((t) => t.name);
    const made = await call(i, i.alice, 'POST', `/objects/add/${EVENT}`, { Object: { name: 'domain-ip', Attribute: [
      { object_relation: 'domain', type: 'domain', value: 'tagged-object.example', Tag: [{ name: 'object:known' }, { name: 'object:never made' }, { name: 'object:only for B' }] }] } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.deepEqual(made.body.Object.Attribute[0].Tag.map((t: { name: string }) => t.name), ['object:known']);
    assert.equal(made.body.warnings.length, 2, JSON.stringify(made.body.warnings));
    assert.match(made.body.warnings.join(' '), /object:never made.*perm_tag_editor/);
    assert.match(made.body.warnings.join(' '), /fixed organisation/);
    assert.ok(!(await tagNames()).includes('object:never made'), 'no tag was made');

    const domain = made.body.Object.Attribute[0].uuid;
    const edited = await call(i, i.alice, 'POST', `/objects/edit/${made.body.Object.id}`, { Object: { Attribute: [
      { uuid: domain, object_relation: 'domain', type: 'domain', value: 'tagged-object.example', Tag: [{ name: 'object:known' }, { name: 'object:nor by an edit' }] }] } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual(edited.body.Object.Attribute.find((a: { uuid: string }) => a.uuid === domain).Tag.map((t: { name: string }) => t.name), ['object:known']);
    assert.match(edited.body.warnings.join(' '), /object:nor by an edit.*perm_tag_editor/);
    assert.ok(!(await tagNames()).includes('object:nor by an edit'));

    const byAdmin = await call(i, i.admin, 'POST', `/objects/add/${EVENT}`, { Object: { name: 'domain-ip', Attribute: [
      { object_relation: 'domain', type: 'domain', value: 'admin-object.example', Tag: [{ name: 'object:made by the admin' }] }] } });
    assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body));
    assert.equal(byAdmin.body.errors, undefined);
    assert.ok((await tagNames()).includes('object:made by the admin'), 'a tag editor makes it by naming it');
  });
});
