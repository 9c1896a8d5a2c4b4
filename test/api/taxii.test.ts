import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { addSharingGroup, setSharingGroupOrg } from '../../src/store/access/sharing-groups.js';
import { addTaxiiCollection, type TaxiiCollection } from '../../src/store/taxii.js';
import { findOrganisation } from '../../src/store/access/organisations.js';
import type { Store } from '../../src/store/db/database.js';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const TAXII = 'application/taxii+json;version=2.1';
const DEFAULT_COLLECTION = '365fed99-08fa-fdcd-a1b3-fb247eb41d01';
const POSTED_REPORT = 'c0ffee00-0000-4000-8000-000000000001';
const POSTED_INDICATOR = 'c0ffee00-0000-4000-8000-000000000002';

type Json = Record<string, any>;

const basic = (email: string, key: string) => `Basic ${Buffer.from(`${email}:${key}`).toString('base64')}`;

forEachDialect('TAXII 2.1 server', (fixture) => {
  let i: Instance;
  let store: Store;
  let alice: string;
  let bob: string;
  let groupCollection: TaxiiCollection;
  let tagCollection: TaxiiCollection;

  /** One TAXII request; the answer's JSON parsed, and its headers. */
  const taxii = async (auth: string | null, method: string, path: string, options: { body?: unknown; accept?: string; type?: string } = {}) => {
    const res = await fetch(`${i.base}${path}`, {
      method,
      headers: {
        Accept: options.accept ?? TAXII, ...(auth ? { Authorization: auth } : {}),
        ...(options.body !== undefined ? { 'Content-Type': options.type ?? TAXII } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Json };
  };

  before(async () => {
    store = await fixture.open();
    i = await serve(store);
    alice = basic('alice@a.test', i.alice);
    bob = basic('bob@b.test', i.bob);
    await makeTags(i, ['feed:taxii']);
    for (let n = 0; n < 3; n++) {
      const added = await call(i, i.alice, 'POST', '/events/add', { Event: { info: `Alice ${n}`, distribution: 1, Tag: n === 0 ? [{ name: 'feed:taxii' }] : [],
        Attribute: [{ type: 'domain', value: `alice-${n}.example`, to_ids: true }, { type: 'ip-dst', value: `198.51.100.${n + 1}`, to_ids: false }] } });
      assert.equal(added.status, 200);
    }
    assert.equal((await call(i, i.bob, 'POST', '/events/add', { Event: { info: 'Bob private', distribution: 0,
      Attribute: [{ type: 'domain', value: 'bob-private.example', to_ids: true }] } })).status, 200);
    const orgA = await findOrganisation(store, 'Org A');
    const group = await addSharingGroup(store, { name: 'A circle' }, orgA!.id);
    assert.ok(group.ok);
    await setSharingGroupOrg(store, group.group.id, orgA!.id, false);
    groupCollection = await addTaxiiCollection(store, { apiRoot: 'circles', title: 'A circle', description: '', alias: 'circle', kind: 'sharing-group',
      tag: null, sharingGroupId: group.group.id, writable: true });
    tagCollection = await addTaxiiCollection(store, { apiRoot: 'cairn', title: 'TAXII feed', description: 'events tagged feed:taxii', alias: null, kind: 'tag',
      tag: 'feed:taxii', sharingGroupId: null, writable: false });
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('asks for credentials, takes HTTP Basic (e-mail and key) or the key, and answers only in its media type', async () => {
    const anonymous = await taxii(null, 'GET', '/taxii2/');
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal(anonymous.body.http_status, '401');
    assert.equal((await taxii(basic('bob@b.test', i.alice), 'GET', '/taxii2/')).status, 401, "alice's key under bob's name");
    const discovery = await taxii(alice, 'GET', '/taxii2/');
    assert.equal(discovery.status, 200);
    assert.equal(discovery.headers.get('content-type'), TAXII);
    assert.deepEqual(discovery.body.api_roots, [`${i.base}/taxii2/cairn/`, `${i.base}/taxii2/circles/`]);
    assert.equal(discovery.body.default, `${i.base}/taxii2/cairn/`);
    assert.equal((await taxii(i.alice, 'GET', '/taxii2')).status, 200, 'the bare key, and no trailing slash');
    const refused = await taxii(alice, 'GET', '/taxii2/', { accept: 'text/html' });
    assert.equal(refused.status, 406);
    assert.equal(refused.body.title, 'Not Acceptable');
    const root = await taxii(alice, 'GET', '/taxii2/cairn/');
    assert.deepEqual(root.body.versions, [TAXII]);
    assert.equal(typeof root.body.max_content_length, 'number');
    assert.equal((await taxii(alice, 'GET', '/taxii2/nowhere/')).status, 404);
  });

  it('lists the collections each user may read: a sharing group\'s only to its members', async () => {
    const mine = await taxii(alice, 'GET', '/taxii2/circles/collections/');
    assert.deepEqual(mine.body.collections.map((c: Json) => c.id), [groupCollection.id]);
    assert.deepEqual((await taxii(bob, 'GET', '/taxii2/circles/collections/')).body.collections, []);
    assert.equal((await taxii(bob, 'GET', `/taxii2/circles/collections/${groupCollection.id}/`)).status, 404);
    const cairn = await taxii(alice, 'GET', '/taxii2/cairn/collections/');
    const events = cairn.body.collections.find((c: Json) => c.id === DEFAULT_COLLECTION);
    assert.deepEqual({ ...events, description: undefined }, { id: DEFAULT_COLLECTION, title: 'Events', description: undefined, alias: 'events',
      can_read: true, can_write: true, media_types: ['application/stix+json;version=2.1'] });
    assert.equal(cairn.body.collections.find((c: Json) => c.id === tagCollection.id).can_write, false);
    assert.equal((await taxii(alice, 'GET', '/taxii2/cairn/collections/events/')).body.id, DEFAULT_COLLECTION, 'by alias too');
  });

  it('pages through the objects of a collection with limit and next, showing only what the user may see', async () => {
    const seen: Json[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await taxii(alice, 'GET', `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/objects/?limit=4${next ? `&next=${next}` : ''}`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('content-type'), TAXII);
      assert.ok(page.body.objects.length <= 4);
      assert.ok(page.headers.get('x-taxii-date-added-first'));
      assert.ok(page.headers.get('x-taxii-date-added-last'));
      seen.push(...page.body.objects);
      next = page.body.more ? page.body.next : undefined;
      pages++;
    } while (next);
    assert.ok(pages >= 3, `${pages} pages`);
    const reports = seen.filter((o) => o.type === 'report');
    assert.deepEqual(reports.map((r) => r.name), ['Alice 0', 'Alice 1', 'Alice 2']);
    assert.ok(!JSON.stringify(seen).includes('bob-private.example'), "bob's organisation-only event stays his");
    // Identities and the extension definitions come with each event that uses them.
    const own = seen.filter((o) => o.type !== 'identity' && o.type !== 'extension-definition');
    assert.equal(new Set(own.map((o) => o.id)).size, own.length, 'each object once (an identity comes with each event that names it)');
    const bobs = await taxii(bob, 'GET', `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/objects/?match[type]=report`);
    assert.deepEqual(bobs.body.objects.map((r: Json) => r.name), ['Alice 0', 'Alice 1', 'Alice 2', 'Bob private']);
  });

  it('filters by type, id, spec_version, version and added_after', async () => {
    const path = `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/objects/`;
    const indicators = (await taxii(alice, 'GET', `${path}?match[type]=indicator`)).body.objects as Json[];
    assert.equal(indicators.length, 3);
    assert.ok(indicators.every((o) => o.type === 'indicator'));
    const one = indicators[1]!;
    assert.deepEqual((await taxii(alice, 'GET', `${path}?match[id]=${one.id}`)).body.objects.map((o: Json) => o.id), [one.id]);
    assert.equal((await taxii(alice, 'GET', `${path}?match[id]=${one.id}&match[version]=${one.modified}`)).body.objects.length, 1);
    assert.equal((await taxii(alice, 'GET', `${path}?match[id]=${one.id}&match[version]=2001-01-01T00:00:00.000Z`)).body.objects, undefined);
    assert.equal((await taxii(alice, 'GET', `${path}?match[spec_version]=2.0`)).body.objects, undefined);
    const tagged = await taxii(alice, 'GET', `/taxii2/cairn/collections/${tagCollection.id}/objects/?match[type]=report`);
    assert.deepEqual(tagged.body.objects.map((r: Json) => r.name), ['Alice 0'], 'a tag collection holds the events carrying its tag');
    const all = await taxii(alice, 'GET', path);
    const last = all.headers.get('x-taxii-date-added-last')!;
    const later = await taxii(alice, 'GET', `${path}?added_after=${last}`);
    assert.deepEqual(later.body, { more: false });
    assert.equal((await taxii(alice, 'GET', `${path}?added_after=yesterday`)).status, 400);
    assert.equal((await taxii(alice, 'GET', `${path}?limit=0`)).status, 400);
    assert.equal((await taxii(alice, 'GET', `${path}?next=bm9wZQ`)).status, 400);
  });

  it('dates each object by when this server last wrote its event: a change shows after a client\'s last poll', async () => {
    const path = `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/objects/`;
    const last = (await taxii(alice, 'GET', path)).headers.get('x-taxii-date-added-last')!;
    const index = await call(i, i.alice, 'GET', '/events/index');
    const first = index.body.find((e: Json) => e.info === 'Alice 1');
    assert.equal((await call(i, i.admin, 'POST', '/tags/attachTagToObject', { uuid: first.uuid, tag: 'tlp:green' })).status, 200);
    const since = await taxii(alice, 'GET', `${path}?added_after=${last}&match[type]=report`);
    assert.deepEqual(since.body.objects.map((r: Json) => [r.name, r.object_marking_refs]), [['Alice 1', ['marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da']]]);
    assert.ok(Date.parse(since.headers.get('x-taxii-date-added-first')!) > Date.parse(last));
  });

  it('takes a POSTed envelope (202 and a status), serves what it stored, and reports what it could not map', async () => {
    const path = `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/objects/`;
    const envelope = { objects: [
      { type: 'report', spec_version: '2.1', id: `report--${POSTED_REPORT}`, created: '2026-01-02T00:00:00.000Z', modified: '2026-01-02T00:00:00.000Z',
        name: 'Posted over TAXII', published: '2026-01-02T00:00:00.000Z', report_types: ['threat-report'],
        object_refs: [`indicator--${POSTED_INDICATOR}`, 'location--c0ffee00-0000-4000-8000-000000000003'] },
      { type: 'indicator', spec_version: '2.1', id: `indicator--${POSTED_INDICATOR}`, created: '2026-01-02T00:00:00.000Z', modified: '2026-01-02T00:00:00.000Z',
        pattern: "[domain-name:value = 'posted.example']", pattern_type: 'stix', valid_from: '2026-01-02T00:00:00Z' },
      { type: 'location', spec_version: '2.1', id: 'location--c0ffee00-0000-4000-8000-000000000003', created: '2026-01-02T00:00:00.000Z',
        modified: '2026-01-02T00:00:00.000Z', country: 'FR' },
    ] };
    assert.equal((await taxii(alice, 'POST', path, { body: envelope, type: 'application/json' })).status, 415);
    assert.equal((await taxii(alice, 'POST', path, { body: { nothing: true } })).status, 400);
    assert.equal((await taxii(alice, 'POST', `/taxii2/cairn/collections/${tagCollection.id}/objects/`, { body: envelope })).status, 403, 'a read-only collection');
    const posted = await taxii(alice, 'POST', path, { body: envelope });
    assert.equal(posted.status, 202);
    assert.equal(posted.headers.get('content-type'), TAXII);
    assert.equal(posted.body.status, 'complete');
    assert.equal(posted.body.total_count, 3);
    assert.deepEqual(posted.body.successes.map((s: Json) => s.id).sort(), [`indicator--${POSTED_INDICATOR}`, `report--${POSTED_REPORT}`]);
    assert.deepEqual(posted.body.failures.map((f: Json) => f.id), ['location--c0ffee00-0000-4000-8000-000000000003']);
    assert.match(posted.body.failures[0].message, /no MISP equivalent/);
    const status = await taxii(alice, 'GET', `/taxii2/cairn/status/${posted.body.id}/`);
    assert.deepEqual(status.body, posted.body);
    assert.equal((await taxii(bob, 'GET', `/taxii2/cairn/status/${posted.body.id}/`)).status, 404, "another user's status");

    const got = await taxii(bob, 'GET', `${path}indicator--${POSTED_INDICATOR}/`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.objects.map((o: Json) => [o.id, o.pattern]), [[`indicator--${POSTED_INDICATOR}`, "[domain-name:value = 'posted.example']"]]);
    const versions = await taxii(alice, 'GET', `${path}indicator--${POSTED_INDICATOR}/versions/`);
    assert.deepEqual(versions.body, { more: false, versions: ['2026-01-02T00:00:00.000Z'] });
    const manifest = await taxii(alice, 'GET', `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/manifest/?match[id]=indicator--${POSTED_INDICATOR}`);
    assert.equal(manifest.body.objects.length, 1);
    assert.deepEqual({ ...manifest.body.objects[0], date_added: undefined },
      { id: `indicator--${POSTED_INDICATOR}`, date_added: undefined, version: '2026-01-02T00:00:00.000Z', media_type: 'application/stix+json;version=2.1' });
    assert.ok(Date.parse(manifest.body.objects[0].date_added) > Date.parse('2026-01-02'));
    const event = await call(i, i.alice, 'GET', `/events/view/${POSTED_REPORT}`);
    assert.equal(event.body.Event.Orgc.name, 'Org A', 'stored as an event of the poster\'s organisation');
    assert.equal(event.body.Event.Attribute[0].value, 'posted.example');
  });

  it('keeps a sharing group\'s collection to the group: what is posted there is shared with it', async () => {
    const path = `/taxii2/circles/collections/${groupCollection.id}/objects/`;
    const posted = await taxii(alice, 'POST', path, { body: { objects: [{ type: 'indicator', spec_version: '2.1', id: 'indicator--c0ffee00-0000-4000-8000-000000000010',
      created: '2026-01-03T00:00:00.000Z', modified: '2026-01-03T00:00:00.000Z', pattern: "[ipv4-addr:value = '192.0.2.77']", pattern_type: 'stix',
      valid_from: '2026-01-03T00:00:00Z' }] } });
    assert.equal(posted.body.success_count, 1, JSON.stringify(posted.body.failures));
    const objects = (await taxii(alice, 'GET', path)).body.objects as Json[];
    assert.ok(objects.some((o) => o.id === 'indicator--c0ffee00-0000-4000-8000-000000000010'));
    assert.ok(!objects.some((o) => o.type === 'report' && String(o.name).startsWith('Alice')), 'only events shared with the group');
    const found = await call(i, i.bob, 'POST', '/attributes/restSearch', { value: '192.0.2.77' });
    assert.deepEqual(found.body.response.Attribute, [], 'bob is not in the group');
  });

  it('answers an object several events hold once, in lists, manifests and by id, and refuses to delete what is derived, with the reason', async () => {
    const path = `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/objects/`;
    const identities = (await taxii(alice, 'GET', `${path}?match[type]=identity`)).body.objects as Json[];
    assert.equal(new Set(identities.map((o) => o.id)).size, identities.length, 'each identity once on a page');
    const manifest = (await taxii(alice, 'GET', `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/manifest/?match[type]=identity`)).body.objects as Json[];
    assert.deepEqual(manifest.map((m) => m.id), identities.map((o) => o.id));
    const reports = (await taxii(alice, 'GET', `${path}?match[type]=report`)).body.objects as Json[];
    const orgA = reports.find((r) => r.name === 'Alice 0')!.created_by_ref as string;
    assert.ok(reports.filter((r) => r.created_by_ref === orgA).length >= 3, 'several events hold the identity of Org A');
    const one = await taxii(alice, 'GET', `${path}${orgA}/`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.objects.map((o: Json) => o.id), [orgA], 'once, however many events hold it');
    assert.equal((await taxii(alice, 'GET', `${path}${orgA}/versions/`)).body.versions.length, 1);

    const observable = ((await taxii(alice, 'GET', `${path}?match[type]=ipv4-addr`)).body.objects as Json[])[0]!;
    for (const id of [orgA, 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da', observable.id]) {
      assert.equal((await taxii(alice, 'GET', `${path}${id}/`)).status, 200, id);
      const refused = await taxii(alice, 'DELETE', `${path}${id}/`);
      assert.equal(refused.status, 403, id);
      assert.equal(refused.body.http_status, '403');
      assert.match(refused.body.description, /derived from the content of the events that hold it/);
    }
    assert.equal((await taxii(alice, 'DELETE', `${path}identity--c0ffee00-0000-4000-8000-0000000000ee/`)).status, 404, 'one nobody holds');
    assert.equal((await taxii(alice, 'GET', `${path}${orgA}/`)).status, 200, 'still there');
  });

  it('lists in failures, with the reason, an object missing a required property and a report of another organisation\'s event', async () => {
    const path = `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/objects/`;
    const noPattern = 'indicator--c0ffee00-0000-4000-8000-000000000020';
    const posted = await taxii(alice, 'POST', path, { body: { objects: [{ type: 'indicator', spec_version: '2.1', id: noPattern,
      created: '2026-01-04T00:00:00.000Z', modified: '2026-01-04T00:00:00.000Z', pattern_type: 'stix', valid_from: '2026-01-04T00:00:00Z' }] } });
    assert.equal(posted.status, 202);
    assert.deepEqual(posted.body.failures.map((f: Json) => [f.id, f.message]),
      [[noPattern, 'missing required property "pattern" (STIX 2.1 requires it of every indicator)']]);

    const index = await call(i, i.alice, 'GET', '/events/index');
    const theirs = index.body.find((e: Json) => e.info === 'Alice 2');
    const report = `report--${theirs.uuid}`;
    const indicator = 'indicator--c0ffee00-0000-4000-8000-000000000021';
    const overwrite = await taxii(bob, 'POST', path, { body: { objects: [
      { type: 'report', spec_version: '2.1', id: report, created: '2026-01-04T00:00:00.000Z', modified: '2030-01-04T00:00:00.000Z', name: 'Bob was here',
        published: '2030-01-04T00:00:00.000Z', report_types: ['threat-report'], object_refs: [indicator] },
      { type: 'indicator', spec_version: '2.1', id: indicator, created: '2026-01-04T00:00:00.000Z', modified: '2030-01-04T00:00:00.000Z',
        pattern: "[domain-name:value = 'bob-was-here.example']", pattern_type: 'stix', valid_from: '2026-01-04T00:00:00Z' },
    ] } });
    assert.equal(overwrite.status, 202);
    assert.equal(overwrite.body.success_count, 0, JSON.stringify(overwrite.body.successes));
    const failures = new Map((overwrite.body.failures as Json[]).map((f) => [f.id, f.message]));
    assert.deepEqual([...failures.keys()].sort(), [indicator, report]);
    assert.equal(failures.get(report), `event ${theirs.uuid} exists and you may not change it`);
    assert.equal(failures.get(indicator), `event ${theirs.uuid} exists and you may not change it`);
    const kept = await call(i, i.alice, 'GET', `/events/view/${theirs.uuid}`);
    assert.equal(kept.body.Event.info, 'Alice 2', 'the event stays as its organisation wrote it');
  });

  it('deletes what an object stands for, for those who may change it', async () => {
    const path = `/taxii2/cairn/collections/${DEFAULT_COLLECTION}/objects/`;
    assert.equal((await taxii(bob, 'DELETE', `${path}indicator--${POSTED_INDICATOR}/`)).status, 403, "bob may not change alice's event");
    assert.equal((await taxii(alice, 'DELETE', `${path}indicator--c0ffee00-0000-4000-8000-0000000000ff/`)).status, 404);
    const deleted = await taxii(alice, 'DELETE', `${path}indicator--${POSTED_INDICATOR}/`);
    assert.equal(deleted.status, 200);
    assert.equal((await taxii(alice, 'GET', `${path}indicator--${POSTED_INDICATOR}/`)).status, 404);
    assert.equal((await taxii(alice, 'DELETE', `${path}report--${POSTED_REPORT}/`)).status, 200);
    assert.equal((await call(i, i.alice, 'GET', `/events/view/${POSTED_REPORT}`)).status, 404, 'the report was the event');
    // A MISP uuid that is no RFC 4122 uuid has a STIX id derived from it: the DELETE finds it as the GET does.
    const odd = '5c0ffee0-0000-0000-0000-000000000031';
    const added = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Odd uuid', distribution: 1,
      Attribute: [{ uuid: odd, type: 'domain', value: 'odd-uuid.example', to_ids: true }] } });
    assert.equal(added.status, 200);
    const indicators = (await taxii(alice, 'GET', `${path}?match[type]=indicator`)).body.objects as Json[];
    const derived = indicators.find((o) => o.pattern === "[domain-name:value = 'odd-uuid.example']")!;
    assert.notEqual(derived.id, `indicator--${odd}`);
    assert.equal((await taxii(alice, 'DELETE', `${path}${derived.id}/`)).status, 200);
    const view = await call(i, i.alice, 'GET', `/events/view/${added.body.Event.uuid}?deleted[]=0&deleted[]=1`);
    assert.deepEqual(view.body.Event.Attribute.map((a: Json) => [a.uuid, a.deleted]), [[odd, true]]);
    const audit = await call(i, i.admin, 'GET', '/admin/audit_logs/index');
    assert.ok(audit.body.some((l: Json) => l.AuditLog.model === 'StixObject' && l.AuditLog.action === 'delete' && l.AuditLog.model_id === `report--${POSTED_REPORT}`));
  });
});
