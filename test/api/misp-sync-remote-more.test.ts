import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, it } from 'node:test';
import { readLibraries } from '../../src/libraries/directory.js';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addSharingGroup, setSharingGroupOrg, setSharingGroupServer } from '../../src/store/access/sharing-groups.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import type { Store } from '../../src/store/db/database.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import { serve, type Instance } from '../helpers/api.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

const LIBRARIES = { ...readLibraries(fixturePath('misp')), warninglists: [] };
const VIEW_PARAMS = 'deleted[]:0/deleted[]:1/excludeGalaxy:1/includeEventCorrelations:0/includeFeedCorrelations:0/includeWarninglistHits:0/excludeLocalTags:1';
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A fake MISP 2.5.1 (MISP-A) against Cairn as its remote, for what goes beyond events and sightings:
 * the sharing group a pulling MISP must be able to make from events/view (SharingGroup::captureSG reads
 * its SharingGroupOrg and SharingGroupServer), the event-report probe and a pushed event's reports,
 * galaxies/pushCluster and analyst_data/pushAnalystData as MISP sends them.
 */
forEachDialect('MISP syncing clusters, reports, groups and analyst data with Cairn', (fixture) => {
  let i: Instance;
  let store: Store;
  let syncKey: string;
  let outsiderKey: string;
  let remoteOrg: { id: number; uuid: string; name: string };
  let groupUuid = '';
  let eventUuid = '';
  const creator = { id: '1', name: 'CERT-X', uuid: randomUUID(), local: true };

  async function misp(key: string, method: string, path: string, body?: unknown, gzip = false): Promise<{ status: number; body: Doc }> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(`${i.base}${path}`, {
      method,
      headers: {
        Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json', 'Accept-Encoding': 'deflate, gzip, br, zstd', 'User-Agent': 'MISP 2.5.1',
        ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      },
      ...(text === undefined ? {} : { body: gzip ? gzipSync(text) : text }),
    });
    const raw = await res.text();
    return { status: res.status, body: raw ? JSON.parse(raw) as Doc : {} };
  }

  before(async () => {
    store = await fixture.open();
    await saveLibraries(store, LIBRARIES);
    i = await serve(store);
    remoteOrg = await addOrganisation(store, 'ORGNAME');
    const sync = await addUser(store, 'sync@orgname.test', remoteOrg.id, 'Sync user');
    assert.ok(sync.ok);
    syncKey = await addApiKey(store, sync.user.id);
    const outsider = await addOrganisation(store, 'Elsewhere');
    const other = await addUser(store, 'sync@elsewhere.test', outsider.id, 'Sync user');
    assert.ok(other.ok);
    outsiderKey = await addApiKey(store, other.user.id);
    const group = await addSharingGroup(store, { name: 'with ORGNAME', releasability: 'ORGNAME and us' }, 1);
    assert.ok(group.ok);
    groupUuid = group.group.uuid;
    await setSharingGroupOrg(store, group.group.id, remoteOrg.id, false);
    await setSharingGroupServer(store, group.group.id, 0, true, false);
    const added = await misp(i.admin, 'POST', '/events/add', {
      Event: { info: 'group with ORGNAME', distribution: 4, sharing_group_id: group.group.id, published: true,
        Attribute: [{ type: 'ip-dst', value: '198.51.100.3', distribution: 4, sharing_group_id: group.group.id }] },
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    eventUuid = added.body.Event.uuid;
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it("events/view gives the sharing group whole, as MISP's captureSG needs it: its organisations with their Organisation, its instances with their url", async () => {
    const r = await misp(syncKey, 'GET', `/events/view/${eventUuid}/${VIEW_PARAMS}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const g of [r.body.Event.SharingGroup, r.body.Event.Attribute[0].SharingGroup]) {
      assert.equal(g.uuid, groupUuid);
      for (const k of ['id', 'name', 'releasability', 'description', 'organisation_uuid', 'org_id', 'active', 'roaming', 'local', 'created', 'modified']) assert.ok(k in g, k);
      assert.equal(g.releasability, 'ORGNAME and us');
      const members = g.SharingGroupOrg.map((m: Doc) => m.Organisation.uuid);
      assert.ok(members.includes(remoteOrg.uuid), "the sync user's organisation is listed: a pulling MISP makes the group only then");
      for (const m of g.SharingGroupOrg) for (const k of ['id', 'name', 'uuid', 'local']) assert.ok(k in m.Organisation, k);
      assert.ok(g.Organisation.uuid);
      assert.deepEqual(g.SharingGroupServer.map((s: Doc) => [s.server_id, s.all_orgs, s.Server.url]), [['0', false, i.base]], 'this instance, by the url the remote called');
    }
  });

  it('answers the event-report probe, and keeps the reports of an event a MISP pushes', async () => {
    const probe = await misp(syncKey, 'GET', '/eventReports/add');
    assert.equal(probe.status, 200);
    assert.ok(probe.body.description, 'MISP pushes reports only when the description is there');
    const uuid = randomUUID();
    const report = randomUUID();
    const t = 1_760_000_000;
    const pushed = await misp(syncKey, 'POST', '/events/add/metadata:1', {
      Event: {
        id: '15', date: '2026-01-02', threat_level_id: '4', info: 'with a report', published: true, uuid, attribute_count: '1', analysis: '0', timestamp: String(t),
        distribution: '1', user_id: '1', locked: 1, publish_timestamp: String(t), sharing_group_id: '0', disable_correlation: false, extends_uuid: '', protected: null,
        event_creator_email: 'admin@misp-a.test',
        Attribute: [{ id: '1', type: 'ip-src', category: 'Network activity', to_ids: true, uuid: randomUUID(), timestamp: String(t), distribution: '5', sharing_group_id: '0',
          comment: '', deleted: false, disable_correlation: false, value: '203.0.113.9', Tag: [] }],
        EventReport: [{ id: '4', uuid: report, event_id: '15', name: 'Report from MISP-A', content: '# Findings\n\nSee @[attribute](x).', distribution: '5', sharing_group_id: '0',
          timestamp: String(t), deleted: false }],
        Object: [], Orgc: creator, ShadowAttribute: [], CryptographicKey: [], ThreatLevel: { name: 'Undefined' }, Galaxy: [], Tag: [],
      },
    }, true);
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    const held = await misp(i.admin, 'GET', `/events/view/${uuid}`);
    assert.deepEqual(held.body.Event.EventReport.map((x: Doc) => [x.uuid, x.name, x.content]), [[report, 'Report from MISP-A', '# Findings\n\nSee @[attribute](x).']]);
  });

  it("takes a cluster a MISP pushes (galaxies/pushCluster), locked under its creator, and only a newer version after", async () => {
    const uuid = randomUUID();
    const cluster = (version: string, description: string) => [{
      GalaxyCluster: {
        uuid, collection_uuid: '', type: 'threat-actor', value: 'MISP-A actor', tag_name: `misp-galaxy:threat-actor="${uuid}"`, description, source: 'MISP-A',
        authors: ['MISP-A'], version, distribution: '3', sharing_group_id: null, default: false, locked: false, extends_uuid: '', extends_version: '0',
        published: true, deleted: false, Galaxy: { uuid: randomUUID(), name: 'Threat Actor', type: 'threat-actor', namespace: 'misp', version: '3' },
        GalaxyElement: [{ key: 'country', value: 'FR' }], GalaxyClusterRelation: [], Org: creator, Orgc: creator,
      },
    }];
    const first = await misp(syncKey, 'POST', '/galaxies/pushCluster', cluster('1796524500', 'first'), true);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.message, 'Galaxy clusters imported. 1 imported, 0 ignored, 0 failed. ');
    const view = async () => (await misp(i.admin, 'GET', `/galaxy_clusters/view/${uuid}`)).body.GalaxyCluster;
    const c = await view();
    assert.deepEqual([c.description, c.version, c.Orgc.uuid, c.Org.uuid, c.published], ['first', '1796524500', creator.uuid, remoteOrg.uuid, true]);
    const listed = await misp(syncKey, 'POST', '/galaxy_clusters/restSearch', { published: 1, minimal: 1, custom: 1, uuid: [uuid] });
    assert.deepEqual(listed.body, { response: [{ GalaxyCluster: { uuid, version: '1796524500' } }] }, "so that MISP's next push finds it held");
    const same = await misp(syncKey, 'POST', '/galaxies/pushCluster', cluster('1796524500', 'same version'));
    assert.equal(same.status, 403);
    assert.match(same.body.message, /0 imported, 1 ignored/);
    assert.equal((await misp(syncKey, 'POST', '/galaxies/pushCluster', cluster('1796524600', 'newer'))).status, 200);
    assert.equal((await view()).description, 'newer');
    assert.equal((await misp(i.alice, 'POST', '/galaxies/pushCluster', cluster('1796524700', 'by a user'))).status, 405, 'sync users only');
  });

  it('a cluster of a group without the remote organisation is never listed or shown to its sync user', async () => {
    const galaxy = (await misp(i.admin, 'GET', '/galaxies/view/threat-actor')).body.Galaxy.id;
    const groupWithout = await addSharingGroup(store, { name: 'without Elsewhere' }, 1);
    assert.ok(groupWithout.ok);
    await setSharingGroupOrg(store, groupWithout.group.id, remoteOrg.id, false);
    const made = await misp(i.admin, 'POST', `/galaxy_clusters/add/${galaxy}`, { GalaxyCluster: { value: 'group actor', distribution: 4, sharing_group_id: groupWithout.group.id } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    await misp(i.admin, 'POST', `/galaxy_clusters/publish/${made.body.GalaxyCluster.id}`);
    const uuid = made.body.GalaxyCluster.uuid;
    const listedFor = async (key: string) => (await misp(key, 'POST', '/galaxy_clusters/restSearch', { published: 1, minimal: 1, custom: 1 })).body.response.map((c: Doc) => c.GalaxyCluster.uuid);
    assert.ok((await listedFor(syncKey)).includes(uuid));
    assert.ok(!(await listedFor(outsiderKey)).includes(uuid));
    assert.equal((await misp(outsiderKey, 'GET', `/galaxy_clusters/view/${uuid}`)).status, 404);
  });

  it('takes a note a MISP pushes (analyst_data/pushAnalystData) under its creator, and gives notes by uuid as MISP asks', async () => {
    const uuid = randomUUID();
    const note = {
      Note: {
        uuid, object_uuid: eventUuid, object_type: 'Event', authors: 'analyst@misp-a.test', org_uuid: creator.uuid, orgc_uuid: creator.uuid,
        created: '2026-11-01 10:00:00', modified: '2026-11-01 10:00:00', distribution: '1', sharing_group_id: null, locked: true, note: 'pushed note', language: 'en',
        note_type: '0', note_type_name: 'Note', Org: creator, Orgc: creator,
      },
    };
    const filtered = await misp(syncKey, 'POST', '/analyst_data/filterAnalystDataForPush', { Note: { [uuid]: '2026-11-01 10:00:00' }, Opinion: {}, Relationship: {} });
    assert.deepEqual(Object.keys(filtered.body.Note), [uuid]);
    const pushed = await misp(syncKey, 'POST', '/analyst_data/pushAnalystData', note);
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    assert.match(pushed.body.message, /^Analyst Data imported\. 1 imported/);
    const byUuid = await misp(syncKey, 'GET', `/analyst_data/index/Note/uuid[]:${uuid}.json`);
    assert.equal(byUuid.status, 200, JSON.stringify(byUuid.body));
    assert.deepEqual((byUuid.body as unknown as Doc[]).map((n) => [n.Note.uuid, n.Note.note, n.Note.Orgc.uuid]), [[uuid, 'pushed note', creator.uuid]]);
    assert.deepEqual(await misp(outsiderKey, 'GET', `/analyst_data/index/Note/uuid[]:${uuid}.json`).then((r) => r.body), [], 'a note on an event the caller may not see is not given');
  });
});
