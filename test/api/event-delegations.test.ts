import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Ajv } from 'ajv';
import { EventDelegationMade, EventDelegations, EventDelegationView } from '../../src/api/schemas/answers.js';
import { addOrganisation, findOrganisation } from '../../src/store/access/organisations.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import type { Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const NO_PERMISSION = 'You do not have permission to use this functionality.';
const NOT_AUTHORISED = 'You are not authorised to do that.';

const ajv = new Ajv({ strict: false, allErrors: true });
/** An answer fits the schema /openapi.json publishes for it. */
function fits(schema: object, body: unknown): void {
  const validate = ajv.compile(schema);
  assert.ok(validate(body), JSON.stringify(validate.errors));
}

forEachDialect('REST API: event delegations', (fixture) => {
  let i: Instance;
  let store: Store;
  /** A Publisher of Org A (alice's organisation, a User), and one of Org C, which has nothing to do with the requests. */
  let publisher: string;
  let carol: string;
  let orgA: { id: number; uuid: string };
  let orgB: { id: number; uuid: string };

  const userKey = async (email: string, orgId: number, role: string) => {
    const made = await addUser(store, email, orgId, role);
    assert.ok(made.ok);
    return addApiKey(store, made.user.id);
  };
  const addEvent = async (key: string, info: string, distribution = 0) => {
    const made = await call(i, key, 'POST', '/events/add', { Event: { info, distribution, Attribute: [{ type: 'ip-dst', value: '198.51.100.7' }] } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return made.body.Event as { id: string; uuid: string };
  };
  const delegate = (key: string, event: string, body: Record<string, unknown>) => call(i, key, 'POST', `/eventDelegations/delegateEvent/${event}`, body);
  const index = async (key: string, query = '') => {
    const r = await call(i, key, 'GET', `/eventDelegations${query}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body as Array<{ EventDelegation: { id: string; Event: { info: string }; Org: { name: string }; RequesterOrg: { name: string } } }>)
      .map((d) => d.EventDelegation);
  };

  before(async () => {
    store = await fixture.open();
    i = await serve(store);
    const a = (await findOrganisation(store, 'Org A'))!;
    const b = (await findOrganisation(store, 'Org B'))!;
    orgA = { id: a.id, uuid: a.uuid };
    orgB = { id: b.id, uuid: b.uuid };
    publisher = await userKey('publisher@a.test', a.id, 'Publisher');
    carol = await userKey('carol@c.test', (await addOrganisation(store, 'Org C')).id, 'Publisher');
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('is off until MISP.delegation is set, which the settings API shows in MISP\'s shape', async () => {
    const event = await addEvent(publisher, 'Before the setting');
    const off = await delegate(publisher, event.uuid, { org_id: orgB.uuid });
    assert.equal(off.status, 403);
    assert.equal(off.body.message, NO_PERMISSION);
    assert.equal((await call(i, i.bob, 'GET', '/eventDelegations')).body.message, NO_PERMISSION);
    const setting = await call(i, i.admin, 'GET', '/servers/getSetting/MISP.delegation');
    assert.equal(setting.body.value, false);
    assert.equal(setting.body.type, 'boolean');
    assert.equal((await call(i, i.bob, 'POST', '/servers/serverSettingsEdit/MISP.delegation', { value: true })).status, 403, 'site admins only');
    const on = await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/MISP.delegation', { value: true, force: true });
    assert.equal(on.body.message, 'Field updated');
    assert.equal((await call(i, i.admin, 'GET', '/servers/getSetting/MISP.delegation')).body.value, true);
    assert.ok((await call(i, i.admin, 'GET', '/servers/serverSettings')).body.finalSettings.some((s: { name: string }) => s.name === 'MISP.delegation'));
  });

  it('lets only the creator organisation, with perm_delegate, ask for an event at distribution 0', async () => {
    const event = await addEvent(i.alice, 'Only ours');
    const user = await delegate(i.alice, event.id, { org_id: orgB.id });
    assert.equal(user.status, 403, 'a User lacks perm_delegate');
    assert.equal(user.body.message, NO_PERMISSION);
    const stranger = await delegate(carol, event.uuid, { org_id: orgB.id });
    assert.equal(stranger.status, 405, 'another organisation\'s event is, to him, no event');
    assert.equal(stranger.body.message, NOT_AUTHORISED);
    const shared = await addEvent(publisher, 'Shared', 1);
    const wide = await delegate(publisher, shared.id, { org_id: orgB.id });
    assert.equal(wide.status, 405);
    assert.equal(wide.body.message, 'Only events with the distribution setting "Your Organisation Only" can be delegated.');
    assert.equal((await delegate(publisher, event.id, { org_id: 'no-such-org' })).status, 403);
  });

  it('answers a request as MISP does, one per event, seen by its two organisations and site admins only', async () => {
    const event = await addEvent(publisher, 'Take this one');
    const made = await delegate(publisher, event.uuid, { event_id: event.uuid, org_id: orgB.uuid, distribution: -1, message: 'yours now' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    fits(EventDelegationMade, made.body);
    const d = made.body.EventDelegation;
    assert.equal(d.org_id, String(orgB.id));
    assert.equal(d.requester_org_id, String(orgA.id));
    assert.equal(d.event_id, event.id);
    assert.equal(d.distribution, '-1');
    assert.equal(d.message, 'yours now');
    const again = await delegate(publisher, event.id, { org_id: orgB.id });
    assert.equal(again.status, 405);
    assert.match(again.body.message, /already has a pending delegation request/);

    // Org B is asked; Org A issued it; Org C sees nothing of it.
    const pending = await index(i.bob);
    assert.deepEqual(pending.map((x) => x.id), [d.id]);
    assert.equal(pending[0]!.Event.info, 'Take this one', 'the organisation asked sees what it is asked to take');
    assert.equal(pending[0]!.RequesterOrg.name, 'Org A');
    assert.equal((await call(i, i.bob, 'GET', `/events/view/${event.id}`)).status, 404, 'but not the event itself before accepting');
    assert.deepEqual((await index(i.alice, '?context=issued')).map((x) => x.id), [d.id]);
    assert.deepEqual(await index(i.alice), [], 'nothing is asked of Org A');
    assert.deepEqual((await call(i, i.alice, 'POST', '/eventDelegations/index', { context: 'issued' })).body.map((x: { EventDelegation: { id: string } }) => x.EventDelegation.id), [d.id]);
    assert.deepEqual((await index(i.bob, '?value=TAKE')).map((x) => x.id), [d.id]);
    assert.deepEqual(await index(i.bob, '?value=elsewhere'), []);
    assert.equal((await call(i, i.bob, 'GET', '/eventDelegations/index?context=sideways')).status, 400);
    fits(EventDelegations, (await call(i, i.bob, 'GET', '/eventDelegations')).body);
    const seen = await call(i, i.bob, 'GET', `/eventDelegations/view/${d.id}`);
    fits(EventDelegationView, seen.body);
    assert.equal(seen.body.EventDelegation.id, d.id);
    assert.equal(seen.body.requested_distribution_level, false, 'the recipient decides');
    assert.equal((await call(i, i.admin, 'GET', `/eventDelegations/view/${d.id}`)).body.Event.uuid, event.uuid);

    assert.deepEqual(await index(carol), []);
    assert.deepEqual(await index(carol, '?context=issued'), []);
    for (const [method, path] of [['GET', `/eventDelegations/view/${d.id}`], ['POST', `/eventDelegations/acceptDelegation/${d.id}`],
      ['POST', `/eventDelegations/deleteDelegation/${d.id}`]] as const) {
      const r = await call(i, carol, method, path);
      assert.equal(r.status, 405, `${path} by another organisation`);
      assert.equal(r.body.message, NOT_AUTHORISED);
      assert.doesNotMatch(JSON.stringify(r.body), /Take this one/);
    }
    const asker = await call(i, publisher, 'POST', `/eventDelegations/acceptDelegation/${d.id}`);
    assert.equal(asker.status, 405, 'the organisation asking cannot accept its own request');
    assert.equal(asker.body.message, NOT_AUTHORISED);
  });

  it('moves the event to the organisation that accepts, and the old owner loses it at once', async () => {
    const d = (await index(i.bob))[0]!;
    const event = (await call(i, i.admin, 'GET', `/eventDelegations/view/${d.id}`)).body.Event as { id: string; uuid: string };
    assert.equal((await call(i, i.alice, 'GET', `/events/view/${event.id}`)).status, 200);
    const accepted = await call(i, i.bob, 'POST', `/eventDelegations/acceptDelegation/${d.id}`);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.message, 'Event ownership transferred.');
    const view = await call(i, i.bob, 'GET', `/events/view/${event.uuid}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.Event.Org.name, 'Org B');
    assert.equal(view.body.Event.Orgc.name, 'Org B');
    assert.equal(view.body.Event.org_id, String(orgB.id));
    assert.equal((await call(i, i.alice, 'GET', `/events/view/${event.id}`)).status, 404, 'distribution 0: Org A no longer sees it');
    const aliceIndex = (await call(i, i.alice, 'GET', '/events/index')).body as Array<{ uuid: string }>;
    assert.ok(!aliceIndex.some((e) => e.uuid === event.uuid));
    assert.equal((await call(i, i.bob, 'GET', `/eventDelegations/view/${d.id}`)).status, 405, 'the request is gone');
    assert.equal((await call(i, i.bob, 'POST', `/eventDelegations/acceptDelegation/${d.id}`)).status, 405, 'and cannot be accepted twice');
    const logs = (await call(i, i.admin, 'POST', '/admin/logs/index', { model: 'EventDelegation', action: 'acceptDelegation' })).body as Array<{ Log: { org: string; model_id: string } }>;
    assert.ok(logs.some((l) => l.Log.org === 'Org B' && l.Log.model_id === d.id), 'the acceptance is in the audit log');
    assert.equal((await call(i, i.bob, 'DELETE', `/events/delete/${event.id}`)).body.message, 'Event deleted.');
  });

  it('takes a sharing group the requester sees when it asks for distribution 4, and shows what was asked', async () => {
    const group = (await call(i, i.admin, 'POST', '/sharing_groups/add', { name: 'Delegation group', releasability: 'us' })).body.SharingGroup;
    const event = await addEvent(i.admin, 'By a site admin');
    const none = await delegate(i.admin, event.id, { org_id: orgB.id, distribution: 4 });
    assert.equal(none.status, 403, 'distribution 4 needs a group');
    assert.deepEqual(Object.keys(none.body.errors), ['sharing_group_id']);
    assert.equal((await delegate(i.admin, event.id, { org_id: orgB.id, distribution: 7 })).status, 403);
    const made = await delegate(i.admin, event.id, { EventDelegation: { org_id: orgB.uuid, distribution: '4', sharing_group_id: group.id } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.EventDelegation.sharing_group_id, group.id);
    const seen = await call(i, i.bob, 'GET', `/eventDelegations/view/${made.body.EventDelegation.id}`);
    assert.equal(seen.body.requested_distribution_level, 'Sharing group');
    assert.equal((await index(i.bob))[0]!.id, made.body.EventDelegation.id);
    assert.equal((await call(i, i.admin, 'POST', `/eventDelegations/deleteDelegation/${made.body.EventDelegation.id}`)).status, 200, 'a site admin may withdraw any');
    assert.deepEqual(await index(i.bob), []);
  });

  it('lets either side withdraw a request, and a deleted event takes its request with it', async () => {
    const kept = await addEvent(publisher, 'Kept');
    const first = (await delegate(publisher, kept.id, { org_id: orgB.id })).body.EventDelegation;
    const discarded = await call(i, publisher, 'POST', `/eventDelegations/deleteDelegation/${first.id}`);
    assert.equal(discarded.body.message, 'Delegation request deleted.');
    const second = (await delegate(publisher, kept.id, { org_id: orgB.id })).body.EventDelegation;
    assert.notEqual(second.id, first.id, 'a withdrawn request\'s id is not handed out again');
    assert.equal((await call(i, i.bob, 'POST', `/eventDelegations/deleteDelegation/${second.id}`)).body.message, 'Delegation request deleted.');
    const view = await call(i, publisher, 'GET', `/events/view/${kept.id}`);
    assert.equal(view.body.Event.Org.name, 'Org A', 'a withdrawn request leaves the event where it was');

    const gone = await addEvent(publisher, 'Gone');
    await delegate(publisher, gone.id, { org_id: orgB.id });
    assert.equal((await index(i.bob)).length, 1);
    assert.equal((await call(i, publisher, 'DELETE', `/events/delete/${gone.id}`)).status, 200);
    assert.deepEqual(await index(i.bob), []);
  });

});
