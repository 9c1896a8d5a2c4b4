import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

// What PyMISP sends and MISP reads: OR/AND/NOT objects, [0, 1] for both, fractions, spans and ranges.
const A = 'a2000000-0000-4000-8000-000000000001';
const B = 'b2000000-0000-4000-8000-000000000002';
const C = 'c2000000-0000-4000-8000-000000000003';
const now = Math.floor(Date.now() / 1000);

forEachDialect('REST API: restSearch reads filters as MISP does', (fixture) => {
  let i: Instance;
  before(async () => {
    const store = await fixture.open();
    i = await serve(store);
    const add = async (key: string, event: Record<string, unknown>) => {
      const r = await call(i, key, 'POST', '/events/add', { Event: event });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    await makeTags(i, ['tlp:amber', 'tlp:white']);
    // Changed ten minutes ago: a span of 5 minutes leaves it out.
    await add(i.alice, { uuid: A, info: 'Old', distribution: 1, timestamp: String(now - 600), date: '2018-09-01', Attribute: [
      { type: 'domain', value: 'old.example', timestamp: String(now - 600), Tag: [{ name: 'tlp:amber' }] },
      { type: 'ip-dst', value: '192.0.2.1', to_ids: false, timestamp: String(now - 600) },
    ] });
    await add(i.alice, { uuid: B, info: 'New', distribution: 1, Tag: [{ name: 'tlp:white' }], Attribute: [
      { type: 'ip-src', value: '192.0.2.2' },
      { type: 'domain', value: 'shared.example', Tag: [{ name: 'tlp:amber' }] },
      { type: 'text', value: 'a note' },
    ], Object: [{ name: 'file', 'meta-category': 'file', Attribute: [{ type: 'filename', object_relation: 'filename', value: 'foo.exe' }] }] });
    // Bob's own, unseen by Alice: the policy applies to every filter and answer below.
    await add(i.bob, { uuid: C, info: 'Private', distribution: 0, Attribute: [{ type: 'domain', value: 'shared.example' }],
      Object: [{ name: 'file', 'meta-category': 'file', Attribute: [{ type: 'filename', object_relation: 'filename', value: 'bar.exe' }] }] });
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const events = async (key: string, body: unknown) => {
    const r = await call(i, key, 'POST', '/events/restSearch', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body.response as Array<{ Event: { info: string } }>).map((e) => e.Event.info);
  };
  const values = async (key: string, body: unknown) => {
    const r = await call(i, key, 'POST', '/attributes/restSearch', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body.response.Attribute as Array<{ value: string }>).map((a) => a.value).sort();
  };

  it('takes OR/AND/NOT objects, lists, "a&&!b" and ! for every list filter', async () => {
    assert.deepEqual(await values(i.alice, { type: { OR: ['ip-src', 'ip-dst'] } }), ['192.0.2.1', '192.0.2.2']);
    assert.deepEqual(await values(i.alice, { type: { AND: ['ip-src', 'ip-dst'] } }), ['192.0.2.1', '192.0.2.2'], 'AND of one-valued columns is IN, as MISP compiles it');
    assert.deepEqual(await values(i.alice, { type: ['domain', '!domain'], category: { NOT: ['Network activity'] } }), []);
    assert.deepEqual(await values(i.alice, { type: 'ip-src&&ip-dst', value: { NOT: ['192.0.2.1'] } }), ['192.0.2.2']);
    assert.deepEqual(await values(i.alice, { value: { OR: ['%.example'] }, eventid: { NOT: [A] } }), ['shared.example']);
    assert.deepEqual(await values(i.alice, { value1: '192.0.2.%' }), ['192.0.2.1', '192.0.2.2']);
    assert.deepEqual(await events(i.alice, { type: { OR: ['ip-src', 'ip-dst'] } }), ['Old', 'New'], 'oldest first, as MISP lists them');
    assert.deepEqual(await events(i.alice, { uuid: { OR: [B] } }), ['New']);
    assert.deepEqual(await events(i.alice, { org: 'org a' }), ['Old', 'New'], 'an organisation by name regardless of case');
    assert.deepEqual(await events(i.alice, { org: { NOT: ['Org A'] } }), []);
    assert.deepEqual(await events(i.alice, { eventinfo: '%EW' }), ['New'], 'a title pattern, regardless of case');
    assert.deepEqual(await events(i.alice, { eventinfo: ['old'] }), ['Old']);
    assert.deepEqual(await events(i.bob, { value: 'shared.example' }), ['New', 'Private']);
    assert.deepEqual(await events(i.alice, { value: 'shared.example' }), ['New'], "never Bob's private event");
    assert.deepEqual(await events(i.alice, { eventid: C }), [], 'an event uuid the user may not see finds nothing');
    const oldId = (await call(i, i.alice, 'POST', '/events/restSearch', { eventid: A })).body.response[0].Event.id as string;
    const text = await fetch(`${i.base}/attributes/restSearch`, { method: 'POST', headers: { Authorization: i.alice, 'Content-Type': 'application/json' },
      body: JSON.stringify({ returnFormat: 'text', type: ['domain'], eventid: [oldId, B], to_ids: [0, 1], published: [0, 1] }) });
    assert.equal(await text.text(), 'old.example\nshared.example\n', 'events by id and by uuid at once');
  });

  it('reads times as MISP does: fractions, spans, [from, to] ranges, and finds nothing for a span it cannot read', async () => {
    assert.deepEqual(await events(i.alice, { timestamp: now - 300 + 0.133939 }), ['New'], 'the event\'s own timestamp on events/restSearch');
    assert.deepEqual(await events(i.alice, { timestamp: '5m' }), ['New']);
    assert.deepEqual(await events(i.alice, { timestamp: ['15m', '5m'] }), ['Old']);
    assert.deepEqual(await events(i.alice, { timestamp: [now - 300, now - 900] }), ['Old'], 'a range in either order');
    assert.deepEqual(await events(i.alice, { timestamp: '5x' }), [], 'MISP reads an unknown span as "from just after now"');
    assert.deepEqual(await events(i.alice, { publish_timestamp: 'aaad' }), []);
    assert.deepEqual(await values(i.alice, { timestamp: ['15m', '5m'] }), ['192.0.2.1', 'old.example'], "the attribute's timestamp on attributes/restSearch");
    assert.deepEqual(await events(i.alice, { date: ['2018-08-31', '2018-09-02'] }), ['Old']);
    assert.deepEqual(await events(i.alice, { from: '2018-08-01', to: 1536105600.5 }), ['Old'], 'a date or epoch seconds with a fraction');
    const bad = await call(i, i.alice, 'POST', '/events/restSearch', { timestamp: [1, 2, 3] });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /timestamp/);
  });

  it('takes the same on events/index: complex filters, [0, 1], an event uuid', async () => {
    const index = async (body: Record<string, unknown>) => {
      const r = await call(i, i.alice, 'POST', '/events/index', body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body as Array<{ info: string }>).map((e) => e.info).sort();
    };
    assert.deepEqual(await index({ eventid: B }), ['New']);
    assert.deepEqual(await index({ eventid: { NOT: [B] } }), ['Old']);
    assert.deepEqual(await index({ published: [0, 1] }), ['New', 'Old']);
    assert.deepEqual(await index({ org: { OR: ['ORG A'] } }), ['New', 'Old']);
    assert.deepEqual(await index({ timestamp: now - 300.5 }), ['New']);
    assert.deepEqual(await index({ timestamp: ['15m', '5m'] }), ['Old']);
    assert.deepEqual(await index({ tags: { OR: ['tlp:white'] } }), ['New']);
  });

  it('takes [0, 1] for both on yes/no filters, and keeps of each event what the search asks', async () => {
    const deleted = await call(i, i.alice, 'POST', '/attributes/restSearch', { value: '192.0.2.1' });
    const id = deleted.body.response.Attribute[0].id as string;
    assert.equal((await call(i, i.alice, 'POST', `/attributes/delete/${id}`, {})).status, 200);
    const event = async (body: Record<string, unknown>) => {
      const r = await call(i, i.alice, 'POST', '/events/restSearch', { eventid: A, ...body });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.response[0].Event.Attribute as Array<{ value: string; deleted: boolean }>).map((a) => `${a.value}${a.deleted ? ' (deleted)' : ''}`);
    };
    assert.deepEqual(await event({}), ['old.example']);
    assert.deepEqual(await event({ deleted: [0, 1] }), ['old.example', '192.0.2.1 (deleted)']);
    assert.deepEqual(await event({ deleted: 1 }), ['192.0.2.1 (deleted)']);
    assert.deepEqual(await events(i.alice, { published: [0, 1] }), ['Old', 'New']);
    assert.deepEqual(await events(i.alice, { published: [true, false] }), ['Old', 'New']);
    assert.deepEqual(await events(i.alice, { published: 1 }), []);
    const view = await call(i, i.alice, 'POST', `/events/view/${A}`, { deleted: true });
    assert.equal(view.body.Event.Attribute.length, 2, 'events/view with deleted: 1 shows them too');
    const meta = await call(i, i.alice, 'POST', '/events/restSearch', { eventid: B, metadata: true });
    assert.deepEqual(meta.body.response[0].Event.Attribute, []);
    const toIds = await call(i, i.alice, 'POST', '/events/restSearch', { eventid: B, to_ids: 1 });
    assert.deepEqual(toIds.body.response[0].Event.Attribute.map((a: { value: string }) => a.value), ['192.0.2.2', 'shared.example']);
  });

  it('finds events by tag as MISP does, and leaves the attributes of a NOT tag out of them', async () => {
    const r = await call(i, i.alice, 'POST', '/events/restSearch', { tags: { OR: ['tlp:white', 'tlp:amber'], NOT: ['tlp:amber'] } });
    const found = r.body.response as Array<{ Event: { info: string; Attribute: Array<{ value: string; Tag?: unknown[] }> } }>;
    assert.deepEqual(found.map((e) => e.Event.info), ['Old', 'New'], 'an attribute tagged so does not take its event out');
    assert.deepEqual(found[1]!.Event.Attribute.map((a) => a.value), ['192.0.2.2', 'a note']);
    assert.deepEqual(await events(i.alice, { tags: { NOT: ['tlp:white'] } }), ['Old'], 'the event tagged so is left out');
    assert.deepEqual(await events(i.alice, { tags: { AND: ['tlp:white', 'tlp:amber'] } }), ['New'], 'carried by the event or one of its attributes');
    const csv = await fetch(`${i.base}/events/restSearch`, { method: 'POST', headers: { Authorization: i.alice, 'Content-Type': 'application/json' },
      body: JSON.stringify({ returnFormat: 'csv', type: { AND: ['ip-src'] }, category: 'Network activity', includeEventUuid: 1 }) });
    assert.equal(csv.status, 200);
    const lines = (await csv.text()).trim().split('\n');
    assert.match(lines[0]!, /^uuid,event_id,category,type,value/);
    assert.equal(lines.length, 5, 'every attribute of the event found (its object\'s too), as MISP flattens the events it returns');
    const context = await fetch(`${i.base}/attributes/restSearch`, { method: 'POST', headers: { Authorization: i.alice, 'Content-Type': 'application/json' },
      body: JSON.stringify({ returnFormat: 'csv', value: '192.0.2.2', includeContext: 1, requested_attributes: ['value'] }) });
    const [head, line] = (await context.text()).trim().split('\n');
    assert.equal(head, 'value,event_info,event_member_org,event_source_org,event_distribution,event_threat_level_id,event_analysis,event_date,event_tag,event_timestamp',
      "MISP's context columns, in its order");
    assert.match(line!, /^"192\.0\.2\.2","New","Org A","Org A",1,"(High|Medium|Low|Undefined)",\d,"\d{4}-\d{2}-\d{2}","tlp:white",\d+$/);
  });

  it("lists each attribute's tags, and its correlations whole with their events", async () => {
    const r = await call(i, i.bob, 'POST', '/attributes/restSearch', { value: 'shared.example', includeCorrelations: 1, includeEventTags: 1, includeEventUuid: 1 });
    const hits = r.body.response.Attribute as Array<{ Event: { uuid: string }; event_uuid: string; Tag?: Array<{ name: string }>; RelatedAttribute: Array<{ value: string; Event: { uuid: string } }> }>;
    assert.deepEqual(hits.map((h) => h.Event.uuid), [B, C]);
    assert.equal(hits[0]!.event_uuid, B);
    assert.deepEqual(hits[0]!.Tag?.map((t) => t.name), ['tlp:amber', 'tlp:white'], 'its own, then its event\'s');
    assert.deepEqual(hits[0]!.RelatedAttribute.map((a) => a.Event.uuid), [C]);
    assert.deepEqual(hits[1]!.RelatedAttribute.map((a) => `${a.Event.uuid} ${a.value}`), [`${B} shared.example`]);
    const alice = await call(i, i.alice, 'POST', '/attributes/restSearch', { value: 'shared.example', includeCorrelations: 1 });
    assert.deepEqual(alice.body.response.Attribute[0].RelatedAttribute, [], "Bob's private event is never named");
    assert.equal((await call(i, i.bob, 'POST', '/sightings/add', { value: 'shared.example' })).status, 200);
    const seen = await call(i, i.bob, 'POST', '/attributes/restSearch', { value: 'shared.example', includeSightings: 1 });
    assert.deepEqual(seen.body.response.Attribute.map((a: { Sighting: unknown[] }) => a.Sighting.length), [1, 1]);
    const hers = (await call(i, i.alice, 'POST', '/attributes/restSearch', { value: 'shared.example', includeSightings: 1 })).body.response.Attribute[0];
    const listed = await call(i, i.alice, 'POST', `/sightings/listSightings/${hers.id}`, {});
    assert.equal(hers.Sighting.length, listed.body.length, 'the sightings she may see, as sightings/listSightings shows them');
  });

  it('answers objects/restSearch with the objects the user may see, each with its attributes', async () => {
    const mine = await call(i, i.alice, 'POST', '/objects/restSearch', { object_name: 'file' });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.deepEqual(mine.body.response.map((o: { Object: { Attribute: Array<{ value: string }> } }) => o.Object.Attribute.map((a) => a.value)), [['foo.exe']]);
    const all = await call(i, i.admin, 'POST', '/objects/restSearch', { object_name: { OR: ['file'] } });
    assert.equal(all.body.response.length, 2);
    const byValue = await call(i, i.admin, 'GET', '/objects/restSearch?value=bar.exe');
    assert.deepEqual(byValue.body.response.map((o: { Object: { event_id: string; name: string } }) => o.Object.name), ['file']);
    assert.deepEqual((await call(i, i.alice, 'POST', '/objects/restSearch', { object_name: 'file', eventid: C })).body.response, []);
    assert.equal((await call(i, i.alice, 'POST', '/objects/restSearch', { returnFormat: 'csv' })).status, 400);
  });

  it('counts attributes by type and category over what the user may see, in MISP\'s shape', async () => {
    const types = await call(i, i.bob, 'GET', '/attributes/attributeStatistics/type');
    assert.deepEqual(types.body, { domain: '3', filename: '2', 'ip-src': '1', text: '1' }, "Bob's own and Alice's shared, never a deleted one");
    const alice = await call(i, i.alice, 'GET', '/attributes/attributeStatistics/type/true');
    assert.deepEqual(alice.body, { domain: '40%', filename: '20%', 'ip-src': '20%', text: '20%' });
    const categories = await call(i, i.alice, 'GET', '/attributes/attributeStatistics/category/1');
    assert.deepEqual(Object.keys(categories.body), ['Network activity', 'Other', 'Payload delivery']);
    assert.equal((await call(i, i.alice, 'GET', '/attributes/attributeStatistics/colour')).status, 400);
    const tags = await call(i, i.alice, 'GET', '/tags/tagStatistics/false/false');
    assert.deepEqual(tags.body.tags, { 'tlp:white': '1' }, 'event tags, of the events the user may see');
    const shares = await call(i, i.alice, 'GET', '/tags/tagStatistics/true/true');
    assert.deepEqual(shares.body.tags, { 'tlp:white': '100%' });
  });

  it('finds by sharing group: the event\'s on events/restSearch, the attribute\'s or its event\'s on attributes/restSearch', async () => {
    const made = await call(i, i.admin, 'POST', '/sharingGroups/add', { SharingGroup: { name: 'Search group', releasability: 'A' } });
    const sg = made.body.SharingGroup.id as string;
    const orgA = (await call(i, i.admin, 'GET', '/organisations/view/Org A')).body.Organisation.id;
    assert.equal((await call(i, i.admin, 'POST', '/sharingGroups/addOrg', { sg_id: sg, org_id: orgA })).body.saved, true);
    const grouped = await call(i, i.admin, 'POST', '/events/add', { Event: { info: 'Grouped', distribution: 4, sharing_group_id: sg, Attribute: [
      { type: 'ip-dst', value: '198.51.100.1', distribution: 4, sharing_group_id: sg }, { type: 'ip-dst', value: '198.51.100.2' },
    ] } });
    assert.equal(grouped.status, 200, JSON.stringify(grouped.body));
    assert.deepEqual(await events(i.alice, { sharinggroup: sg }), ['Grouped']);
    assert.deepEqual(await events(i.alice, { sharinggroup: 99999 }), []);
    assert.deepEqual(await values(i.alice, { sharinggroup: [sg] }), ['198.51.100.1', '198.51.100.2']);
    assert.deepEqual(await values(i.alice, { sharinggroup: { NOT: [sg] }, value: '198.51.100.%' }), []);
    assert.deepEqual(await values(i.alice, { sharinggroup: { NOT: [sg] }, type: 'ip-src' }), ['192.0.2.2'], 'what no group holds is kept');
    assert.deepEqual(await events(i.bob, { sharinggroup: sg }), [], 'never an event of a group the user is not in');
  });

  it('never finds an object through an attribute of it the user may not see', async () => {
    const made = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Shared, with a private value', distribution: 1,
      Object: [{ name: 'domain-ip', distribution: 5, Attribute: [
        { type: 'domain', object_relation: 'domain', value: 'public-part.example' },
        { type: 'ip-dst', object_relation: 'ip', value: '198.51.100.77', distribution: 0 },
      ] }, { name: 'ip-port', distribution: 5, Attribute: [{ type: 'ip-dst', object_relation: 'ip', value: '198.51.100.77' }] }] } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const names = async (key: string, value: string) =>
      ((await call(i, key, 'POST', '/objects/restSearch', { value })).body.response as Array<{ Object: { name: string } }>).map((o) => o.Object.name);
    assert.deepEqual(await names(i.alice, '198.51.100.77'), ['domain-ip', 'ip-port'], 'its organisation finds both by the private value');
    assert.deepEqual(await names(i.bob, 'public-part.example'), ['domain-ip'], 'another finds it by what he may see');
    // The event holds the value where he may see it (the other object): the hidden one must still not match.
    assert.deepEqual(await names(i.bob, '198.51.100.77'), ['ip-port'], 'but never by the value hidden from him');
  });
});
