import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { readLibraries } from '../../src/libraries/directory.js';
import { addOrganisation, findOrganisation } from '../../src/store/access/organisations.js';
import { addSharingGroup, setSharingGroupOrg } from '../../src/store/access/sharing-groups.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import type { Store } from '../../src/store/db/database.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';
import { loggingProxy, type LoopbackPeer } from '../helpers/sync-peers.js';

const LIBRARIES = { ...readLibraries(fixturePath('misp')), warninglists: [] };
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Two Cairn instances on loopback, A syncing with B through one server link with every flag MISP has
 * for what goes beyond events: custom galaxy clusters, proposals and analyst data, pulled and pushed,
 * and nothing B's sync user (A's organisation) may not see ever crossing.
 */
forEachDialect('Cairn syncing clusters, proposals and analyst data with another Cairn', (fixture) => {
  let a: Instance;
  let b: Instance;
  let storeA: Store;
  let storeB: Store;
  let proxy: LoopbackPeer;
  let serverId: number;
  let syncKey: string;
  let hostA: { uuid: string; name: string };
  let hostB: { uuid: string; name: string };
  const ev: Record<string, { id: string; uuid: string }> = {};
  const cl: Record<string, { id: string; uuid: string }> = {};
  const notes: Record<string, string> = {};

  const add = async (i: Instance, event: Record<string, unknown>) => {
    const res = await call(i, i.admin, 'POST', '/events/add', { Event: { published: true, ...event } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { id: String(res.body.Event.id), uuid: String(res.body.Event.uuid) };
  };
  const cluster = async (i: Instance, value: string, fields: Record<string, unknown>, publish = true) => {
    const galaxy = (await call(i, i.admin, 'GET', '/galaxies/view/threat-actor')).body.Galaxy.id;
    const res = await call(i, i.admin, 'POST', `/galaxy_clusters/add/${galaxy}`, { GalaxyCluster: { value, GalaxyElement: [{ key: 'country', value: 'FR' }], ...fields } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const c = { id: String(res.body.GalaxyCluster.id), uuid: String(res.body.GalaxyCluster.uuid) };
    if (publish) assert.equal((await call(i, i.admin, 'POST', `/galaxy_clusters/publish/${c.id}`)).status, 200);
    return c;
  };
  const note = async (i: Instance, on: string, text: string, distribution: number, type = 'Event') => {
    const res = await call(i, i.admin, 'POST', `/analyst_data/add/Note/${on}/${type}`, { note: text, distribution });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return String(res.body.Note.uuid);
  };
  const runOf = async () => (await call(a, a.admin, 'GET', `/servers/runs/${serverId}`)).body.runs[0];
  const since = () => proxy.log.length;
  const clusterOn = (i: Instance, uuid: string) => call(i, i.admin, 'GET', `/galaxy_clusters/view/${uuid}`);
  const noteOn = (i: Instance, uuid: string) => call(i, i.admin, 'GET', `/analyst_data/view/Note/${uuid}`);

  before(async () => {
    storeA = await fixture.open();
    storeB = await fixture.open();
    await saveLibraries(storeA, LIBRARIES);
    await saveLibraries(storeB, LIBRARIES);
    a = await serve(storeA);
    b = await serve(storeB);
    proxy = await loggingProxy(b.base);
    const me = async (i: Instance) => (await call(i, i.admin, 'GET', '/users/view/me')).body.Organisation as { uuid: string; name: string };
    hostA = await me(a);
    hostB = await me(b);
    const orgAonB = await addOrganisation(storeB, hostA.name === hostB.name ? `${hostA.name} A` : hostA.name, hostA.uuid);
    const sync = await addUser(storeB, 'sync@a.test', orgAonB.id, 'Sync user');
    assert.ok(sync.ok);
    syncKey = await addApiKey(storeB, sync.user.id);
    await addOrganisation(storeA, `${hostB.name} B`, hostB.uuid);
    const added = await call(a, a.admin, 'POST', '/servers/add', {
      Server: {
        name: 'B', url: proxy.base, authkey: syncKey, remote_org_id: hostB.uuid, pull: true, push: true,
        pull_galaxy_clusters: true, push_galaxy_clusters: true, pull_analyst_data: true, push_analyst_data: true,
      },
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    serverId = Number(added.body.Server.id);

    // On B: clusters of the community, of B only, of a group without A, and one unpublished.
    const withoutA = await addSharingGroup(storeB, { name: 'without A' }, 1);
    assert.ok(withoutA.ok);
    await setSharingGroupOrg(storeB, withoutA.group.id, (await addOrganisation(storeB, 'Elsewhere')).id, false);
    cl.community = await cluster(b, 'B community actor', { distribution: 1, description: 'seen by the community' });
    cl.private = await cluster(b, 'B private actor', { distribution: 0 });
    cl.groupOut = await cluster(b, 'B group-out actor', { distribution: 4, sharing_group_id: withoutA.group.id });
    cl.draft = await cluster(b, 'B unpublished actor', { distribution: 3 }, false);
    // B's events, notes on them, and a proposal A's organisation made there.
    ev.community = await add(b, { info: 'B community', distribution: 1, Attribute: [{ type: 'domain', value: 'community.example' }] });
    ev.private = await add(b, { info: 'B only', distribution: 0, Attribute: [{ type: 'domain', value: 'private.example' }] });
    // Notes on an event come with it; those on a cluster in the analyst data step.
    notes.onEvent = await note(b, ev.community.uuid, 'read by the community', 1);
    notes.community = await note(b, cl.community.uuid, 'about the community actor', 1, 'GalaxyCluster');
    notes.bOnly = await note(b, cl.community.uuid, 'for B only', 0, 'GalaxyCluster');
    notes.onPrivate = await note(b, ev.private.uuid, 'on an event A may not see', 3);
    const proposed = await call(b, syncKey, 'POST', `/shadow_attributes/add/${ev.community.id}`, { ShadowAttribute: { type: 'domain', category: 'Network activity', value: 'proposed.example' } });
    assert.equal(proposed.status, 200, JSON.stringify(proposed.body));
  });
  after(async () => {
    await proxy.close();
    await a.app.close();
    await b.app.close();
    await fixture.cleanup();
  });

  it('pulls the clusters, proposals and analyst data its sync user may see, and nothing else', async () => {
    const from = since();
    const res = await call(a, a.admin, 'POST', `/servers/pull/${serverId}/full/wait:1`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.message, /^Pull completed\. 1 events pulled, 0 events could not be pulled, 1 proposals pulled, 0 sightings pulled, 1 clusters pulled, 1 analyst data pulled\.$/, JSON.stringify(await runOf()));
    const asked = proxy.log.slice(from).map((r) => `${r.method} ${r.path}`);
    // MISP's order: clusters first (so that the events' tags find them), then the events, proposals, sightings, analyst data.
    assert.deepEqual(asked.slice(0, 3), ['GET /servers/getVersion', 'POST /galaxy_clusters/restSearch', `GET /galaxy_clusters/view/${cl.community!.uuid}`]);
    assert.ok(asked.indexOf('POST /events/index') > 2);
    assert.ok(asked.some((p) => p.startsWith('GET /shadow_attributes/index/all:1/timestamp:')));
    assert.equal(asked.at(-2), 'POST /analyst_data/indexMinimal');
    assert.equal(asked.at(-1), `GET /analyst_data/index/Note/uuid[]:${notes.community}.json`);

    const c = (await clusterOn(a, cl.community!.uuid)).body.GalaxyCluster;
    assert.equal(c.distribution, '0', 'this community (1) becomes this organisation (0) on pull, as events');
    assert.equal(c.Orgc.uuid, hostB.uuid, 'the creator is kept');
    assert.equal(c.Org.uuid, hostA.uuid, "the copy is the server's organisation's");
    assert.equal(c.published, true);
    assert.deepEqual(c.GalaxyElement, [{ key: 'country', value: 'FR' }]);
    for (const k of ['private', 'groupOut', 'draft']) assert.equal((await clusterOn(a, cl[k]!.uuid)).status, 404, `cluster ${k} never crosses`);

    const n = (await noteOn(a, notes.community!)).body.Note;
    assert.equal(n.note, 'about the community actor');
    assert.equal(n.distribution, '0', 'downgraded as events are');
    assert.equal(n.Orgc.uuid, hostB.uuid);
    assert.equal(n.Org.uuid, hostA.uuid);
    const withEvent = (await noteOn(a, notes.onEvent!)).body.Note;
    assert.equal(withEvent.note, 'read by the community');
    assert.equal(withEvent.distribution, '0', 'a note that comes with its event is downgraded as well');
    for (const k of ['bOnly', 'onPrivate']) assert.equal((await noteOn(a, notes[k]!)).status, 404, `note ${k} never crosses`);

    const proposals = (await call(a, a.admin, 'GET', `/shadow_attributes/index/${ev.community!.uuid}`)).body as Doc[];
    assert.deepEqual(proposals.map((p) => [p.ShadowAttribute.value, p.ShadowAttribute.Org.uuid]), [['proposed.example', hostA.uuid]]);

    const run = await runOf();
    assert.deepEqual([run.pulled, run.proposals, run.clusters, run.analyst_data, run.refused], [1, 1, 1, 1, 0], JSON.stringify(run));
  });

  it('a second pull fetches no cluster, proposal or note it already holds', async () => {
    const from = since();
    const res = await call(a, a.admin, 'POST', `/servers/pull/${serverId}/full/wait:1`);
    assert.match(res.body.message, /0 proposals pulled, 0 sightings pulled, 0 clusters pulled, 0 analyst data pulled\.$/);
    const asked = proxy.log.slice(from).map((r) => r.path);
    assert.ok(!asked.some((p) => p.startsWith('/galaxy_clusters/view/') || p.startsWith('/analyst_data/index/')), asked.join('\n'));
  });

  it('pushes the clusters and analyst data B may receive, clusters before the events; never those of A only or of a group without B', async () => {
    const orgB = (await findOrganisation(storeA, hostB.uuid))!;
    const groupWithout = await addSharingGroup(storeA, { name: 'A group without B' }, 1);
    assert.ok(groupWithout.ok);
    cl.aAll = await cluster(a, 'A shared actor', { distribution: 3, GalaxyClusterRelation: [{ referenced_galaxy_cluster_uuid: cl.community!.uuid, referenced_galaxy_cluster_type: 'similar', distribution: 3 }] });
    cl.aOnly = await cluster(a, 'A private actor', { distribution: 0 });
    cl.aCommunity = await cluster(a, 'A community actor', { distribution: 1 });
    cl.aGroupOut = await cluster(a, 'A group-out actor', { distribution: 4, sharing_group_id: groupWithout.group.id });
    ev.aShared = await add(a, { info: 'A shared', distribution: 3, Attribute: [{ type: 'domain', value: 'a-shared.example' }] });
    ev.aOnly = await add(a, { info: 'A only', distribution: 0, Attribute: [{ type: 'domain', value: 'a-only.example' }] });
    notes.aShared = await note(a, ev.aShared.uuid, 'A says this is shared', 2);
    notes.aOnly = await note(a, ev.aShared.uuid, 'A keeps this', 0);
    notes.aOnPrivate = await note(a, ev.aOnly.uuid, 'on an event B may not see', 3);
    assert.ok(orgB);
    const from = since();
    const res = await call(a, a.admin, 'POST', `/servers/push/${serverId}/full/wait:1`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const run = await runOf();
    assert.deepEqual([run.pushed, run.clusters, run.analyst_data, run.refused], [1, 1, 1, 0], JSON.stringify(run));
    const asked = proxy.log.slice(from);
    const paths = asked.map((r) => `${r.method} ${r.path}`);
    assert.ok(paths.indexOf('POST /galaxies/pushCluster') < paths.indexOf('POST /events/filterEventIdsForPush'), paths.join('\n'));
    const search = JSON.parse(asked.find((r) => r.path === '/galaxy_clusters/restSearch')!.body);
    assert.deepEqual(Object.keys(search), ['published', 'minimal', 'custom', 'uuid']);
    assert.ok(!search.uuid.includes(cl.aOnly!.uuid) && !search.uuid.includes(cl.aCommunity!.uuid) && !search.uuid.includes(cl.aGroupOut!.uuid), 'clusters that may not cross are not even named');
    const pushed = asked.filter((r) => r.path === '/galaxies/pushCluster').map((r) => JSON.parse(r.body)[0].GalaxyCluster);
    assert.deepEqual(pushed.map((c: Doc) => c.uuid), [cl.aAll!.uuid], 'the cluster pulled from B is not pushed back (B holds that version)');
    for (const k of ['id', 'org_id', 'orgc_id', 'galaxy_id']) assert.equal(pushed[0][k], undefined, k);
    const offered = JSON.parse(asked.find((r) => r.path === '/analyst_data/filterAnalystDataForPush')!.body);
    assert.deepEqual(Object.keys(offered.Note), [notes.aShared], 'only the note B may see is offered');
    assert.equal(paths.at(-1), 'POST /analyst_data/pushAnalystData', 'analyst data go last, as in MISP');

    const c = (await clusterOn(b, cl.aAll!.uuid)).body.GalaxyCluster;
    assert.equal(c.Orgc.uuid, hostA.uuid);
    assert.equal(c.distribution, '3');
    assert.deepEqual(c.GalaxyClusterRelation.map((r: Doc) => r.referenced_galaxy_cluster_uuid), [cl.community!.uuid]);
    for (const k of ['aOnly', 'aCommunity', 'aGroupOut']) assert.equal((await clusterOn(b, cl[k]!.uuid)).status, 404, `cluster ${k} never crosses`);
    const n = (await noteOn(b, notes.aShared!)).body.Note;
    assert.equal(n.distribution, '1', 'connected communities (2) become this community on push');
    assert.equal(n.Orgc.uuid, hostA.uuid);
    for (const k of ['aOnly', 'aOnPrivate']) assert.equal((await noteOn(b, notes[k]!)).status, 404, `note ${k} never crosses`);
  });

  it("publishing an event pushes the clusters its tags name before it, as MISP's push of one event", async () => {
    const c = await cluster(a, 'A actor of one event', { distribution: 3 });
    const tag = (await clusterOn(a, c.uuid)).body.GalaxyCluster.tag_name;
    const from = since();
    const draft = await add(a, { info: 'A event naming a cluster', distribution: 3, published: false, Tag: [{ name: tag }], Attribute: [{ type: 'domain', value: 'named.example' }] });
    assert.equal((await call(a, a.admin, 'POST', `/events/publish/${draft.id}`)).status, 200);
    let run;
    for (let n = 0; n < 200 && !(run && run.status !== 'running' && run.scope === draft.id); n++) {
      await new Promise((r) => setTimeout(r, 50));
      run = await runOf();
    }
    assert.deepEqual([run.status, run.pushed, run.clusters], ['ok', 1, 1], JSON.stringify(run));
    const paths = proxy.log.slice(from).map((r) => `${r.method} ${r.path}`);
    assert.ok(paths.indexOf('POST /galaxies/pushCluster') < paths.indexOf('POST /events/add/metadata:1'), paths.join('\n'));
    const search = JSON.parse(proxy.log.slice(from).find((r) => r.path === '/galaxy_clusters/restSearch')!.body);
    assert.deepEqual(search.uuid, [c.uuid], 'only the clusters the event names');
    assert.equal((await clusterOn(b, c.uuid)).status, 200);
    const e = (await call(b, b.admin, 'GET', `/events/view/${draft.uuid}`)).body.Event;
    assert.equal(e.Galaxy[0].GalaxyCluster[0].uuid, c.uuid, 'on B the event\'s tag finds its cluster');
  });

  it('takes a newer version of a cluster it pulled, never an edit of one made here', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // a new version needs a newer second
    assert.equal((await call(b, b.admin, 'POST', `/galaxy_clusters/edit/${cl.community!.id}`, { GalaxyCluster: { description: 'edited on B', distribution: 1 } })).status, 200);
    assert.equal((await call(b, b.admin, 'POST', `/galaxy_clusters/publish/${cl.community!.id}`)).status, 200);
    const res = await call(a, a.admin, 'POST', `/servers/pull/${serverId}/full/wait:1`);
    assert.match(res.body.message, /1 clusters pulled/);
    assert.equal((await clusterOn(a, cl.community!.uuid)).body.GalaxyCluster.description, 'edited on B');
    // B's sync user pushing a cluster made on B back to it is refused, as MISP refuses it.
    const own = (await clusterOn(b, cl.private!.uuid)).body;
    own.GalaxyCluster.version = String(Number(own.GalaxyCluster.version) + 10);
    const back = await call(b, syncKey, 'POST', '/galaxies/pushCluster', [own]);
    assert.equal(back.status, 403);
    assert.match(back.body.message, /Blocked an edit to an cluster that was created locally/);
  });
});
