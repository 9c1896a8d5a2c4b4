import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addSharingGroup, setSharingGroupOrg } from '../../src/store/access/sharing-groups.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import type { Store } from '../../src/store/db/database.js';
import { serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

/**
 * A fake MISP 2.5.1 (MISP-A) replaying against Cairn what ../shared/reference/misp-sync-wire.md records
 * a stock MISP sending to its remote during a connection test, a pull and a push: the same requests,
 * headers, named parameters and gzip bodies, checking the answers' shapes. And what a sync user must
 * never receive: a distribution-0 event, an event of a sharing group its organisation is not in.
 */

const VIEW_PARAMS = 'deleted[]:0/deleted[]:1/excludeGalaxy:1/includeEventCorrelations:0/includeFeedCorrelations:0/includeWarninglistHits:0/excludeLocalTags:1';
const MINIMAL_KEYS = ['id', 'orgc_uuid', 'published', 'sighting_timestamp', 'timestamp', 'uuid'];
const VIEW_KEYS = ['id', 'orgc_id', 'org_id', 'date', 'threat_level_id', 'info', 'published', 'uuid', 'attribute_count', 'analysis', 'timestamp', 'distribution',
  'proposal_email_lock', 'locked', 'publish_timestamp', 'sharing_group_id', 'disable_correlation', 'extends_uuid', 'protected', 'Org', 'Orgc', 'Attribute',
  'ShadowAttribute', 'Galaxy', 'Object', 'EventReport', 'Tag'];

interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are checked member by member
}

forEachDialect('MISP syncing with Cairn (fake MISP peer replaying the wire record)', (fixture) => {
  let i: Instance;
  let store: Store;
  let syncKey: string;
  let outsiderSyncKey: string;
  let remoteOrg: { id: number; uuid: string; name: string };
  const uuids = { shared: '', private: '', groupIn: '', groupOut: '', pushed: randomUUID(), pushedAttribute: randomUUID() };
  const creator = { uuid: randomUUID(), name: 'CERT-X' };

  /** A request as MISP's ServerSyncTool sends it: its headers, gzip for the large bodies. */
  async function misp(key: string, method: string, path: string, body?: unknown, extra: Record<string, string> = {}, gzip = false): Promise<Answer> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(`${i.base}${path}`, {
      method,
      headers: {
        Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json', 'Accept-Encoding': 'deflate, gzip, br, zstd', 'User-Agent': 'MISP 2.5.1',
        ...(gzip ? { 'Content-Encoding': 'gzip' } : {}), ...extra,
      },
      ...(text === undefined ? {} : { body: gzip ? gzipSync(text) : text }),
    });
    const raw = method === 'HEAD' ? '' : await res.text();
    return { status: res.status, headers: res.headers, body: raw ? JSON.parse(raw) : null };
  }

  const addEvent = async (body: Record<string, unknown>) => {
    const res = await misp(i.admin, 'POST', '/events/add', { Event: { published: true, ...body } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.Event.uuid as string;
  };

  before(async () => {
    store = await fixture.open();
    i = await serve(store);
    remoteOrg = await addOrganisation(store, 'ORGNAME');
    const sync = await addUser(store, 'sync@orgname.test', remoteOrg.id, 'Sync user');
    assert.ok(sync.ok);
    syncKey = await addApiKey(store, sync.user.id);
    const outsider = await addOrganisation(store, 'Elsewhere');
    const other = await addUser(store, 'sync@elsewhere.test', outsider.id, 'Sync user');
    assert.ok(other.ok);
    outsiderSyncKey = await addApiKey(store, other.user.id);

    const groupIn = await addSharingGroup(store, { name: 'with ORGNAME' }, 1);
    const groupOut = await addSharingGroup(store, { name: 'without ORGNAME' }, 1);
    assert.ok(groupIn.ok && groupOut.ok);
    await setSharingGroupOrg(store, groupIn.group.id, remoteOrg.id, false);
    await setSharingGroupOrg(store, groupOut.group.id, outsider.id, false);

    uuids.shared = await addEvent({
      info: 'shared with the community', distribution: 1, Tag: [{ name: 'tlp:clear' }],
      Attribute: [{ type: 'ip-dst', value: '198.51.100.1' }, { type: 'domain', value: 'hidden.example', distribution: 0 }],
    });
    uuids.private = await addEvent({ info: 'organisation only', distribution: 0, Attribute: [{ type: 'ip-dst', value: '198.51.100.2' }] });
    uuids.groupIn = await addEvent({ info: 'group with ORGNAME', distribution: 4, sharing_group_id: groupIn.group.id, Attribute: [{ type: 'ip-dst', value: '198.51.100.3' }] });
    uuids.groupOut = await addEvent({ info: 'group without ORGNAME', distribution: 4, sharing_group_id: groupOut.group.id, Attribute: [{ type: 'ip-dst', value: '198.51.100.4' }] });
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  describe('connection test and pull (#1-#21)', () => {
    it('#1-#2: getVersion and a gzip postTest', async () => {
      const v = await misp(syncKey, 'GET', '/servers/getVersion');
      assert.equal(v.status, 200);
      assert.deepEqual(Object.keys(v.body).sort(), ['filter_sightings', 'perm_analyst_data', 'perm_galaxy_editor', 'perm_sighting', 'perm_sync', 'pymisp_recommended_version',
        'request_encoding', 'uuid', 'version']);
      assert.match(v.body.version, /^2\.5\.\d+$/);
      assert.ok(v.body.request_encoding.includes('gzip'));
      const testString = 'x'.repeat(6320);
      const t = await misp(syncKey, 'POST', '/servers/postTest', { testString }, {}, true);
      assert.equal(t.status, 200);
      assert.deepEqual(t.body, { body: { testString }, headers: { 'Content-type': 'application/json', Accept: 'application/json', Authorization: 'OK' } });
    });

    it('#4: galaxy_clusters/restSearch minimal answers {"response": []} when no custom cluster is shared', async () => {
      const r = await misp(syncKey, 'POST', '/galaxy_clusters/restSearch', { published: 1, minimal: 1, custom: 1 });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { response: [] });
    });

    it('#5/#20: the minimal index, with an ETag and 304; only what the sync user may see', async () => {
      const first = await misp(syncKey, 'POST', '/events/index', { minimal: 1, published: 1 }, { 'If-None-Match': '""' });
      assert.equal(first.status, 200);
      const etag = first.headers.get('etag');
      assert.ok(etag);
      for (const e of first.body) assert.deepEqual(Object.keys(e).sort(), MINIMAL_KEYS);
      const listed = first.body.map((e: { uuid: string }) => e.uuid).sort();
      assert.deepEqual(listed, [uuids.shared, uuids.groupIn].sort(), 'neither the distribution-0 event nor the other group\'s');
      const again = await misp(syncKey, 'POST', '/events/index', { minimal: 1, published: 1 }, { 'If-None-Match': etag });
      assert.equal(again.status, 304);
    });

    it('appendix: pull rules become index filters (tag with !, org by uuid, type_attribute ignored as MISP ignores it)', async () => {
      const host = (await misp(i.admin, 'GET', `/events/view/${uuids.shared}`)).body.Event.Orgc.uuid;
      const byTag = await misp(syncKey, 'POST', '/events/index', { tag: ['tlp:clear', '!tlp:red'], org: [host], type_attribute: ['!ip-src'], minimal: 1, published: 1 });
      assert.equal(byTag.status, 200);
      assert.deepEqual(byTag.body.map((e: { uuid: string }) => e.uuid), [uuids.shared]);
      const notTag = await misp(syncKey, 'POST', '/events/index', { tag: ['!tlp:clear'], minimal: 1, published: 1 });
      assert.deepEqual(notTag.body.map((e: { uuid: string }) => e.uuid), [uuids.groupIn]);
    });

    it('#6-#18: events/view with the named parameters, the full event with ids, without what the sync user may not see', async () => {
      const r = await misp(syncKey, 'GET', `/events/view/${uuids.shared}/${VIEW_PARAMS}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      for (const k of VIEW_KEYS) assert.ok(k in r.body.Event, `Event.${k}`);
      // MISP adds `local`, which a pulling MISP does not read (it captures organisations by uuid and name).
      for (const k of ['id', 'name', 'uuid']) assert.ok(k in r.body.Event.Org && k in r.body.Event.Orgc, k);
      assert.deepEqual(r.body.Event.Attribute.map((a: { value: string }) => a.value), ['198.51.100.1'], 'the distribution-0 attribute stays home');
      assert.ok(r.body.Event.Attribute[0].id);
      for (const hidden of [uuids.private, uuids.groupOut]) {
        assert.equal((await misp(syncKey, 'GET', `/events/view/${hidden}/${VIEW_PARAMS}`)).status, 404);
        assert.equal((await misp(syncKey, 'HEAD', `/events/view/${hidden}`)).status, 404);
      }
      assert.equal((await misp(syncKey, 'GET', `/events/view/${uuids.groupIn}/${VIEW_PARAMS}`)).status, 200);
      assert.equal((await misp(outsiderSyncKey, 'GET', `/events/view/${uuids.groupIn}/${VIEW_PARAMS}`)).status, 404, 'a group without the remote\'s organisation');
      assert.equal((await misp(outsiderSyncKey, 'GET', `/events/view/${uuids.groupOut}/${VIEW_PARAMS}`)).status, 200);
    });

    it('#19, #21: shadow_attributes/index with its named parameters, analyst_data/indexMinimal', async () => {
      const since = Math.floor(Date.now() / 1000) - 90 * 86400;
      const p = await misp(syncKey, 'GET', `/shadow_attributes/index/all:1/timestamp:${since}/limit:1000/page:1/deleted[]:0/deleted[]:1.json`);
      assert.equal(p.status, 200, JSON.stringify(p.body));
      assert.deepEqual(p.body, []);
      const a = await misp(syncKey, 'POST', '/analyst_data/indexMinimal', { orgc_name: [] });
      assert.equal(a.status, 200);
      assert.deepEqual(a.body, []);
    });
  });

  describe('push (#22-#28) and sightings', () => {
    const pushed = (timestamp: number, extra: Record<string, unknown> = {}) => ({
      Event: {
        id: '15', date: '2026-01-02', threat_level_id: '4', info: 'pushed from MISP-A', published: true, uuid: uuids.pushed, attribute_count: '1', analysis: '0',
        timestamp: String(timestamp), distribution: '1', user_id: '1', locked: 1, publish_timestamp: String(timestamp), sharing_group_id: '0', disable_correlation: false,
        extends_uuid: '', protected: null, event_creator_email: 'admin@misp-a.test',
        Attribute: [{ id: '1', type: 'ip-src', category: 'Network activity', to_ids: true, uuid: uuids.pushedAttribute, timestamp: String(timestamp), distribution: '5',
          sharing_group_id: '0', comment: '', deleted: false, disable_correlation: false, value: '203.0.113.9', Tag: [] }],
        Object: [], Orgc: { id: '1', name: creator.name, uuid: creator.uuid, local: true }, ShadowAttribute: [], CryptographicKey: [], ThreatLevel: { name: 'Undefined' },
        Galaxy: [], Tag: [], ...extra,
      },
    });
    const t0 = 1_760_000_000;

    it('#23-#25: filterEventIdsForPush, HEAD 404, add/metadata:1 gzip stored locked as the sync user\'s organisation with the creator kept', async () => {
      const filtered = await misp(syncKey, 'POST', '/events/filterEventIdsForPush', [
        { Event: { uuid: uuids.pushed, timestamp: String(t0) } }, { Event: { uuid: uuids.groupIn, timestamp: '1' } },
      ]);
      assert.equal(filtered.status, 200);
      assert.deepEqual(filtered.body, [uuids.pushed], 'an event held here as new is not asked for');
      assert.equal((await misp(syncKey, 'HEAD', `/events/view/${uuids.pushed}`)).status, 404);
      const added = await misp(syncKey, 'POST', '/events/add/metadata:1', pushed(t0), {}, true);
      assert.equal(added.status, 200, JSON.stringify(added.body));
      const e = added.body.Event;
      assert.equal(e.locked, true);
      assert.equal(e.Org.uuid, remoteOrg.uuid);
      assert.equal(e.Orgc.uuid, creator.uuid);
      assert.equal(e.Orgc.name, creator.name);
      assert.equal(e.timestamp, String(t0));
      assert.ok(e.Attribute === undefined || e.Attribute.length === 0, 'metadata:1 leaves the items out');
      for (const k of ['orgc_id', 'org_id', 'Org', 'Orgc', 'RelatedEvent']) assert.ok(k in e, k);
      assert.equal((await misp(syncKey, 'HEAD', `/events/view/${uuids.pushed}`)).status, 200);
      const full = await misp(i.admin, 'GET', `/events/view/${uuids.pushed}`);
      assert.deepEqual(full.body.Event.Attribute.map((a: { value: string }) => a.value), ['203.0.113.9']);
    });

    it('an add of a uuid held already answers 404 with the Location to edit it, as MISP does', async () => {
      const again = await misp(syncKey, 'POST', '/events/add/metadata:1', pushed(t0 + 5), {}, true);
      assert.equal(again.status, 404);
      const location = again.headers.get('location');
      assert.match(location ?? '', /^\/events\/\d+$/);
    });

    it('events/edit/UUID/metadata:1 takes a strictly newer version of a locked event, refuses an older one and others\' unlocked events', async () => {
      assert.deepEqual((await misp(syncKey, 'POST', '/events/filterEventIdsForPush', [{ Event: { uuid: uuids.pushed, timestamp: String(t0) } }])).body, []);
      assert.deepEqual((await misp(syncKey, 'POST', '/events/filterEventIdsForPush', [{ Event: { uuid: uuids.pushed, timestamp: String(t0 + 10) } }])).body, [uuids.pushed]);
      const newer = await misp(syncKey, 'POST', `/events/edit/${uuids.pushed}/metadata:1`, pushed(t0 + 10, { info: 'pushed again' }), {}, true);
      assert.equal(newer.status, 200, JSON.stringify(newer.body));
      assert.equal(newer.body.Event.info, 'pushed again');
      assert.equal(newer.body.Event.Orgc.uuid, creator.uuid);
      const same = await misp(syncKey, 'POST', `/events/edit/${uuids.pushed}/metadata:1`, pushed(t0 + 10, { info: 'not newer' }), {}, true);
      assert.equal(same.status, 403);
      assert.match(same.body.message, /not newer/);
      // The host's own event, shared with ORGNAME: unlocked, created here; a sync user may not replace it.
      const view = (await misp(syncKey, 'GET', `/events/view/${uuids.groupIn}`)).body.Event;
      const hijack = await misp(syncKey, 'POST', `/events/edit/${uuids.groupIn}/metadata:1`, { Event: { ...view, info: 'hijacked', timestamp: String(Number(view.timestamp) + 100) } });
      assert.equal(hijack.status, 403);
      assert.equal((await misp(i.admin, 'GET', `/events/view/${uuids.groupIn}`)).body.Event.info, 'group with ORGNAME');
      // Not even by add: it is there already.
      assert.equal((await misp(syncKey, 'POST', '/events/add/metadata:1', { Event: { ...view, info: 'hijacked' } })).status, 404);
    });

    it('sightings: filterSightingUuidsForPush, bulkSaveSightings keeping the organisation, then sightings/restSearch/event and the index\'s sighting_timestamp', async () => {
      const sighting = randomUUID();
      const filter = () => misp(syncKey, 'POST', `/sightings/filterSightingUuidsForPush/${uuids.pushed}`, [sighting]);
      assert.deepEqual((await filter()).body, []);
      const seenBy = { uuid: randomUUID(), name: 'Seer Org' };
      const body = [{ uuid: sighting, attribute_uuid: uuids.pushedAttribute, type: '0', date_sighting: String(t0 + 20), source: '', org_id: '7', Organisation: seenBy }];
      const saved = await misp(syncKey, 'POST', `/sightings/bulkSaveSightings/${uuids.pushed}`, body, {}, true);
      assert.equal(saved.status, 200);
      assert.deepEqual(saved.body, { saved: true, success: '1 sightings added.' });
      assert.deepEqual((await filter()).body, [sighting]);
      const twice = await misp(syncKey, 'POST', `/sightings/bulkSaveSightings/${uuids.pushed}`, body);
      assert.deepEqual(twice.body, { saved: false, success: 'No sightings added.' });
      const found = await misp(syncKey, 'POST', '/sightings/restSearch/event', { returnFormat: 'json', last: 0, includeUuid: true, uuid: [uuids.pushed] });
      assert.equal(found.status, 200);
      assert.ok(Array.isArray(found.body.response));
      assert.equal(found.body.response.length, 1);
      const index = await misp(syncKey, 'POST', '/events/index', { minimal: 1, published: 1 });
      const entry = index.body.find((e: { uuid: string }) => e.uuid === uuids.pushed);
      assert.equal(entry.sighting_timestamp, String(t0 + 20));
      // A sighting on an event the sync user cannot see goes nowhere.
      const blind = await misp(syncKey, 'POST', `/sightings/bulkSaveSightings/${uuids.private}`, body);
      assert.equal(blind.status, 405);
      assert.equal((await misp(syncKey, 'POST', `/sightings/filterSightingUuidsForPush/${uuids.private}`, [sighting])).status, 404);
    });

    it('#28: analyst_data/filterAnalystDataForPush keeps what is not held here', async () => {
      const offered = { Note: { [randomUUID()]: '2026-01-01 00:00:00' } };
      const r = await misp(syncKey, 'POST', '/analyst_data/filterAnalystDataForPush', offered);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { Note: offered.Note, Opinion: {}, Relationship: {} });
    });

    it('the sync endpoints are refused to users without perm_sync', async () => {
      assert.equal((await misp(i.alice, 'POST', '/events/filterEventIdsForPush', [])).status, 403);
      assert.equal((await misp(i.alice, 'POST', '/analyst_data/filterAnalystDataForPush', {})).status, 403);
    });
  });
});
