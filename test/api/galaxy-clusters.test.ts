import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { readLibraries } from '../../src/libraries/directory.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import { findOrganisation } from '../../src/store/access/organisations.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import type { Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

const LIBRARIES = { ...readLibraries(fixturePath('misp')), warninglists: [] };
const APT28 = 'f1c70000-0000-4000-8000-000000000c01';
const EVENT = 'ab000000-0000-4000-8000-0000000c1a01';
const SECRET = 'Secret Cluster of Org A';

forEachDialect('REST API: custom galaxy clusters', (fixture) => {
  let i: Instance;
  let store: Store;
  /** A galaxy editor (Org Admin) of Org A, alice's organisation. */
  let editor: string;
  /** A Read Only user of Org A: no perm_galaxy_editor. */
  let reader: string;
  let uuid: string;
  let id: string;
  let galaxyId: string;
  let eventId: string;
  before(async () => {
    store = await fixture.open();
    i = await serve(store);
    await saveLibraries(store, LIBRARIES);
    const orgA = (await findOrganisation(store, 'Org A'))!;
    const made = await addUser(store, 'editor@a.test', orgA.id, 'Org Admin');
    assert.ok(made.ok);
    editor = await addApiKey(store, made.user.id);
    const readOnly = await addUser(store, 'reader@a.test', orgA.id, 'Read Only');
    assert.ok(readOnly.ok);
    reader = await addApiKey(store, readOnly.user.id);
    galaxyId = (await call(i, i.alice, 'GET', '/galaxies/view/threat-actor')).body.Galaxy.id;
    const event = await call(i, editor, 'POST', '/events/add', { Event: { uuid: EVENT, info: 'Shared with all', distribution: 3, published: true } });
    assert.equal(event.status, 200);
    eventId = event.body.Event.id;
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });
  const view = (key: string, ref = uuid) => call(i, key, 'GET', `/galaxy_clusters/view/${ref}`);
  const listed = async (key: string, context?: string) =>
    ((await call(i, key, 'POST', `/galaxy_clusters/index/${galaxyId}`, context ? { context } : {})).body as { GalaxyCluster: { uuid: string } }[])
      .map((c) => c.GalaxyCluster.uuid);

  it('makes a cluster of the editor\'s organisation, unpublished, with its elements and relations', async () => {
    const add = await call(i, editor, 'POST', `/galaxy_clusters/add/${galaxyId}`, {
      GalaxyCluster: { value: SECRET, description: 'kept to Org A', authors: ['Org A'], distribution: 0,
        GalaxyElement: [{ key: 'synonyms', value: 'Hush' }, { key: 'country', value: 'FR' }],
        GalaxyClusterRelation: [{ referenced_galaxy_cluster_uuid: APT28, referenced_galaxy_cluster_type: 'similar', Tag: [{ name: 'tlp:amber' }] }] },
    });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    const c = add.body.GalaxyCluster;
    ({ uuid, id } = c);
    assert.deepEqual([c.value, c.default, c.distribution, c.published, c.deleted, c.galaxy_id, c.Orgc.name], [SECRET, false, '0', false, false, galaxyId, 'Org A']);
    assert.equal(c.tag_name, `misp-galaxy:threat-actor="${uuid}"`, 'a custom cluster\'s tag names it by uuid, as in MISP');
    assert.deepEqual(c.GalaxyElement, [{ key: 'synonyms', value: 'Hush' }, { key: 'country', value: 'FR' }]);
    assert.deepEqual(c.GalaxyClusterRelation.map((r: { referenced_galaxy_cluster_uuid: string; Tag: { name: string }[] }) =>
      [r.referenced_galaxy_cluster_uuid, r.Tag.map((t) => t.name)]), [[APT28, ['tlp:amber']]]);
    assert.equal((await view(i.alice)).status, 200, 'the organisation sees its cluster');
  });

  it('never shows a cluster kept to its organisation to another one', async () => {
    assert.equal((await call(i, editor, 'POST', `/galaxies/attachCluster/${eventId}/event`, { Galaxy: { target_id: id } })).status, 200);
    assert.equal((await view(i.bob)).status, 404);
    assert.equal((await view(i.bob, id)).status, 404);
    assert.ok(!(await listed(i.bob)).includes(uuid));
    assert.ok(!(await listed(i.bob, 'custom')).includes(uuid));
    const galaxy = await call(i, i.bob, 'GET', `/galaxies/view/${galaxyId}`);
    assert.ok(!JSON.stringify(galaxy.body).includes(SECRET));
    const event = await call(i, i.bob, 'GET', `/events/view/${EVENT}`);
    assert.equal(event.status, 200);
    assert.ok(!JSON.stringify(event.body).includes(SECRET), 'the event shows its tag, not the cluster behind it');
    const search = await call(i, i.bob, 'POST', '/tags/search', { tag: SECRET });
    assert.ok(!JSON.stringify(search.body).includes(SECRET));
    // Its own organisation sees it everywhere.
    assert.ok((await listed(i.alice)).includes(uuid));
    assert.ok((await listed(i.alice, 'custom')).includes(uuid));
    assert.ok(!(await listed(i.alice, 'default')).includes(uuid));
    const mine = await call(i, i.alice, 'GET', `/events/view/${EVENT}`);
    assert.equal(mine.body.Event.Galaxy[0].GalaxyCluster[0].value, SECRET);
    const found = await call(i, i.alice, 'POST', '/tags/search', { tag: SECRET });
    assert.equal(found.body[0]?.GalaxyCluster?.uuid, uuid);
    assert.equal((await view(i.admin)).status, 200, 'site admins see every cluster');
  });

  it('lets only the creator organisation\'s galaxy editors change it; library clusters are not editable', async () => {
    assert.equal((await call(i, i.bob, 'POST', `/galaxy_clusters/edit/${uuid}`, { value: 'x' })).status, 404);
    assert.equal((await call(i, reader, 'POST', `/galaxy_clusters/edit/${uuid}`, { value: 'x' })).status, 403, 'a Read Only user is no galaxy editor');
    const byUser = await call(i, i.alice, 'POST', `/galaxy_clusters/edit/${uuid}`, { description: 'edited by a User of the creator organisation' });
    assert.equal(byUser.status, 200, 'a User is a galaxy editor, as in MISP, and Org A created the cluster');
    const library = await call(i, editor, 'POST', `/galaxy_clusters/edit/${APT28}`, { value: 'x' });
    assert.deepEqual([library.status, library.body.message], [405, 'Default galaxy cluster cannot be edited']);
    const bad = await call(i, editor, 'POST', `/galaxy_clusters/edit/${uuid}`, { distribution: 7 });
    assert.equal(bad.status, 403);
    assert.match(bad.body.errors, /Your organisation only/);
    const hidden = await call(i, editor, 'POST', `/galaxy_clusters/add/${galaxyId}`, { value: 'y', distribution: 4, sharing_group_id: 999 });
    assert.deepEqual([hidden.status, hidden.body.errors], [403, 'Invalid sharing group']);
  });

  it('edits: elements replaced, relations kept and tagged, unpublished again; publish and unpublish', async () => {
    const pub = await call(i, editor, 'POST', `/galaxy_clusters/publish/${uuid}`);
    assert.deepEqual([pub.status, pub.body.message], [200, 'Galaxy cluster published']);
    assert.equal((await call(i, editor, 'POST', `/galaxy_clusters/publish/${uuid}`)).status, 405);
    const edit = await call(i, editor, 'POST', `/galaxy_clusters/edit/${uuid}`, {
      value: SECRET, distribution: 0, GalaxyElement: [{ key: 'synonyms', value: 'Quiet' }],
      GalaxyClusterRelation: [{ referenced_galaxy_cluster_uuid: APT28, referenced_galaxy_cluster_type: 'similar', Tag: [{ name: 'tlp:green' }] }],
    });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    const c = edit.body.GalaxyCluster;
    assert.deepEqual(c.GalaxyElement, [{ key: 'synonyms', value: 'Quiet' }]);
    assert.equal(c.published, false);
    assert.equal(c.GalaxyClusterRelation.length, 1, 'the same relation again is the same relation');
    assert.deepEqual(c.GalaxyClusterRelation[0].Tag.map((t: { name: string }) => t.name), ['tlp:amber', 'tlp:green']);
    assert.equal((await call(i, editor, 'POST', `/galaxy_clusters/unpublish/${uuid}`)).status, 405, 'not published');
  });

  it('shares by distribution; relations are added, edited and deleted by id', async () => {
    await call(i, editor, 'POST', `/galaxy_clusters/edit/${uuid}`, { value: SECRET, distribution: 1 });
    assert.equal((await view(i.bob)).status, 200, 'distribution 1: the community sees it');
    const orgB = (await findOrganisation(store, 'Org B'))!;
    const made = await addUser(store, 'editor@b.test', orgB.id, 'Org Admin');
    assert.ok(made.ok);
    const other = await call(i, await addApiKey(store, made.user.id), 'POST', `/galaxy_clusters/edit/${uuid}`, { value: 'taken' });
    assert.deepEqual([other.status, other.body.message], [405, 'Only the creator organisation can modify the galaxy cluster']);
    const rel = await call(i, editor, 'POST', '/galaxy_cluster_relations/add', {
      GalaxyClusterRelation: { galaxy_cluster_uuid: uuid, referenced_galaxy_cluster_uuid: 'f1c70000-0000-4000-8000-000000000c02',
        referenced_galaxy_cluster_type: 'related-to', distribution: 0, tags: 'tlp:red' },
    });
    assert.deepEqual([rel.status, rel.body.message], [200, 'Relationship added.']);
    const relations = (await view(i.alice)).body.GalaxyCluster.GalaxyClusterRelation as { id: string; referenced_galaxy_cluster_type: string }[];
    assert.equal(relations.length, 2);
    assert.equal((await view(i.bob)).body.GalaxyCluster.GalaxyClusterRelation.length, 0, 'relations at distribution 0 stay with the organisation');
    const related = relations.find((r) => r.referenced_galaxy_cluster_type === 'related-to')!;
    assert.equal((await call(i, i.bob, 'POST', `/galaxy_cluster_relations/delete/${related.id}`)).status, 404);
    const edited = await call(i, editor, 'POST', `/galaxy_cluster_relations/edit/${related.id}`, {
      galaxy_cluster_uuid: uuid, referenced_galaxy_cluster_uuid: 'f1c70000-0000-4000-8000-000000000c02', referenced_galaxy_cluster_type: 'uses', distribution: 3,
    });
    assert.equal(edited.status, 200);
    assert.deepEqual((await view(i.bob)).body.GalaxyCluster.GalaxyClusterRelation.map((r: { referenced_galaxy_cluster_type: string }) => r.referenced_galaxy_cluster_type), ['uses']);
    const del = await call(i, editor, 'POST', `/galaxy_cluster_relations/delete/${related.id}`);
    assert.deepEqual([del.status, del.body.success], [200, true]);
    assert.equal((await view(i.alice)).body.GalaxyCluster.GalaxyClusterRelation.length, 1);
  });

  it('forks a cluster within its galaxy; an organisation with clusters is not deleted', async () => {
    const fork = await call(i, editor, 'POST', `/galaxy_clusters/add/${galaxyId}`, { value: 'APT28 as we see it', extends_uuid: APT28, distribution: 0 });
    assert.equal(fork.status, 200, JSON.stringify(fork.body));
    assert.deepEqual([fork.body.GalaxyCluster.extends_uuid, fork.body.GalaxyCluster.extends_version], [APT28, '1']);
    const tool = (await call(i, i.alice, 'GET', '/galaxies/view/tool')).body.Galaxy.id;
    const elsewhere = await call(i, editor, 'POST', `/galaxy_clusters/add/${tool}`, { value: 'x', extends_uuid: APT28 });
    assert.deepEqual([elsewhere.status, elsewhere.body.errors], [403, 'Cluster forks have to belong to the same galaxy as the parent']);
    const orgA = (await findOrganisation(store, 'Org A'))!;
    const del = await call(i, i.admin, 'POST', `/admin/organisations/delete/${orgA.id}`);
    assert.notEqual(del.status, 200);
    assert.match(JSON.stringify(del.body), /galaxy clusters/);
    assert.equal((await call(i, editor, 'POST', `/galaxy_clusters/delete/${fork.body.GalaxyCluster.uuid}`, { hard: true })).status, 200);
  });

  it('a library reload leaves custom clusters alone', async () => {
    await saveLibraries(store, LIBRARIES);
    assert.equal((await view(i.alice)).body.GalaxyCluster.value, SECRET);
  });

  it('deletes softly (kept, out of the index) and hard (gone)', async () => {
    const byOther = await call(i, i.bob, 'POST', `/galaxy_clusters/delete/${uuid}`);
    assert.deepEqual([byOther.status, byOther.body.message], [405, 'Only the creator organisation can modify the galaxy cluster'], 'a user of another organisation may not delete it');
    assert.equal((await call(i, i.admin, 'POST', `/galaxy_clusters/publish/${uuid}`)).status, 200, 'a site admin may change any cluster');
    const soft = await call(i, editor, 'POST', `/galaxy_clusters/delete/${uuid}`, {});
    assert.deepEqual([soft.status, soft.body.message], [200, 'Galaxy cluster successfuly soft deleted.']);
    assert.equal((await view(i.alice)).body.GalaxyCluster.deleted, true);
    assert.ok(!(await listed(i.alice)).includes(uuid));
    assert.ok((await listed(i.alice, 'deleted')).includes(uuid));
    const hard = await call(i, editor, 'POST', `/galaxy_clusters/delete/${uuid}`, { hard: 1 });
    assert.deepEqual([hard.status, hard.body.message], [200, 'Galaxy cluster successfuly hard deleted.']);
    assert.equal((await view(i.alice)).status, 404);
    assert.equal((await call(i, editor, 'POST', `/galaxy_clusters/delete/${APT28}`, {})).status, 405, 'a library cluster is not deleted');
  });
});
