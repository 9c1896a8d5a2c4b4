import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { buildServer } from '../../src/api/server.js';
import { readDecayingModels } from '../../src/libraries/decaying-model.js';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import type { Store } from '../../src/store/db/database.js';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

const DAY = 86_400;
const NIDS = 'd1000000-0000-4000-8000-000000000001';
const WEB = 'd1000000-0000-4000-8000-000000000002';

/** A library model of our own, as the misp-decaying-models library writes them. */
const libraryModel = (uuid: string, name: string, types: string[], version = 1, description = 'test model') => ({
  uuid, name, formula: 'Polynomial', version, description, ref: ['https://arxiv.org/abs/1902.03914'], authors: ['Cairn tests'],
  parameters: { lifetime: 10, decay_speed: 1, threshold: 30, default_base_score: 80, base_score_config: { 'admiralty-scale:source-reliability': 1 } },
  attribute_types: types,
});

type Score = { score: number; base_score: number; decayed: boolean; DecayingModel: { id: string; name: string } };
type Hit = { value: string; decay_score?: Score[]; Tag?: Array<{ name: string; inherited?: number }> };
type ModelDoc = { DecayingModel: Record<string, unknown> & { id: string; name: string; enabled: boolean } };

forEachDialect('REST API: decaying models', (fixture) => {
  let i: Instance;
  let bare: Instance;
  let store: Store;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-decay-'));
  const models = join(dir, 'misp-decaying-models', 'models');
  const writeModel = (file: string, doc: unknown) => writeFileSync(join(models, file), JSON.stringify(doc));
  const ids: Record<string, string> = {};
  const now = () => Math.floor(Date.now() / 1000);
  const search = async (key: string, body: Record<string, unknown>) => {
    const r = await call(i, key, 'POST', '/attributes/restSearch', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.response.Attribute as Hit[];
  };
  const byValue = (hits: Hit[], value: string) => hits.find((h) => h.value === value);

  before(async () => {
    mkdirSync(models, { recursive: true });
    cpSync(fixturePath('misp', 'misp-taxonomies'), join(dir, 'misp-taxonomies'), { recursive: true });
    writeModel('nids.json', libraryModel(NIDS, 'Test NIDS model', ['ip-dst', 'domain']));
    writeModel('web.json', libraryModel(WEB, 'Test web model', ['url']));
    store = await fixture.open();
    i = await serve(store, { libraryDirs: [dir] });
    const app = await buildServer(store);
    bare = { ...i, app, base: await app.listen({ host: '127.0.0.1', port: 0 }) };
    assert.equal((await call(i, i.admin, 'POST', '/taxonomies/update')).status, 200);
    assert.equal((await call(i, i.admin, 'POST', '/taxonomies/enable/admiralty-scale')).status, 200);
  });
  after(async () => {
    await bare.app.close();
    await i.app.close();
    await fixture.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decayingModel/update reads the library from the folders, for site admins only, and refreshes a model whose version rose', async () => {
    assert.equal((await call(i, i.alice, 'POST', '/decayingModel/update')).status, 403);
    const none = await call(bare, bare.admin, 'POST', '/decayingModel/update');
    assert.equal(none.status, 400);
    assert.match(none.body.message, /CAIRN_LIBRARIES/);
    const done = await call(i, i.admin, 'POST', '/decayingModel/update');
    assert.equal(done.status, 200);
    assert.equal(done.body.success, true);
    const index = await call(i, i.alice, 'GET', '/decayingModel/index');
    assert.equal(index.status, 200);
    const listed = index.body as ModelDoc[];
    assert.deepEqual(listed.map((m) => m.DecayingModel.name).sort(), ['Test NIDS model', 'Test web model']);
    for (const m of listed) ids[m.DecayingModel.name] = m.DecayingModel.id;
    const nids = listed.find((m) => m.DecayingModel.name === 'Test NIDS model')!.DecayingModel;
    assert.deepEqual({ ...nids, id: undefined, org_id: undefined }, {
      id: undefined, org_id: undefined, uuid: NIDS, name: 'Test NIDS model', description: 'test model', formula: 'Polynomial', version: '1',
      enabled: false, all_orgs: true, default: true, ref: ['https://arxiv.org/abs/1902.03914'], attribute_types: ['ip-dst', 'domain'],
      parameters: { lifetime: 10, decay_speed: 1, threshold: 30, default_base_score: 80, base_score_config: { 'admiralty-scale:source-reliability': 1 } },
    });
    assert.match(nids.id, /^\d+$/);

    assert.equal((await call(i, i.admin, 'POST', `/decayingModel/enable/${ids['Test web model']}`)).status, 200);
    assert.equal((await call(i, i.admin, 'POST', '/decayingModel/update')).status, 200);
    assert.equal((await call(i, i.alice, 'GET', '/decayingModel/index')).body.length, 2, 'nothing added twice');
    writeModel('web.json', libraryModel(WEB, 'Test web model', ['url', 'uri'], 2, 'version 2'));
    await call(i, i.admin, 'POST', '/decayingModel/update');
    const web = (await call(i, i.alice, 'GET', `/decayingModel/view/${ids['Test web model']}`)).body.DecayingModel;
    assert.deepEqual([web.description, web.version, web.attribute_types, web.enabled], ['version 2', '2', ['url', 'uri'], true], 'refreshed, still enabled');
    assert.equal((await call(i, i.admin, 'POST', `/decayingModel/disable/${ids['Test web model']}`)).status, 200);

    // A folder of CAIRN_LIBRARIES may also be the misp-decaying-models checkout itself.
    assert.deepEqual(readDecayingModels([join(dir, 'misp-decaying-models')]).map((m) => m.name), ['Test NIDS model', 'Test web model']);
    assert.deepEqual(readDecayingModels([join(dir, 'misp-taxonomies')]), []);
    const empty = mkdtempSync(join(tmpdir(), 'cairn-no-models-'));
    const emptyApp = await buildServer(store, { libraryDirs: [empty] });
    const nothing = await call({ ...i, base: await emptyApp.listen({ host: '127.0.0.1', port: 0 }) }, i.admin, 'POST', '/decayingModel/update');
    await emptyApp.close();
    rmSync(empty, { recursive: true, force: true });
    assert.equal(nothing.status, 404);
    assert.match(nothing.body.message, /folder is empty/);
  });

  it('enabling a library model is for site admins; its answer is MISP\'s', async () => {
    const id = ids['Test NIDS model'];
    const refused = await call(i, i.alice, 'POST', `/decayingModel/enable/${id}`);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.message, 'You are not authorised to enable this model.');
    const on = await call(i, i.admin, 'POST', `/decayingModel/enable/${id}`);
    assert.equal(on.status, 200);
    assert.deepEqual([on.body.success, on.body.message, on.body.id, on.body.data.DecayingModel.enabled], [true, 'Decaying model enabled', id, true]);
    assert.equal((await call(i, i.alice, 'GET', `/decayingModel/view/${id}`)).body.DecayingModel.isEditable, false);
    assert.equal((await call(i, i.admin, 'GET', `/decayingModel/view/${id}`)).body.DecayingModel.isEditable, true);
    assert.equal((await call(i, i.alice, 'GET', '/decayingModel/view/999999')).status, 404);
  });

  it('restSearch\'s includeDecayScore scores each attribute by the enabled models of its type, weighing its tags and its event\'s', async () => {
    const t = now();
    await makeTags(i, ['admiralty-scale:source-reliability="a"', 'admiralty-scale:source-reliability="c"']);
    const made = await call(i, i.alice, 'POST', '/events/add', { Event: {
      info: 'decay', distribution: 0, Tag: [{ name: 'admiralty-scale:source-reliability="a"' }],
      Attribute: [
        { type: 'ip-dst', value: '198.51.100.1', to_ids: true },
        { type: 'ip-dst', value: '198.51.100.2', to_ids: true, Tag: [{ name: 'admiralty-scale:source-reliability="c"' }] },
        { type: 'ip-dst', value: '198.51.100.3', to_ids: true, timestamp: String(t - 8 * DAY) },
        { type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e', to_ids: true },
      ],
    } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    ids.event = made.body.Event.id;
    const hits = await search(i.alice, { eventid: ids.event, includeDecayScore: 1 });
    const fresh = byValue(hits, '198.51.100.1')!;
    assert.equal(fresh.decay_score?.length, 1);
    const s = fresh.decay_score![0]!;
    assert.deepEqual([s.base_score, s.decayed, s.DecayingModel], [100, false, { id: ids['Test NIDS model'], name: 'Test NIDS model' }], 'the event\'s tag weighs');
    assert.ok(s.score > 99 && s.score <= 100, String(s.score));
    assert.ok(fresh.Tag?.some((x) => x.inherited === 1), 'the event\'s tags are listed with the scores, as in MISP');
    assert.equal(byValue(hits, '198.51.100.2')!.decay_score![0]!.base_score, 50, 'the attribute\'s own tag of the same base takes the event\'s place');
    const old = byValue(hits, '198.51.100.3')!.decay_score![0]!;
    assert.ok(old.decayed && old.score > 19 && old.score < 20.1, String(old.score));
    assert.equal(byValue(hits, 'd41d8cd98f00b204e9800998ecf8427e')!.decay_score, undefined, 'no model scores md5');
    assert.equal((await search(i.alice, { eventid: ids.event })).some((h) => h.decay_score), false, 'not asked, not given');
  });

  it('line exports leave out the decayed too (excludeDecayed), and CSV adds the mean score and whether any model finds it decayed', async () => {
    const old = await call(i, i.alice, 'POST', '/attributes/restSearch', { eventid: ids.event, value: '198.51.100.3', includeDecayScore: 1, returnFormat: 'json' });
    const score = (old.body.response.Attribute[0] as Hit).decay_score![0]!.score;
    const res = await fetch(`${i.base}/attributes/restSearch`, {
      method: 'POST', headers: { Authorization: i.alice, 'Content-Type': 'application/json', Accept: 'text/csv' },
      body: JSON.stringify({ returnFormat: 'csv', eventid: ids.event, includeDecayScore: 1, requested_attributes: ['value', 'decay_score_score', 'decay_score_decayed'] }),
    });
    const lines = (await res.text()).trim().split('\n');
    assert.equal(lines[0], 'value,decay_score_score,decay_score_decayed');
    assert.ok(lines.includes('"d41d8cd98f00b204e9800998ecf8427e",0,0'), lines.join('\n'));
    const row = lines.find((l) => l.startsWith('"198.51.100.3"'))!.split(',');
    assert.ok(Math.abs(Number(row[1]) - score) < 0.01 && row[2] === '1', row.join(','));
    const header = await fetch(`${i.base}/attributes/restSearch`, {
      method: 'POST', headers: { Authorization: i.alice, 'Content-Type': 'application/json' }, body: JSON.stringify({ returnFormat: 'csv', eventid: ids.event, includeDecayScore: 1 }),
    });
    assert.match((await header.text()).split('\n')[0]!, /,attribute_tag,decay_score_score,decay_score_decayed,object_uuid,/);
    const text = await fetch(`${i.base}/attributes/restSearch`, {
      method: 'POST', headers: { Authorization: i.alice, 'Content-Type': 'application/json' },
      body: JSON.stringify({ returnFormat: 'text', eventid: ids.event, type: 'ip-dst', excludeDecayed: 1, published: [0, 1] }),
    });
    assert.deepEqual((await text.text()).trim().split('\n'), ['198.51.100.1', '198.51.100.2']);
  });

  it('excludeDecayed leaves out the decayed before the limit; a sighting makes an attribute young again', async () => {
    const kept = await search(i.alice, { eventid: ids.event, excludeDecayed: 1 });
    assert.deepEqual(kept.map((h) => h.value), ['198.51.100.1', '198.51.100.2', 'd41d8cd98f00b204e9800998ecf8427e'], 'an attribute no model scores stays');
    assert.ok(kept.every((h) => h.value.startsWith('d41d') || h.decay_score), 'excludeDecayed implies the scores');
    const page = await search(i.alice, { eventid: ids.event, excludeDecayed: 1, type: 'ip-dst', limit: 1, page: 2 });
    assert.deepEqual(page.map((h) => h.value), ['198.51.100.2']);

    const overridden = await search(i.alice, { eventid: ids.event, value: '198.51.100.3', includeDecayScore: 1, modelOverrides: { lifetime: 100 } });
    assert.equal(overridden[0]!.decay_score![0]!.decayed, false, 'a longer lifetime for this search');
    const strict = await search(i.alice, { eventid: ids.event, value: '198.51.100.1', includeDecayScore: 1, score: 101 });
    assert.equal(strict[0]!.decay_score![0]!.decayed, true, 'score is the threshold');
    const wrong = await call(i, i.alice, 'POST', '/attributes/restSearch', { includeDecayScore: 1, modelOverrides: { decay_speed: 0 } });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.message, /modelOverrides\.decay_speed/);

    assert.equal((await call(i, i.alice, 'POST', '/sightings/add', { value: '198.51.100.3' })).status, 200);
    const young = (await search(i.alice, { eventid: ids.event, value: '198.51.100.3', includeDecayScore: 1 }))[0]!.decay_score![0]!;
    assert.ok(!young.decayed && young.score > 99, String(young.score));
    assert.deepEqual((await search(i.alice, { eventid: ids.event, excludeDecayed: 1, type: 'ip-dst' })).map((h) => h.value), ['198.51.100.1', '198.51.100.2', '198.51.100.3']);
  });

  it('decayingModel names the models to use, enabled or not, for every attribute', async () => {
    const hits = await search(i.alice, { eventid: ids.event, includeDecayScore: 1, decayingModel: [ids['Test web model']] });
    assert.equal(hits.length, 4);
    assert.ok(hits.every((h) => h.decay_score?.length === 1 && h.decay_score[0]!.DecayingModel.name === 'Test web model'));
    const unknown = await call(i, i.alice, 'POST', '/attributes/restSearch', { includeDecayScore: 1, decayingModel: 999999 });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message, /decayingModel/);
  });

  it('events/restSearch and its JSON carry the scores on each attribute', async () => {
    const r = await call(i, i.alice, 'POST', '/events/restSearch', { eventid: ids.event, includeDecayScore: 1 });
    assert.equal(r.status, 200);
    const attributes = r.body.response[0].Event.Attribute as Hit[];
    assert.equal(byValue(attributes, '198.51.100.2')!.decay_score![0]!.base_score, 50);
    assert.equal(byValue(attributes, 'd41d8cd98f00b204e9800998ecf8427e')!.decay_score, undefined);
    const view = await call(i, i.alice, 'GET', `/events/view/${ids.event}/includeDecayScore:1`);
    assert.equal(byValue(view.body.Event.Attribute as Hit[], '198.51.100.2')!.decay_score![0]!.base_score, 50, 'events/view\'s named parameter');
    assert.equal(byValue((await call(i, i.alice, 'GET', `/events/view/${ids.event}`)).body.Event.Attribute as Hit[], '198.51.100.2')!.decay_score, undefined);
  });

  it('an organisation\'s models: its own to see and change, unless shown to all; none scores another\'s searches unasked', async () => {
    const add = await call(i, i.alice, 'POST', '/decayingModel/add', { DecayingModel: {
      name: 'Alice\'s model', description: 'hers', all_orgs: 0, enabled: 1, attribute_types: ['ip-dst'],
      parameters: { lifetime: 1, decay_speed: 1, threshold: 10, default_base_score: 60 },
    } });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    const mine = add.body.data.DecayingModel;
    assert.deepEqual([add.body.action, mine.default, mine.all_orgs, mine.enabled, mine.isEditable, mine.attribute_types, mine.formula],
      ['add', false, false, true, true, ['ip-dst'], 'Polynomial']);
    ids.alice = mine.id;
    assert.equal((await call(i, i.bob, 'GET', `/decayingModel/view/${ids.alice}`)).status, 404);
    assert.ok(!(await call(i, i.bob, 'GET', '/decayingModel/index')).body.some((m: ModelDoc) => m.DecayingModel.id === ids.alice));
    assert.equal((await call(i, i.bob, 'POST', `/decayingModel/edit/${ids.alice}`, { name: 'x' })).status, 404);
    assert.equal((await call(i, i.bob, 'POST', '/attributes/restSearch', { includeDecayScore: 1, decayingModel: ids.alice })).status, 400);

    const scored = await search(i.alice, { eventid: ids.event, value: '198.51.100.1', includeDecayScore: 1 });
    assert.deepEqual(scored[0]!.decay_score!.map((s) => s.DecayingModel.name).sort(), ['Alice\'s model', 'Test NIDS model']);
    await call(i, i.bob, 'POST', '/events/add', { Event: { info: 'bob', distribution: 0, Attribute: [{ type: 'ip-dst', value: '198.51.100.9' }] } });
    const bobs = await search(i.bob, { value: '198.51.100.9', includeDecayScore: 1 });
    assert.deepEqual(bobs[0]!.decay_score!.map((s) => s.DecayingModel.name), ['Test NIDS model']);
    const admin = await search(i.admin, { value: '198.51.100.9', includeDecayScore: 1 });
    assert.deepEqual(admin[0]!.decay_score!.map((s) => s.DecayingModel.name), ['Test NIDS model'], 'not another organisation\'s private model, unasked');
    const asked = await search(i.admin, { value: '198.51.100.9', includeDecayScore: 1, decayingModel: ids.alice });
    assert.equal(asked[0]!.decay_score![0]!.DecayingModel.name, 'Alice\'s model', 'a site admin may name it');

    const shared = await call(i, i.alice, 'POST', `/decayingModel/edit/${ids.alice}`, { DecayingModel: { all_orgs: 1, name: 'Shared model', formula: 'exponential' } });
    assert.equal(shared.status, 403);
    assert.match(shared.body.message, /formula/);
    const edited = await call(i, i.alice, 'POST', `/decayingModel/edit/${ids.alice}`, { DecayingModel: { all_orgs: 1, name: 'Shared model' } });
    assert.deepEqual([edited.status, edited.body.action, edited.body.data.DecayingModel.name, edited.body.data.DecayingModel.all_orgs], [200, 'edit', 'Shared model', true]);
    assert.equal((await call(i, i.bob, 'GET', `/decayingModel/view/${ids.alice}`)).body.DecayingModel.isEditable, false);
    for (const [method, path] of [['POST', `/decayingModel/edit/${ids.alice}`], ['POST', `/decayingModel/disable/${ids.alice}`], ['POST', `/decayingModel/delete/${ids.alice}`],
      ['POST', `/decayingModelMapping/linkAttributeTypeToModel/${ids.alice}`]] as const) {
      assert.equal((await call(i, i.bob, method, path, { name: 'taken', attributetypes: '["url"]' })).status, 403, path);
    }
    const bobsNow = await search(i.bob, { value: '198.51.100.9', includeDecayScore: 1 });
    assert.deepEqual(bobsNow[0]!.decay_score!.map((s) => s.DecayingModel.name).sort(), ['Shared model', 'Test NIDS model'], 'shared, it scores his searches');
  });

  it('links attribute types to a model; the library\'s models are never deleted, and only their flags change', async () => {
    const link = await call(i, i.alice, 'POST', `/decayingModelMapping/linkAttributeTypeToModel/${ids.alice}`, { DecayingModelMapping: { attributetypes: '["domain","url"]' } });
    assert.deepEqual([link.status, link.body], [200, ['domain', 'url']]);
    assert.deepEqual((await call(i, i.bob, 'GET', `/decayingModelMapping/viewAssociatedTypes/${ids.alice}`)).body, ['domain', 'url']);
    const bad = await call(i, i.alice, 'POST', `/decayingModelMapping/linkAttributeTypeToModel/${ids.alice}`, { attributetypes: ['no-such-type'] });
    assert.equal(bad.status, 403);
    assert.match(bad.body.message, /no-such-type/);
    assert.equal((await call(i, i.alice, 'POST', `/decayingModelMapping/linkAttributeTypeToModel/${ids.alice}`, { attributetypes: '[]' })).status, 403);

    const library = ids['Test NIDS model'];
    assert.equal((await call(i, i.admin, 'POST', `/decayingModel/delete/${library}`)).status, 403);
    const flags = await call(i, i.admin, 'POST', `/decayingModel/edit/${library}`, { name: 'renamed', all_orgs: 0 });
    assert.deepEqual([flags.body.data.DecayingModel.name, flags.body.data.DecayingModel.all_orgs], ['Test NIDS model', false]);
    await call(i, i.admin, 'POST', `/decayingModel/edit/${library}`, { all_orgs: 1 });

    const exported = await call(i, i.bob, 'GET', `/decayingModel/export/${ids.alice}`);
    assert.equal(exported.status, 200);
    assert.deepEqual([exported.body.DecayingModel.id, exported.body.DecayingModel.uuid, exported.body.DecayingModel.name], [undefined, undefined, 'Shared model']);
    const imported = await call(i, i.bob, 'POST', '/decayingModel/import', exported.body);
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.deepEqual([imported.body.data.DecayingModel.name, imported.body.data.DecayingModel.isEditable, imported.body.data.DecayingModel.default], ['Shared model', true, false]);
    assert.notEqual(imported.body.data.DecayingModel.id, ids.alice);
    assert.equal((await call(i, i.bob, 'POST', `/decayingModel/delete/${imported.body.data.DecayingModel.id}`)).status, 200);
    assert.equal((await call(i, i.alice, 'POST', `/decayingModel/delete/${ids.alice}`)).status, 200);
    assert.equal((await call(i, i.alice, 'GET', `/decayingModel/view/${ids.alice}`)).status, 404);
    const made = await call(i, i.alice, 'POST', '/decayingModel/add', { name: 'no parameters' });
    assert.equal(made.status, 403);
    assert.match(made.body.message, /parameters is required/);
    const wrongSpeed = await call(i, i.alice, 'POST', '/decayingModel/add', { name: 'n', parameters: { lifetime: 1, decay_speed: -1, threshold: 1, default_base_score: 1 } });
    assert.deepEqual([wrongSpeed.status, wrongSpeed.body.errors], [403, { parameters: ['parameters.decay_speed must be above 0, not -1'] }]);
  });

  it('an organisation stays while a model of it does: the next organisation given its id would own the model', async () => {
    const org = await addOrganisation(store, 'Org C');
    const made = await addUser(store, 'carol@c.test', org.id, 'User');
    assert.ok(made.ok);
    const carol = await addApiKey(store, made.user.id);
    const model = await call(i, carol, 'POST', '/decayingModel/add', { name: 'Carol\'s', parameters: { lifetime: 1, decay_speed: 1, threshold: 1, default_base_score: 1 } });
    assert.equal(model.status, 200);
    assert.equal((await call(i, i.admin, 'POST', `/admin/users/delete/${made.user.id}`)).status, 200);
    const refused = await call(i, i.admin, 'POST', `/admin/organisations/delete/${org.id}`);
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, /1 decaying models/);
  });
});
