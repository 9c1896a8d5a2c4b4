import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

forEachDialect('REST API: events/index filters', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
    const add = async (key: string, event: object) => assert.equal((await call(i, key, 'POST', '/events/add', { Event: event })).status, 200);
    await makeTags(i, ['tlp:green', 'tlp:amber']);
    await add(i.alice, { info: 'Phishing wave against banks', date: '2024-01-10', threat_level_id: 1, distribution: 1, Tag: [{ name: 'tlp:green' }],
      Attribute: [{ type: 'domain', value: 'bank-login.example' }] });
    await add(i.alice, { info: 'Ransomware notes', date: '2024-03-01', threat_level_id: 3, distribution: 1, Tag: [{ name: 'tlp:amber' }],
      Attribute: [{ type: 'md5', value: 'c'.repeat(32) }] });
    await add(i.bob, { info: 'Secret phishing kit', date: '2024-02-01', threat_level_id: 1, distribution: 0, Attribute: [{ type: 'domain', value: 'kit.bank-login.example' }] });
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const infos = async (key: string, query: object) => {
    const res = await call(i, key, 'POST', '/events/index', query);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as Array<{ info: string }>).map((e) => e.info);
  };

  it('filters on title, tags, dates, threat level, organisation and attribute values, only among visible events', async () => {
    assert.deepEqual(await infos(i.alice, { eventinfo: 'phishing' }), ['Phishing wave against banks']);
    assert.deepEqual(await infos(i.bob, { eventinfo: 'phishing', sort: 'date', desc: false }), ['Phishing wave against banks', 'Secret phishing kit']);
    assert.deepEqual(await infos(i.alice, { tags: ['!tlp:green'] }), ['Ransomware notes']);
    assert.deepEqual(await infos(i.alice, { tag: 'tlp:%' }), ['Ransomware notes', 'Phishing wave against banks']);
    assert.deepEqual(await infos(i.alice, { datefrom: '2024-02-01', dateuntil: '2024-12-31' }), ['Ransomware notes']);
    assert.deepEqual(await infos(i.alice, { threatlevel: '1|2' }), ['Phishing wave against banks']);
    assert.deepEqual(await infos(i.bob, { org: '!Org A' }), ['Secret phishing kit']);
    assert.deepEqual(await infos(i.alice, { attribute: 'bank-login' }), ['Phishing wave against banks'], "never found through bob's private value");
    assert.deepEqual(await infos(i.alice, { all: 'ransom' }), ['Ransomware notes']);
    const minimal = (await call(i, i.alice, 'POST', '/events/index', { minimal: 1 })).body as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(minimal[0]!).sort(), ['id', 'orgc_uuid', 'published', 'sighting_timestamp', 'timestamp', 'uuid']);
  });

  it('names the parameter at fault', async () => {
    const res = await call(i, i.alice, 'POST', '/events/index', { threatlevel: 'high' });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /threatlevel/);
    assert.match((await call(i, i.alice, 'POST', '/events/index', { sort: 'password' })).body.message, /sort must be one of/);
  });
});
