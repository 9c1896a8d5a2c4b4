import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, it } from 'node:test';
import { EXPORT_FORMATS } from '../../src/formats/exports/index.js';
import { keptPages } from '../../src/services/search/attributes.js';
import type { Store } from '../../src/store/db/database.js';
import { saveWarninglists } from '../../src/store/libraries/warninglists.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect, TEST_DATABASE_URL } from '../helpers/stores.js';
import { ROOT, cairnArgs } from '../helpers/cli.js';

/**
 * Every export format runs through the one export loop, whoever asks: the API's restSearch as a site
 * admin and `cairn export --all` as the operator see the same data, so they must say the same thing.
 */


/** The environment that points the CLI at the store the server serves. */
function cliEnv(store: Store, base: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CAIRN_BASE_URL: base, CAIRN_DB: '', DATABASE_URL: '', CAIRN_PG_SCHEMA: '' };
  if (store.dialect === 'sqlite') return { ...env, CAIRN_DB: store.location };
  const schema = /\(schema (\w+)\)/.exec(store.location)![1]!;
  return { ...env, DATABASE_URL: TEST_DATABASE_URL!, CAIRN_PG_SCHEMA: schema };
}

function cairn(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cairnArgs(...args), { cwd: ROOT, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function apiText(i: Instance, path: string, body: object): Promise<string> {
  const res = await fetch(`${i.base}${path}`, { method: 'POST', headers: { Authorization: i.admin, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, `${path} ${JSON.stringify(body)}`);
  return res.text();
}

forEachDialect('conformance: the export loop answers the API and the CLI alike', (fixture) => {
  let i: Instance;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    const store = await fixture.open();
    i = await serve(store);
    env = cliEnv(store, i.base);
    await saveWarninglists(store, [{ name: 'resolvers', description: '', version: 1, type: 'cidr', matchingAttributes: ['ip-dst'], list: ['8.8.8.0/24', '8.8.4.0/24'] }], true);
    const add = async (key: string, event: object) => assert.equal((await call(i, key, 'POST', '/events/add', { Event: event })).status, 200);
    await add(i.alice, { info: 'Campaign "X"', distribution: 1, threat_level_id: 1, published: true, Tag: [{ name: 'tlp:green' }], Attribute: [
      { type: 'ip-dst', value: '8.8.8.8' },
      { type: 'domain', value: 'evil.example', Tag: [{ name: 'kill-chain:c2' }] },
      { type: 'ip-dst', value: '203.0.113.5' },
      { type: 'url', value: 'http://evil.example/gate.php?id=1' },
      { type: 'filename|sha256', value: `dropper.exe|${'a'.repeat(64)}` },
      { type: 'comment', value: 'said "hi", left', to_ids: false },
      { type: 'ip-dst', value: '198.51.100.9' },
    ], Object: [{ name: 'ip-port', Attribute: [{ type: 'ip-dst', object_relation: 'ip', value: '8.8.4.4' }, { type: 'md5', object_relation: 'md5', value: 'b'.repeat(32) }] }] });
    await add(i.bob, { info: 'Mine', distribution: 0, published: true, Attribute: [{ type: 'domain', value: 'evil.example' }, { type: 'hostname', value: 'www.secret.example' }] });
    await add(i.alice, { info: 'Draft', distribution: 1, Attribute: [{ type: 'domain', value: 'draft.example' }] });
    for (const id of [1, 2]) await call(i, i.admin, 'POST', `/events/publish/${id}`);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  for (const enforce of [false, true]) {
    const flag = enforce ? ['--enforce-warninglist'] : [];
    const query = enforce ? { enforceWarninglist: true } : {};

    it(`gives every line format the same text over the API and the CLI${enforce ? ', warninglists enforced' : ''}`, async () => {
      for (const format of Object.keys(EXPORT_FORMATS)) {
        const api = await apiText(i, '/attributes/restSearch', { returnFormat: format, ...query });
        const cli = await cairn(env, ['export', '--all', '--format', format, ...flag]);
        assert.equal(cli.code, 0, cli.err);
        assert.equal(cli.out, api, format);
        if (enforce) assert.ok(!api.includes('8.8.4.4') && !api.includes('8.8.8.8'), `${format}: the listed values are left out`);
      }
    });

    it(`gives the same MISP JSON events over the API and the CLI${enforce ? ', warninglists enforced' : ''}`, async () => {
      const api = JSON.parse(await apiText(i, '/events/restSearch', { ...query })) as { response: Array<{ Event: Record<string, unknown> }> };
      const cli = await cairn(env, ['export', '--all', ...flag]);
      assert.equal(cli.code, 0, cli.err);
      // Both list the events oldest first (as MISP's restSearch does); restSearch adds the local ids, the CLI writes none.
      const fromApi = api.response.map((e) => withoutLocalIds(e));
      assert.deepEqual((JSON.parse(cli.out) as { response: unknown[] }).response, fromApi);
      assert.equal(cli.out.includes('8.8.8.8'), !enforce);
    });

    it(`gives the same STIX 2.1 objects over the API and the CLI${enforce ? ', warninglists enforced' : ''}`, async () => {
      type Bundle = { type: string; objects: Array<{ id: string }> };
      const api = JSON.parse(await apiText(i, '/events/restSearch', { returnFormat: 'stix2', ...query })) as Bundle;
      const cli = await cairn(env, ['export', '--all', '--format', 'stix2', ...flag]);
      assert.equal(cli.code, 0, cli.err);
      // An identity is written once, dated by the first event of its organisation: the two orders date it from different events.
      const undated = (o: { id: string }) => o.id.startsWith('identity--') ? { ...o, created: undefined, modified: undefined } : o;
      const objects = (b: Bundle) => b.objects.map(undated).sort((x, y) => x.id.localeCompare(y.id));
      assert.equal(api.type, 'bundle');
      assert.deepEqual(objects(JSON.parse(cli.out) as Bundle), objects(api));
      assert.equal(cli.out.includes('8.8.8.8'), !enforce);
    });
  }

  it('counts a limit in kept values, in restSearch, its exports and the CLI search alike', async () => {
    type Found = { response: { Attribute: Array<{ value: string }> } };
    const values = (f: Found) => f.response.Attribute.map((a) => a.value);
    const first = JSON.parse(await apiText(i, '/attributes/restSearch', { type: 'ip-dst', limit: 2, enforceWarninglist: true })) as Found;
    assert.deepEqual(values(first), ['203.0.113.5', '198.51.100.9'], 'the listed 8.8.8.8 comes first and does not count');
    const second = JSON.parse(await apiText(i, '/attributes/restSearch', { type: 'ip-dst', limit: 1, page: 2, enforceWarninglist: true })) as Found;
    assert.deepEqual(values(second), ['198.51.100.9'], 'a page follows the kept values of the page before');
    const csv = await apiText(i, '/attributes/restSearch', { returnFormat: 'csv', type: 'ip-dst', limit: 2, enforceWarninglist: true, requested_attributes: ['value'], headerless: 1 });
    assert.equal(csv, '"203.0.113.5"\n"198.51.100.9"\n\n');
    const cli = await cairn(env, ['search', '--type', 'ip-dst', '--limit', '2', '--enforce-warninglist', '--json']);
    assert.deepEqual((JSON.parse(cli.out) as Array<{ value: string }>).map((h) => h.value), ['203.0.113.5', '198.51.100.9']);
  });
});

it('reads no page past a filled limit', async () => {
  let read = 0;
  async function* pages(): AsyncGenerator<number[]> {
    for (let p = 0; p < 100; p++) {
      read++;
      yield [p * 3, p * 3 + 1, p * 3 + 2];
    }
  }
  const kept: number[] = [];
  for await (const page of keptPages(pages(), (n) => n % 2 === 0, 4, 1)) kept.push(...page);
  assert.deepEqual(kept, [2, 4, 6, 8]);
  assert.equal(read, 3, 'the fourth kept value is in the third page: no fourth page is read');
});

/** A document without what only this instance's answers carry: its local ids (serializeStoredEvent's, not a file's). */
function withoutLocalIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocalIds);
  if (value === null || typeof value !== 'object') return value;
  const local = new Set(['id', 'event_id', 'object_id', 'attribute_id', 'org_id', 'orgc_id', 'attribute_count', 'source_uuid']);
  return Object.fromEntries(Object.entries(value)
    .filter(([k, v]) => !local.has(k) && !(k === 'sharing_group_id' && v === '0'))
    .map(([k, v]) => [k, withoutLocalIds(v)]));
}
