import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { readLibraries } from '../../src/libraries/directory.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

const EVENT = 'ab000000-0000-4000-8000-00000000bb01';
const ATTRIBUTE = 'ab000000-0000-4000-8000-00000000bb02';
const BOB_EVENT = 'ab000000-0000-4000-8000-00000000bb03';
/** The fixture libraries (test/fixtures/misp): the tlp and admiralty-scale taxonomies, threat-actor's three clusters among others. */
const LIBRARIES = { ...readLibraries(fixturePath('misp')), warninglists: [] };

type Cluster = Record<string, unknown> & { id: string; value: string; tag_name: string };

forEachDialect('REST API: taxonomy administration, attaching clusters, searching tags', (fixture) => {
  let i: Instance;
  before(async () => {
    const store = await fixture.open();
    await saveLibraries(store, LIBRARIES);
    i = await serve(store);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: EVENT, info: 'Clusters', distribution: 1,
      Attribute: [{ uuid: ATTRIBUTE, type: 'ip-dst', value: '198.51.100.7' }] } })).status, 200);
    assert.equal((await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: BOB_EVENT, info: 'Bob\'s own', distribution: 0 } })).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });
  const tlpId = async () => (await call(i, i.admin, 'GET', '/taxonomies/view/tlp')).body.Taxonomy.id as string;
  const clustersOf = async (galaxy: string): Promise<Cluster[]> => (await call(i, i.alice, 'GET', `/galaxies/view/${galaxy}`)).body.GalaxyCluster;

  it('taxonomies/addTag makes the taxonomy\'s tags (site admins), all or those named, and shows hidden ones again', async () => {
    const id = await tlpId();
    assert.equal((await call(i, i.alice, 'POST', `/taxonomies/addTag/${id}`)).status, 403);
    const named = await call(i, i.admin, 'POST', '/taxonomies/addTag', { Taxonomy: { taxonomy_id: id, nameList: '["tlp:amber", "not:tlp"]' } });
    assert.equal(named.status, 200);
    assert.equal(named.body.name, 'The tag(s) has been saved.');
    let tags = (await call(i, i.admin, 'GET', '/tags/index?searchall=tlp:')).body.Tag as Array<{ id: string; name: string; hide_tag: boolean }>;
    assert.deepEqual(tags.map((t) => t.name), ['tlp:amber'], 'only the named tag of the taxonomy');
    assert.equal((await call(i, i.admin, 'POST', `/tags/edit/${tags[0]!.id}`, { Tag: { hide_tag: true } })).status, 200);
    const all = await call(i, i.admin, 'POST', `/taxonomies/addTag/${id}`);
    assert.deepEqual([all.status, all.body.message, all.body.url], [200, 'The tag(s) has been saved.', `/taxonomies/addTag/${id}`]);
    tags = (await call(i, i.admin, 'GET', '/tags/index?searchall=tlp:')).body.Tag;
    assert.equal(tags.length, 7, 'every label of the fixture\'s tlp');
    assert.ok(tags.every((t) => !t.hide_tag), 'the hidden one is shown again');
    const missing = await call(i, i.admin, 'POST', '/taxonomies/addTag/999999');
    assert.deepEqual([missing.status, missing.body.message], [403, 'The tag(s) could not be saved. Please, try again.']);
  });

  it('taxonomies/disableTag hides the taxonomy\'s existing tags (site admins), all or those named, and makes none', async () => {
    const id = await tlpId();
    const shown = async () => ((await call(i, i.admin, 'GET', '/tags/index?searchall=tlp:')).body.Tag as Array<{ name: string; hide_tag: boolean }>)
      .filter((t) => !t.hide_tag).map((t) => t.name);
    assert.equal((await call(i, i.alice, 'POST', `/taxonomies/disableTag/${id}`)).status, 403);
    const named = await call(i, i.admin, 'POST', '/taxonomies/disableTag', { Taxonomy: { taxonomy_id: id, nameList: '["tlp:amber"]' } });
    assert.deepEqual([named.status, named.body.message], [200, 'The tag(s) has been hidden.']);
    assert.ok(!(await shown()).includes('tlp:amber'));
    assert.equal((await shown()).length, 6);
    const all = await call(i, i.admin, 'POST', `/taxonomies/disableTag/${id}`);
    assert.deepEqual([all.status, all.body.url], [200, `/taxonomies/disableTag/${id}`]);
    assert.deepEqual(await shown(), []);
    assert.equal(((await call(i, i.admin, 'GET', '/tags/index?searchall=tlp:')).body.Tag as unknown[]).length, 7, 'hidden, not deleted');
    assert.equal((await call(i, i.admin, 'POST', '/taxonomies/disableTag/999999')).body.message, 'The tag(s) could not be hidden. Please, try again.');
    assert.equal((await call(i, i.admin, 'POST', `/taxonomies/addTag/${id}`)).status, 200);
    assert.equal((await shown()).length, 7, 'addTag shows them again');
  });

  it('taxonomies/toggleRequired and toggleHighlighted set the flags the taxonomy documents show (site admins)', async () => {
    const id = await tlpId();
    assert.equal((await call(i, i.alice, 'POST', `/taxonomies/toggleRequired/${id}`, { Taxonomy: { required: true } })).status, 403);
    const on = await call(i, i.admin, 'POST', `/taxonomies/toggleRequired/${id}`, { Taxonomy: { required: true } });
    assert.deepEqual([on.status, on.body.message], [200, 'Taxonomy toggleRequireded']);
    assert.equal((await call(i, i.alice, 'GET', `/taxonomies/view/${id}`)).body.Taxonomy.required, true);
    assert.equal((await call(i, i.admin, 'POST', `/taxonomies/toggleHighlighted/${id}`, { Taxonomy: { highlighted: 1 } })).body.message, 'Taxonomy toggleHighlighteded');
    const listed = (await call(i, i.alice, 'GET', '/taxonomies/index')).body.find((t: { Taxonomy: { namespace: string } }) => t.Taxonomy.namespace === 'tlp');
    assert.deepEqual([listed.Taxonomy.required, listed.Taxonomy.highlighted], [true, true]);
    assert.equal((await call(i, i.admin, 'POST', `/taxonomies/toggleRequired/${id}`, { Taxonomy: { required: false } })).status, 200);
    assert.equal((await call(i, i.alice, 'GET', `/taxonomies/view/${id}`)).body.Taxonomy.required, false);
    const bad = await call(i, i.admin, 'POST', '/taxonomies/toggleRequired/999999', { Taxonomy: { required: true } });
    assert.deepEqual([bad.status, bad.body.errors], [403, 'Invalid Taxonomy']);
    assert.equal((await call(i, i.admin, 'POST', `/taxonomies/toggleRequired/${id}`, {})).status, 403, 'the flag is required');
  });

  it('taxonomies/export gives the machinetag.json form, by id or namespace', async () => {
    const byName = await call(i, i.alice, 'GET', '/taxonomies/export/tlp');
    assert.equal(byName.status, 200);
    assert.equal(byName.body.namespace, 'tlp');
    assert.equal(typeof byName.body.version, 'number');
    assert.ok(byName.body.predicates.some((p: { value: string }) => p.value === 'amber'));
    assert.ok(byName.body.predicates.every((p: Record<string, unknown>) => Object.values(p).every((v) => v !== '' && v !== false && v !== null)),
      'empty fields are left out');
    const scale = await call(i, i.alice, 'GET', '/taxonomies/export/admiralty-scale');
    assert.ok(scale.body.values.every((v: { predicate: string; entry: unknown[] }) => typeof v.predicate === 'string' && v.entry.length > 0));
    assert.deepEqual((await call(i, i.alice, 'GET', `/taxonomies/export/${await tlpId()}`)).body, byName.body);
    assert.equal((await call(i, i.alice, 'GET', '/taxonomies/export/nope')).status, 404);
  });

  it('a default cluster has no distribution nor sharing group, wherever it is shown', async () => {
    const galaxy = await clustersOf('threat-actor');
    for (const c of galaxy) assert.ok(!('distribution' in c) && !('sharing_group_id' in c) && c.default === true, JSON.stringify(c).slice(0, 200));
    const indexed = (await call(i, i.alice, 'GET', '/galaxy_clusters/index/threat-actor')).body[0].GalaxyCluster;
    assert.ok(!('distribution' in indexed));
    const one = (await call(i, i.alice, 'GET', `/galaxy_clusters/view/${galaxy[0]!.id}`)).body.GalaxyCluster;
    assert.ok(!('distribution' in one) && !('sharing_group_id' in one));
  });

  it('galaxies/attachCluster puts a cluster\'s tag on an event or attribute, which then shows its galaxy', async () => {
    const [first, second] = await clustersOf('threat-actor');
    const event = (await call(i, i.alice, 'GET', `/events/view/${EVENT}`)).body.Event;
    const attributeId = event.Attribute[0].id ?? (await call(i, i.alice, 'GET', `/attributes/view/${ATTRIBUTE}`)).body.Attribute.id;
    const onEvent = await call(i, i.alice, 'POST', `/galaxies/attachCluster/${event.id}/event?local=0`, { Galaxy: { target_id: first!.id } });
    assert.deepEqual(onEvent.body, { saved: true, success: 'Cluster attached.', check_publish: true });
    const again = await call(i, i.alice, 'POST', `/galaxies/attachCluster/${event.id}/event`, { Galaxy: { target_id: first!.id } });
    assert.equal(again.body.success, 'Cluster already attached.');
    assert.equal((await call(i, i.alice, 'POST', `/galaxies/attachCluster/${attributeId}/attribute`, { Galaxy: { target_id: second!.id } })).status, 200);
    const view = (await call(i, i.alice, 'GET', `/events/view/${EVENT}`)).body.Event;
    assert.deepEqual(view.Galaxy[0].GalaxyCluster.map((c: Cluster) => c.id), [first!.id]);
    assert.equal(view.Galaxy[0].type, 'threat-actor');
    assert.deepEqual(view.Attribute[0].Galaxy[0].GalaxyCluster.map((c: Cluster) => c.id), [second!.id], 'the attribute shows its own galaxy');
    assert.ok(!('distribution' in view.Galaxy[0].GalaxyCluster[0]));
  });

  it('galaxies/attachCluster refuses what the user may not see or tag, and clusters that do not exist', async () => {
    const [first] = await clustersOf('threat-actor');
    const event = (await call(i, i.alice, 'GET', `/events/view/${EVENT}`)).body.Event;
    const bobs = (await call(i, i.bob, 'GET', `/events/view/${BOB_EVENT}`)).body.Event;
    const hidden = await call(i, i.alice, 'POST', `/galaxies/attachCluster/${bobs.id}/event`, { Galaxy: { target_id: first!.id } });
    assert.deepEqual([hidden.status, hidden.body.message], [404, 'Invalid event.'], 'another organisation\'s event at distribution 0 is not there for her');
    const global = await call(i, i.bob, 'POST', `/galaxies/attachCluster/${event.id}/event`, { Galaxy: { target_id: first!.id } });
    assert.equal(global.status, 403, 'a global tag only by the event\'s organisation');
    const local = await call(i, i.bob, 'POST', `/galaxies/attachCluster/${event.id}/event?local=1`, { Galaxy: { target_id: first!.id } });
    assert.equal(local.status, 403, 'a local one neither: every user of the instance would see it');
    const hosts = await call(i, i.admin, 'POST', `/galaxies/attachCluster/${event.id}/event?local=1`, { Galaxy: { target_id: first!.id } });
    assert.equal(hosts.status, 200, 'a local one by the host organisation');
    const nothing = await call(i, i.alice, 'POST', `/galaxies/attachCluster/${event.id}/event`, { Galaxy: { target_id: 999999 } });
    assert.deepEqual([nothing.status, nothing.body.message], [404, 'Invalid Galaxy cluster']);
    assert.equal((await call(i, i.alice, 'POST', `/galaxies/attachCluster/${event.id}/organisation`, { Galaxy: { target_id: first!.id } })).status, 404);
  });

  it('tags/search finds tags by LIKE in any case, by a cluster\'s value or synonym, and strictly by name', async () => {
    const partial = await call(i, i.alice, 'POST', '/tags/search', { tagname: 'TLP:AMB%', strict_tagname: false });
    assert.equal(partial.status, 200);
    assert.deepEqual(partial.body.map((t: { Tag: { name: string } }) => t.Tag.name), ['tlp:amber', 'tlp:amber+strict']);
    assert.equal(partial.body[0].Taxonomy.namespace, 'tlp');
    assert.equal(partial.body[0].TaxonomyPredicate.value, 'amber');
    assert.deepEqual((await call(i, i.alice, 'POST', '/tags/search', { tagname: 'not a tag' })).body, []);
    const [first] = await clustersOf('threat-actor');
    const byValue = await call(i, i.alice, 'POST', '/tags/search', { tag: first!.value.toUpperCase() });
    assert.deepEqual(byValue.body.map((t: { Tag: { name: string } }) => t.Tag.name), [first!.tag_name]);
    assert.equal(byValue.body[0].GalaxyCluster.id, first!.id);
    const synonyms = (first!.meta as Record<string, string[]>).synonyms ?? [];
    if (synonyms.length) {
      const bySynonym = await call(i, i.alice, 'POST', '/tags/search', { tag: synonyms[0] });
      assert.ok(bySynonym.body.some((t: { Tag: { name: string } }) => t.Tag.name === first!.tag_name), 'a synonym finds the cluster\'s tag');
    }
    assert.deepEqual((await call(i, i.alice, 'GET', '/tags/search/tlp%3Aamber/1')).body.map((t: { Tag: { name: string } }) => t.Tag.name), ['tlp:amber']);
    assert.deepEqual((await call(i, i.alice, 'GET', '/tags/search/TLP%3AAMBER/1')).body, [], 'strictly: the name as it is');
  });
});
