import type { Insertable, Kysely } from 'kysely';
import type { Viewer } from '../access/viewer.js';
import type { Store } from './db/database.js';
import type { Database, ShadowAttributeTable } from './db/schema.js';
import { bytesToUuid } from './db/uuid.js';
import { proposalVisibleTo } from './visibility.js';

/** A proposal (MISP's shadow attribute) as read back, with what its answers and decisions need of its event. */
export interface Proposal {
  id: number;
  uuid: string;
  eventId: number;
  eventUuid: string;
  eventInfo: string;
  /** The event's owner and creator, for the decision who may accept. */
  eventOrgId: number;
  eventOrgUuid: string;
  eventOrgcId: number;
  eventOrgcUuid: string;
  oldId: number;
  orgId: number;
  orgUuid: string;
  orgName: string;
  email: string;
  type: string;
  category: string;
  value: string;
  toIds: boolean;
  comment: string;
  firstSeen: string | null;
  lastSeen: string | null;
  disableCorrelation: boolean;
  proposalToDelete: boolean;
  deleted: boolean;
  timestamp: number;
}

export type NewProposal = Omit<Insertable<ShadowAttributeTable>, 'id'>;

export interface ProposalFilters {
  eventId?: number;
  /** Only those of events the given organisation created (MISP's `all: 0`). */
  eventOrgcId?: number;
  deleted?: boolean;
  /** Changed at or after (epoch seconds). */
  since?: number;
  /** Words in the value, comment, uuid, event info or uuid, or proposer's name (lower-cased here). */
  searchall?: string;
  limit?: number;
  page?: number;
  /** A column to order by (MISP's `sort`), ascending unless `descending`; unknown columns order by id. */
  sort?: string;
  descending?: boolean;
}

const SORTABLE = ['id', 'old_id', 'event_id', 'type', 'category', 'value', 'to_ids', 'comment', 'org_id', 'timestamp', 'deleted', 'proposal_to_delete', 'uuid'] as const;

function query(db: Kysely<Database>, viewer: Viewer) {
  return db.selectFrom('shadow_attribute')
    .innerJoin('event', 'event.id', 'shadow_attribute.event_id')
    .innerJoin('organisation as proposer', 'proposer.id', 'shadow_attribute.org_id')
    .innerJoin('organisation as org', 'org.id', 'event.org_id')
    .innerJoin('organisation as orgc', 'orgc.id', 'event.orgc_id')
    .selectAll('shadow_attribute')
    .select(['event.uuid as event_uuid', 'event.info as event_info', 'event.org_id as event_org_id', 'event.orgc_id as event_orgc_id',
      'org.uuid as event_org_uuid', 'orgc.uuid as event_orgc_uuid', 'proposer.uuid as proposer_uuid', 'proposer.name as proposer_name'])
    .where(proposalVisibleTo(viewer));
}

type Row = Awaited<ReturnType<ReturnType<typeof query>['executeTakeFirstOrThrow']>>;

function toProposal(r: Row): Proposal {
  return {
    id: r.id, uuid: r.uuid, eventId: r.event_id, eventUuid: bytesToUuid(r.event_uuid), eventInfo: r.event_info,
    eventOrgId: r.event_org_id, eventOrgUuid: bytesToUuid(r.event_org_uuid), eventOrgcId: r.event_orgc_id, eventOrgcUuid: bytesToUuid(r.event_orgc_uuid),
    oldId: r.old_id, orgId: r.org_id, orgUuid: bytesToUuid(r.proposer_uuid), orgName: r.proposer_name, email: r.email,
    type: r.type, category: r.category, value: r.value, toIds: r.to_ids === 1, comment: r.comment, firstSeen: r.first_seen, lastSeen: r.last_seen,
    disableCorrelation: r.disable_correlation === 1, proposalToDelete: r.proposal_to_delete === 1, deleted: r.deleted === 1, timestamp: Number(r.timestamp),
  };
}

/** Stores a proposal; answers its id. */
export async function insertProposal(store: Store, proposal: NewProposal): Promise<number> {
  const row = await store.db.insertInto('shadow_attribute').values(proposal).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** One proposal the viewer may see, by id (or by its uuid, as MISP's `?uuid=`); an accepted or discarded one only when asked. */
export async function proposalById(store: Store, viewer: Viewer, ref: { id: number } | { uuid: string }, includeDeleted = false): Promise<Proposal | undefined> {
  let q = query(store.db, viewer);
  q = 'id' in ref ? q.where('shadow_attribute.id', '=', ref.id) : q.where('shadow_attribute.uuid', '=', ref.uuid.toLowerCase()).orderBy('shadow_attribute.id', 'desc');
  if (!includeDeleted) q = q.where('shadow_attribute.deleted', '=', 0);
  const row = await q.executeTakeFirst();
  return row && toProposal(row);
}

/** The query of listProposals (catalogued in src/store/queries, as it applies the access policy). */
export function proposalListQuery(db: Kysely<Database>, viewer: Viewer, f: ProposalFilters) {
  let q = query(db, viewer);
  if (f.eventId !== undefined) q = q.where('shadow_attribute.event_id', '=', f.eventId);
  if (f.eventOrgcId !== undefined) q = q.where('event.orgc_id', '=', f.eventOrgcId);
  if (f.deleted !== undefined) q = q.where('shadow_attribute.deleted', '=', f.deleted ? 1 : 0);
  if (f.since !== undefined) q = q.where('shadow_attribute.timestamp', '>=', f.since);
  if (f.searchall) {
    const term = `%${f.searchall.toLowerCase()}%`;
    q = q.where((eb) => eb.or([
      eb(eb.fn('lower', ['shadow_attribute.value']), 'like', term), eb(eb.fn('lower', ['shadow_attribute.comment']), 'like', term),
      eb(eb.fn('lower', ['shadow_attribute.uuid']), 'like', term), eb(eb.fn('lower', ['event.info']), 'like', term),
      eb(eb.fn('lower', ['proposer.name']), 'like', term),
    ]));
  }
  const column = SORTABLE.find((c) => c === f.sort);
  if (column) q = q.orderBy(`shadow_attribute.${column}`, f.descending ? 'desc' : 'asc');
  q = q.orderBy('shadow_attribute.id');
  if (f.limit !== undefined) q = q.limit(f.limit).offset(((f.page ?? 1) - 1) * f.limit);
  return q;
}

/** The proposals the viewer may see that match the filters, oldest first. */
export async function listProposals(store: Store, viewer: Viewer, f: ProposalFilters): Promise<Proposal[]> {
  return (await proposalListQuery(store.db, viewer, f).execute()).map(toProposal);
}

/** Marks a proposal accepted or discarded (MISP keeps it, deleted). */
export async function markProposalDone(store: Store, id: number, timestamp: number): Promise<void> {
  await store.db.updateTable('shadow_attribute').set({ deleted: 1, timestamp }).where('id', '=', id).execute();
}

/** What identifies a proposal another instance sends: MISP's findOldProposal compares all of these. */
export interface ProposalIdentity {
  eventId: number;
  uuid: string;
  value: string;
  type: string;
  category: string;
  toIds: boolean;
  comment: string;
}

/**
 * Stores a proposal pulled from another instance as MISP's ShadowAttribute::capture: one held with the
 * same identity is replaced only by a newer one (and then deleted first). Answers whether it was stored.
 */
export async function captureProposal(store: Store, id: ProposalIdentity, proposal: NewProposal): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const held = await trx.selectFrom('shadow_attribute').select(['id', 'timestamp']).where('event_id', '=', id.eventId).where('uuid', '=', id.uuid)
      .where('value', '=', id.value).where('type', '=', id.type).where('category', '=', id.category).where('to_ids', '=', id.toIds ? 1 : 0)
      .where('comment', '=', id.comment).orderBy('id', 'desc').executeTakeFirst();
    if (held && Number(held.timestamp) >= Number(proposal.timestamp)) return false;
    if (held) await trx.deleteFrom('shadow_attribute').where('id', '=', held.id).execute();
    await trx.insertInto('shadow_attribute').values(proposal).execute();
    return true;
  });
}
