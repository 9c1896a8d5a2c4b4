import { randomUUID } from 'node:crypto';
import type { Viewer } from '../access/viewer.js';
import type { Store } from './db/database.js';
import { touchEvents } from './events/changed.js';
import { bytesToUuid, uuidToBytes } from './db/uuid.js';
import { attributeVisibleTo, sightingVisibleTo } from './visibility.js';

export interface SightingRecord {
  id: number;
  uuid: string;
  attributeId: number;
  attributeUuid: string;
  eventId: number;
  orgId: number | null;
  orgName: string | null;
  orgUuid: string | null;
  type: number;
  dateSighting: number;
  source: string;
}

/** Records that an organisation saw (0), judged a false positive (1) or saw expire (2) each attribute. */
export async function addSightings(store: Store, attributes: ReadonlyArray<{ id: number; eventId: number }>, orgId: number, type: number, date: number, source: string): Promise<string[]> {
  const uuids = attributes.map(() => randomUUID());
  if (attributes.length === 0) return uuids;
  await store.db.transaction().execute(async (trx) => {
    await trx.insertInto('sighting').values(attributes.map((a, i) => ({
      uuid: uuidToBytes(uuids[i]!), attribute_id: a.id, event_id: a.eventId, org_id: orgId, type, date_sighting: date, source,
    }))).execute();
    await touchEvents(store, trx, attributes.map((a) => a.eventId));
  });
  return uuids;
}

/**
 * Sightings of some attributes, or of an event's, that the viewer may see (sightingVisibleTo). The
 * attributes themselves must already be the viewer's to see.
 */
export async function listSightings(store: Store, viewer: Viewer, on: { attributeIds: readonly number[] } | { eventId: number }): Promise<SightingRecord[]> {
  let q = store.db.selectFrom('sighting')
    .innerJoin('event', 'event.id', 'sighting.event_id')
    .innerJoin('attribute', 'attribute.id', 'sighting.attribute_id')
    .leftJoin('organisation', 'organisation.id', 'sighting.org_id')
    .select(['sighting.id', 'sighting.uuid', 'sighting.attribute_id', 'attribute.uuid as attribute_uuid', 'sighting.event_id', 'sighting.org_id',
      'organisation.name as org_name', 'organisation.uuid as org_uuid', 'sighting.type', 'sighting.date_sighting', 'sighting.source'])
    .orderBy('sighting.id');
  q = 'eventId' in on ? q.where('sighting.event_id', '=', on.eventId)
    : on.attributeIds.length ? q.where('sighting.attribute_id', 'in', [...on.attributeIds]) : q.where('sighting.id', '<', 0);
  q = q.where(sightingVisibleTo(viewer));
  return (await q.execute()).map((r) => ({
    id: r.id, uuid: bytesToUuid(r.uuid), attributeId: r.attribute_id, attributeUuid: bytesToUuid(r.attribute_uuid), eventId: r.event_id,
    orgId: r.org_id, orgName: r.org_name, orgUuid: r.org_uuid ? bytesToUuid(r.org_uuid) : null, type: r.type, dateSighting: r.date_sighting, source: r.source,
  }));
}

/**
 * The latest sighting the viewer may see on each of these events (MISP's sighting_timestamp, which a
 * pulling instance compares to decide whether to fetch sightings); events without one are left out.
 */
export async function latestSightings(store: Store, viewer: Viewer, eventIds: readonly number[]): Promise<Map<number, number>> {
  if (eventIds.length === 0) return new Map();
  const rows = await store.db.selectFrom('sighting')
    .innerJoin('event', 'event.id', 'sighting.event_id')
    .innerJoin('attribute', 'attribute.id', 'sighting.attribute_id')
    .select(['sighting.event_id', (eb) => eb.fn.max('sighting.date_sighting').as('latest')])
    .where('sighting.event_id', 'in', [...eventIds])
    .where(attributeVisibleTo(viewer)).where(sightingVisibleTo(viewer))
    .groupBy('sighting.event_id').execute();
  return new Map(rows.map((r) => [r.event_id, Number(r.latest)]));
}

/** What sightings/restSearch asks for; every list is "any of these", an empty filter is every sighting seen. */
export interface SightingFilter {
  attributeIds?: readonly number[];
  attributeUuids?: readonly string[];
  eventIds?: readonly number[];
  eventUuids?: readonly string[];
  types?: readonly number[];
  orgIds?: readonly number[];
  notOrgIds?: readonly number[];
  sources?: readonly string[];
  /** date_sighting bounds, epoch seconds, inclusive. */
  from?: number;
  to?: number;
}

/** A sighting as sightings/restSearch gives it: with the attribute and event it is on. */
export interface SightingHit extends SightingRecord {
  attribute: { id: number; uuid: string; type: string; category: string; toIds: boolean; value: string };
  event: { id: number; uuid: string; orgId: number; orgcId: number; orgcName: string | null; info: string };
}

/**
 * Sightings matching a filter, only on attributes the viewer may see (attributeVisibleTo, not deleted) and
 * only those the sighting policy shows him (sightingVisibleTo), oldest first.
 */
export async function searchSightings(store: Store, viewer: Viewer, f: SightingFilter): Promise<SightingHit[]> {
  let q = store.db.selectFrom('sighting')
    .innerJoin('event', 'event.id', 'sighting.event_id')
    .innerJoin('attribute', 'attribute.id', 'sighting.attribute_id')
    .leftJoin('organisation', 'organisation.id', 'sighting.org_id')
    .leftJoin('organisation as orgc', 'orgc.id', 'event.orgc_id')
    .select(['sighting.id', 'sighting.uuid', 'sighting.attribute_id', 'attribute.uuid as attribute_uuid', 'sighting.event_id', 'sighting.org_id',
      'organisation.name as org_name', 'organisation.uuid as org_uuid', 'sighting.type', 'sighting.date_sighting', 'sighting.source',
      'attribute.type as attribute_type', 'attribute.category', 'attribute.to_ids', 'attribute.value1', 'attribute.value2',
      'event.uuid as event_uuid', 'event.org_id as event_org_id', 'event.orgc_id', 'orgc.name as orgc_name', 'event.info'])
    .where('attribute.deleted', '=', 0)
    .where(attributeVisibleTo(viewer))
    .where(sightingVisibleTo(viewer))
    .orderBy('sighting.id');
  const none = (xs: readonly unknown[] | undefined) => xs !== undefined && xs.length === 0;
  if ([f.attributeIds, f.attributeUuids, f.eventIds, f.eventUuids, f.types, f.orgIds, f.sources].some(none)) return [];
  if (f.attributeIds) q = q.where('sighting.attribute_id', 'in', [...f.attributeIds]);
  if (f.attributeUuids) q = q.where('attribute.uuid', 'in', f.attributeUuids.map(uuidToBytes));
  if (f.eventIds) q = q.where('sighting.event_id', 'in', [...f.eventIds]);
  if (f.eventUuids) q = q.where('event.uuid', 'in', f.eventUuids.map(uuidToBytes));
  if (f.types) q = q.where('sighting.type', 'in', [...f.types]);
  if (f.orgIds) q = q.where('sighting.org_id', 'in', [...f.orgIds]);
  if (f.notOrgIds?.length) q = q.where((eb) => eb.or([eb('sighting.org_id', 'is', null), eb('sighting.org_id', 'not in', [...f.notOrgIds!])]));
  if (f.sources) q = q.where('sighting.source', 'in', [...f.sources]);
  if (f.from !== undefined) q = q.where('sighting.date_sighting', '>=', f.from);
  if (f.to !== undefined) q = q.where('sighting.date_sighting', '<=', f.to);
  return (await q.execute()).map((r) => ({
    id: r.id, uuid: bytesToUuid(r.uuid), attributeId: r.attribute_id, attributeUuid: bytesToUuid(r.attribute_uuid), eventId: r.event_id,
    orgId: r.org_id, orgName: r.org_name, orgUuid: r.org_uuid ? bytesToUuid(r.org_uuid) : null, type: r.type, dateSighting: r.date_sighting, source: r.source,
    attribute: { id: r.attribute_id, uuid: bytesToUuid(r.attribute_uuid), type: r.attribute_type, category: r.category, toIds: Boolean(r.to_ids), value: r.value2 ? `${r.value1}|${r.value2}` : r.value1 },
    event: { id: r.event_id, uuid: bytesToUuid(r.event_uuid), orgId: r.event_org_id, orgcId: r.orgc_id, orgcName: r.orgc_name, info: r.info },
  }));
}

/** One sighting by id or uuid, whoever made it (the caller decides who may act on it). */
export async function findSighting(store: Store, ref: { id: number } | { uuid: string }): Promise<{ id: number; orgId: number | null; orgUuid: string | null } | undefined> {
  const q = store.db.selectFrom('sighting').leftJoin('organisation', 'organisation.id', 'sighting.org_id')
    .select(['sighting.id', 'sighting.org_id', 'organisation.uuid as org_uuid']);
  const r = await ('id' in ref ? q.where('sighting.id', '=', ref.id) : q.where('sighting.uuid', '=', uuidToBytes(ref.uuid))).executeTakeFirst();
  return r && { id: r.id, orgId: r.org_id, orgUuid: r.org_uuid ? bytesToUuid(r.org_uuid) : null };
}

/** Removes a sighting; its event counts as changed (sightings are part of what an event shows). */
export async function deleteSighting(store: Store, id: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('sighting').where('id', '=', id).returning('event_id').executeTakeFirst();
    if (row) await touchEvents(store, trx, [row.event_id]);
  });
}

/** What the decay of an attribute depends on among its sightings: the newest of type 0, and how many of type 0 and of all types. */
export interface SightingSummary {
  lastPositive?: number;
  positives: number;
  total: number;
}

/**
 * The summary of the sightings of these attributes that the viewer may see (sightingVisibleTo), by
 * attribute id; an attribute without any is absent. The attributes must already be the viewer's to see.
 */
export async function sightingSummaries(store: Store, viewer: Viewer, attributeIds: readonly number[]): Promise<Map<number, SightingSummary>> {
  const out = new Map<number, SightingSummary>();
  if (attributeIds.length === 0) return out;
  const rows = await store.db.selectFrom('sighting').innerJoin('event', 'event.id', 'sighting.event_id')
    .select((eb) => ['sighting.attribute_id', 'sighting.type', eb.fn.countAll<number | string>().as('n'), eb.fn.max('sighting.date_sighting').as('last')])
    .where('sighting.attribute_id', 'in', [...new Set(attributeIds)]).where(sightingVisibleTo(viewer))
    .groupBy(['sighting.attribute_id', 'sighting.type']).execute();
  for (const r of rows) {
    const s = out.get(r.attribute_id) ?? { positives: 0, total: 0 };
    const n = Number(r.n);
    s.total += n;
    if (r.type === 0) {
      s.positives += n;
      s.lastPositive = Number(r.last);
    }
    out.set(r.attribute_id, s);
  }
  return out;
}

/** Which of these sighting uuids the event holds already (MISP's filterSightingUuidsForPush: the remote sends only the others). */
export async function heldSightingUuids(store: Store, eventId: number, uuids: readonly string[]): Promise<string[]> {
  if (uuids.length === 0) return [];
  const rows = await store.db.selectFrom('sighting').select('uuid')
    .where('event_id', '=', eventId).where('uuid', 'in', uuids.map(uuidToBytes)).execute();
  return rows.map((r) => bytesToUuid(r.uuid));
}

/** The attributes of an event the viewer may see, by uuid: where a pushed sighting may land. */
export async function visibleAttributeIds(store: Store, viewer: Viewer, eventId: number, uuids: readonly string[]): Promise<Map<string, number>> {
  if (uuids.length === 0) return new Map();
  const rows = await store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.id', 'attribute.uuid'])
    .where('attribute.event_id', '=', eventId).where('attribute.uuid', 'in', uuids.map(uuidToBytes)).where(attributeVisibleTo(viewer)).execute();
  return new Map(rows.map((r) => [bytesToUuid(r.uuid), r.id]));
}

/** A sighting another instance pushed, kept under its own uuid and organisation (null: anonymous). */
export interface SyncedSighting {
  uuid: string;
  attributeId: number;
  eventId: number;
  orgId: number | null;
  type: number;
  dateSighting: number;
  source: string;
}

/**
 * Stores pushed sightings, in one transaction: a uuid held already is skipped (sightings never change),
 * and an expiration replaces the organisation's earlier one on that attribute, as MISP does. Answers how many were added.
 */
export async function saveSyncedSightings(store: Store, sightings: readonly SyncedSighting[]): Promise<number> {
  if (sightings.length === 0) return 0;
  return store.db.transaction().execute(async (trx) => {
    const held = new Set((await trx.selectFrom('sighting').select('uuid').where('uuid', 'in', sightings.map((s) => uuidToBytes(s.uuid))).execute())
      .map((r) => bytesToUuid(r.uuid)));
    const fresh = sightings.filter((s) => !held.has(s.uuid) && (held.add(s.uuid), true));
    for (const s of fresh.filter((x) => x.type === 2 && x.orgId !== null)) {
      await trx.deleteFrom('sighting').where('org_id', '=', s.orgId).where('type', '=', 2).where('attribute_id', '=', s.attributeId).execute();
    }
    if (fresh.length === 0) return 0;
    await trx.insertInto('sighting').values(fresh.map((s) => ({
      uuid: uuidToBytes(s.uuid), attribute_id: s.attributeId, event_id: s.eventId, org_id: s.orgId, type: s.type, date_sighting: s.dateSighting, source: s.source,
    }))).execute();
    await touchEvents(store, trx, [...new Set(fresh.map((s) => s.eventId))]);
    return fresh.length;
  });
}
