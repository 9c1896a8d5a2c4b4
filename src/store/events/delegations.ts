import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../db/database.js';
import { bytesToUuid } from '../db/uuid.js';
import { delegationVisibleTo } from '../visibility.js';
import { touchEvents } from './changed.js';

/**
 * MISP's event delegations: the organisation that created an event asks another to take it over; the
 * organisation asked accepts (the event becomes its own) or either side withdraws the request.
 */
export interface OrgRef {
  id: number;
  uuid: string;
  name: string;
}

export interface Delegation {
  id: number;
  eventId: number;
  orgId: number;
  requesterOrgId: number;
  message: string;
  /** What the requester asks the event to be shared with; -1: the recipient decides. */
  distribution: number;
  sharingGroupId: number | null;
  created: number;
  org: OrgRef;
  requesterOrg: OrgRef;
  /** The summary of the event, which the organisation asked sees so that it can decide. */
  event: {
    id: number; uuid: string; info: string; date: string; analysis: number; distribution: number;
    threatLevelId: number; attributeCount: number;
  };
}

export interface DelegationInput {
  eventId: number;
  orgId: number;
  requesterOrgId: number;
  message: string;
  distribution: number;
  sharingGroupId: number | null;
}

function delegationQuery(store: Store, viewer: Viewer) {
  return store.db.selectFrom('event_delegation')
    .innerJoin('event', 'event.id', 'event_delegation.event_id')
    .innerJoin('organisation as org', 'org.id', 'event_delegation.org_id')
    .innerJoin('organisation as requester', 'requester.id', 'event_delegation.requester_org_id')
    .select([
      'event_delegation.id', 'event_delegation.event_id', 'event_delegation.org_id', 'event_delegation.requester_org_id',
      'event_delegation.message', 'event_delegation.distribution', 'event_delegation.sharing_group_id', 'event_delegation.created',
      'org.uuid as org_uuid', 'org.name as org_name', 'requester.uuid as requester_uuid', 'requester.name as requester_name',
      'event.uuid as event_uuid', 'event.info', 'event.date', 'event.analysis', 'event.distribution as event_distribution',
      'event.threat_level_id', 'event.attribute_count',
    ])
    .where(delegationVisibleTo(viewer));
}

type Row = Awaited<ReturnType<ReturnType<typeof delegationQuery>['executeTakeFirstOrThrow']>>;

function delegationOf(r: Row): Delegation {
  return {
    id: r.id, eventId: r.event_id, orgId: r.org_id, requesterOrgId: r.requester_org_id, message: r.message,
    distribution: r.distribution, sharingGroupId: r.sharing_group_id, created: Number(r.created),
    org: { id: r.org_id, uuid: bytesToUuid(r.org_uuid), name: r.org_name },
    requesterOrg: { id: r.requester_org_id, uuid: bytesToUuid(r.requester_uuid), name: r.requester_name },
    event: {
      id: r.event_id, uuid: bytesToUuid(r.event_uuid), info: r.info, date: r.date, analysis: r.analysis,
      distribution: r.event_distribution, threatLevelId: r.threat_level_id, attributeCount: r.attribute_count,
    },
  };
}

/** One delegation, when the viewer may see it (one of its two organisations, or a site admin). */
export async function findDelegation(store: Store, viewer: Viewer, id: number): Promise<Delegation | undefined> {
  const row = await delegationQuery(store, viewer).where('event_delegation.id', '=', id).executeTakeFirst();
  return row ? delegationOf(row) : undefined;
}

/** Whether an event has a request waiting (whoever made it: an event has one at most). */
export async function eventHasDelegation(store: Store, eventId: number): Promise<boolean> {
  return (await store.db.selectFrom('event_delegation').select('id').where('event_id', '=', eventId).executeTakeFirst()) !== undefined;
}

export interface DelegationFilter {
  /** pending: the requests the organisation is asked to accept; issued: those it made. */
  context: 'pending' | 'issued';
  orgId: number;
  /** Part of the message, the event's info or either organisation's name, in any case. */
  value?: string;
}

/** The delegations of an organisation, newest first, as MISP's index lists them. */
export async function listDelegations(store: Store, viewer: Viewer, filter: DelegationFilter): Promise<Delegation[]> {
  let query = delegationQuery(store, viewer)
    .where(filter.context === 'pending' ? 'event_delegation.org_id' : 'event_delegation.requester_org_id', '=', filter.orgId);
  if (filter.value) {
    const pattern = `%${filter.value.trim().toLowerCase()}%`;
    query = query.where((eb) => eb.or([
      eb(eb.fn('lower', ['event_delegation.message']), 'like', pattern),
      eb(eb.fn('lower', ['event.info']), 'like', pattern),
      eb(eb.fn('lower', ['org.name']), 'like', pattern),
      eb(eb.fn('lower', ['requester.name']), 'like', pattern),
    ]));
  }
  return (await query.orderBy('event_delegation.id', 'desc').execute()).map(delegationOf);
}

/** Stores a request; undefined when the event already has one (the unique key decides, race or not). */
export async function addDelegation(store: Store, input: DelegationInput): Promise<number | undefined> {
  return store.db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('event_delegation').select('id').where('event_id', '=', input.eventId).executeTakeFirst();
    if (taken) return undefined;
    const row = await trx.insertInto('event_delegation').values({
      event_id: input.eventId, org_id: input.orgId, requester_org_id: input.requesterOrgId, message: input.message,
      distribution: input.distribution, sharing_group_id: input.sharingGroupId, created: Math.floor(Date.now() / 1000),
    }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  });
}

export async function deleteDelegation(store: Store, id: number): Promise<boolean> {
  const done = await store.db.deleteFrom('event_delegation').where('id', '=', id).executeTakeFirst();
  return Number(done.numDeletedRows) > 0;
}

/**
 * Accepts a delegation: in one transaction the event's owner and creator become the organisation asked
 * (as MISP's transferEvent does), the event gets a new version, and the request is gone. The access
 * policy reads the owner from the event row, so the old owner loses what only an owner sees with the
 * commit. Answers the event's id, or undefined when the request is no longer there (withdrawn meanwhile)
 * or is not addressed to `orgId`.
 */
export async function transferDelegatedEvent(store: Store, id: number, orgId: number): Promise<number | undefined> {
  return store.db.transaction().execute(async (trx) => {
    const d = await trx.selectFrom('event_delegation').select(['event_id', 'org_id']).where('id', '=', id).executeTakeFirst();
    if (!d || d.org_id !== orgId) return undefined;
    const row = await trx.selectFrom('event').select('timestamp').where('id', '=', d.event_id).executeTakeFirst();
    if (!row) return undefined;
    const timestamp = Math.max(Math.floor(Date.now() / 1000), Number(row.timestamp) + 1);
    await trx.updateTable('event').set({ org_id: d.org_id, orgc_id: d.org_id, timestamp }).where('id', '=', d.event_id).execute();
    await trx.deleteFrom('event_delegation').where('id', '=', id).execute();
    await touchEvents(store, trx, [d.event_id]);
    return d.event_id;
  });
}
