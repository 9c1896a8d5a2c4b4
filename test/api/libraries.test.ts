import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { readLibraries } from '../../src/libraries/directory.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import type { Store } from '../../src/store/db/database.js';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { describeRealData, fixturePath, sharedPath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

const EVENT = 'ab000000-0000-4000-8000-00000000aa01';
/** The fixture libraries (test/fixtures/misp): two taxonomies, two galaxies of three clusters, two templates, a noticelist. */
const LIBRARIES = { ...readLibraries(fixturePath('misp')), warninglists: [] };
/** The fixture's threat-actor galaxy and the uuid of its clusters file. */
const THREAT_ACTOR = 'f1c70000-0000-4000-8000-0000000000a1';
const THREAT_ACTOR_CLUSTERS = 'f1c70000-0000-4000-8000-0000000000c1';

forEachDialect('REST API: community libraries', (fixture) => {
  let i: Instance;
  let store: Store;
  before(async () => {
    store = await fixture.open();
    i = await serve(store);
    await makeTags(i, ['tlp:white']);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: EVENT, info: 'Tagged', distribution: 1,
      Tag: [{ name: 'tlp:white' }, { name: 'misp-galaxy:threat-actor="Sofacy"' }] } })).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });
  // The site admin, who may also make the tags that do not exist yet.
  const attach = (tag: string) => call(i, i.admin, 'POST', '/tags/attachTagToObject', { uuid: EVENT, tag });

  it('knows TLP and PAP before any library is loaded, and applies their rules', async () => {
    const index = await call(i, i.alice, 'GET', '/taxonomies/index');
    assert.deepEqual(index.body.map((t: { Taxonomy: { namespace: string; enabled: boolean } }) => [t.Taxonomy.namespace, t.Taxonomy.enabled]), [['PAP', true], ['tlp', true]]);
    const amber = await attach('tlp:amber');
    assert.equal(amber.status, 403);
    assert.match(amber.body.errors.tag[0], /tlp taxonomy is exclusive: "tlp:amber" cannot join "tlp:white"/);
    const custom = await call(i, i.admin, 'POST', '/tags/add', { name: 'tlp:white___test' });
    assert.equal(custom.status, 200, 'a name the taxonomy does not define is a tag as any other, as in MISP');
    assert.match((await attach('tlp:purple')).body.errors.tag[0], /tlp taxonomy is exclusive/);
    assert.equal((await attach('tlp:clear')).status, 200);
    assert.equal((await attach('PAP:GREEN')).status, 200);
    const view = await call(i, i.alice, 'GET', `/events/view/${EVENT}`);
    assert.deepEqual(view.body.Event.Galaxy[0].GalaxyCluster[0].meta, {}, 'an unknown cluster still shows, from its tag');
  });

  it('loads the libraries; a reload keeps ids and enabled states', async () => {
    const n = await saveLibraries(store, LIBRARIES);
    assert.deepEqual(n, { taxonomies: 2, galaxies: 2, clusters: 3, templates: 2, noticelists: 1, warninglists: 0 });
    for (const uuid of [THREAT_ACTOR, THREAT_ACTOR_CLUSTERS]) {
      assert.equal((await call(i, i.alice, 'GET', `/galaxy_clusters/view/${uuid}`)).status, 404, 'a galaxy uuid is not a cluster');
    }
    const before = (await call(i, i.alice, 'GET', '/galaxies/view/threat-actor')).body.GalaxyCluster.find((c: { value: string }) => c.value === 'APT28');
    await saveLibraries(store, { ...LIBRARIES, taxonomies: [], templates: [], noticelists: [] });
    const again = (await call(i, i.alice, 'GET', '/galaxies/view/threat-actor')).body.GalaxyCluster.find((c: { value: string }) => c.value === 'APT28');
    assert.equal(again.id, before.id);
    const index = await call(i, i.alice, 'GET', '/taxonomies/index');
    const tlp = index.body.find((t: { Taxonomy: { namespace: string } }) => t.Taxonomy.namespace === 'tlp');
    assert.equal(tlp.Taxonomy.enabled, true, 'tlp stays enabled when the library replaces it');
    assert.deepEqual([tlp.current_count, tlp.total_count], [2, 7], 'the library\'s seven labels, of which the two in use');
    assert.equal(index.body.find((t: { Taxonomy: { namespace: string } }) => t.Taxonomy.namespace === 'admiralty-scale').Taxonomy.enabled, false);
  });

  it('shows a taxonomy with its tags; only a site admin enables one, and then its rules apply', async () => {
    const view = await call(i, i.alice, 'GET', '/taxonomies/view/admiralty-scale');
    assert.equal(view.status, 200);
    const a = view.body.entries.find((e: { tag: string }) => e.tag === 'admiralty-scale:source-reliability="a"');
    assert.deepEqual([a.expanded, a.numerical_value, a.exclusive_predicate, a.existing_tag], ['Source Reliability: Completely reliable', 100, true, false]);
    assert.equal((await attach('admiralty-scale:source-reliability="a"')).status, 200, 'a disabled taxonomy imposes nothing');
    assert.equal((await call(i, i.alice, 'POST', `/taxonomies/enable/${view.body.Taxonomy.id}`)).status, 403);
    const on = await call(i, i.admin, 'POST', `/taxonomies/enable/${view.body.Taxonomy.id}`);
    assert.deepEqual([on.status, on.body.saved, on.body.name], [200, true, 'Taxonomy enabled']);
    const b = await attach('admiralty-scale:source-reliability="b"');
    assert.equal(b.status, 403);
    assert.match(b.body.errors.tag[0], /source-reliability predicate is exclusive/);
    const tags = await call(i, i.alice, 'GET', '/tags/index?searchall=admiralty');
    assert.equal(tags.body.Tag[0].numerical_value, 100);
    assert.equal((await call(i, i.alice, 'GET', '/taxonomies/view/no-such')).status, 404);
  });

  it('resolves a galaxy tag to its cluster, by value or synonym, with meta and relations', async () => {
    const view = await call(i, i.alice, 'GET', `/events/view/${EVENT}`);
    const galaxy = view.body.Event.Galaxy[0];
    assert.deepEqual([galaxy.name, galaxy.type, galaxy.uuid], ['Threat Actor', 'threat-actor', THREAT_ACTOR]);
    const cluster = galaxy.GalaxyCluster[0];
    assert.equal(cluster.value, 'APT28');
    assert.equal(cluster.tag_name, 'misp-galaxy:threat-actor="Sofacy"', 'the tag the event carries');
    assert.deepEqual(cluster.meta.country, ['RU']);
    assert.ok(cluster.meta.synonyms.includes('Sofacy'));
    assert.deepEqual(cluster.GalaxyClusterRelation.map((r: { referenced_galaxy_cluster_uuid: string; referenced_galaxy_cluster_type: string }) =>
      [r.referenced_galaxy_cluster_uuid, r.referenced_galaxy_cluster_type]), [['f1c70000-0000-4000-8000-000000000c02', 'similar']]);
  });

  it('lists galaxies and searches their clusters as PyMISP asks', async () => {
    const all = await call(i, i.alice, 'GET', '/galaxies/index');
    assert.ok(all.body.some((g: { Galaxy: { type: string } }) => g.Galaxy.type === 'threat-actor'));
    const found = await call(i, i.alice, 'POST', '/galaxies', { value: 'Threat Act' });
    assert.deepEqual([found.body.length, all.body.length], [1, 2], 'Threat Actor of the two galaxies');
    assert.ok(found.body.every((g: { Galaxy: { name: string } }) => g.Galaxy.name.includes('Threat Act')));
    const clusters = await call(i, i.alice, 'POST', '/galaxy_clusters/index/threat-actor', { context: 'all', searchall: 'Fancy Bear' });
    assert.ok(clusters.body.some((c: { GalaxyCluster: { value: string } }) => c.GalaxyCluster.value === 'APT28'), JSON.stringify(clusters.body).slice(0, 300));
    const id = clusters.body.find((c: { GalaxyCluster: { value: string } }) => c.GalaxyCluster.value === 'APT28').GalaxyCluster.uuid;
    const one = await call(i, i.alice, 'GET', `/galaxy_clusters/view/${id}`);
    assert.equal(one.body.GalaxyCluster.Galaxy.type, 'threat-actor');
    assert.ok(one.body.GalaxyCluster.GalaxyElement.some((e: { key: string; value: string }) => e.key === 'country' && e.value === 'RU'));
    assert.equal((await call(i, i.alice, 'POST', '/galaxy_clusters/index/threat-actor', { context: 'nonsense' })).status, 400);
  });

  it('serves object templates and checks objects against the stored ones', async () => {
    const index = await call(i, i.alice, 'GET', '/objectTemplates/index');
    assert.ok(index.body.some((t: { ObjectTemplate: { name: string } }) => t.ObjectTemplate.name === 'domain-ip'));
    const view = await call(i, i.alice, 'GET', '/objectTemplates/view/domain-ip');
    assert.equal(view.body.ObjectTemplate['meta-category'], 'network');
    assert.ok(view.body.ObjectTemplateElement.some((e: { object_relation: string; type: string }) => e.object_relation === 'domain' && e.type === 'domain'));
    const raw = await call(i, i.alice, 'GET', `/objectTemplates/getRaw/${view.body.ObjectTemplate.uuid}`);
    assert.equal(raw.body.name, 'domain-ip');
    const bad = await call(i, i.alice, 'POST', `/objects/add/${EVENT}`, { Object: { name: 'domain-ip', Attribute: [{ object_relation: 'colour', type: 'text', value: 'x' }] } });
    assert.equal(bad.status, 403);
    assert.match(bad.body.errors.colour[0], /no such relation/);
  });

  it('serves noticelists and lets a site admin turn them on and off', async () => {
    const index = await call(i, i.alice, 'GET', '/noticelists/index');
    assert.deepEqual(index.body.map((n: { Noticelist: { name: string; enabled: boolean } }) => [n.Noticelist.name, n.Noticelist.enabled]), [['gdpr', false]]);
    const id = index.body[0].Noticelist.id;
    const view = await call(i, i.alice, 'GET', `/noticelists/view/${id}`);
    assert.ok(view.body.Noticelist.NoticelistEntry.length > 0);
    assert.equal((await call(i, i.alice, 'POST', `/noticelists/enableNoticelist/${id}/true`)).status, 403);
    assert.equal((await call(i, i.admin, 'POST', `/noticelists/enableNoticelist/${id}/true`)).body.Noticelist.enabled, true, 'answers the list, as MISP\'s redirect to its view does');
    assert.equal((await call(i, i.admin, 'POST', `/noticelists/toggleEnable/${id}`)).body.name, 'Noticelist disabled.');
  });
});

describeRealData('REST API: community libraries', () => {
  forEachDialect('the published ones', (fixture) => {
    after(() => fixture.cleanup());

    it('loads every published library, and resolves a galaxy tag by synonym to its cluster', async () => {
      const store = await fixture.open();
      const misp = sharedPath('data', 'misp');
      const n = await saveLibraries(store, {
        ...readLibraries(join(misp, 'misp-galaxy')),
        taxonomies: readLibraries(join(misp, 'misp-taxonomies')).taxonomies,
        templates: readLibraries(join(misp, 'misp-objects')).templates,
        noticelists: readLibraries(join(misp, 'misp-noticelist')).noticelists,
      });
      assert.ok(n.taxonomies > 100 && n.clusters > 40_000 && n.templates > 300, JSON.stringify(n));
      const i = await serve(store);
      try {
        assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: EVENT, info: 'Tagged', distribution: 1,
          Tag: [{ name: 'misp-galaxy:threat-actor="Sofacy"' }] } })).status, 200);
        assert.equal((await call(i, i.alice, 'GET', '/galaxy_clusters/view/7cdff317-a673-4474-84ec-4f1754947823')).status, 404, 'a galaxy uuid is not a cluster');
        const galaxy = (await call(i, i.alice, 'GET', `/events/view/${EVENT}`)).body.Event.Galaxy[0];
        assert.deepEqual([galaxy.name, galaxy.type, galaxy.uuid], ['Threat Actor', 'threat-actor', '698774c7-8022-42c4-917f-8d6e4f06ada3']);
        const cluster = galaxy.GalaxyCluster[0];
        assert.equal(cluster.value, 'APT28');
        assert.deepEqual(cluster.meta.country, ['RU']);
        assert.ok(cluster.GalaxyClusterRelation.length > 0);
        const tlp = (await call(i, i.alice, 'GET', '/taxonomies/index')).body.find((t: { Taxonomy: { namespace: string } }) => t.Taxonomy.namespace === 'tlp');
        assert.ok(tlp.total_count >= 8, JSON.stringify(tlp));
      } finally {
        await i.app.close();
      }
    });
  });
});
