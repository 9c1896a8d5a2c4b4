import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Store } from '../../src/store/db/database.js';
import { listAudit } from '../../src/store/access/audit-log.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

// What an edit made here stamps (MISP's time() of the edit, items newer than their stored version) and
// the MISP behaviours PyMISP's test_simple_event checks around it: attachments only with withAttachments,
// titles read as MySQL LIKE patterns, and messages to an event's reporter.
const E = (n: number) => `e7000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const A = (n: number) => `e7000000-0000-4000-8000-${String(n).padStart(12, '0')}`.replace('e7000000', 'a7000000');
const nowSeconds = () => Math.floor(Date.now() / 1000);

forEachDialect('REST API: edit versions, attachments in restSearch, title patterns, contact', (fixture) => {
  let i: Instance;
  let store: Store;
  before(async () => {
    store = await fixture.open();
    i = await serve(store);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('stamps a burst of edits with the time of each, never ahead of the clock, and takes every one of them', async () => {
    const added = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(1), info: 'Burst', Attribute: [{ uuid: A(1), type: 'domain', value: 'v0.example' }] } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    let last = 0;
    for (let n = 1; n <= 6; n++) {
      // As PyMISP sends an edited attribute: without its timestamp.
      const edited = await call(i, i.alice, 'POST', `/events/edit/${E(1)}`, { Event: { info: `Burst ${n}`, Attribute: [{ uuid: A(1), type: 'domain', value: `v${n}.example` }] } });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
      const stamp = Number(edited.body.Event.timestamp);
      assert.ok(stamp >= last, 'an edit never goes back in time');
      last = stamp;
      // Each attribute version is newer than the last, also within one second; the event's is the clock's.
      assert.equal(edited.body.Event.Attribute[0].value, `v${n}.example`);
      assert.equal(edited.body.Event.info, `Burst ${n}`);
    }
    // Six edits within a second or two: the event's version is the clock's (plus the attribute's own), not six seconds ahead.
    assert.ok(last <= nowSeconds() + 1, `event timestamp ${last} ran ahead of the clock ${nowSeconds()}`);
    const attributeEdit = await call(i, i.alice, 'POST', `/attributes/edit/${A(1)}`, { value: 'v7.example' });
    assert.equal(attributeEdit.status, 200, JSON.stringify(attributeEdit.body));
    const again = await call(i, i.alice, 'POST', `/attributes/edit/${A(1)}`, { value: 'v8.example' });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const view = await call(i, i.alice, 'GET', `/events/view/${E(1)}`);
    assert.equal(view.body.Event.Attribute[0].value, 'v8.example');
    assert.ok(Number(view.body.Event.timestamp) >= Number(view.body.Event.Attribute[0].timestamp), 'the event is as new as its newest item');
  });

  it('leaves a stored version alone when an import brings the same timestamp', async () => {
    const view = await call(i, i.alice, 'GET', `/events/view/${E(1)}`);
    const doc = view.body.Event;
    const res = await call(i, i.admin, 'POST', '/events/add', { Event: { ...doc, info: 'Same version, other content', Attribute: [] } });
    // Not an edit: an equal timestamp is the version held already.
    assert.notEqual(res.status, 200);
    const after = await call(i, i.alice, 'GET', `/events/view/${E(1)}`);
    assert.equal(after.body.Event.info, doc.info);
  });

  it('answers restSearch without attachment files unless withAttachments asks for them; events/view has them', async () => {
    const data = Buffer.from('sample bytes').toString('base64');
    const added = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(2), info: 'With a file', Attribute: [{ type: 'attachment', value: 'notes.txt', data }] } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const plain = await call(i, i.alice, 'POST', '/events/restSearch', { returnFormat: 'json', eventid: E(2), withAttachments: 0 });
    assert.equal(plain.body.response[0].Event.Attribute[0].data, undefined);
    const withFiles = await call(i, i.alice, 'POST', '/events/restSearch', { returnFormat: 'json', eventid: E(2), withAttachments: 1 });
    assert.equal(withFiles.body.response[0].Event.Attribute[0].data, data);
    const view = await call(i, i.alice, 'GET', `/events/view/${E(2)}`);
    assert.equal(view.body.Event.Attribute[0].data, data);
  });

  it('reads an events/index title filter as MySQL reads LIKE: a doubled backslash is one backslash', async () => {
    const info = String.raw`C:\Windows\System32\notepad.exe`;
    const added = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(3), info } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const found = await call(i, i.alice, 'POST', '/events/index', { eventinfo: String.raw`C:\\Windows\\System32\\notepad.exe` });
    assert.deepEqual(found.body.map((e: { uuid: string }) => e.uuid), [E(3)]);
    const escapedWildcard = await call(i, i.alice, 'POST', '/events/index', { eventinfo: String.raw`C:\%` });
    assert.deepEqual(escapedWildcard.body, []);
  });

  it('keeps a message to the reporter in the audit log, one per recipient, and refuses an empty one', async () => {
    const empty = await call(i, i.bob, 'POST', `/events/contact/${E(1)}`, { message: '' });
    assert.equal(empty.status, 400);
    // Bob cannot see Org A's distribution-0 event: to him it does not exist.
    const hidden = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(4), info: 'Org only', distribution: 0 } });
    assert.equal(hidden.status, 200);
    assert.equal((await call(i, i.bob, 'POST', `/events/contact/${E(4)}`, { message: 'Anyone?' })).status, 404);
    const sent = await call(i, i.admin, 'POST', `/events/contact/${E(1)}`, { message: 'Where does v8 come from?' });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.message, 'Email sent to the reporter.');
    const logged = await listAudit(store, { action: 'contact', titleLike: 'Where does v8 come from?', limit: 10, page: 1 });
    assert.equal(logged.length, 1);
    assert.match(logged[0]!.request, /alice@a\.test/);
  });
});
