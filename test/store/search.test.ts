import assert from 'node:assert/strict';
import { before, after, it } from 'node:test';
import { OPERATOR } from '../../src/access/viewer.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import type { Store } from '../../src/store/db/database.js';
import { saveEvent } from '../../src/store/events/writer.js';
import { attributePages, searchAttributes } from '../../src/store/search/attributes.js';
import { storeStats } from '../../src/store/stats.js';
import { forEachDialect } from '../helpers/stores.js';

const E1 = '10000000-0000-4000-8000-000000000001';
const E2 = '20000000-0000-4000-8000-000000000002';

async function load(store: Store) {
  const events = [
    { uuid: E1, info: 'Phishing', Tag: [{ name: 'tlp:white' }, { name: 'misp-galaxy:threat-actor="Sofacy"' }], Attribute: [
      { type: 'domain', value: 'Evil.Example', category: 'Network activity' },
      { type: 'ip-dst', value: '198.51.100.7' },
      { type: 'domain|ip', value: 'c2.example|203.0.113.9' },
      { type: 'md5', value: 'A'.repeat(32), Tag: [{ name: 'malware:loader' }] },
      { type: 'domain', value: 'gone.example', deleted: true },
    ] },
    { uuid: E2, info: 'Follow-up', Tag: [{ name: 'tlp:green' }], Attribute: [
      { type: 'ip-src', value: '203.0.113.9' },
      { type: 'url', value: 'http://evil.example/payload' },
    ], Object: [{ name: 'file', Attribute: [{ type: 'md5', object_relation: 'md5', value: 'a'.repeat(32) }] }] },
  ];
  for (const e of events) await saveEvent(store, parseMispEvent({ Event: { ...e, date: '2024-01-01', timestamp: '10' } }).event!);
}

forEachDialect('searching and counting', (fixture) => {
  let store: Store;
  before(async () => {
    store = await fixture.open();
    await load(store);
  });
  after(() => fixture.cleanup());

  const values = async (filter: Parameters<typeof searchAttributes>[2]) =>
    (await searchAttributes(store, OPERATOR, filter)).map((h) => `${h.eventUuid.slice(0, 1)}:${h.value}`);

  it('finds an exact value in every event, in either part of a composite, as typed or canonical', async () => {
    assert.deepEqual(await values({ value: '203.0.113.9' }), ['1:c2.example|203.0.113.9', '2:203.0.113.9']);
    assert.deepEqual(await values({ value: 'EVIL.example' }), ['1:evil.example']);
    assert.deepEqual(await values({ value: 'a'.repeat(32) }), [`1:${'a'.repeat(32)}`, `2:${'a'.repeat(32)}`]);
    assert.deepEqual(await values({ value: 'nothing.example' }), []);
  });

  it('matches % patterns case-insensitively', async () => {
    assert.deepEqual(await values({ value: '%EVIL.example%' }), ['1:evil.example', '2:http://evil.example/payload']);
    assert.deepEqual(await values({ value: 'c2.%' }), ['1:c2.example|203.0.113.9']);
  });

  it('filters by type, category, tag (on the attribute or its event) and event', async () => {
    assert.deepEqual(await values({ types: ['ip-src', 'ip-dst'] }), ['1:198.51.100.7', '2:203.0.113.9']);
    assert.deepEqual(await values({ categories: ['External analysis'] }), []);
    assert.deepEqual(await values({ tags: ['malware:loader'] }), [`1:${'a'.repeat(32)}`]);
    assert.deepEqual((await values({ tags: ['tlp:green'] })).length, 3);
    assert.deepEqual((await values({ tags: ['misp-galaxy:threat-actor=%'] })).length, 4);
    assert.deepEqual(await values({ event: { uuid: E2 }, types: ['url'] }), ['2:http://evil.example/payload']);
    assert.deepEqual(await values({ value: '%.example', limit: 1 }), ['1:evil.example']);
  });

  it('leaves deleted attributes out unless asked', async () => {
    assert.deepEqual(await values({ value: 'gone.example' }), []);
    assert.deepEqual(await values({ value: 'gone.example', includeDeleted: true }), ['1:gone.example']);
  });

  it('counts what is stored and not deleted', async () => {
    const s = await storeStats(store, OPERATOR);
    assert.equal(s.events, 2);
    assert.equal(s.attributes, 7);
    assert.equal(s.objects, 1);
    assert.deepEqual(s.attributesByType, { md5: 2, domain: 1, 'domain|ip': 1, 'ip-dst': 1, 'ip-src': 1, url: 1 });
    assert.deepEqual(s.topTags.map((t) => [t.name, t.events]), [
      ['misp-galaxy:threat-actor="Sofacy"', 1], ['tlp:green', 1], ['tlp:white', 1],
    ]);
  });

  it('pages a value held in either part, an attribute holding it in both parts once, in id order', async () => {
    await saveEvent(store, parseMispEvent({ Event: { uuid: '30000000-0000-4000-8000-000000000003', info: 'Both parts', date: '2024-01-01', timestamp: '10', Attribute: [
      { type: 'domain', value: 'twin.example' },
      { type: 'regkey|value', value: 'twin.example|twin.example' },
      { type: 'regkey|value', value: 'HKLM\\Run|twin.example' },
      { type: 'domain|ip', value: 'twin.example|192.0.2.1' },
    ] } }).event!);
    const all = await searchAttributes(store, OPERATOR, { value: 'twin.example' });
    assert.deepEqual(all.map((h) => h.value), ['twin.example', 'twin.example|twin.example', 'HKLM\\Run|twin.example', 'twin.example|192.0.2.1']);
    for (const size of [1, 2, 4]) {
      const paged = [];
      for await (const page of attributePages(store, OPERATOR, { value: 'twin.example' }, size)) paged.push(...page);
      assert.deepEqual(paged.map((h) => h.id), all.map((h) => h.id), `pages of ${size}`);
    }
    assert.deepEqual((await searchAttributes(store, OPERATOR, { value: 'twin.example', limit: 3 })).map((h) => h.id), all.slice(0, 3).map((h) => h.id));
  });
});
