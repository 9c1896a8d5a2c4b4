import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const A = 'a2000000-0000-4000-8000-000000000001';
const A_IP = 'a2000000-0000-4000-8000-0000000000a1';
const A_DOMAIN = 'a2000000-0000-4000-8000-0000000000a2';
const PRIVATE = 'a2000000-0000-4000-8000-000000000003';

interface Shadow { id: string; old_id: string; event_id: string; value: string; to_ids: boolean; uuid: string; deleted: boolean; proposal_to_delete: boolean; org_uuid: string; event_uuid: string; old_uuid?: string }

forEachDialect('REST API: attribute proposals (shadow attributes)', (fixture) => {
  let i: Instance;
  let carol: string;
  before(async () => {
    const store = await fixture.open();
    i = await serve(store);
    const org = await addOrganisation(store, 'Org C');
    const made = await addUser(store, 'carol@c.test', org.id, 'User');
    assert.ok(made.ok);
    carol = await addApiKey(store, made.user.id);
    // Alice's event is shared with the community: Bob and Carol both see it, neither may change it.
    const a = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: A, info: 'Org A campaign', distribution: 1, Attribute: [
      { uuid: A_IP, type: 'ip-dst', value: '10.0.0.1', to_ids: true }, { uuid: A_DOMAIN, type: 'domain', value: 'c2.example' }] } });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const p = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: PRIVATE, info: 'Org A private', distribution: 0, Attribute: [{ type: 'domain', value: 'secret.example' }] } });
    assert.equal(p.status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const index = async (key: string, path = '/shadow_attributes/index') => {
    const r = await call(i, key, 'GET', path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body as Array<{ ShadowAttribute: Shadow }>).map((x) => x.ShadowAttribute);
  };
  const eventOf = async (key: string, uuid = A) => (await call(i, key, 'GET', `/events/view/${uuid}`)).body.Event as {
    Attribute: Array<{ uuid: string; value: string; to_ids: boolean; deleted: boolean }>; published: boolean;
  };

  it("refuses a direct write to another organisation's event in MISP's words, which PyMISP answers with a proposal", async () => {
    const add = await call(i, i.bob, 'POST', `/attributes/add/${A}`, { type: 'ip-dst', value: '10.0.0.9' });
    assert.equal(add.status, 403);
    assert.equal(add.body.message, 'You do not have permission to do that.');
    const edit = await call(i, i.bob, 'POST', `/attributes/edit/${A_IP}`, { comment: 'x' });
    assert.equal(edit.body.message, 'You do not have permission to do that.');
    const del = await call(i, i.bob, 'POST', `/attributes/delete/${A_IP}`, {});
    assert.equal(del.status, 403);
    assert.equal(del.body.message, 'You do not have permission to do that.');
  });

  it('takes a new attribute, a change and a deletion as proposals, each answered as MISP does', async () => {
    const add = await call(i, i.bob, 'POST', `/shadowAttributes/add/${A}`, { ShadowAttribute: { type: 'ip-dst', value: ' 10.0.0.9 ' } });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    const s = add.body.ShadowAttribute;
    assert.equal(s.value, '10.0.0.9');
    assert.equal(s.category, 'Network activity', "the type's default category");
    assert.equal(s.old_id, '0');
    assert.equal(s.email, 'bob@b.test');
    assert.equal(s.deleted, false);
    const edit = await call(i, i.bob, 'POST', `/shadow_attributes/edit/${A_IP}`, { to_ids: false });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    assert.equal(edit.body.ShadowAttribute.to_ids, false);
    assert.equal(edit.body.ShadowAttribute.value, '10.0.0.1', 'the fields not named are the attribute\'s');
    assert.equal(edit.body.ShadowAttribute.uuid, A_IP);
    assert.notEqual(edit.body.ShadowAttribute.old_id, '0');
    const del = await call(i, i.bob, 'POST', `/shadowAttributes/delete/${A_DOMAIN}`);
    assert.deepEqual(del.body, { saved: true, success: 'The proposal to delete the attribute has been saved' });
    const view = await call(i, i.bob, 'GET', `/shadowAttributes/view/${s.id}`);
    assert.equal(view.body.ShadowAttribute.uuid, s.uuid);
    assert.equal(view.body.ShadowAttribute.org_id !== undefined, true);

    const none = await call(i, i.bob, 'POST', `/shadowAttributes/edit/${A_IP}`, {});
    assert.equal(none.status, 405, 'a proposed change that changes nothing');
    const bad = await call(i, i.bob, 'POST', `/shadowAttributes/add/${A}`, { type: 'ip-dst', value: 'not an address' });
    assert.equal(bad.status, 404);
    assert.match(bad.body.message, /^Could not save the proposal\. Errors: \[value\]/);
    const badUuid = await call(i, i.bob, 'POST', `/shadowAttributes/add/${A}`, { uuid: 'not-a-uuid', type: 'domain', value: 'x.example' });
    assert.equal(badUuid.status, 404);
    assert.match(badUuid.body.message, /\[uuid\]/);
    const noType = await call(i, i.bob, 'POST', `/shadowAttributes/add/${A}`, { value: 'x' });
    assert.match(noType.body.message, /\[type\]: No value provided\./);
    assert.equal((await call(i, i.bob, 'POST', `/shadowAttributes/add/${PRIVATE}`, { type: 'domain', value: 'x.example' })).status, 404, 'an event he may not see');
  });

  it("shows proposals only to the proposer's and the event's organisations: never to another that sees the event", async () => {
    const bob = await index(i.bob);
    assert.deepEqual(bob.map((p) => [p.value, p.proposal_to_delete]), [['10.0.0.9', false], ['10.0.0.1', false], ['c2.example', true]]);
    assert.equal(bob[1]!.old_uuid, A_IP);
    assert.equal(bob[0]!.event_uuid, A);
    assert.equal((await index(i.alice)).length, 3, "the event's organisation");
    assert.equal((await index(i.admin)).length, 3);
    assert.deepEqual(await index(carol), [], 'Org C sees the event, not the proposals to it');
    assert.deepEqual(await index(carol, `/shadowAttributes/index/${A}`), []);
    assert.equal((await call(i, carol, 'GET', `/shadowAttributes/view/${bob[0]!.id}`)).status, 404);
    assert.equal((await call(i, carol, 'POST', `/shadowAttributes/accept/${bob[0]!.id}`)).status, 405);
    assert.equal((await call(i, carol, 'POST', `/shadowAttributes/discard/${bob[0]!.id}`)).status, 500);
    assert.equal(JSON.stringify((await call(i, carol, 'GET', `/events/view/${A}`)).body).includes('10.0.0.9'), false, 'nor in the event document');
    // Filters as MISP's: by event, searchall, deleted, paging.
    assert.equal((await index(i.alice, `/shadow_attributes/index/${A}`)).length, 3);
    assert.deepEqual((await index(i.alice, '/shadow_attributes/index?searchall=C2.EXAMPLE')).map((p) => p.value), ['c2.example']);
    assert.deepEqual((await index(i.alice, '/shadow_attributes/index?limit=1&page=2')).map((p) => p.value), ['10.0.0.1']);
    assert.deepEqual((await index(i.alice, '/shadow_attributes/index?sort=value&direction=desc')).map((p) => p.value), ['c2.example', '10.0.0.9', '10.0.0.1']);
    assert.equal((await index(i.bob, '/shadow_attributes/index?all=0')).length, 0, 'only those to events of his own organisation');
  });

  it("lists the event's pending proposals in its document, for those who may see them", async () => {
    const r = await call(i, i.alice, 'GET', `/events/view/${A}`);
    const ev = r.body.Event as { ShadowAttribute: Shadow[]; Attribute: Array<{ uuid: string; ShadowAttribute: Shadow[] }> };
    assert.deepEqual(ev.ShadowAttribute.map((p) => p.value), ['10.0.0.9'], 'new attributes on the event');
    assert.deepEqual(ev.Attribute.find((a) => a.uuid === A_IP)!.ShadowAttribute.map((p) => p.to_ids), [false], 'changes on their attribute');
    const c = (await call(i, carol, 'GET', `/events/view/${A}`)).body.Event;
    assert.deepEqual(c.ShadowAttribute, []);
  });

  it("applies an accepted proposal through the attribute write path; only the event's organisation accepts", async () => {
    assert.equal((await call(i, i.admin, 'POST', `/events/publish/${A}`)).status, 200);
    const list = await index(i.alice);
    const [added, changed, deletion] = list;
    const refused = await call(i, i.bob, 'POST', `/shadowAttributes/accept/${added!.id}`);
    assert.equal(refused.status, 405);
    assert.equal(refused.body.message, 'Proposal not found or you are not authorised to accept it.');
    // A "new" attribute proposed under an existing attribute's uuid would overwrite it: refused.
    const sneaky = (await call(i, i.bob, 'POST', `/shadowAttributes/add/${A}`, { uuid: A_IP, type: 'ip-dst', value: '6.6.6.6' })).body.ShadowAttribute;
    const notSaved = await call(i, i.alice, 'POST', `/shadowAttributes/accept/${sneaky.id}`);
    assert.equal(notSaved.status, 403);
    assert.deepEqual(notSaved.body.errors, { uuid: ['An attribute with this uuid exists already.'] });
    assert.equal((await call(i, i.alice, 'POST', `/shadowAttributes/discard/${sneaky.id}`)).status, 200);
    const ok = await call(i, i.alice, 'POST', `/shadowAttributes/accept/${added!.id}`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.message, 'Proposal accepted.');
    assert.equal((await call(i, i.alice, 'POST', `/shadowAttributes/accept/${changed!.id}`)).body.message, 'Proposed change accepted.');
    assert.equal((await call(i, i.alice, 'POST', `/shadowAttributes/accept/${deletion!.id}`)).body.message, 'Proposed change accepted.');
    const ev = await eventOf(i.alice);
    assert.equal(ev.published, false, 'accepting changed the event: unpublished, as MISP');
    assert.equal(ev.Attribute.find((a) => a.value === '10.0.0.9')?.uuid, added!.uuid, 'the new attribute keeps the proposal\'s uuid');
    assert.equal(ev.Attribute.find((a) => a.uuid === A_IP)!.to_ids, false);
    assert.equal(ev.Attribute.some((a) => a.uuid === A_DOMAIN), false, 'deleted');
    assert.equal((await call(i, i.alice, 'POST', `/shadowAttributes/accept/${added!.id}`)).status, 405, 'once');
    const log = (await call(i, i.admin, 'GET', '/admin/audit_logs/index?model=ShadowAttribute&action=accept')).body as unknown[];
    assert.equal(log.length, 3, 'each acceptance is in the audit log');
    // MISP's REST index still lists them, marked deleted.
    assert.deepEqual((await index(i.bob)).map((p) => p.deleted), [true, true, true, true]);
    assert.equal((await index(i.bob, '/shadow_attributes/index?deleted=0')).length, 0);
  });

  it('discards: the proposer or the event\'s organisation', async () => {
    const p = (await call(i, i.bob, 'POST', `/shadowAttributes/edit/${A_IP}`, { comment: 'please' })).body.ShadowAttribute;
    const d = await call(i, i.bob, 'POST', `/shadowAttributes/discard/${p.id}`);
    assert.deepEqual(d.body, { name: 'Proposal discarded.', message: 'Proposal discarded.', url: `/shadowAttributes/discard/${p.id}` });
    assert.equal((await eventOf(i.alice)).Attribute.find((a) => a.uuid === A_IP)!.to_ids, false);
    const q = (await call(i, i.bob, 'POST', `/shadowAttributes/add/${A}`, { type: 'domain', value: 'later.example' })).body.ShadowAttribute;
    assert.equal((await call(i, i.alice, 'POST', `/shadow_attributes/discard/${q.id}`)).status, 200);
    assert.equal((await call(i, i.alice, 'POST', `/shadow_attributes/discard/${q.id}`)).status, 500, 'once');
  });

  it('takes attributes/delete with hard in the body (as PyMISP sends it), for site admins', async () => {
    const ev = await eventOf(i.admin);
    const target = ev.Attribute.find((a) => a.value === '10.0.0.9')!;
    const r = await call(i, i.admin, 'POST', `/attributes/delete/${target.uuid}`, { hard: 1 });
    assert.equal(r.body.message, 'Attribute deleted.');
    const all = (await call(i, i.admin, 'GET', `/events/view/${A}?deleted[]=0&deleted[]=1`)).body.Event.Attribute as Array<{ uuid: string }>;
    assert.equal(all.some((a) => a.uuid === target.uuid), false, 'gone for good, not only marked');
  });

  it('goes with its event when the event is deleted', async () => {
    assert.equal((await call(i, i.bob, 'POST', `/shadowAttributes/add/${A}`, { type: 'domain', value: 'last.example' })).status, 200);
    assert.equal((await call(i, i.admin, 'POST', `/events/delete/${A}`)).status, 200);
    assert.deepEqual(await index(i.admin), []);
  });
});
