import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const SHARED = 'ad000000-0000-4000-8000-000000000001';
const PRIVATE = 'ad000000-0000-4000-8000-000000000002';
const ATTRIBUTE = 'ad000000-0000-4000-8000-0000000000a1';

forEachDialect('REST API: event reports and analyst data', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
    const shared = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: SHARED, info: 'Shared with the community', distribution: 1, published: true,
      Note: [{ uuid: 'ad000000-0000-4000-8000-0000000000b1', note: 'seen by all', language: 'en', distribution: 1 },
        { uuid: 'ad000000-0000-4000-8000-0000000000b2', note: 'ours alone', distribution: 0 }],
      Attribute: [{ uuid: ATTRIBUTE, type: 'ip-dst', value: '203.0.113.5', Opinion: [{ uuid: 'ad000000-0000-4000-8000-0000000000b3', opinion: 80, comment: 'likely', distribution: 1 }] }],
      EventReport: [{ uuid: 'ad000000-0000-4000-8000-0000000000c1', name: 'Org only', content: '# secret', distribution: 0 }] } });
    assert.equal(shared.status, 200, JSON.stringify(shared.body));
    const hidden = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: PRIVATE, info: 'Org A only', distribution: 0,
      Note: [{ uuid: 'ad000000-0000-4000-8000-0000000000b4', note: 'on a private event', distribution: 3 }] } });
    assert.equal(hidden.status, 200, JSON.stringify(hidden.body));
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('adds, views, edits, lists and deletes event reports in MISP\'s shapes', async () => {
    const made = await call(i, i.alice, 'POST', `/eventReports/add/${SHARED}`, { name: 'Findings', content: '# Example', distribution: 5 });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const id = made.body.EventReport.id;
    assert.match(id, /^\d+$/);
    assert.equal(made.body.Event.info, 'Shared with the community');
    const event = (await call(i, i.alice, 'GET', `/events/view/${SHARED}`)).body.Event;
    assert.ok(event.EventReport.some((r: { id: string; name: string }) => r.id === id && r.name === 'Findings'));
    const edited = await call(i, i.alice, 'POST', `/eventReports/edit/${id}`, { EventReport: { content: 'Updated content' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.EventReport.name, 'Findings');
    assert.equal(edited.body.EventReport.content, 'Updated content');
    const listed = await call(i, i.alice, 'GET', `/eventReports/index?event_id=${event.id}`);
    assert.deepEqual(listed.body.map((r: { EventReport: { name: string } }) => r.EventReport.name), ['Org only', 'Findings']);
    assert.equal((await call(i, i.alice, 'POST', '/eventReports/add/' + SHARED, { content: 'no name' })).status, 403);

    const uuid = made.body.EventReport.uuid;
    const soft = await call(i, i.alice, 'POST', `/eventReports/delete/${uuid}`);
    assert.equal(soft.body.name, `Event Report ${uuid} soft deleted`);
    assert.equal((await call(i, i.alice, 'GET', `/eventReports/view/${id}`)).body.EventReport.deleted, true);
    assert.equal((await call(i, i.alice, 'GET', `/eventReports/index?event_id=${event.id}`)).body.length, 1);
    const hard = await call(i, i.alice, 'POST', `/eventReports/delete/${id}`, { hard: 1 });
    assert.equal(hard.body.success, true);
    assert.equal((await call(i, i.alice, 'GET', `/eventReports/view/${id}`)).status, 404);
  });

  it('keeps a report from an organisation its distribution leaves out, and lets no other organisation change one', async () => {
    const event = (await call(i, i.bob, 'GET', `/events/view/${SHARED}`)).body.Event;
    assert.deepEqual(event.EventReport, [], 'the org-only report is not in the event Org B sees (MISP lists EventReport, empty)');
    assert.equal((await call(i, i.bob, 'GET', '/eventReports/view/ad000000-0000-4000-8000-0000000000c1')).status, 404);
    assert.deepEqual((await call(i, i.bob, 'GET', '/eventReports/index')).body, []);
    const shared = await call(i, i.alice, 'POST', `/eventReports/add/${SHARED}`, { name: 'For everyone', distribution: 5 });
    assert.equal((await call(i, i.bob, 'GET', `/eventReports/view/${shared.body.EventReport.id}`)).status, 200);
    assert.equal((await call(i, i.bob, 'POST', `/eventReports/edit/${shared.body.EventReport.id}`, { name: 'Mine' })).status, 403);
    assert.equal((await call(i, i.bob, 'POST', `/eventReports/delete/${shared.body.EventReport.id}`)).status, 403);
    assert.equal((await call(i, i.bob, 'POST', `/eventReports/add/${PRIVATE}`, { name: 'Into a hidden event' })).status, 404);
  });

  it('carries notes and opinions in event documents, each as its distribution and its element allow', async () => {
    const mine = (await call(i, i.alice, 'GET', `/events/view/${SHARED}`)).body.Event;
    assert.deepEqual(mine.Note.map((n: { note: string }) => n.note), ['seen by all', 'ours alone']);
    assert.equal(mine.Note[0].object_uuid, SHARED);
    assert.equal(mine.Note[0].Orgc.name, 'Org A');
    assert.equal(mine.Attribute[0].Opinion[0].opinion, '80');
    const theirs = (await call(i, i.bob, 'GET', `/events/view/${SHARED}`)).body.Event;
    assert.deepEqual(theirs.Note.map((n: { note: string }) => n.note), ['seen by all']);
    assert.equal(theirs.Attribute[0].Opinion.length, 1);
    // A note shared with all, on an event Org B may not see, is not Org B's to see either.
    assert.equal((await call(i, i.bob, 'GET', '/analyst_data/view/Note/ad000000-0000-4000-8000-0000000000b4')).status, 404);
    assert.equal((await call(i, i.bob, 'GET', '/analyst_data/view/Note/ad000000-0000-4000-8000-0000000000b2')).status, 404);
    const listed = (await call(i, i.bob, 'GET', '/analyst_data/index/Note')).body.map((n: { Note: { note: string } }) => n.Note.note);
    assert.deepEqual(listed, ['seen by all']);
    assert.equal((await call(i, i.admin, 'GET', '/analyst_data/index/Note')).body.length, 3);
  });

  it('finds the notes of an event however deep in it they sit, and none where there are none', async () => {
    // events/view asks the store first whether anything in the event has analyst data: each kind of element answers yes.
    const where = {
      object: (note: unknown) => ({ Object: [{ uuid: randomUUID(), name: 'domain-ip', meta_category: 'network', Note: [note], Attribute: [{ uuid: randomUUID(), type: 'domain', object_relation: 'domain', value: 'object.example' }] }] }),
      objectAttribute: (note: unknown) => ({ Object: [{ uuid: randomUUID(), name: 'domain-ip', meta_category: 'network', Attribute: [{ uuid: randomUUID(), type: 'domain', object_relation: 'domain', value: 'deep.example', Note: [note] }] }] }),
      report: (note: unknown) => ({ EventReport: [{ uuid: randomUUID(), name: 'Write-up', content: 'text', distribution: 1, Note: [note] }] }),
      attribute: (note: unknown) => ({ Attribute: [{ uuid: randomUUID(), type: 'ip-dst', value: '198.51.100.77', Note: [note] }] }),
    };
    for (const [place, holder] of Object.entries(where)) {
      const uuid = randomUUID();
      const note = { uuid: randomUUID(), note: `on the ${place}`, distribution: 1 };
      const made = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid, info: `A note on the ${place}`, distribution: 1, ...holder(note) } });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      const viewed = (await call(i, i.bob, 'GET', `/events/view/${uuid}`)).body.Event;
      const element = place === 'object' ? viewed.Object[0] : place === 'objectAttribute' ? viewed.Object[0].Attribute[0]
        : place === 'report' ? viewed.EventReport[0] : viewed.Attribute[0];
      assert.deepEqual(element.Note?.map((n: { note: string }) => n.note), [`on the ${place}`], place);
      assert.equal(viewed.Note, undefined, place);
    }
    const bare = randomUUID();
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: bare, info: 'No notes', distribution: 1,
      Attribute: [{ type: 'ip-dst', value: '198.51.100.78' }] } })).status, 200);
    const viewed = (await call(i, i.alice, 'GET', `/events/view/${bare}`)).body.Event;
    assert.equal(viewed.Note, undefined);
    assert.equal(viewed.Attribute[0].Note, undefined);
  });

  it('adds, edits and deletes notes through analyst_data, with opinions on them, for their organisation alone', async () => {
    const target = randomUUID();
    const made = await call(i, i.alice, 'POST', `/analyst_data/add/Note/${target}/Event`, { Note: { note: 'Fake note', distribution: 1 } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.Note.object_uuid, target, 'a note may name an element this instance does not hold');
    assert.equal(made.body.Note.authors, 'alice@a.test');
    const id = made.body.Note.id;
    const opinion = randomUUID();
    const edited = await call(i, i.alice, 'POST', `/analyst_data/edit/Note/${id}`, { Note: { note: 'Updated note',
      Opinion: [{ uuid: opinion, opinion: 42, comment: 'Test Opinion', object_uuid: made.body.Note.uuid, object_type: 'Note' }] } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.Note.note, 'Updated note');
    assert.equal(edited.body.Note.Opinion[0].comment, 'Test Opinion');
    assert.equal((await call(i, i.bob, 'GET', `/analyst_data/view/Note/${id}`)).body.Note.Opinion.length, 1);
    assert.equal((await call(i, i.bob, 'POST', `/analyst_data/edit/Note/${id}`, { note: 'mine' })).status, 405);
    assert.equal((await call(i, i.bob, 'POST', `/analyst_data/delete/Note/${id}`)).status, 405);
    const spoofed = await call(i, i.bob, 'POST', `/analyst_data/add/Note/${made.body.Note.uuid}/Note`, { note: 'reply', orgc_uuid: made.body.Note.Orgc.uuid });
    assert.equal(spoofed.body.Note.Orgc.name, 'Org B', 'a user writes as his own organisation');

    // An opinion on an org-only note is hidden with it.
    const secret = await call(i, i.alice, 'POST', `/analyst_data/add/Note/${target}/Event`, { note: 'private', distribution: 0 });
    const onSecret = await call(i, i.alice, 'POST', `/analyst_data/add/Opinion/${secret.body.Note.uuid}/Note`, { opinion: 10, distribution: 3 });
    assert.equal(onSecret.status, 200, JSON.stringify(onSecret.body));
    assert.equal((await call(i, i.bob, 'GET', `/analyst_data/view/Opinion/${onSecret.body.Opinion.id}`)).status, 404);
    assert.equal((await call(i, i.alice, 'GET', `/analyst_data/view/all/${onSecret.body.Opinion.uuid}`)).body.Opinion.opinion, '10');

    const gone = await call(i, i.alice, 'POST', `/analyst_data/delete/Note/${id}`);
    assert.equal(gone.body.message, 'Note deleted.');
    assert.equal((await call(i, i.alice, 'GET', `/analyst_data/view/Opinion/${opinion}`)).status, 200, 'the opinion on it stays');
  });

  it('removes the notes about an event deleted for good, so that they never outlive its access rule', async () => {
    const uuid = randomUUID();
    const attribute = randomUUID();
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid, info: 'Org A only, to be deleted', distribution: 0,
      Attribute: [{ uuid: attribute, type: 'domain', value: 'gone.example' }] } })).status, 200);
    const onEvent = await call(i, i.alice, 'POST', `/analyst_data/add/Note/${uuid}/Event`, { note: 'about a private event', distribution: 3 });
    const onAttribute = await call(i, i.alice, 'POST', `/analyst_data/add/Note/${attribute}/Attribute`, { note: 'about its attribute', distribution: 3 });
    const reply = await call(i, i.alice, 'POST', `/analyst_data/add/Opinion/${onEvent.body.Note.uuid}/Note`, { opinion: 80, distribution: 3 });
    assert.equal((await call(i, i.bob, 'GET', `/analyst_data/view/Note/${onEvent.body.Note.id}`)).status, 404, 'hidden with its event');
    assert.equal((await call(i, i.alice, 'POST', `/events/delete/${uuid}`)).status, 200);
    for (const [kind, id] of [['Note', onEvent.body.Note.id], ['Note', onAttribute.body.Note.id], ['Opinion', reply.body.Opinion.id]]) {
      assert.equal((await call(i, i.bob, 'GET', `/analyst_data/view/${kind}/${id}`)).status, 404, `${kind} ${id} is gone, not shown to all`);
      assert.equal((await call(i, i.alice, 'GET', `/analyst_data/view/${kind}/${id}`)).status, 404);
    }
  });
});
