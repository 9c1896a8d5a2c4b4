import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const PUBLISHED = 'e1000000-0000-4000-8000-000000000001';
const DRAFT = 'e1000000-0000-4000-8000-000000000002';
const PRIVATE = 'e1000000-0000-4000-8000-000000000003';

forEachDialect('REST API: restSearch export formats', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
    const add = async (key: string, event: object) => assert.equal((await call(i, key, 'POST', '/events/add', { Event: event })).status, 200);
    await makeTags(i, ['tlp:green', 'kill-chain:c2']);
    await add(i.alice, { uuid: PUBLISHED, info: 'Campaign "X"', distribution: 1, threat_level_id: 1, Tag: [{ name: 'tlp:green' }], Attribute: [
      { type: 'domain', value: 'evil.example', Tag: [{ name: 'kill-chain:c2' }] },
      { type: 'ip-dst', value: '203.0.113.5' },
      { type: 'ip-src', value: '2001:db8::1' },
      { type: 'url', value: 'http://evil.example/gate.php?id=1' },
      { type: 'filename|sha256', value: `dropper.exe|${'a'.repeat(64)}` },
      { type: 'md5', value: 'b'.repeat(32) },
      { type: 'hostname', value: 'www.evil.example' },
      { type: 'comment', value: 'said "hi", left', to_ids: false },
      { type: 'domain', value: 'context.example', to_ids: false },
    ] });
    assert.equal((await call(i, i.admin, 'POST', `/events/publish/${PUBLISHED}`)).status, 200, 'a User may not publish: the admin does');
    await add(i.alice, { uuid: DRAFT, info: 'Draft', distribution: 1, Attribute: [{ type: 'domain', value: 'draft.example' }] });
    await add(i.bob, { uuid: PRIVATE, info: 'Mine', distribution: 0, published: true, Attribute: [{ type: 'domain', value: 'evil.example' }, { type: 'domain', value: 'secret.example' }] });
    assert.equal((await call(i, i.admin, 'POST', `/events/publish/${PRIVATE}`)).status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const search = async (key: string, body: object, path = '/attributes/restSearch') => {
    const res = await fetch(`${i.base}${path}`, { method: 'POST', headers: { Authorization: key, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  it('exports CSV in MISP\'s columns and quoting, every attribute by default', async () => {
    const csv = await search(i.alice, { returnFormat: 'csv', eventid: undefined, tags: 'tlp:green' });
    assert.match(csv.type, /^text\/csv/);
    const lines = csv.text.split('\n');
    assert.equal(lines[0], 'uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category');
    assert.equal(lines.filter((l) => l.startsWith('"')).length, 9, 'to_ids or not, published or not: CSV is not a detection format');
    assert.ok(lines.some((l) => l.includes('"said ""hi"", left"')), 'quotes are doubled');
    assert.ok(lines.some((l) => l.includes('"evil.example","",1,') && l.includes('"kill-chain:c2"')));
    assert.equal(csv.text.slice(-2), '\n\n', 'a blank line ends it');
    const chosen = await search(i.alice, { returnFormat: 'csv', type: 'md5', requested_attributes: ['value', 'type'], headerless: 1 });
    assert.equal(chosen.text, `"${'b'.repeat(32)}","md5"\n\n`);
  });

  it('exports text and hashes of to_ids attributes of published events, each value once', async () => {
    const text = (await search(i.alice, { returnFormat: 'text', type: 'domain' })).text;
    assert.equal(text, 'evil.example\n', 'no draft, no non-IDS value, and bob\'s private copy does not repeat it');
    const hashes = (await search(i.alice, { returnFormat: 'hashes' })).text.trim().split('\n').sort();
    assert.deepEqual(hashes, ['a'.repeat(64), 'b'.repeat(32)]);
    const drafts = (await search(i.alice, { returnFormat: 'text', type: 'domain', published: false })).text;
    assert.equal(drafts, 'draft.example\n', 'the defaults give way to what the query says');
  });

  it('exports cache digests with the event uuid on request', async () => {
    const out = (await search(i.alice, { returnFormat: 'cache', value: 'evil.example', includeEventUuid: 1 })).text;
    assert.equal(out, `${createHash('md5').update('evil.example').digest('hex')},${PUBLISHED}\n`);
    assert.equal((await search(i.alice, { returnFormat: 'cache', hash_type: 'nope' })).status, 400);
  });

  it('writes Suricata and Snort rules numbered from the attribute id, with the event\'s tags and threat level', async () => {
    const suricata = (await search(i.alice, { returnFormat: 'suricata' })).text;
    assert.match(suricata, /^# MISP export of IDS rules - optimized for suricata/);
    const domain = suricata.split('\n').find((l) => l.startsWith('alert dns') && l.includes('Domain evil.example'))!;
    assert.match(domain, /msg: "MISP e\d+ \[kill-chain\\?:c2,tlp\\?:green\] Domain evil.example"; dns.query; content:"evil.example"; nocase;/);
    assert.match(domain, /sid:4000\d+1; rev:1; priority:1; reference:url,http:\/\/127.0.0.1:\d+\/events\/view\/\d+;\)/);
    assert.ok(suricata.includes('alert ip $HOME_NET any -> 203.0.113.5 any'));
    assert.ok(suricata.includes('alert ip [2001:db8::1] any -> $HOME_NET any'));
    assert.ok(suricata.includes('http.uri; content:"/gate.php?id=1"'));
    const snort = (await search(i.alice, { returnFormat: 'snort' })).text;
    assert.ok(snort.includes('content:"|04|evil|07|example|00|"'), 'Snort matches the DNS wire format');
    assert.ok(!snort.includes('secret.example') && !suricata.includes('secret.example'));
  });

  it('writes a Zeek intel file and a DNS response policy zone', async () => {
    const zeek = (await search(i.alice, { returnFormat: 'zeek' })).text.split('\n');
    assert.equal(zeek[0], '#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\tmeta.do_notice\tmeta.if_in');
    assert.ok(zeek.some((l) => l.startsWith('evil.example/gate.php?id=1\tIntel::URL\t')));
    assert.ok(zeek.some((l) => l.startsWith('dropper.exe\tIntel::FILE_NAME')) && zeek.some((l) => l.startsWith(`${'a'.repeat(64)}\tIntel::FILE_HASH`)));
    const rpz = (await search(i.alice, { returnFormat: 'rpz' })).text;
    assert.match(rpz, /^\$TTL 1w;\n@ +SOA localhost\. root\.localhost \(\d{8}00 2h 30m 30d 1h\)\n +NS localhost\.\n/);
    assert.ok(rpz.includes('32.5.113.0.203.rpz-ip CNAME .\n'));
    assert.ok(rpz.includes('evil.example CNAME .\n*.evil.example CNAME .\n'));
    assert.ok(rpz.includes('www.evil.example CNAME .\n'));
    assert.ok((await search(i.alice, { returnFormat: 'rpz', policy: 'DROP' })).text.includes('evil.example CNAME rpz-drop.'));
  });

  it('answers events/restSearch in the same formats, and refuses an unknown one', async () => {
    const text = (await search(i.bob, { returnFormat: 'text', eventid: undefined, value: 'secret.example' }, '/events/restSearch')).text;
    assert.equal(text, 'evil.example\nsecret.example\n', 'every attribute of the event found, as MISP flattens the events it returns');
    const unknown = await search(i.alice, { returnFormat: 'pdf' });
    assert.equal(unknown.status, 400);
    assert.match(JSON.parse(unknown.text).message, /returnFormat "pdf"/);
  });

  it('adds correlations on request, naming only events the user may see', async () => {
    const mine = await call(i, i.bob, 'POST', '/attributes/restSearch', { value: 'evil.example', includeCorrelations: 1 });
    const own = mine.body.response.Attribute.find((a: { event_id: string; Event: { uuid: string } }) => a.Event.uuid === PRIVATE);
    assert.equal(own.RelatedAttribute.length, 1, 'bob sees alice\'s shared event');
    const theirs = await call(i, i.alice, 'POST', '/events/restSearch', { value: 'evil.example', includeCorrelations: true });
    const event = theirs.body.response[0].Event;
    assert.deepEqual(event.RelatedEvent, [], 'alice may not learn of bob\'s private event');
    assert.ok(event.Attribute.every((a: { RelatedAttribute?: unknown }) => a.RelatedAttribute === undefined));
  });
});
