import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { saveWarninglists } from '../../src/store/libraries/warninglists.js';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const A = 'a1000000-0000-4000-8000-000000000001';
const B = 'b1000000-0000-4000-8000-000000000002';

forEachDialect('REST API: attributes/restSearch', (fixture) => {
  let i: Instance;
  before(async () => {
    const store = await fixture.open();
    i = await serve(store);
    await saveWarninglists(store, [{ name: 'resolvers', description: '', version: 1, type: 'cidr', matchingAttributes: ['ip-dst'], list: ['8.8.8.0/24'] }], true);
    await makeTags(i, ['tlp:green', 'kill-chain:c2', 'tlp:red']);
    const a = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: A, info: 'Org A campaign', distribution: 1, published: true, publish_timestamp: String(Math.floor(Date.now() / 1000)),
      Tag: [{ name: 'tlp:green' }],
      Attribute: [
        { uuid: 'a1000000-0000-4000-8000-0000000000a1', type: 'domain', value: 'c2.example', to_ids: true, Tag: [{ name: 'kill-chain:c2' }] },
        { type: 'ip-dst', value: '8.8.8.8', to_ids: false },
        { type: 'domain', value: 'private.example', distribution: 0 },
        { type: 'url', value: 'http://c2.example/gate.php' },
      ] } });
    const b = await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: B, info: 'Org B notes', distribution: 0,
      Tag: [{ name: 'tlp:red' }], Attribute: [{ type: 'domain', value: 'c2.example' }] } });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    // Alice may not publish (her published document is stored as a draft, as MISP does): the admin does.
    assert.equal((await call(i, i.admin, 'POST', `/events/publish/${A}`)).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const search = async (key: string, body: unknown) => {
    const r = await call(i, key, 'POST', '/attributes/restSearch', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body.response.Attribute as Array<{ value: string; Event: { info: string } }>).map((a) => `${a.Event.info}: ${a.value}`);
  };

  it("answers by value in MISP's wrapper, and never through an attribute or event the user may not see", async () => {
    const r = await call(i, i.alice, 'POST', '/attributes/restSearch', { value: 'c2.example' });
    assert.equal(r.body.response.Attribute.length, 1);
    const hit = r.body.response.Attribute[0];
    assert.deepEqual(Object.keys(hit).sort(), ['Event', 'Tag', 'category', 'comment', 'deleted', 'disable_correlation', 'distribution', 'event_id', 'first_seen',
      'id', 'last_seen', 'object_id', 'object_relation', 'sharing_group_id', 'timestamp', 'to_ids', 'type', 'uuid', 'value'].sort());
    assert.equal(hit.Event.uuid, A);
    assert.deepEqual(hit.Tag.map((t: { name: string }) => t.name), ['kill-chain:c2'], 'its own tags, as MISP lists them');
    assert.deepEqual(await search(i.bob, { value: 'c2.example' }), ['Org A campaign: c2.example', 'Org B notes: c2.example']);
    assert.deepEqual(await search(i.bob, { value: 'private.example' }), [], "Org A's organisation-only attribute");
    assert.deepEqual(await search(i.admin, { value: ['private.example', '%gate%'] }), ['Org A campaign: private.example', 'Org A campaign: http://c2.example/gate.php']);
    const get = await call(i, i.alice, 'GET', '/attributes/restSearch?value=8.8.8.8');
    assert.equal(get.body.response.Attribute[0].value, '8.8.8.8');
  });

  it('filters by type, category, tags (with negation and AND/OR/NOT), to_ids, uuid and event, with paging', async () => {
    assert.deepEqual(await search(i.alice, { type: 'url' }), ['Org A campaign: http://c2.example/gate.php']);
    assert.deepEqual(await search(i.admin, { type: 'domain', tags: ['!tlp:green'] }), ['Org B notes: c2.example']);
    assert.deepEqual(await search(i.admin, { tags: ['kill-chain:c2', 'tlp:red'] }), ['Org A campaign: c2.example', 'Org B notes: c2.example']);
    assert.deepEqual(await search(i.admin, { tags: { AND: ['tlp:green', 'kill-chain:c2'] } }), ['Org A campaign: c2.example']);
    assert.deepEqual(await search(i.admin, { type: 'domain', tags: { NOT: ['tlp:%'] } }), []);
    assert.deepEqual(await search(i.alice, { to_ids: 0, category: 'Network activity' }), ['Org A campaign: 8.8.8.8'], "to_ids left out takes the type's default");
    assert.deepEqual(await search(i.alice, { uuid: 'a1000000-0000-4000-8000-0000000000a1' }), ['Org A campaign: c2.example']);
    assert.equal((await search(i.alice, { uuid: A })).length, 4, 'an event uuid selects its attributes');
    const eventId = (await call(i, i.admin, 'GET', `/events/view/${B}`)).body.Event.id;
    assert.deepEqual(await search(i.admin, { eventid: eventId }), ['Org B notes: c2.example']);
    assert.deepEqual(await search(i.alice, { eventid: eventId }), [], 'an event the user may not see holds nothing for him');
    assert.deepEqual(await search(i.admin, { limit: 2, page: 2 }), ['Org A campaign: private.example', 'Org A campaign: http://c2.example/gate.php']);
    assert.deepEqual(await search(i.admin, { last: '1d', type: 'domain' }), ['Org A campaign: c2.example', 'Org A campaign: private.example'], 'published within a day');
  });

  it('events/restSearch answers whole events that hold a match, only those the user may see', async () => {
    const events = async (key: string, body: unknown) => {
      const r = await call(i, key, 'POST', '/events/restSearch', body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.response as Array<{ Event: { info: string; Attribute: unknown[] } }>).map((e) => `${e.Event.info} (${e.Event.Attribute.length})`);
    };
    assert.deepEqual(await events(i.bob, { value: 'c2.example' }), ['Org A campaign (3)', 'Org B notes (1)'], "oldest first, as MISP lists them; Org A's organisation-only attribute left out");
    assert.deepEqual(await events(i.alice, { value: 'c2.example' }), ['Org A campaign (4)']);
    assert.deepEqual(await events(i.admin, {}), ['Org A campaign (4)', 'Org B notes (1)']);
    assert.deepEqual(await events(i.admin, { tags: ['tlp:red'] }), ['Org B notes (1)']);
    assert.deepEqual(await events(i.admin, { limit: 1, page: 2 }), ['Org B notes (1)']);
    assert.deepEqual(await events(i.alice, { type: 'ip-dst', enforceWarninglist: 1 }), ['Org A campaign (3)'], 'the warninglisted attribute is left out');
    assert.deepEqual(await events(i.bob, { uuid: A }), ['Org A campaign (3)']);
    assert.equal((await call(i, i.alice, 'POST', '/events/restSearch', { limit: -1 })).status, 400);
  });

  it('streams a long answer page after page, in one valid JSON document', async () => {
    const big = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Big', distribution: 1,
      Attribute: Array.from({ length: 12_000 }, (_, n) => ({ type: 'ip-src', value: `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}` })) } });
    assert.equal(big.status, 200);
    const all = (await call(i, i.alice, 'POST', '/attributes/restSearch', { type: 'ip-src' })).body.response.Attribute as Array<{ id: string }>;
    assert.equal(all.length, 12_000);
    assert.equal(new Set(all.map((a) => a.id)).size, 12_000);
    const page = (await call(i, i.alice, 'POST', '/attributes/restSearch', { type: 'ip-src', limit: 7000, page: 2 })).body.response.Attribute;
    assert.equal(page.length, 5000);
  });

  it('leaves out warninglisted values on enforceWarninglist, and names each bad parameter', async () => {
    assert.deepEqual(await search(i.alice, { type: 'ip-dst', enforceWarninglist: true }), []);
    assert.deepEqual(await search(i.alice, { type: 'ip-dst', enforceWarninglist: 0 }), ['Org A campaign: 8.8.8.8']);
    for (const [body, field] of [[{ limit: 'ten' }, 'limit'], [{ uuid: 'nope' }, 'uuid'], [{ eventid: 'x' }, 'eventid'], [{ timestamp: [1, 2, 3] }, 'timestamp'],
      [{ to_ids: 'maybe' }, 'to_ids'], [{ tags: { XOR: ['a'] } }, 'tags'], [{ returnFormat: 'stix2' }, 'returnFormat']] as const) {
      const r = await call(i, i.alice, 'POST', '/attributes/restSearch', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(r.body.message.includes(field), `${r.body.message} names ${field}`);
    }
    assert.equal((await call(i, null, 'POST', '/attributes/restSearch', { value: 'c2.example' })).status, 403);
  });
});
