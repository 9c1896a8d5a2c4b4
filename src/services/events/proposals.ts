import type { User } from '../../store/access/users.js';
import type { Store } from '../../store/db/database.js';
import { attributeUuidTaken, loadEvent } from '../../store/events/reader.js';
import { listProposals, markProposalDone, type Proposal } from '../../store/proposals.js';
import { changedEventStamp, changedItemStamp, currentSecond } from '../../model/versions.js';
import type { Viewer } from '../../access/viewer.js';
import type { JsonObject } from '../../formats/misp-json/coerce.js';
import { viewerOf } from '../../access/viewer.js';
import { mayChange } from '../../access/policy/events.js';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { serializeMispEvent } from '../../formats/misp-json/serialize.js';
import { softDeletion } from '../../model/deletion.js';
import { describeProblem } from '../../model/problems.js';
import type { MispEvent } from '../../model/event.js';
import { ServiceError } from '../errors.js';
import { resolveSharingGroups } from './sharing-group-refs.js';
import type { WriteQueue } from '../write-queue.js';

const NOT_YOURS = 'Proposal not found or you are not authorised to accept it.';

/** The fields of a proposal as an attribute of MISP's JSON, for the parser that every attribute write goes through. */
function proposedFields(p: Proposal): Record<string, unknown> {
  return { type: p.type, category: p.category, value: p.value, to_ids: p.toIds, comment: p.comment, first_seen: p.firstSeen, last_seen: p.lastSeen };
}

/**
 * Accepts a proposal as MISP does: a new attribute joins the event (distribution "inherit"), a change
 * rewrites the attribute's value, type, category, comment, to_ids and first/last seen, a deletion
 * soft-deletes it. The write goes through the same event update as attributes/add and edit, and leaves
 * the event unpublished, since it changed. Only a user who may change the event accepts.
 */
export async function acceptProposal(store: Store, writes: WriteQueue, user: User, p: Proposal): Promise<string> {
  const stored = await loadEvent(store, viewerOf(user), { id: p.eventId }, { includeDeleted: true });
  if (!stored || !mayChange(user, stored)) throw new ServiceError('not-allowed', NOT_YOURS);
  const now = currentSecond();
  let change: MispEvent;
  if (p.oldId === 0) {
    // A proposer names the new attribute's uuid: one already used would make the write change that attribute.
    if (await attributeUuidTaken(store, p.uuid)) {
      throw new ServiceError('rejected', 'The attribute could not be saved.', { errors: { uuid: ['An attribute with this uuid exists already.'] } });
    }
    const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(now),
      Attribute: [{ ...proposedFields(p), uuid: p.uuid, distribution: '5', timestamp: String(now) }] } }, { defaultDistribution: stored.distribution });
    const attribute = parsed.event?.attributes[0];
    if (!attribute) throw new ServiceError('rejected', 'The attribute could not be saved.', { errors: Object.fromEntries(parsed.problems.map((x) => [x.field, [describeProblem(x)]])) });
    change = { ...stored, published: false, timestamp: changedEventStamp(stored.timestamp, [now], now), attributes: [attribute], objects: [], reports: [] };
  } else {
    const inObject = stored.objects.find((o) => o.attributes.some((a) => a.uuid === p.uuid));
    const current = [...stored.attributes, ...(inObject?.attributes ?? [])].find((a) => a.uuid === p.uuid);
    if (!current) throw new ServiceError('not-allowed', NOT_YOURS);
    if (p.proposalToDelete) {
      change = { ...softDeletion(stored, current.uuid, now)!, published: false };
    } else {
      const at = changedItemStamp(current.timestamp, now);
      const merged = {
        ...(serializeMispEvent({ ...stored, attributes: [current], objects: [], reports: [] }).Event.Attribute as Array<Record<string, unknown>>)[0],
        ...proposedFields(p), uuid: current.uuid, object_relation: current.object_relation, timestamp: String(at),
        ...(current.sharing_group?.id !== undefined ? { sharing_group_id: current.sharing_group.id } : {}),
      };
      const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(at), Attribute: [merged] } }, { defaultDistribution: stored.distribution });
      const attribute = parsed.event?.attributes[0];
      if (!attribute) throw new ServiceError('rejected', 'The attribute could not be saved.', { errors: Object.fromEntries(parsed.problems.map((x) => [x.field, [describeProblem(x)]])) });
      const changed = { ...attribute, tags: current.tags, sightings: [], object_relation: current.object_relation };
      const holder = inObject && { ...inObject, timestamp: Math.max(at, changedItemStamp(inObject.timestamp, now)), references: [], attributes: [changed] };
      change = { ...stored, published: false, timestamp: changedEventStamp(stored.timestamp, [at, holder?.timestamp ?? at], now), reports: [],
        attributes: holder ? [] : [changed], objects: holder ? [holder] : [] };
    }
  }
  await resolveSharingGroups(store, user, change);
  await writes.update(change);
  await markProposalDone(store, p.id, now);
  return p.oldId === 0 ? 'Proposal accepted.' : 'Proposed change accepted.';
}

/** Discards a proposal: the event's owner may, and so may whoever made it (MISP: the same e-mail address). False when the user may not. */
export async function discardProposal(store: Store, user: User, p: Proposal): Promise<boolean> {
  const owner = mayChange(user, { org: { uuid: p.eventOrgUuid }, orgc: { uuid: p.eventOrgcUuid } });
  if (!owner && user.email !== p.email) return false;
  await markProposalDone(store, p.id, Math.floor(Date.now() / 1000));
  return true;
}

/**
 * A proposal as MISP's shadow_attributes/index and events/view list it: ids as text, flags booleans, with
 * its event's and proposer's uuids (old_uuid, of the attribute changed, is the proposal's own uuid).
 */
export function proposalDocument(p: Proposal) {
  return {
    id: String(p.id), old_id: String(p.oldId), event_id: String(p.eventId), type: p.type, category: p.category, value: p.value, comment: p.comment,
    to_ids: p.toIds, uuid: p.uuid, first_seen: p.firstSeen, last_seen: p.lastSeen, org_id: String(p.orgId), timestamp: String(p.timestamp),
    deleted: p.deleted, proposal_to_delete: p.proposalToDelete, disable_correlation: p.disableCorrelation, org_uuid: p.orgUuid,
    ...(p.oldId !== 0 ? { old_uuid: p.uuid } : {}), event_uuid: p.eventUuid, Org: { name: p.orgName, uuid: p.orgUuid },
  };
}

/**
 * The pending proposals in an event document, as MISP's events/view has them: new attributes in the
 * event's `ShadowAttribute`, changes and deletions in their attribute's. Only those the viewer may see
 * (his organisation's, or all when the event is his organisation's).
 */
export async function addProposalsToDocument(store: Store, viewer: Viewer, event: JsonObject): Promise<void> {
  const eventId = Number(event.id);
  const pending = Number.isInteger(eventId) && eventId > 0 ? await listProposals(store, viewer, { eventId, deleted: false }) : [];
  event.ShadowAttribute = pending.filter((p) => p.oldId === 0).map(proposalDocument) as unknown as JsonObject[];
  const objects = (event.Object as JsonObject[] | undefined) ?? [];
  const attributes = [...((event.Attribute as JsonObject[] | undefined) ?? []), ...objects.flatMap((o) => (o.Attribute as JsonObject[] | undefined) ?? [])];
  for (const a of attributes) {
    const mine = pending.filter((p) => p.oldId !== 0 && p.uuid === a.uuid);
    if (mine.length > 0) a.ShadowAttribute = mine.map(proposalDocument) as unknown as JsonObject[];
  }
}
