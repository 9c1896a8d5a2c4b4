import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { readLibraries } from '../../src/libraries/directory.js';
import { addOrganisation } from '../../src/store/access/organisations.js';
import type { Store } from '../../src/store/db/database.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import { setSetting } from '../../src/store/settings.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { CERT_FR, MISPB_ORG, fakeMisp, mispEvent, type FakeMisp } from '../helpers/fake-misp.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

const LIBRARIES = { ...readLibraries(fixturePath('misp')), warninglists: [] };
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A custom cluster as MISP-B's galaxy_clusters/view answers it (the shape pushCluster carries too). */
function mispCluster(uuid: string, value: string, distribution: string): { GalaxyCluster: Record<string, unknown> } {
  return {
    GalaxyCluster: {
      id: '91', uuid, collection_uuid: '', type: 'threat-actor', value, tag_name: `misp-galaxy:threat-actor="${uuid}"`, description: 'from MISP-B',
      galaxy_id: '12', source: 'MISP-B', authors: ['MISP-B'], version: '1796524500', distribution, sharing_group_id: null, org_id: '1', orgc_id: '2',
      default: false, locked: false, extends_uuid: '', extends_version: '0', published: true, deleted: false,
      Galaxy: { id: '12', uuid: randomUUID(), name: 'Threat Actor', type: 'threat-actor', description: 'Threat actors', version: '3', namespace: 'misp' },
      GalaxyElement: [{ id: '5', galaxy_cluster_id: '91', key: 'country', value: 'FR' }], GalaxyClusterRelation: [],
      Org: MISPB_ORG, Orgc: CERT_FR,
    },
  };
}

/**
 * Cairn syncing what goes beyond events with a fake MISP 2.5.1 (MISP-B of misp-sync-wire.md): the
 * requests it sends for galaxy clusters, proposals and analyst data, checked against what MISP's
 * Server::pull / push and ServerSyncTool send; and MISP's filtering of pulled events by type.
 */
forEachDialect('Cairn syncing clusters, proposals and analyst data with MISP (fake MISP peer)', (fixture) => {
  let cairn: Instance;
  let store: Store;
  let misp: FakeMisp;
  let serverId: number;
  const mixed = mispEvent(1, 'domains and ip-src', 0);
  const onlyIps = mispEvent(2, 'ip-src only', 0);
  const clusterUuid = randomUUID();
  const noteUuid = randomUUID();

  before(async () => {
    store = await fixture.open();
    await saveLibraries(store, LIBRARIES);
    cairn = await serve(store);
    misp = await fakeMisp();
    await addOrganisation(store, MISPB_ORG.name, MISPB_ORG.uuid);
    const added = await call(cairn, cairn.admin, 'POST', '/servers/add', {
      Server: {
        name: 'MISP-B', url: misp.base, authkey: misp.key, remote_org_id: MISPB_ORG.uuid, pull: true, push: true,
        pull_galaxy_clusters: true, push_galaxy_clusters: true, pull_analyst_data: true, push_analyst_data: true,
        pull_rules: { tags: { OR: [], NOT: [] }, orgs: { OR: [CERT_FR.uuid], NOT: [] }, type_attributes: { NOT: ['ip-src'] }, type_objects: { NOT: [] }, url_params: '' },
      },
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    serverId = Number(added.body.Server.id);
    const attribute = (k: number, type: string, value: string) => ({ ...(mixed.Event.Attribute as Doc[])[0], id: String(900 + k), uuid: randomUUID(), type, value, category: 'Network activity', distribution: '5', Tag: [] });
    mixed.Event.Attribute = [attribute(1, 'domain', 'kept.example'), attribute(2, 'ip-src', '198.51.100.1')];
    onlyIps.Event.Attribute = [attribute(3, 'ip-src', '198.51.100.2')];
    for (const e of [mixed, onlyIps]) misp.events.set(String(e.Event.uuid), e);
    misp.clusters.set(clusterUuid, mispCluster(clusterUuid, 'MISP-B actor', '1'));
    misp.proposals.push({
      ShadowAttribute: {
        id: '3', old_id: '0', event_id: '1', type: 'domain', category: 'Network activity', value: 'proposed.example', to_ids: true, uuid: randomUUID(),
        event_uuid: mixed.Event.uuid, org_id: '3', email: 'analyst@orgname.test', comment: 'seen too', deleted: false, timestamp: '1796524600',
        first_seen: null, last_seen: null, proposal_to_delete: false, disable_correlation: false, Org: { id: '3', name: 'ORGNAME', uuid: 'd2721784-87b1-4bac-9e4a-59a4efcef5a8' },
      },
    });
    misp.notes.set(noteUuid, {
      Note: {
        id: '4', uuid: noteUuid, object_uuid: clusterUuid, object_type: 'GalaxyCluster', authors: 'analyst@mispb.test', org_uuid: MISPB_ORG.uuid, orgc_uuid: CERT_FR.uuid,
        created: '2026-11-01 10:00:00', modified: '2026-11-01 10:00:00', distribution: '2', sharing_group_id: null, locked: false, note: 'watch this actor', language: 'en',
        note_type: '0', note_type_name: 'Note', Org: MISPB_ORG, Orgc: CERT_FR,
      },
    });
  });
  after(async () => {
    await misp.close();
    await cairn.app.close();
    await fixture.cleanup();
  });

  it("pulls as MISP-A: clusters first, the rules' filters on the index, proposals of 90 days, analyst data of the rules' organisations", async () => {
    await setSetting(store, 'sync.filter_on_type', 'true');
    const from = misp.log.length;
    const res = await call(cairn, cairn.admin, 'POST', `/servers/pull/${serverId}/full/wait:1`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.message, 'Pull completed. 1 events pulled, 0 events could not be pulled, 1 proposals pulled, 0 sightings pulled, 1 clusters pulled, 1 analyst data pulled.',
      JSON.stringify((await call(cairn, cairn.admin, 'GET', `/servers/runs/${serverId}`)).body.runs[0]));
    const asked = misp.log.slice(from);
    const at = (path: string | RegExp) => asked.find((r) => (typeof path === 'string' ? r.path === path : path.test(r.path)))!;
    assert.deepEqual(asked.slice(0, 3).map((r) => `${r.method} ${r.path}`), ['GET /servers/getVersion', 'POST /galaxy_clusters/restSearch', `GET /galaxy_clusters/view/${clusterUuid}`]);
    assert.deepEqual(JSON.parse(asked[1]!.body), { published: 1, minimal: 1, custom: 1 });
    assert.deepEqual(JSON.parse(at('/events/index').body), { org: [CERT_FR.uuid], type_attribute: ['!ip-src'], minimal: 1, published: 1 });
    const proposals = at(/^\/shadow_attributes\/index\//);
    const m = /^\/shadow_attributes\/index\/all:1\/timestamp:(\d+)\/limit:1000\/page:1\/deleted\[\]:0\/deleted\[\]:1\.json$/.exec(proposals.path);
    assert.ok(m, proposals.path);
    assert.ok(Math.abs(Number(m[1]) - (Math.floor(Date.now() / 1000) - 90 * 86400)) < 120, 'proposals of the last 90 days');
    assert.deepEqual(JSON.parse(at('/analyst_data/indexMinimal').body), { orgc_name: [CERT_FR.uuid] });
    assert.equal(asked.at(-1)!.path, `/analyst_data/index/Note/uuid[]:${noteUuid}.json`);

    const e = (await call(cairn, cairn.admin, 'GET', `/events/view/${String(mixed.Event.uuid)}`)).body.Event;
    assert.deepEqual(e.Attribute.map((x: Doc) => x.type), ['domain'], 'the ip-src the rules exclude is left out (sync.filter_on_type)');
    assert.equal((await call(cairn, cairn.admin, 'GET', `/events/view/${String(onlyIps.Event.uuid)}`)).status, 404, 'an event the rules empty is not stored');
    const run = (await call(cairn, cairn.admin, 'GET', `/servers/runs/${serverId}`)).body.runs[0];
    assert.equal(run.refused, 0, 'an event the rules empty is no failure (as MISP)');
    const c = (await call(cairn, cairn.admin, 'GET', `/galaxy_clusters/view/${clusterUuid}`)).body.GalaxyCluster;
    assert.deepEqual([c.value, c.distribution, c.version, c.Orgc.uuid], ['MISP-B actor', '0', '1796524500', CERT_FR.uuid]);
    const proposal = (await call(cairn, cairn.admin, 'GET', `/shadow_attributes/index/${String(mixed.Event.uuid)}`)).body as Doc[];
    assert.deepEqual(proposal.map((p) => [p.ShadowAttribute.value, p.ShadowAttribute.comment]), [['proposed.example', 'seen too']]);
    const note = (await call(cairn, cairn.admin, 'GET', `/analyst_data/view/Note/${noteUuid}`)).body.Note;
    assert.deepEqual([note.note, note.distribution, note.Orgc.uuid], ['watch this actor', '1', CERT_FR.uuid]);
  });

  it('pushes as MISP-A: its clusters the remote lacks (restSearch with their uuids, then pushCluster), then events, then analyst data', async () => {
    const galaxy = (await call(cairn, cairn.admin, 'GET', '/galaxies/view/threat-actor')).body.Galaxy.id;
    const made = await call(cairn, cairn.admin, 'POST', `/galaxy_clusters/add/${galaxy}`, { GalaxyCluster: { value: 'Cairn actor', distribution: 3, GalaxyElement: [{ key: 'country', value: 'BE' }] } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    await call(cairn, cairn.admin, 'POST', `/galaxy_clusters/publish/${made.body.GalaxyCluster.id}`);
    const event = await call(cairn, cairn.admin, 'POST', '/events/add', { Event: { info: 'Cairn to MISP', distribution: 3, published: true, Attribute: [{ type: 'domain', value: 'cairn.example' }] } });
    const note = await call(cairn, cairn.admin, 'POST', `/analyst_data/add/Note/${String(event.body.Event.uuid)}/Event`, { note: 'pushed along', distribution: 3 });
    assert.equal(note.status, 200, JSON.stringify(note.body));
    const from = misp.log.length;
    const res = await call(cairn, cairn.admin, 'POST', `/servers/push/${serverId}/full/wait:1`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const asked = misp.log.slice(from);
    const paths = asked.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(paths.slice(0, 4), ['GET /servers/getVersion', 'POST /galaxy_clusters/restSearch', 'POST /galaxies/pushCluster', 'POST /events/filterEventIdsForPush'], paths.join('\n'));
    const search = JSON.parse(asked[1]!.body);
    assert.deepEqual(search, { published: 1, minimal: 1, custom: 1, uuid: [clusterUuid, made.body.GalaxyCluster.uuid].filter((u) => search.uuid.includes(u)) });
    assert.ok(!search.uuid.includes(clusterUuid), 'the cluster pulled at distribution 0 (downgraded) never goes back');
    const pushed = JSON.parse(asked[2]!.body) as Array<{ GalaxyCluster: Doc }>;
    assert.equal(pushed.length, 1, 'one cluster per request, as MISP');
    const c = pushed[0]!.GalaxyCluster;
    assert.equal(c.uuid, made.body.GalaxyCluster.uuid);
    for (const k of ['id', 'org_id', 'orgc_id', 'galaxy_id']) assert.equal(c[k], undefined, k);
    assert.deepEqual(c.GalaxyElement, [{ key: 'country', value: 'BE' }]);
    assert.equal(c.Galaxy.type, 'threat-actor');
    assert.ok(c.Orgc.uuid);
    assert.deepEqual(paths.slice(-2), ['POST /analyst_data/filterAnalystDataForPush', 'POST /analyst_data/pushAnalystData']);
    const offered = JSON.parse(asked.at(-2)!.body);
    assert.deepEqual(Object.keys(offered), ['Note', 'Opinion', 'Relationship']);
    assert.match(offered.Note[note.body.Note.uuid], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, "modified as MISP writes it");
    assert.ok(!(noteUuid in offered.Note), 'the note pulled at distribution 1 (this community) is not offered on');
    const sent = JSON.parse(asked.at(-1)!.body).Note;
    assert.equal(sent.uuid, note.body.Note.uuid);
    assert.equal(sent.locked, true);
    assert.equal(sent.id, undefined);
    assert.ok(misp.clusters.has(made.body.GalaxyCluster.uuid));
  });
});
