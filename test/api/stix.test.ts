import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { readLibraries } from '../../src/libraries/directory.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { REAL_DATA_SKIP, fixturePath } from '../helpers/shared-data.js';
import { stixIdProblems, stixProblems } from '../helpers/stix.js';
import { forEachDialect } from '../helpers/stores.js';

const SHARED_EVENT = 'ab000000-0000-4000-8000-00000000bb01';
const PRIVATE_EVENT = 'ab000000-0000-4000-8000-00000000bb02';

forEachDialect('REST API: STIX 2.1 export and upload', (fixture) => {
  let i: Instance;
  before(async () => {
    const store = await fixture.open();
    const galaxy = readLibraries(fixturePath('misp', 'misp-galaxy'));
    await saveLibraries(store, { ...galaxy, galaxies: galaxy.galaxies.filter((g) => g.type === 'threat-actor'), clusters: galaxy.clusters.filter((c) => c.type === 'threat-actor') });
    i = await serve(store);
    await makeTags(i, ['tlp:green']);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: SHARED_EVENT, info: 'Shared', distribution: 1,
      Tag: [{ name: 'tlp:green' }, { name: 'misp-galaxy:threat-actor="Sofacy"' }],
      Attribute: [{ type: 'domain', value: 'stix-shared.example', to_ids: true }, { type: 'ip-dst', value: '203.0.113.9', to_ids: false }] } })).status, 200);
    assert.equal((await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: PRIVATE_EVENT, info: 'Bob only', distribution: 0,
      Attribute: [{ type: 'domain', value: 'stix-private.example', to_ids: true }] } })).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const stix2 = async () => {
    const res = await fetch(`${i.base}/events/restSearch`, { method: 'POST', headers: { Authorization: i.alice, 'Content-Type': 'application/json' },
      body: JSON.stringify({ returnFormat: 'stix2' }) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/stix\+json/);
    return await res.json() as { type: string; objects: Array<Record<string, unknown>> };
  };

  it('answers events/restSearch with returnFormat stix2 as a bundle, galaxies described by the loaded library', async () => {
    const bundle = await stix2();
    assert.equal(bundle.type, 'bundle');
    assert.deepEqual(stixIdProblems(bundle), []);
    const reports = bundle.objects.filter((o) => o.type === 'report');
    assert.deepEqual(reports.map((r) => r.id), [`report--${SHARED_EVENT}`], 'no report of an event alice may not see');
    assert.ok(!JSON.stringify(bundle).includes('stix-private.example'));
    const actor = bundle.objects.find((o) => o.type === 'threat-actor')!;
    assert.equal(actor.name, 'APT28');
    assert.ok((actor.aliases as string[]).includes('Sofacy'));
    assert.match(String(actor.description), /Sofacy Group/);
    assert.deepEqual(reports[0]!.object_marking_refs, ['marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da']);
  });

  it('answers with a bundle valid by the OASIS STIX 2.1 schemas', { skip: REAL_DATA_SKIP }, async () => {
    assert.deepEqual(stixProblems(await stix2()), []);
  });

  it('gives each event as a grouping on request, and refuses a container it does not know', async () => {
    const grouped = await call(i, i.bob, 'POST', '/events/restSearch', { returnFormat: 'stix2', stix_container: 'grouping' });
    assert.ok(grouped.body.objects.some((o: { type: string; id: string }) => o.type === 'grouping' && o.id === `grouping--${PRIVATE_EVENT}`));
    assert.equal((await call(i, i.bob, 'POST', '/events/restSearch', { returnFormat: 'stix2', stix_container: 'box' })).status, 400);
  });

  it('imports a STIX bundle through events/upload_stix/2, sightings included, listing what it could not map', async () => {
    const at = '2026-02-01T10:00:00.000Z';
    const common = { spec_version: '2.1', created: at, modified: at };
    const bundle = { type: 'bundle', id: 'bundle--5c1e0000-0000-4000-8000-000000000000', objects: [
      { type: 'identity', ...common, id: 'identity--5c1e0000-0000-4000-8000-0000000000a1', name: 'Org A', identity_class: 'organization' },
      { type: 'report', ...common, id: 'report--5c1e0000-0000-4000-8000-000000000001', name: 'Uploaded STIX', published: at, report_types: ['threat-report'],
        object_refs: ['indicator--5c1e0000-0000-4000-8000-000000000002', 'location--5c1e0000-0000-4000-8000-000000000003'] },
      { type: 'indicator', ...common, id: 'indicator--5c1e0000-0000-4000-8000-000000000002', pattern: "[url:value = 'http://uploaded.example/x']",
        pattern_type: 'stix', valid_from: at },
      { type: 'location', ...common, id: 'location--5c1e0000-0000-4000-8000-000000000003', country: 'LU' },
      { type: 'sighting', ...common, id: 'sighting--5c1e0000-0000-4000-8000-000000000004', sighting_of_ref: 'indicator--5c1e0000-0000-4000-8000-000000000002',
        last_seen: at, where_sighted_refs: ['identity--5c1e0000-0000-4000-8000-0000000000a1'] },
    ] };
    const res = await call(i, i.alice, 'POST', '/events/upload_stix/2', bundle);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.Event.info, 'Uploaded STIX');
    assert.equal(res.body.Event.Orgc.name, 'Org A');
    const [url] = res.body.Event.Attribute;
    assert.deepEqual([url.type, url.value, url.to_ids], ['url', 'http://uploaded.example/x', true]);
    assert.deepEqual(url.Sighting.map((s: { uuid: string; date_sighting: string }) => [s.uuid, s.date_sighting]),
      [['5c1e0000-0000-4000-8000-000000000004', String(Date.parse(at) / 1000)]]);
    assert.deepEqual(res.body.errors, ['location--5c1e0000-0000-4000-8000-000000000003: no MISP equivalent for a location']);
    const again = await call(i, i.bob, 'POST', '/events/upload_stix/2', { ...bundle, objects: bundle.objects.map((o) => ({ ...o, modified: '2026-03-01T00:00:00.000Z' })) });
    assert.equal(again.status, 403, 'bob may not change alice\'s event');
    assert.match(again.body.errors.join(), /exists and you may not change it/);
    assert.equal((await call(i, i.alice, 'POST', '/events/upload_stix/1', bundle)).status, 400, 'STIX 1 is not read');
    const junk = await call(i, i.alice, 'POST', '/events/upload_stix/2', { hello: 'world' });
    assert.equal(junk.status, 400);
    assert.match(junk.body.message, /not a STIX bundle/);
  });
});
