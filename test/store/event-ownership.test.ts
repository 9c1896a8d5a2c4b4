import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { OPERATOR, type Viewer } from '../../src/access/viewer.js';
import { eventFacts } from '../../src/access/policy/events.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import type { Store } from '../../src/store/db/database.js';
import { eventOwnership } from '../../src/store/events/ownership.js';
import { loadEvent } from '../../src/store/events/reader.js';
import { saveEvent } from '../../src/store/events/writer.js';
import { findOrganisation } from '../../src/store/access/organisations.js';
import { forEachDialect } from '../helpers/stores.js';

const OWN = '10000000-0000-4000-8000-00000000000a';
const SHARED = '20000000-0000-4000-8000-00000000000b';
const ORG_A = { name: 'Org A', uuid: 'a0000000-0000-4000-8000-000000000001' };
const ORG_B = { name: 'Org B', uuid: 'b0000000-0000-4000-8000-000000000002' };
const CREATOR = { name: 'Creator', uuid: 'c0000000-0000-4000-8000-000000000003' };

forEachDialect('event ownership', (fixture) => {
  let store: Store;
  let ids: { own: number; shared: number };
  const viewerOf = async (org: { uuid: string }, siteAdmin = false): Promise<Viewer> =>
    ({ kind: 'user', orgId: (await findOrganisation(store, org.uuid))!.id, siteAdmin });

  before(async () => {
    store = await fixture.open();
    const save = async (e: Record<string, unknown>) => (await saveEvent(store, parseMispEvent({ Event: { date: '2024-01-01', timestamp: '10', ...e } }).event!));
    await save({ uuid: OWN, info: 'Held by A, made by the creator', distribution: '0', published: false, Org: ORG_A, Orgc: CREATOR,
      Attribute: [{ type: 'domain', value: 'a.example' }] });
    await save({ uuid: SHARED, info: 'B shares it', distribution: '1', published: true, Org: ORG_B, Orgc: ORG_B });
    ids = { own: (await loadEvent(store, OPERATOR, { uuid: OWN }))!.id, shared: (await loadEvent(store, OPERATOR, { uuid: SHARED }))!.id };
  });
  after(() => fixture.cleanup());

  it('answers owner, creator, distribution, publication, lock and version, by id or uuid', async () => {
    const a = await viewerOf(ORG_A);
    const expected = { id: ids.own, uuid: OWN, orgUuid: ORG_A.uuid, orgName: ORG_A.name, orgcUuid: CREATOR.uuid, orgcName: CREATOR.name,
      distribution: 0, published: false, protected: false, locked: false, timestamp: 10 };
    assert.deepEqual(await eventOwnership(store, a, { id: ids.own }), expected);
    assert.deepEqual(await eventOwnership(store, a, { uuid: OWN }), expected);
    assert.deepEqual(await eventOwnership(store, a, { uuid: SHARED }),
      { id: ids.shared, uuid: SHARED, orgUuid: ORG_B.uuid, orgName: ORG_B.name, orgcUuid: ORG_B.uuid, orgcName: ORG_B.name,
        distribution: 1, published: true, protected: false, locked: false, timestamp: 10 });
  });

  it('gives the same facts as the whole event', async () => {
    const whole = (await loadEvent(store, OPERATOR, { id: ids.own }))!;
    const owned = (await eventOwnership(store, OPERATOR, { id: ids.own }))!;
    assert.deepEqual(eventFacts(whole), { orgUuid: owned.orgUuid, orgcUuid: owned.orgcUuid });
  });

  it('knows no event the viewer may not see, nor one that does not exist', async () => {
    const b = await viewerOf(ORG_B);
    assert.equal(await eventOwnership(store, b, { id: ids.own }), undefined, 'organisation only: B may not see it');
    assert.equal(await eventOwnership(store, b, { uuid: OWN }), undefined);
    assert.equal((await eventOwnership(store, b, { id: ids.shared }))?.id, ids.shared);
    assert.equal(await eventOwnership(store, OPERATOR, { id: 999_999 }), undefined);
    assert.equal(await eventOwnership(store, OPERATOR, { uuid: '90000000-0000-4000-8000-000000000009' }), undefined);
  });

  it('lets site admins and the operator see every event', async () => {
    assert.equal((await eventOwnership(store, await viewerOf(ORG_B, true), { id: ids.own }))?.uuid, OWN);
    assert.equal((await eventOwnership(store, OPERATOR, { uuid: OWN }))?.orgcUuid, CREATOR.uuid);
  });
});
