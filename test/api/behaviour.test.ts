import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { importEvents } from '../../src/services/import/bulk.js';
import type { Store } from '../../src/store/db/database.js';
import { eventUuidTaken } from '../../src/store/events/reader.js';
import { findOrganisation } from '../../src/store/access/organisations.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

// MISP's behaviours PyMISP's live suite checks: publishing rights, partial edits, duplicate
// attributes, restricted tags, sharing group membership, protected events and the blocklists.
const E = (n: number) => `d1000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const NO_RIGHT = 'You do not have permission to use this functionality.';

async function* docs(...events: unknown[]) {
  for (const json of events) yield { source: 'test', json };
}

forEachDialect('REST API: MISP behaviours (publishing, edits, duplicates, tags, groups, protection, blocklists)', (fixture) => {
  let i: Instance;
  let store: Store;
  let publisher: string;
  let sync: string;
  let orgA: { id: number; uuid: string };
  before(async () => {
    store = await fixture.open();
    i = await serve(store);
    orgA = (await findOrganisation(store, 'Org A'))!;
    const made = await addUser(store, 'pia@a.test', orgA.id, 'Publisher');
    assert.ok(made.ok);
    publisher = await addApiKey(store, made.user.id);
    // A sync user of the event's own organisation: Cairn lets no one else change it anyway.
    const syncUser = await addUser(store, 'sync@a.test', orgA.id, 'Sync user');
    assert.ok(syncUser.ok);
    sync = await addApiKey(store, syncUser.user.id);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('stores a published event as a draft for a user who may not publish, and refuses him publish in MISP\'s words', async () => {
    const added = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(1), info: 'Published?', published: true, Attribute: [{ type: 'domain', value: 'pub.example' }] } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body.Event.published, false);
    const refused = await call(i, i.alice, 'POST', `/events/publish/${E(1)}`);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.message, NO_RIGHT);
    const edited = await call(i, publisher, 'POST', `/events/edit/${E(1)}`, { Event: { info: 'Published?', published: true } });
    assert.equal(edited.body.Event.published, true, 'a publisher may');
    const again = await call(i, i.alice, 'POST', `/events/edit/${E(1)}`, { Event: { published: true, analysis: 1 } });
    assert.equal(again.body.Event.published, false, 'an edit by a non-publisher is a draft again');
  });

  it('applies a change of role at once, as MISP does', async () => {
    const made = await addUser(store, 'rory@a.test', orgA.id, 'User');
    assert.ok(made.ok);
    const rory = await addApiKey(store, made.user.id);
    assert.equal((await call(i, rory, 'GET', '/events/index')).status, 200, 'his key is known (and remembered)');
    const readOnly = ((await call(i, i.admin, 'GET', '/roles')).body as Array<{ Role: { id: string; name: string } }>).find((r) => r.Role.name === 'Read Only')!;
    assert.equal((await call(i, i.admin, 'POST', `/admin/users/edit/${made.user.id}`, { role_id: readOnly.Role.id })).status, 200);
    const refused = await call(i, rory, 'POST', '/events/add', { Event: { info: 'Read only now' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.message, NO_RIGHT);
  });

  it('changes only the fields an edit sends', async () => {
    await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(2), info: 'Parent', threat_level_id: 1, analysis: 2, distribution: 0, date: '2018-09-01' } });
    const edited = await call(i, i.alice, 'POST', `/events/edit/${E(2)}`, { extends_uuid: E(1) });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    const e = edited.body.Event;
    assert.deepEqual([e.extends_uuid, e.info, e.threat_level_id, e.analysis, e.distribution, e.date], [E(1), 'Parent', '1', '2', '0', '2018-09-01']);
  });

  it('refuses an attribute repeating one its event holds, as MISP', async () => {
    const path = `/attributes/add/${E(2)}`;
    assert.equal((await call(i, i.alice, 'POST', path, { type: 'ip-dst', value: '1.2.3.4' })).status, 200);
    const dup = await call(i, i.alice, 'POST', path, { type: 'ip-dst', value: '1.2.3.4' });
    assert.equal(dup.status, 403);
    assert.deepEqual(dup.body.errors, { value: ['A similar attribute already exists for this event.'] });
    assert.equal((await call(i, i.alice, 'POST', path, { type: 'ip-dst', value: '1.2.3.4', category: 'External analysis' })).status, 200, 'another category is another attribute');
    const update = await call(i, i.alice, 'POST', `${path}?breakOnDuplicate=0`, { type: 'ip-dst', value: '1.2.3.4', comment: 'seen again' });
    assert.equal(update.status, 200);
    assert.equal(update.body.Attribute.comment, 'seen again', 'breakOnDuplicate=0 updates the one held');
    const list = await call(i, i.alice, 'POST', path, [{ type: 'ip-dst', value: '1.2.3.4' }, { type: 'ip-dst', value: '5.6.7.8' }, { type: 'ip-dst', value: '5.6.7.8' }]);
    assert.equal(list.status, 200);
    assert.equal(list.body.Attribute.value, '5.6.7.8', 'one saved answers alone');
    assert.deepEqual(Object.keys(list.body.errors), ['attribute_0', 'attribute_2']);
    const view = await call(i, i.alice, 'GET', `/events/view/${E(2)}`);
    assert.equal(view.body.Event.Attribute.filter((a: { value: string }) => a.value === '1.2.3.4').length, 2);
    const edit = await call(i, i.alice, 'POST', `/attributes/edit/${list.body.Attribute.id}`, { value: '1.2.3.4' });
    assert.equal(edit.status, 403, 'an edit into a duplicate is refused too');
    const whole = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Two of a kind', Attribute: [{ type: 'domain', value: 'twice.example' }, { type: 'domain', value: 'twice.example' }] } });
    assert.equal(whole.body.Event.Attribute.length, 2, 'events/add stores a document\'s duplicates, as MISP\'s _add');
  });

  it('keeps a tag restricted to an organisation to it, and hides non-exportable tags in the event view', async () => {
    const made = await call(i, i.admin, 'POST', '/tags/add', { name: 'restricted to A', org_id: orgA.id });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.Tag.org_id, String(orgA.id));
    const names = async (key: string) => ((await call(i, key, 'GET', '/tags/index')).body.Tag as Array<{ name: string }>).map((t) => t.name);
    assert.ok((await names(i.alice)).includes('restricted to A'));
    assert.ok(!(await names(i.bob)).includes('restricted to A'), 'another organisation does not see it');
    assert.equal((await call(i, i.bob, 'GET', `/tags/view/${made.body.Tag.id}`)).status, 404);
    await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: E(3), info: 'Bob\'s', distribution: 0 } });
    const refused = await call(i, i.bob, 'POST', '/tags/attachTagToObject', { uuid: E(3), tag: 'restricted to A' });
    assert.equal(refused.status, 403);
    assert.match(refused.body.errors, /Invalid Tag\. This tag can only be set by a fixed organisation\./);
    assert.equal((await call(i, i.alice, 'POST', '/tags/attachTagToObject', { uuid: E(3), tag: 'restricted to A' })).body.message, 'Invalid Target.');
    const ok = await call(i, i.alice, 'POST', '/tags/attachTagToObject', { uuid: E(2), tag: 'restricted to A' });
    assert.match(ok.body.message, /^Global tag restricted to A\(\d+\) successfully attached to Event\(\d+\)\.$/);

    const search = async (key: string, body: unknown) => ((await call(i, key, 'POST', '/tags/search', body)).body as Array<{ Tag: { name: string } }>).map((t) => t.Tag.name);
    assert.deepEqual(await search(i.alice, { tagname: 'RESTRICTED%', strict_tagname: false }), ['restricted to A'], 'wildcards, case aside');
    assert.deepEqual(await search(i.bob, { tagname: 'restricted%' }), [], 'a restricted tag is not found by others');
    const strict = await call(i, i.alice, 'GET', `/tags/search/${encodeURIComponent('restricted%')}/1`);
    assert.deepEqual(strict.body, [], 'strict names (MISP takes strictness from the address) are names');

    // Alice may not create tags (no perm_tag_editor): as in MISP, she tags with tags that exist.
    for (const name of ['kept', 'dropped', 'added']) assert.equal((await call(i, i.admin, 'POST', '/tags/add', { name })).status, 200);
    const attribute = (await call(i, i.alice, 'POST', `/attributes/add/${E(2)}`, { type: 'domain', value: 'tagged.example', Tag: [{ name: 'kept' }, { name: 'dropped' }] })).body.Attribute;
    const retagged = await call(i, i.alice, 'POST', `/attributes/edit/${attribute.id}`, { Tag: [{ name: 'dropped', deleted: true }, { name: 'added' }] });
    assert.equal(retagged.status, 200, JSON.stringify(retagged.body));
    const tagsOf = async (key: string, event: string, value: string) => ((await call(i, key, 'GET', `/events/view/${event}`)).body.Event.Attribute as Array<{ value: string; Tag?: Array<{ name: string }> }>)
      .find((a) => a.value === value)!.Tag?.map((t) => t.name).sort() ?? [];
    assert.deepEqual(await tagsOf(i.alice, E(2), 'tagged.example'), ['added', 'kept'], 'as MISP: deleted ones off, new ones on, others stay');
    const sneaky = await call(i, i.bob, 'POST', `/attributes/add/${E(3)}`, { type: 'domain', value: 'bob.example' });
    assert.equal((await call(i, i.bob, 'POST', `/attributes/edit/${sneaky.body.Attribute.id}`, { Tag: [{ name: 'restricted to A' }] })).status, 200);
    assert.deepEqual(await tagsOf(i.bob, E(3), 'bob.example'), [], 'another organisation\'s restricted tag is not put on by an edit');
    const bobAdd = await call(i, i.bob, 'POST', '/events/add', { Event: { info: 'Borrowed tag', Tag: [{ name: 'restricted to A' }], Attribute: [{ type: 'domain', value: 'b.example', Tag: [{ name: 'restricted to A' }] }] } });
    assert.equal(bobAdd.status, 200);
    assert.deepEqual(bobAdd.body.Event.Tag, [], 'nor by an event of his');
    assert.deepEqual(bobAdd.body.Event.Attribute[0].Tag ?? [], []);
    assert.equal(bobAdd.body.warnings.filter((e: string) => /fixed organisation/.test(e)).length, 2, 'and he is told');
    // Nor does naming a tag in an event make it (MISP's captureTag): it is left out and she is told; a
    // galaxy cluster's tag is made whoever attaches the cluster, as MISP forces it.
    const galaxy = 'misp-galaxy:threat-actor="Behaviour actor"';
    const named = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'Unknown tags', Tag: [{ name: 'kept' }, { name: 'never made' }, { name: galaxy }], Attribute: [{ type: 'domain', value: 'n.example', Tag: [{ name: 'never made either' }] }] } });
    assert.equal(named.status, 200, JSON.stringify(named.body));
    assert.deepEqual(named.body.Event.Tag.map((t: { name: string }) => t.name).sort(), ['kept', galaxy]);
    assert.deepEqual(named.body.Event.Attribute[0].Tag ?? [], []);
    assert.equal(named.body.warnings.filter((e: string) => /perm_tag_editor/.test(e)).length, 2, JSON.stringify(named.body.warnings));
    assert.equal(named.body.errors, undefined, 'no errors: MISP answers without, and PyMISP would not make an event of the answer');
    const tagNames = ((await call(i, i.admin, 'GET', '/tags/index')).body.Tag as Array<{ name: string }>).map((t) => t.name);
    assert.ok(!tagNames.includes('never made') && !tagNames.includes('never made either'), 'no tag was made');

    assert.equal((await call(i, i.admin, 'POST', '/tags/add', { name: 'not for export', exportable: false })).status, 200);
    await call(i, i.alice, 'POST', '/tags/attachTagToObject', { uuid: E(2), tag: 'not for export' });
    const view = await call(i, i.alice, 'GET', `/events/view/${E(2)}`);
    assert.deepEqual(view.body.Event.Tag.map((t: { name: string }) => t.name), ['restricted to A']);
  });

  it('makes a sharing group with the members it is given, the maker owning it', async () => {
    const made = await call(i, i.admin, 'POST', '/sharingGroups/add', { name: 'Behaviour SG', releasability: 'Testing' });
    assert.equal(made.status, 200);
    assert.deepEqual(made.body.SharingGroupOrg, []);
    const sg = made.body.SharingGroup.id;
    assert.equal((await call(i, i.admin, 'POST', `/sharingGroups/addOrg/${sg}/${orgA.id}`)).status, 200);
    const view = await call(i, i.admin, 'GET', `/sharingGroups/view/${sg}`);
    assert.equal(view.body.SharingGroupOrg[0].org_id, String(orgA.id));
    assert.equal(view.body.SharingGroupOrg[0].Organisation.id, String(orgA.id));
    assert.equal((await call(i, i.admin, 'POST', `/sharingGroups/delete/${sg}`)).body.message, 'SharingGroup deleted');
  });

  it('switches an event to protected mode, and then lets no sync user change it', async () => {
    const doc = { Event: { uuid: E(4), info: 'Shared with the partner', distribution: 3, Orgc: { uuid: orgA.uuid, name: 'Org A' } } };
    assert.equal((await call(i, i.alice, 'POST', '/events/add', doc)).status, 200);
    assert.equal((await call(i, i.bob, 'POST', `/events/protect/${E(4)}`)).status, 404, 'only its owners switch it');
    const on = await call(i, i.alice, 'POST', `/events/protect/${E(4)}`);
    assert.equal(on.body.message, 'Event switched to protected mode.');
    const view = (await call(i, i.bob, 'GET', `/events/view/${E(4)}`)).body.Event;
    assert.equal(view.protected, true);
    assert.equal(view.published, false);
    const pushed = await call(i, sync, 'POST', `/events/edit/${E(4)}`, { ...doc.Event, info: 'Changed by sync', timestamp: String(Number(view.timestamp) + 10) });
    assert.equal(pushed.status, 405);
    assert.equal(pushed.body.message, 'Protected event failed signature validation.');
    const fresh = await call(i, sync, 'POST', '/events/add', { Event: { uuid: E(5), info: 'Protected from afar', protected: true } });
    assert.equal(fresh.status, 405);
    assert.equal((await call(i, i.alice, 'POST', `/events/unprotect/${E(4)}`)).body.message, 'Event switched to unprotected mode.');
    assert.equal((await call(i, i.bob, 'GET', `/events/view/${E(4)}`)).body.Event.protected, false);
  });

  it('keeps the blocklists from everyone but those MISP lets keep them', async () => {
    for (const path of ['/eventBlocklists/index', '/orgBlocklists/index']) {
      const r = await call(i, i.alice, 'GET', path);
      assert.equal(r.status, 403, `${path} is not for a user of another organisation than the host`);
      assert.equal(r.body.message, NO_RIGHT);
    }
    assert.equal((await call(i, i.alice, 'POST', '/eventBlocklists/add', { uuids: [E(99)] })).status, 403);
    assert.equal((await call(i, i.bob, 'POST', '/orgBlocklists/add', { uuids: [orgA.uuid] })).status, 403);
  });

  it('never imports an event whose uuid is blocked, by any path, until it is unblocked', async () => {
    const add = await call(i, i.admin, 'POST', '/eventBlocklists/add', { uuids: [E(10), 'not-a-uuid'], comment: 'bad feed' });
    assert.deepEqual(add.body.result, { successes: [E(10)], fails: ['not-a-uuid'] });
    assert.match(add.body.message, /Added 1 new entries/);
    assert.deepEqual((await call(i, i.admin, 'POST', '/eventBlocklists/add', { uuids: E(10) })).body.result.fails, [E(10)], 'once only');
    const index = (await call(i, i.admin, 'GET', '/eventBlocklists/index')).body;
    assert.equal(index.length, 1);
    assert.deepEqual([index[0].event_uuid, index[0].comment], [E(10), 'bad feed']);

    const refused = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(10), info: 'Blocked' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.message, 'Event blocked by event blocklist.');
    const totals = await importEvents(store, docs({ Event: { uuid: E(10), info: 'Blocked from a file' } }));
    assert.equal(totals.events.rejected, 1, 'the command line imports it no more');
    const stix = await call(i, i.alice, 'POST', '/events/upload_stix/2', { type: 'bundle', id: 'bundle--d1000000-0000-4000-8000-000000000010', objects: [
      { type: 'report', spec_version: '2.1', id: `report--${E(10)}`, created: '2024-01-01T00:00:00Z', modified: '2024-01-01T00:00:00Z', name: 'Blocked report', published: '2024-01-01T00:00:00Z', object_refs: [] },
    ] });
    assert.equal(stix.status, 403, 'nor a STIX upload naming it');
    assert.equal(await eventUuidTaken(store, E(10)), false);

    const edited = await call(i, i.admin, 'POST', `/eventBlocklists/edit/${E(10)}`, { comment: 'This is a test', event_info: 'foo' });
    assert.equal(edited.body.EventBlocklist.comment, 'This is a test');
    assert.equal(edited.body.EventBlocklist.event_info, 'foo');
    const removed = await call(i, i.admin, 'POST', `/eventBlocklists/delete/${E(10)}`);
    assert.equal(removed.body.success, true);
    assert.equal((await call(i, i.admin, 'POST', `/eventBlocklists/delete/${E(10)}`)).status, 404);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(10), info: 'Unblocked' } })).status, 200);

    await call(i, i.admin, 'POST', '/eventBlocklists/add', { uuids: `${E(11)}\n${E(12)}` });
    const ids = ((await call(i, i.admin, 'GET', '/eventBlocklists/index')).body as Array<{ id: string }>).map((e) => Number(e.id));
    const mass = await call(i, i.admin, 'POST', '/eventBlocklists/massDelete', { ids: JSON.stringify(ids) });
    assert.equal(mass.body.success, true);
    assert.deepEqual((await call(i, i.admin, 'GET', '/eventBlocklists/index')).body, []);
  });

  it('never imports an event a blocked organisation created', async () => {
    const add = await call(i, i.admin, 'POST', '/orgBlocklists/add', { uuids: [orgA.uuid], org_name: 'Org A' });
    assert.deepEqual(add.body.result.successes, [orgA.uuid]);
    const refused = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(20), info: 'From a blocked organisation' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.message, 'Event blocked by organisation blocklist.');
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { errors: [403, {}] })).body.message, 'Event blocked by organisation blocklist.', 'told before what he sends is read');
    const totals = await importEvents(store, docs({ Event: { uuid: E(21), info: 'Created by A', Orgc: { uuid: orgA.uuid, name: 'Org A' } } }));
    assert.equal(totals.events.rejected, 1);
    assert.equal((await call(i, i.bob, 'POST', '/events/add', { Event: { uuid: E(22), info: 'Bob is not blocked' } })).status, 200);
    assert.equal((await call(i, i.alice, 'POST', `/events/edit/${E(2)}`, { comment: 'x' })).status, 200, 'an event already here is still edited');

    const edited = await call(i, i.admin, 'POST', `/orgBlocklists/edit/${orgA.uuid}`, { org_name: 'bar' });
    assert.equal(edited.body.OrgBlocklist.org_name, 'bar');
    const listed = (await call(i, i.admin, 'GET', '/orgBlocklists/index')).body;
    assert.deepEqual(listed.map((o: { org_uuid: string }) => o.org_uuid), [orgA.uuid]);
    assert.equal((await call(i, i.admin, 'POST', `/orgBlocklists/delete/${listed[0].id}`)).body.success, true);
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: E(20), info: 'Unblocked' } })).status, 200);
  });
});
