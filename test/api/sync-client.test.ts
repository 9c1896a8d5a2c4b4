import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { addOrganisation, findOrganisation } from '../../src/store/access/organisations.js';
import { addSharingGroup, setSharingGroupOrg, setSharingGroupServer } from '../../src/store/access/sharing-groups.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import type { Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';
import { loggingProxy, type LoopbackPeer } from '../helpers/sync-peers.js';

/**
 * Two Cairn instances on loopback, A syncing with B as MISP does: A pulls from B and pushes to B through
 * one server link (B's sync user for A's organisation), behind a logging proxy that shows what crossed.
 */
forEachDialect('Cairn syncing with another Cairn (pull, push, publish, sightings)', (fixture) => {
  let a: Instance;
  let b: Instance;
  let storeA: Store;
  let storeB: Store;
  let proxy: LoopbackPeer;
  let serverId: number;
  let hostA: { uuid: string; name: string };
  let hostB: { uuid: string; name: string };
  const ev: Record<string, { id: string; uuid: string }> = {};
  let syncKey: string;

  const add = async (i: Instance, event: Record<string, unknown>) => {
    const res = await call(i, i.admin, 'POST', '/events/add', { Event: { published: true, ...event } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { id: String(res.body.Event.id), uuid: String(res.body.Event.uuid) };
  };
  const view = (i: Instance, ref: string) => call(i, i.admin, 'GET', `/events/view/${ref}`);
  const pullNow = (scope: string) => call(a, a.admin, 'POST', `/servers/pull/${serverId}/${scope}/wait:1`);
  const pushNow = (scope: string) => call(a, a.admin, 'POST', `/servers/push/${serverId}/${scope}/wait:1`);
  const since = () => proxy.log.length;

  before(async () => {
    storeA = await fixture.open();
    storeB = await fixture.open();
    a = await serve(storeA);
    b = await serve(storeB);
    proxy = await loggingProxy(b.base);
    const me = async (i: Instance) => (await call(i, i.admin, 'GET', '/users/view/me')).body.Organisation as { uuid: string; name: string };
    hostA = await me(a);
    hostB = await me(b);
    // On B: A's organisation (same uuid) and its sync user; on A: B's organisation, the remote's.
    const orgAonB = await addOrganisation(storeB, hostA.name === hostB.name ? `${hostA.name} A` : hostA.name, hostA.uuid);
    const sync = await addUser(storeB, 'sync@a.test', orgAonB.id, 'Sync user');
    assert.ok(sync.ok);
    const key = await addApiKey(storeB, sync.user.id);
    syncKey = key;
    await addOrganisation(storeA, `${hostB.name} B`, hostB.uuid);
    const added = await call(a, a.admin, 'POST', '/servers/add', {
      Server: { name: 'B', url: proxy.base, authkey: key, remote_org_id: hostB.uuid, pull: true, push: true, push_sightings: true },
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    serverId = Number(added.body.Server.id);

    // B's events: one for the community, one of B only, one of a group with A's organisation, one of a group without, a draft.
    const withA = await addSharingGroup(storeB, { name: 'with A' }, 1);
    const withoutA = await addSharingGroup(storeB, { name: 'without A' }, 1);
    assert.ok(withA.ok && withoutA.ok);
    await setSharingGroupOrg(storeB, withA.group.id, orgAonB.id, false);
    const other = await addOrganisation(storeB, 'Elsewhere');
    await setSharingGroupOrg(storeB, withoutA.group.id, other.id, false);
    ev.community = await add(b, {
      info: 'B community', distribution: 1, Tag: [{ name: 'tlp:green' }, { name: 'b-local', local: 1 }],
      Attribute: [{ type: 'domain', value: 'community.example' }, { type: 'ip-dst', value: '198.51.100.7', distribution: 2 }],
    });
    ev.private = await add(b, { info: 'B only', distribution: 0, Attribute: [{ type: 'domain', value: 'private.example' }] });
    ev.groupIn = await add(b, { info: 'B group with A', distribution: 4, sharing_group_id: withA.group.id, Attribute: [{ type: 'domain', value: 'group-in.example' }] });
    ev.groupOut = await add(b, { info: 'B group without A', distribution: 4, sharing_group_id: withoutA.group.id, Attribute: [{ type: 'domain', value: 'group-out.example' }] });
    ev.draft = await add(b, { info: 'B draft', distribution: 1, published: false, Attribute: [{ type: 'domain', value: 'draft.example' }] });
  });
  after(async () => {
    await proxy.close();
    await a.app.close();
    await b.app.close();
    await fixture.cleanup();
  });

  it("answers MISP's connection test", async () => {
    const res = await call(a, a.admin, 'POST', `/servers/testConnection/${serverId}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 1, JSON.stringify(res.body));
    assert.equal(res.body.post, 1);
    assert.equal(res.body.mismatch, false);
    assert.deepEqual(res.body.request_encoding, ['gzip', 'br']);
    const postTest = proxy.log.find((r) => r.path === '/servers/postTest')!;
    assert.equal(postTest.headers['content-encoding'], 'gzip', 'the long POST test body goes compressed, as the remote reads gzip');
  });

  it('pulls what the sync user may see, locked, downgraded, without local tags; nothing of B only, of a group without A, or a draft', async () => {
    const res = await pullNow('full');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.message, /^Pull completed\. 2 events pulled, 0 events could not be pulled/);
    const community = await view(a, ev.community!.uuid);
    assert.equal(community.status, 200);
    const e = community.body.Event;
    assert.equal(e.locked, true);
    assert.equal(e.distribution, '0', 'this community (1) becomes this organisation (0) on pull');
    assert.equal(e.Orgc.uuid, hostB.uuid, 'the creator is kept');
    assert.equal(e.Org.uuid, hostA.uuid, "the owner is the server's organisation");
    assert.deepEqual(e.Tag.map((t: { name: string }) => t.name), ['tlp:green']);
    assert.equal(e.Attribute.find((x: { value: string }) => x.value === '198.51.100.7').distribution, '1', 'connected communities (2) become this community (1)');
    assert.equal((await view(a, ev.groupIn!.uuid)).status, 200);
    for (const k of ['private', 'groupOut', 'draft']) assert.equal((await view(a, ev[k]!.uuid)).status, 404, k);
    const runs = await call(a, a.admin, 'GET', `/servers/runs/${serverId}`);
    const run = runs.body.runs[0];
    assert.deepEqual(Object.keys(run), ['id', 'server_id', 'kind', 'scope', 'status', 'started', 'finished', 'pulled', 'pushed', 'refused', 'error', 'refusals', 'sightings', 'proposals', 'clusters', 'analyst_data']);
    assert.equal(run.kind, 'pull');
    assert.equal(run.status, 'ok');
    assert.equal(run.pulled, 2);
  });

  it('an incremental pull of an unchanged remote transfers the index and a 304 only', async () => {
    const from = since();
    const res = await pullNow('incremental');
    assert.match(res.body.message, /0 events pulled/);
    const asked = proxy.log.slice(from).map((r) => `${r.method} ${r.path} ${r.status}`);
    assert.deepEqual(asked, ['GET /servers/getVersion 200', 'POST /events/index 304'], JSON.stringify(proxy.log.slice(from).map((r) => [r.path, r.headers['if-none-match']])) + JSON.stringify((await call(a, a.admin, 'GET', `/servers/runs/${serverId}`)).body));
  });

  it('pulls edits and deletions, and sightings made on the remote', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // a new version needs a newer second
    const held = await view(b, ev.community!.uuid);
    const attribute = held.body.Event.Attribute.find((x: { value: string }) => x.value === 'community.example');
    assert.equal((await call(b, b.admin, 'POST', `/events/edit/${ev.community!.id}`, { Event: { info: 'B community, edited' } })).status, 200);
    assert.equal((await call(b, b.admin, 'POST', `/attributes/delete/${held.body.Event.Attribute.find((x: { value: string }) => x.value === '198.51.100.7').id}`)).status, 200);
    // B shows its sync user the sightings of A's organisation only (MISP's default sighting policy): one made there by A's organisation.
    assert.equal((await call(b, syncKey, 'POST', `/sightings/add/${attribute.id}`, {})).status, 200);
    // An edit takes the event back to draft, as in MISP: only published events are pulled.
    assert.equal((await call(b, b.admin, 'POST', `/events/publish/${ev.community!.id}`)).status, 200);
    const res = await pullNow('incremental');
    // The sighting comes with the event (events/view carries them), as in MISP; the sightings step then has nothing left to ask.
    assert.match(res.body.message, /^Pull completed\. 1 events pulled, 0 events could not be pulled/);
    const e = (await view(a, ev.community!.uuid)).body.Event;
    assert.equal(e.info, 'B community, edited');
    assert.deepEqual(e.Attribute.map((x: { value: string }) => x.value), ['community.example']);
    const sighting = await call(a, a.admin, 'POST', '/sightings/restSearch/event', { uuid: ev.community!.uuid, last: 0 });
    assert.equal(sighting.body.response.length, 1);
    assert.equal(sighting.body.response[0].Sighting.Organisation.uuid, hostA.uuid);
  });

  it('pull rules narrow the index the remote is asked for', async () => {
    const tagged = await add(b, { info: 'B tagged', distribution: 1, Tag: [{ name: 'tlp:amber' }], Attribute: [{ type: 'domain', value: 'amber.example' }] });
    const untagged = await add(b, { info: 'B untagged', distribution: 1, Attribute: [{ type: 'domain', value: 'untagged.example' }] });
    await call(a, a.admin, 'POST', `/servers/edit/${serverId}`, { Server: { pull_rules: { tags: { OR: ['tlp:amber'], NOT: ['tlp:red'] }, orgs: { OR: [], NOT: [] } } } });
    const from = since();
    const res = await pullNow('incremental');
    assert.match(res.body.message, /^Pull completed\. 1 events pulled/);
    const index = proxy.log.slice(from).find((r) => r.path === '/events/index')!;
    assert.deepEqual(JSON.parse(index.body), { tag: ['tlp:amber', '!tlp:red'], minimal: 1, published: 1 });
    assert.equal(index.headers['if-none-match'], '""', 'a change of rules forgets the ETag');
    assert.equal((await view(a, tagged.uuid)).status, 200);
    assert.equal((await view(a, untagged.uuid)).status, 404);
  });

  it('pushes what may cross, trimmed; never an event of A only; a group only with B in it', async () => {
    const orgB = (await findOrganisation(storeA, hostB.uuid))!;
    const groupWith = await addSharingGroup(storeA, { name: 'A group with B' }, 1);
    const groupWithout = await addSharingGroup(storeA, { name: 'A group without B' }, 1);
    assert.ok(groupWith.ok && groupWithout.ok);
    await setSharingGroupOrg(storeA, groupWith.group.id, orgB.id, false);
    await setSharingGroupServer(storeA, groupWith.group.id, serverId, true, false);
    await setSharingGroupServer(storeA, groupWithout.group.id, serverId, true, false);
    ev.pushed = await add(a, {
      info: 'A connected', distribution: 2, Tag: [{ name: 'a-local', local: 1 }, { name: 'tlp:clear' }],
      Attribute: [{ type: 'domain', value: 'pushed.example' }, { type: 'domain', value: 'a-only.example', distribution: 0 }],
    });
    ev.aOnly = await add(a, { info: 'A only', distribution: 0, Attribute: [{ type: 'domain', value: 'a-private.example' }] });
    ev.aCommunity = await add(a, { info: 'A community', distribution: 1, Attribute: [{ type: 'domain', value: 'a-community.example' }] });
    ev.aGroupIn = await add(a, { info: 'A group with B', distribution: 4, sharing_group_id: groupWith.group.id, Attribute: [{ type: 'domain', value: 'a-group-in.example' }] });
    ev.aGroupOut = await add(a, { info: 'A group without B', distribution: 4, sharing_group_id: groupWithout.group.id, Attribute: [{ type: 'domain', value: 'a-group-out.example' }] });
    const from = since();
    const res = await pushNow('full');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.message, 'Push complete. 2 events pushed, 0 events could not be pushed.', JSON.stringify((await call(a, a.admin, 'GET', `/servers/runs/${serverId}`)).body.runs[0]));
    const offered = JSON.parse(proxy.log.slice(from).find((r) => r.path === '/events/filterEventIdsForPush')!.body) as Array<{ Event: { uuid: string } }>;
    const offeredUuids = offered.map((o) => o.Event.uuid);
    for (const k of ['aOnly', 'aCommunity', 'aGroupOut']) assert.ok(!offeredUuids.includes(ev[k]!.uuid), `${k} is never offered`);
    const sent = proxy.log.slice(from).filter((r) => r.path === '/events/add/metadata:1');
    assert.equal(sent.length, 2);
    for (const r of sent) assert.ok(!r.body.includes('a-only.example') && !r.body.includes('a-local'), 'items of A only and local tags stay');
    const e = (await view(b, ev.pushed.uuid)).body.Event;
    assert.equal(e.distribution, '1', 'connected communities become this community on push');
    assert.equal(e.locked, true);
    assert.equal(e.Orgc.uuid, hostA.uuid);
    assert.deepEqual(e.Attribute.map((x: { value: string }) => x.value), ['pushed.example']);
    assert.equal((await view(b, ev.aGroupIn!.uuid)).body.Event.SharingGroup.uuid, groupWith.group.uuid);
    for (const k of ['aOnly', 'aCommunity', 'aGroupOut']) assert.equal((await view(b, ev[k]!.uuid)).status, 404, k);
  });

  it('pushes edits (the remote holds it: edit) and sightings; publishing pushes at once', async () => {
    const held = (await view(a, ev.pushed!.uuid)).body.Event;
    await new Promise((r) => setTimeout(r, 1100)); // a new version needs a newer second
    assert.equal((await call(a, a.admin, 'POST', `/events/edit/${held.id}`, { Event: { info: 'A connected, edited', published: true } })).status, 200);
    assert.equal((await call(a, a.admin, 'POST', `/sightings/add/${held.Attribute[0].id}`, {})).status, 200);
    const from = since();
    const res = await pushNow('full');
    assert.match(res.body.message, /^Push complete\. 1 events pushed, 0 events could not be pushed\.$/);
    const paths = proxy.log.slice(from).map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/, 'UUID')}`);
    assert.ok(paths.includes('POST /events/edit/UUID/metadata:1'), paths.join('\n'));
    assert.ok(paths.includes('POST /sightings/bulkSaveSightings/UUID'), paths.join('\n'));
    assert.equal((await view(b, ev.pushed!.uuid)).body.Event.info, 'A connected, edited');
    const sightings = await call(b, b.admin, 'POST', '/sightings/restSearch/event', { uuid: ev.pushed!.uuid, last: 0 });
    assert.equal(sightings.body.response.length, 1);

    const draft = await add(a, { info: 'A published later', distribution: 3, published: false, Attribute: [{ type: 'domain', value: 'later.example' }] });
    assert.equal((await view(b, draft.uuid)).status, 404);
    assert.equal((await call(a, a.admin, 'POST', `/events/publish/${draft.id}`)).status, 200);
    let run;
    for (let i = 0; i < 200 && !(run && run.status !== 'running'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await call(a, a.admin, 'GET', `/servers/runs/${serverId}`)).body.runs.find((r: { scope: string }) => r.scope === draft.id);
    }
    assert.equal(run.status, 'ok', JSON.stringify(run));
    assert.equal(run.pushed, 1);
    assert.equal((await view(b, draft.uuid)).body.Event.info, 'A published later');
  });

  it('a failing remote fails its own run, with the error kept', async () => {
    const dead = await call(a, a.admin, 'POST', '/servers/add', {
      Server: { name: 'dead', url: 'http://127.0.0.1:9', authkey: 'x'.repeat(40), remote_org_id: hostB.uuid, pull: true },
    });
    const id = dead.body.Server.id;
    const res = await call(a, a.admin, 'POST', `/servers/pull/${id}/full/wait:1`);
    assert.equal(res.status, 403);
    const runs = (await call(a, a.admin, 'GET', `/servers/runs/${id}`)).body.runs;
    assert.equal(runs[0].status, 'failed');
    assert.match(runs[0].error, /ECONNREFUSED|connect/);
    assert.equal((await call(a, a.admin, 'POST', `/servers/testConnection/${id}`)).body.status, 2);
  });
});
