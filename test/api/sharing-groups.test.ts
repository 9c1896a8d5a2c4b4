import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { setSetting } from '../../src/store/settings.js';
import { UNPUBLISHED_PRIVATE_SETTING } from '../../src/store/visibility.js';
import type { Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const GROUPED = 'c1000000-0000-4000-8000-000000000001';
const MIXED = 'c1000000-0000-4000-8000-000000000002';
const DRAFT = 'c1000000-0000-4000-8000-000000000003';

forEachDialect('REST API: sharing groups and private drafts', (fixture) => {
  let i: Instance;
  let store: Store;
  let sg: string;
  before(async () => {
    store = await fixture.open();
    i = await serve(store);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const uuids = async (key: string) => ((await call(i, key, 'GET', '/events/index')).body as Array<{ uuid: string }>).map((e) => e.uuid).sort();
  const values = async (key: string, value: string) =>
    ((await call(i, key, 'POST', '/attributes/restSearch', { value })).body.response.Attribute as Array<{ value: string }>).map((a) => a.value);

  it('makes sharing groups for those allowed to, with their organisations', async () => {
    assert.equal((await call(i, i.alice, 'POST', '/sharing_groups/add', { name: 'Nope' })).status, 403, 'a User may not make sharing groups');
    const made = await call(i, i.admin, 'POST', '/sharingGroups/add', { SharingGroup: { name: 'Trusted', releasability: 'A and us' } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    sg = made.body.SharingGroup.id;
    assert.equal(made.body.SharingGroupOrg.length, 0, 'its maker owns it; members are those added, as in MISP');
    const orgA = (await call(i, i.admin, 'GET', '/organisations/view/Org A')).body.Organisation.id;
    assert.equal((await call(i, i.admin, 'POST', '/sharingGroups/addOrg', { sg_id: sg, org_id: orgA })).body.saved, true);
    assert.equal((await call(i, i.admin, 'POST', '/sharingGroups/addOrg', { sg_id: sg, org_id: orgA })).status, 403, 'already a member');
    assert.deepEqual((await call(i, i.alice, 'GET', '/sharing_groups')).body.response.map((g: { SharingGroup: { name: string } }) => g.SharingGroup.name), ['Trusted']);
    assert.deepEqual((await call(i, i.bob, 'GET', '/sharing_groups')).body.response, [], 'a non-member does not see the group');
    assert.equal((await call(i, i.bob, 'GET', `/sharing_groups/view/${sg}`)).status, 404);
    assert.equal((await call(i, i.alice, 'POST', `/sharing_groups/edit/${sg}`, { name: 'Mine' })).status, 403, 'a member without perm_sharing_group');
    assert.equal((await call(i, i.admin, 'POST', '/sharing_groups/add', { name: 'Trusted' })).status, 403, 'names are unique');
  });

  it('shows an event or an attribute shared with a group to its members only', async () => {
    const bad = await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: GROUPED, info: 'x', distribution: 4, sharing_group_id: sg } });
    assert.equal(bad.status, 403, 'only a member may share with a group');
    assert.deepEqual(Object.keys(bad.body.errors), ['sharing_group_id']);
    assert.equal((await call(i, i.admin, 'POST', '/events/add', { Event: { uuid: GROUPED, info: 'x', distribution: 4 } })).status, 403, 'distribution 4 needs a group');
    const made = await call(i, i.admin, 'POST', '/events/add', { Event: { uuid: GROUPED, info: 'Grouped', distribution: 4, sharing_group_id: sg,
      Attribute: [{ type: 'domain', value: 'grouped.example' }] } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.Event.sharing_group_id, sg);
    assert.equal(made.body.Event.SharingGroup.name, 'Trusted');
    await call(i, i.admin, 'POST', '/events/add', { Event: { uuid: MIXED, info: 'Mixed', distribution: 3, Attribute: [
      { type: 'domain', value: 'open.example' }, { type: 'domain', value: 'members.example', distribution: 4, sharing_group_id: sg }] } });

    assert.deepEqual(await uuids(i.alice), [GROUPED, MIXED]);
    assert.deepEqual(await uuids(i.bob), [MIXED]);
    assert.equal((await call(i, i.bob, 'GET', `/events/view/${GROUPED}`)).status, 404);
    assert.deepEqual(await values(i.alice, '%.example'), ['grouped.example', 'open.example', 'members.example']);
    assert.deepEqual(await values(i.bob, '%.example'), ['open.example']);
    const mixed = (await call(i, i.bob, 'GET', `/events/view/${MIXED}`)).body.Event;
    assert.deepEqual(mixed.Attribute.map((a: { value: string }) => a.value), ['open.example']);
  });

  it('opens a group to every organisation of the instance with server 0 and all_orgs', async () => {
    await call(i, i.admin, 'POST', '/sharing_groups/addServer', { sg_id: sg, server_id: 0, all_orgs: true });
    assert.deepEqual(await uuids(i.bob), [GROUPED, MIXED]);
    await call(i, i.admin, 'POST', '/sharing_groups/removeServer', { sg_id: sg, server_id: 0 });
    assert.deepEqual(await uuids(i.bob), [MIXED]);
    assert.equal((await call(i, i.admin, 'POST', `/sharing_groups/delete/${sg}`)).status, 403, 'a group in use stays');
  });

  it('keeps unpublished events to their owner organisation when drafts are private', async () => {
    await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: DRAFT, info: 'Draft', distribution: 1 } });
    assert.ok((await uuids(i.bob)).includes(DRAFT), 'by default a draft follows its distribution, as in MISP');
    assert.equal(await setSetting(store, UNPUBLISHED_PRIVATE_SETTING, 'true'), undefined);
    assert.ok(!(await uuids(i.bob)).includes(DRAFT));
    assert.ok((await uuids(i.alice)).includes(DRAFT), 'the owner still sees it');
    assert.ok((await uuids(i.admin)).includes(DRAFT));
    await call(i, i.admin, 'POST', `/events/publish/${DRAFT}`);
    assert.ok((await uuids(i.bob)).includes(DRAFT), 'once published, it is shared');
    await setSetting(store, UNPUBLISHED_PRIVATE_SETTING, 'false');
  });
});
