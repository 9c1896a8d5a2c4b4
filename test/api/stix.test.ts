import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { readLibraries } from '../../src/libraries/directory.js';
import { saveLibraries } from '../../src/store/library-load.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { stixProblems } from '../helpers/stix.js';
import { SHARED, forEachDialect } from '../helpers/stores.js';

const SHARED_EVENT = 'ab000000-0000-4000-8000-00000000bb01';
const PRIVATE_EVENT = 'ab000000-0000-4000-8000-00000000bb02';

forEachDialect('REST API: STIX 2.1 export', (fixture) => {
  let i: Instance;
  before(async () => {
    const store = await fixture.open();
    const galaxy = readLibraries(join(SHARED, 'data', 'misp', 'misp-galaxy'));
    await saveLibraries(store, { ...galaxy, galaxies: galaxy.galaxies.filter((g) => g.type === 'threat-actor'), clusters: galaxy.clusters.filter((c) => c.type === 'threat-actor') });
    i = await serve(store);
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

  it('answers events/restSearch with returnFormat stix2 as a valid bundle, galaxies described by the loaded library', async () => {
    const res = await fetch(`${i.base}/events/restSearch`, { method: 'POST', headers: { Authorization: i.alice, 'Content-Type': 'application/json' },
      body: JSON.stringify({ returnFormat: 'stix2' }) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/stix\+json/);
    const bundle = await res.json() as { type: string; objects: Array<Record<string, unknown>> };
    assert.equal(bundle.type, 'bundle');
    assert.deepEqual(stixProblems(bundle), []);
    const reports = bundle.objects.filter((o) => o.type === 'report');
    assert.deepEqual(reports.map((r) => r.id), [`report--${SHARED_EVENT}`], 'no report of an event alice may not see');
    assert.ok(!JSON.stringify(bundle).includes('stix-private.example'));
    const actor = bundle.objects.find((o) => o.type === 'threat-actor')!;
    assert.equal(actor.name, 'APT28');
    assert.ok((actor.aliases as string[]).includes('Sofacy'));
    assert.match(String(actor.description), /Sofacy Group/);
    assert.deepEqual(reports[0]!.object_marking_refs, ['marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da']);
  });

  it('gives each event as a grouping on request, and refuses a container it does not know', async () => {
    const grouped = await call(i, i.bob, 'POST', '/events/restSearch', { returnFormat: 'stix2', stix_container: 'grouping' });
    assert.ok(grouped.body.objects.some((o: { type: string; id: string }) => o.type === 'grouping' && o.id === `grouping--${PRIVATE_EVENT}`));
    assert.equal((await call(i, i.bob, 'POST', '/events/restSearch', { returnFormat: 'stix2', stix_container: 'box' })).status, 400);
  });
});
