import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { parseMispQuery, rewriteMispUrl } from '../../src/api/named-params.js';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

type Json = Record<string, unknown>;
type Doc = { Event: Json & { Attribute: Json[]; Object: Json[]; Orgc: Json; Org: Json; Galaxy: unknown[]; RelatedEvent: unknown[] } };

it('turns MISP named parameters into the query string, once, before routing', () => {
  assert.equal(rewriteMispUrl('/events/index/limit:50/page:2'), '/events/index?limit=50&page=2');
  assert.equal(rewriteMispUrl('/events/view/12/deleted[]:0/deleted[]:1/excludeGalaxy:1'), '/events/view/12?deleted%5B%5D=0&deleted%5B%5D=1&excludeGalaxy=1');
  assert.deepEqual(parseMispQuery('deleted%5B%5D=1&a=1&a=2&b=x+y'), { deleted: ['1'], a: ['1', '2'], b: 'x y' });
  assert.equal(rewriteMispUrl('/admin/users/index/value:a%40b.test/searchorg:2'), '/admin/users/index?value=a%40b.test&searchorg=2');
  assert.equal(rewriteMispUrl('/events/view/12?x=1'), '/events/view/12?x=1', 'an address without them is left alone');
  assert.equal(rewriteMispUrl('/events/add/metadata:1?a=b'), '/events/add?a=b&metadata=1');
  assert.equal(rewriteMispUrl('/events/view/12.json'), '/events/view/12');
  assert.equal(rewriteMispUrl('/users/view/me.json', (p) => p === '/users/view/me.json'), '/users/view/me.json', 'a route registered with .json keeps it');
  assert.equal(rewriteMispUrl('/openapi.json'), '/openapi.json');
  assert.equal(rewriteMispUrl('/shadow_attributes/index/all:1/deleted[]:0/deleted[]:1.json'), '/shadow_attributes/index?all=1&deleted%5B%5D=0&deleted%5B%5D=1', 'the extension after a named parameter is not part of its value');
  assert.equal(rewriteMispUrl('/taxii2/api/collections/x:y/'), '/taxii2/api/collections/x:y/', 'TAXII addresses are not MISP');
  assert.equal(rewriteMispUrl('/events/x:1'), '/events/x:1', 'no named parameter before the action');
});

forEachDialect('REST API: MISP documents carry local ids; MISP addresses', (fixture) => {
  let i: Instance;
  let event: Doc['Event'];
  before(async () => {
    i = await serve(await fixture.open());
    await makeTags(i, ['internal']);
    const res = await call(i, i.alice, 'POST', '/events/add', {
      Event: {
        info: 'Ids and addresses', distribution: 1, Tag: [{ name: 'misp-galaxy:threat-actor="Sofacy"' }, { name: 'internal', local: true }],
        Attribute: [{ type: 'domain', value: 'ids.example' }, { type: 'ip-dst', value: '198.51.100.7' }],
        Object: [{ name: 'domain-ip', 'meta-category': 'network', Attribute: [{ type: 'domain', object_relation: 'domain', value: 'obj.example' }] }],
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    event = (res.body as Doc).Event;
    await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Related', distribution: 1, Attribute: [{ type: 'domain', value: 'ids.example' }] } });
    assert.equal((await call(i, i.alice, 'POST', '/sightings/add', { value: 'ids.example' })).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it("gives the event, its organisations, attributes and objects MISP's ids, as text", async () => {
    for (const doc of [event, ((await call(i, i.alice, 'GET', `/events/view/${event.uuid}`)).body as Doc).Event]) {
      assert.match(String(doc.id), /^\d+$/);
      assert.equal(doc.org_id, doc.Org.id);
      assert.equal(doc.orgc_id, doc.Orgc.id);
      assert.match(String(doc.Orgc.id), /^\d+$/);
      assert.equal(doc.sharing_group_id, '0');
      assert.equal(doc.attribute_count, '3');
      for (const a of doc.Attribute) {
        assert.match(String(a.id), /^\d+$/);
        assert.deepEqual([a.event_id, a.object_id, a.sharing_group_id], [doc.id, '0', '0']);
      }
      const object = doc.Object[0]!;
      assert.match(String(object.id), /^\d+$/);
      assert.equal(object.event_id, doc.id);
      const inner = (object.Attribute as Json[])[0]!;
      assert.deepEqual([inner.event_id, inner.object_id], [doc.id, object.id]);
    }
    // The ids are the ones attributes/view and objects/view know the items by.
    const first = event.Attribute[0]!;
    assert.equal(((await call(i, i.alice, 'GET', `/attributes/view/${first.id}`)).body as { Attribute: Json }).Attribute.uuid, first.uuid);
    assert.equal(((await call(i, i.alice, 'GET', `/objects/view/${event.Object[0]!.id}`)).body as { Object: Json }).Object.uuid, event.Object[0]!.uuid);
  });

  it('gives sightings their ids, and restSearch events the same ids as events/view', async () => {
    const view = ((await call(i, i.alice, 'GET', `/events/view/${event.id}`)).body as Doc).Event;
    const sighting = ((view.Attribute[0]!.Sighting as Json[]) ?? [])[0]!;
    assert.deepEqual([sighting.attribute_id, sighting.event_id, sighting.org_id], [view.Attribute[0]!.id, view.id, view.Orgc.id]);
    const found = (await call(i, i.alice, 'POST', '/events/restSearch', { returnFormat: 'json', eventid: event.id })).body as { response: Doc[] };
    const hit = found.response[0]!.Event;
    assert.deepEqual([hit.id, hit.orgc_id, hit.Attribute.map((a) => a.id)], [view.id, view.orgc_id, view.Attribute.map((a) => a.id)]);
  });

  it('reads named parameters on events/view: noSightings, excludeGalaxy, excludeLocalTags, includeEventCorrelations, deleted', async () => {
    const view = async (path: string) => {
      const res = await call(i, i.alice, 'GET', path);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
      return (res.body as Doc).Event;
    };
    const full = await view(`/events/view/${event.id}`);
    assert.ok(full.Attribute.some((a) => a.Sighting));
    assert.equal(full.Galaxy.length, 1);
    assert.equal(full.RelatedEvent.length, 1);
    assert.equal((full.Tag as Json[]).length, 2);
    assert.ok(!(await view(`/events/view/${event.id}/noSightings:1`)).Attribute.some((a) => a.Sighting));
    assert.ok(!(await view(`/events/view/${event.id}?noSightings=1`)).Attribute.some((a) => a.Sighting), 'the query string form too');
    assert.equal((await view(`/events/view/${event.uuid}/excludeGalaxy:1`)).Galaxy.length, 0);
    assert.deepEqual(((await view(`/events/view/${event.uuid}/excludeLocalTags:1`)).Tag as Json[]).map((t) => t.name), ['misp-galaxy:threat-actor="Sofacy"']);
    assert.equal((await view(`/events/view/${event.id}/includeEventCorrelations:0`)).RelatedEvent.length, 0);
    assert.equal((await view(`/events/view/${event.id}.json`)).id, event.id, '.json suffix');

    // One attribute deleted: hidden by default, shown with deleted:1 or [0, 1], alone with [1].
    const gone = event.Attribute[1]!;
    assert.equal((await call(i, i.alice, 'POST', `/attributes/delete/${gone.id}`)).status, 200);
    assert.equal((await view(`/events/view/${event.id}`)).Attribute.length, 1);
    assert.equal((await view(`/events/view/${event.id}/deleted:1`)).Attribute.length, 2);
    assert.equal((await view(`/events/view/${event.id}/deleted[]:0/deleted[]:1`)).Attribute.length, 2);
    const onlyDeleted = await view(`/events/view/${event.id}/deleted[]:1`);
    assert.deepEqual(onlyDeleted.Attribute.map((a) => a.uuid), [gone.uuid]);
    assert.equal(onlyDeleted.Object.length, 0);
    // PyMISP's get_event(deleted=True) posts the flag.
    const posted = await call(i, i.alice, 'POST', `/events/view/${event.uuid}`, { deleted: true });
    assert.equal(posted.status, 200);
    assert.equal((posted.body as Doc).Event.Attribute.length, 2);
    assert.equal((await call(i, i.bob, 'POST', `/events/view/${event.uuid}`, { deleted: true })).status, 200, 'bob sees a community event');
    assert.equal((await call(i, i.alice, 'GET', '/events/view/999999/noSightings:1')).status, 404);
  });

  it('answers events/add and events/edit without items with metadata:1', async () => {
    const added = await call(i, i.bob, 'POST', '/events/add/metadata:1', { Event: { info: 'Metadata only', Attribute: [{ type: 'ip-src', value: '9.9.9.9' }] } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const doc = (added.body as Doc).Event;
    assert.equal(doc.Attribute.length, 0);
    assert.equal(doc.attribute_count, '1', 'the attribute is stored, only not answered');
    const edited = await call(i, i.bob, 'POST', `/events/edit/${doc.id}/metadata:1`, { Event: { info: 'Metadata renamed' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal((edited.body as Doc).Event.info, 'Metadata renamed');
    assert.equal((edited.body as Doc).Event.Attribute.length, 0);
    assert.equal(((await call(i, i.bob, 'GET', `/events/view/${doc.id}`)).body as Doc).Event.Attribute.length, 1);
  });

  it('pages events/index by named parameters and answers it, and describeTypes, with an ETag and 304', async () => {
    const page = async (path: string) => ((await call(i, i.alice, 'GET', path)).body as Json[]).map((e) => e.id);
    const all = await page('/events/index');
    assert.ok(all.length >= 2);
    assert.deepEqual(await page('/events/index/limit:1/page:2'), [all[1]]);
    assert.deepEqual(await page('/events/index.json/limit:1'), [all[0]]);
    // MISP's index also takes its filters as searchNAME, and its sort order as direction.
    assert.deepEqual(await page('/events/index/searcheventinfo:Related'), await page('/events/index?eventinfo=Related'));
    assert.equal((await page('/events/index/searcheventinfo:Related')).length, 1);
    assert.deepEqual(await page('/events/index/sort:id/direction:asc'), [...all].sort((a, b) => Number(a) - Number(b)));
    assert.deepEqual(await page('/events/index/sort:id/direction:desc'), [...all].sort((a, b) => Number(b) - Number(a)));

    for (const path of ['/events/index', '/attributes/describeTypes.json']) {
      const first = await fetch(`${i.base}${path}`, { headers: { Authorization: i.alice, Accept: 'application/json' } });
      const tag = first.headers.get('etag');
      assert.ok(tag, `${path} has an ETag`);
      await first.text();
      const again = await fetch(`${i.base}${path}`, { headers: { Authorization: i.alice, Accept: 'application/json', 'If-None-Match': tag } });
      assert.equal(again.status, 304, path);
      assert.equal(await again.text(), '');
      const other = await fetch(`${i.base}${path}`, { headers: { Authorization: i.alice, Accept: 'application/json', 'If-None-Match': '"stale"' } });
      assert.equal(other.status, 200);
      await other.text();
    }
    // A change to what alice may see changes the tag.
    const tagOf = async () => (await fetch(`${i.base}/events/index`, { headers: { Authorization: i.alice } })).headers.get('etag');
    const earlier = await tagOf();
    assert.equal((await call(i, i.alice, 'POST', `/events/edit/${event.id}`, { Event: { info: 'Ids and addresses, renamed' } })).status, 200);
    assert.notEqual(await tagOf(), earlier);
  });

  it('routes the named parameters MISP clients send to publish and to the users and organisations lists', async () => {
    const published = await call(i, i.alice, 'POST', `/events/publish/${event.id}/disable_background_processing:1`);
    assert.equal(published.status, 403, 'alice (User) may not publish: the route is found, the permission decides');
    const orgs = (await call(i, i.admin, 'GET', '/organisations/index/scope:all')).body as Json[];
    assert.ok(orgs.length >= 3);
    assert.equal((await call(i, i.admin, 'GET', '/organisations/index/scope:elsewhere')).status, 400);
    assert.equal((await call(i, i.admin, 'GET', '/admin/users/index/value:alice@a.test')).status, 200);
  });

  it('never hands out the id of an event, attribute or object deleted for good', async () => {
    const add = async () => (((await call(i, i.admin, 'POST', '/events/add', {
      Event: { info: 'Newest', Attribute: [{ type: 'domain', value: 'newest.example' }], Object: [{ name: 'domain-ip', 'meta-category': 'network', Attribute: [{ type: 'domain', object_relation: 'domain', value: 'o.example' }] }] },
    })).body) as Doc).Event;
    const before = await add();
    // Hard-delete the newest attribute and object, then the event: each held the highest id of its table.
    const objectAttribute = (before.Object[0]!.Attribute as Json[])[0]!;
    assert.equal((await call(i, i.admin, 'POST', `/attributes/delete/${objectAttribute.id}/1`)).status, 200);
    assert.equal((await call(i, i.admin, 'POST', `/objects/delete/${before.Object[0]!.id}/1`)).status, 200);
    assert.equal((await call(i, i.admin, 'DELETE', `/events/delete/${before.id}`)).status, 200);
    const next = await add();
    assert.ok(Number(next.id) > Number(before.id), `event ${next.id} after ${before.id}`);
    assert.ok(Number(next.Attribute[0]!.id) > Number(objectAttribute.id), 'attribute');
    assert.ok(Number(next.Object[0]!.id) > Number(before.Object[0]!.id), 'object');
    assert.equal((await call(i, i.admin, 'GET', `/events/view/${before.id}`)).status, 404);
  });
});
