import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { saveWarninglists } from '../../src/store/libraries/warninglists.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const A = 'fe000000-0000-4000-8000-0000000000a1';
const B = 'fe000000-0000-4000-8000-0000000000b2';

type Attr = { type: string; value: string; to_ids: boolean; category: string; comment?: string };

forEachDialect('REST API: free-text import', (fixture) => {
  let i: Instance;
  before(async () => {
    const store = await fixture.open();
    await saveWarninglists(store, [
      { name: 'List of known public DNS resolvers', description: '', version: 1, type: 'cidr', matchingAttributes: ['ip-dst', 'ip-src'], list: ['8.8.8.8/32', '9.9.9.9/32'] },
    ], false);
    i = await serve(store);
    await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: A, info: 'A', distribution: 1, Attribute: [{ type: 'text', value: 'first' }] } });
    await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: B, info: 'B', distribution: 0 } });
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const attributes = async () => (await call(i, i.alice, 'GET', `/events/view/${A}`)).body.Event.Attribute as Attr[];

  it('types what it finds as MISP does, and answers it without saving with returnMetaAttributes', async () => {
    const text = 'Seen 1.1.1.1 and hxxp://evil[.]example.com/x.php, mail from foo@bar.de; 8.8.8.8:53 d41d8cd98f00b204e9800998ecf8427e "CVE-2021-44228"';
    const meta = await call(i, i.alice, 'POST', `/events/freeTextImport/${A}`, { value: text, returnMetaAttributes: true });
    assert.equal(meta.status, 200, JSON.stringify(meta.body));
    const byValue = Object.fromEntries((meta.body as Array<{ value: string; default_type: string; types: Record<string, string> }>).map((h) => [h.value, h]));
    assert.deepEqual(Object.keys(byValue), ['1.1.1.1', 'http://evil.example.com/x.php', 'foo@bar.de', '8.8.8.8|53', 'd41d8cd98f00b204e9800998ecf8427e', 'CVE-2021-44228']);
    assert.equal(byValue['1.1.1.1']!.default_type, 'ip-dst');
    assert.deepEqual(byValue['1.1.1.1']!.types, { 'ip-dst': 'ip-dst', 'ip-src': 'ip-src', 'ip-src/ip-dst': 'ip-src/ip-dst' });
    assert.equal(byValue['http://evil.example.com/x.php']!.default_type, 'url');
    assert.equal(byValue['foo@bar.de']!.default_type, 'email-src');
    assert.equal(byValue['8.8.8.8|53']!.default_type, 'ip-dst|port');
    assert.equal(byValue['d41d8cd98f00b204e9800998ecf8427e']!.default_type, 'md5');
    assert.equal(byValue['CVE-2021-44228']!.default_type, 'vulnerability');
    assert.equal((await attributes()).length, 1, 'nothing saved');
  });

  it('adds them to the event, answering the saved attributes with disable_background_processing:1', async () => {
    const r = await call(i, i.alice, 'POST', `/events/freeTextImport/${A}/disable_background_processing:1`, { value: '1.1.1.1 foo@bar.de', adhereToWarninglists: false, distribution: 2 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.map((a: { Attribute: { value: string; id: string } }) => a.Attribute.value), ['1.1.1.1', 'foo@bar.de']);
    assert.ok(r.body.every((a: { Attribute: { id: string; distribution: string } }) => /^\d+$/.test(a.Attribute.id) && a.Attribute.distribution === '2'));
    const saved = await attributes();
    assert.deepEqual(saved.map((a) => [a.type, a.value, a.category]), [['text', 'first', 'Other'], ['ip-dst', '1.1.1.1', 'Network activity'], ['email-src', 'foo@bar.de', 'Payload delivery']]);
  });

  it('follows the enabled warninglists when asked: true leaves the value out, soft keeps it without to_ids', async () => {
    const toggle = await call(i, i.admin, 'POST', '/warninglists/toggleEnable', { name: ['%dns resolv%'], enabled: true });
    assert.equal(toggle.status, 200, 'a name is matched as MISP\'s LIKE');
    const soft = await call(i, i.alice, 'POST', `/events/freeTextImport/${A}?disable_background_processing=1`, { value: '9.9.9.9', adhereToWarninglists: 'soft' });
    assert.equal(soft.body[0].Attribute.to_ids, false);
    // Without disable_background_processing MISP answers what it set out to add (the warninglisted value too).
    const hard = await call(i, i.alice, 'POST', `/events/freeTextImport/${A}`, { value: '8.8.8.8 foo@bar.com', adhereToWarninglists: true });
    assert.deepEqual(hard.body.map((a: { value: string }) => a.value), ['8.8.8.8', 'foo@bar.com']);
    const values = (await attributes()).map((a) => a.value);
    assert.ok(values.includes('9.9.9.9') && values.includes('foo@bar.com'));
    assert.ok(!values.includes('8.8.8.8'), 'left out by the warninglist');
    // The preview marks what an enabled warninglist holds.
    const meta = (await call(i, i.alice, 'POST', `/events/freeTextImport/${A}`, { value: '8.8.8.8 4.4.4.4', returnMetaAttributes: 1 })).body as Array<{ value: string; warninglists?: string[] }>;
    assert.deepEqual(meta.map((h) => [h.value, h.warninglists]), [['8.8.8.8', ['List of known public DNS resolvers']], ['4.4.4.4', undefined]]);
  });

  it('saves the attributes chosen from a preview (saveFreeText), with the default comment', async () => {
    const chosen = [
      { value: 'chosen.example.com', type: 'domain', category: 'Network activity', to_ids: '1' },
      { value: '6.6.6.6', type: 'ip-src', category: 'Network activity', to_ids: false, comment: 'its own' },
    ];
    const r = await call(i, i.alice, 'POST', `/events/saveFreeText/${A}`, { Attribute: { JsonObject: JSON.stringify(chosen), default_comment: 'from the report' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body, '2 attributes created.');
    const saved = await attributes();
    const d = saved.find((a) => a.value === 'chosen.example.com')!;
    assert.deepEqual([d.type, d.to_ids, d.comment], ['domain', true, 'from the report']);
    const ip = saved.find((a) => a.value === '6.6.6.6')!;
    assert.deepEqual([ip.type, ip.to_ids, ip.comment], ['ip-src', false, 'its own']);
    assert.equal((await call(i, i.alice, 'POST', `/events/saveFreeText/${A}`, { Attribute: { JsonObject: '[{"type": "domain"}]' } })).status, 400);
    assert.equal((await call(i, i.bob, 'POST', `/events/saveFreeText/${A}`, { Attribute: { JsonObject: '[]' } })).status, 403);
  });

  it('adds only to what the user may add to, and shows nothing of an event he may not see', async () => {
    assert.equal((await call(i, i.bob, 'POST', `/events/freeTextImport/${A}`, { value: '5.5.5.5' })).status, 403, "Org A's event");
    assert.equal((await call(i, i.alice, 'POST', `/events/freeTextImport/${B}`, { value: '5.5.5.5', returnMetaAttributes: 1 })).status, 404);
    assert.equal((await call(i, i.alice, 'POST', `/events/freeTextImport/${A}`, {})).status, 400);
  });
});
