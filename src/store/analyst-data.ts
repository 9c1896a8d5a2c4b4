import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { seesEverything, type Viewer } from '../access/viewer.js';
import type { AnalystKind } from '../model/analyst-data.js';
import { parseItemRef, type OrganisationRef } from '../model/event.js';
import { sharingGroupNames } from './access/sharing-groups.js';
import { runPrecompiled, type Store } from './db/database.js';
import type { Database } from './db/schema.js';
import { bytesToUuid, uuidToBytes } from './db/uuid.js';
import { newIdScope } from './events/id-scope.js';
import { RefResolver } from './events/ref-resolver.js';
import { attributeVisibleTo, eventVisibleTo, objectVisibleTo, reportVisibleTo, sharingGroupsOf } from './visibility.js';

/**
 * Notes, opinions and relationships (MISP 2.5's analyst data). Who sees one is decided twice: by its own
 * distribution (as MISP: its organisation, distribution 1–3, or the members of its sharing group), and
 * by the element it is attached to, which MISP does not check: a note on an event, attribute, object or
 * report held here is seen only by those who see that element, and one on another note or opinion only
 * by those who see that one. A note on an element this instance does not hold follows its own
 * distribution alone (MISP keeps such notes, and there is nothing here for it to reveal).
 */

type Scope = ExpressionBuilder<Database, 'analyst_data'>;

/** How deep notes on notes are followed when deciding who sees them; deeper ones are hidden from restricted viewers. */
const MAX_DEPTH = 8;

export interface AnalystOrg {
  id: number;
  uuid: string;
  name: string;
}

export interface AnalystDataRow {
  id: number;
  uuid: string;
  kind: AnalystKind;
  objectUuid: string;
  objectType: string;
  authors: string;
  language: string | null;
  orgc: AnalystOrg;
  org: AnalystOrg;
  distribution: number;
  sharingGroup: { id: number; uuid: string; name: string } | null;
  created: number;
  modified: number;
  note: string | null;
  opinion: number | null;
  comment: string | null;
  relationshipType: string | null;
  relatedObjectUuid: string | null;
  relatedObjectType: string | null;
}

export interface AnalystDataInput {
  uuid: string;
  kind: AnalystKind;
  objectUuid: string;
  objectType: string;
  authors: string;
  language: string | null;
  orgcId: number;
  orgId: number;
  distribution: number;
  sharingGroupId: number | null;
  created: number;
  modified: number;
  note?: string | null;
  opinion?: number | null;
  comment?: string | null;
  relationshipType?: string | null;
  relatedObjectUuid?: string | null;
  relatedObjectType?: string | null;
}

export interface AnalystFilter {
  kind?: AnalystKind;
  /** One item, by id or uuid. */
  ref?: string;
  /** Items attached to these elements. */
  objectUuids?: readonly string[];
  /** These items. */
  uuids?: readonly string[];
}

/** Its own distribution lets the viewer's organisation see it. */
function sharedByItself(orgId: number): (eb: Scope) => Expression<SqlBool> {
  return (eb) => eb.or([
    eb('analyst_data.org_id', '=', orgId),
    eb('analyst_data.orgc_id', '=', orgId),
    eb('analyst_data.distribution', 'in', [1, 2, 3]),
    eb.and([eb('analyst_data.distribution', '=', 4), sql<SqlBool>`analyst_data.sharing_group_id in ${sharingGroupsOf(orgId)}`]),
  ]);
}

/**
 * The element it is attached to, when held here, is one the viewer sees. Every kind of element is
 * checked whatever `object_type` says, so that a note naming the wrong type still reveals nothing.
 */
function attachedToVisible(viewer: Viewer): (eb: Scope) => Expression<SqlBool> {
  return (eb) => {
    const target = eb.ref('analyst_data.object_uuid');
    const held = (table: 'event' | 'attribute' | 'object' | 'event_report') => eb.exists(eb.selectFrom(table).select(`${table}.id`).whereRef(`${table}.uuid`, '=', target));
    return eb.and([
      eb.or([eb.not(held('event')), eb.exists(eb.selectFrom('event').select('event.id').whereRef('event.uuid', '=', target).where(eventVisibleTo(viewer)))]),
      eb.or([eb.not(held('attribute')), eb.exists(eb.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id').select('attribute.id')
        .whereRef('attribute.uuid', '=', target).where(attributeVisibleTo(viewer)))]),
      eb.or([eb.not(held('object')), eb.exists(eb.selectFrom('object').innerJoin('event', 'event.id', 'object.event_id').select('object.id')
        .whereRef('object.uuid', '=', target).where(objectVisibleTo(viewer)))]),
      eb.or([eb.not(held('event_report')), eb.exists(eb.selectFrom('event_report').innerJoin('event', 'event.id', 'event_report.event_id').select('event_report.id')
        .whereRef('event_report.uuid', '=', target).where(reportVisibleTo(viewer)))]),
    ]);
  };
}

function baseQuery(store: Store, viewer: Viewer, filter: AnalystFilter) {
  let q = store.db.selectFrom('analyst_data')
    .innerJoin('organisation as orgc', 'orgc.id', 'analyst_data.orgc_id').innerJoin('organisation as org', 'org.id', 'analyst_data.org_id')
    .selectAll('analyst_data').select(['orgc.uuid as orgc_uuid', 'orgc.name as orgc_name', 'org.uuid as org_uuid', 'org.name as org_name']);
  if (!seesEverything(viewer) && viewer.kind === 'user') q = q.where(sharedByItself(viewer.orgId)).where(attachedToVisible(viewer));
  if (filter.kind) q = q.where('analyst_data.kind', '=', filter.kind);
  const ref = filter.ref === undefined ? undefined : parseItemRef(filter.ref);
  if (ref) q = q.where((eb) => ('id' in ref ? eb('analyst_data.id', '=', ref.id) : eb('analyst_data.uuid', '=', uuidToBytes(ref.uuid))));
  if (filter.objectUuids) q = q.where('analyst_data.object_uuid', 'in', filter.objectUuids.map(uuidToBytes));
  if (filter.uuids) q = q.where('analyst_data.uuid', 'in', filter.uuids.map(uuidToBytes));
  return q.orderBy('analyst_data.id');
}

/** The analyst data the viewer may see that the filter names, oldest first. */
export async function findAnalystData(store: Store, viewer: Viewer, filter: AnalystFilter, depth = 0): Promise<AnalystDataRow[]> {
  if (filter.ref !== undefined && !parseItemRef(filter.ref)) return [];
  if (filter.objectUuids?.length === 0 || filter.uuids?.length === 0) return [];
  if ((filter.objectUuids?.length ?? 0) > 500 || (filter.uuids?.length ?? 0) > 500) {
    // Long lists are read in parts, so that no query holds more parameters than a dialect takes.
    const out: AnalystDataRow[] = [];
    const key = (filter.objectUuids?.length ?? 0) > 500 ? 'objectUuids' : 'uuids';
    const list = filter[key]!;
    for (let i = 0; i < list.length; i += 500) out.push(...(await findAnalystData(store, viewer, { ...filter, [key]: list.slice(i, i + 500) }, depth)));
    return out.sort((a, b) => a.id - b.id);
  }
  const rows = await baseQuery(store, viewer, filter).execute();
  let visible = rows;
  if (!seesEverything(viewer) && viewer.kind === 'user' && rows.length > 0) {
    // Items on other analyst data are seen only where that one is: followed up the chain, to a bounded depth.
    const parentUuids = [...new Set(rows.map((r) => bytesToUuid(r.object_uuid)))];
    const parents = new Set<string>();
    for (let i = 0; i < parentUuids.length; i += 500) {
      const held = await store.db.selectFrom('analyst_data').select('uuid').where('uuid', 'in', parentUuids.slice(i, i + 500).map(uuidToBytes)).execute();
      for (const h of held) parents.add(bytesToUuid(h.uuid));
    }
    if (parents.size > 0) {
      const seen = depth >= MAX_DEPTH ? new Set<string>() : new Set((await findAnalystData(store, viewer, { uuids: [...parents] }, depth + 1)).map((p) => p.uuid));
      visible = rows.filter((r) => { const p = bytesToUuid(r.object_uuid); return !parents.has(p) || seen.has(p); });
    }
  }
  const groups = await sharingGroupNames(store.db, visible.map((r) => r.sharing_group_id));
  return visible.map((r) => {
    const group = r.sharing_group_id === null ? undefined : groups.get(r.sharing_group_id);
    return {
      id: r.id, uuid: bytesToUuid(r.uuid), kind: r.kind as AnalystKind, objectUuid: bytesToUuid(r.object_uuid), objectType: r.object_type,
      authors: r.authors, language: r.language,
      orgc: { id: r.orgc_id, uuid: bytesToUuid(r.orgc_uuid), name: r.orgc_name }, org: { id: r.org_id, uuid: bytesToUuid(r.org_uuid), name: r.org_name },
      distribution: r.distribution, sharingGroup: group ? { id: group.id!, uuid: group.uuid!, name: group.name ?? '' } : null,
      created: Number(r.created), modified: Number(r.modified), note: r.note, opinion: r.opinion, comment: r.comment,
      relationshipType: r.relationship_type, relatedObjectUuid: r.related_object_uuid ? bytesToUuid(r.related_object_uuid) : null,
      relatedObjectType: r.related_object_type,
    };
  });
}

/** What a write decision needs of stored analyst data, whoever may see it: its id, kind and creator. */
export async function analystDataFacts(store: Store, uuid: string): Promise<{ id: number; kind: AnalystKind; orgcId: number; modified: number } | undefined> {
  return factsIn(store.db, uuid);
}

async function factsIn(db: Kysely<Database>, uuid: string): Promise<{ id: number; kind: AnalystKind; orgcId: number; modified: number } | undefined> {
  const row = await db.selectFrom('analyst_data').select(['id', 'kind', 'orgc_id', 'modified']).where('uuid', '=', uuidToBytes(uuid)).executeTakeFirst();
  return row && { id: row.id, kind: row.kind as AnalystKind, orgcId: row.orgc_id, modified: Number(row.modified) };
}

function columns(input: AnalystDataInput) {
  return {
    kind: input.kind, object_uuid: uuidToBytes(input.objectUuid), object_type: input.objectType, authors: input.authors, language: input.language,
    orgc_id: input.orgcId, org_id: input.orgId, distribution: input.distribution, sharing_group_id: input.sharingGroupId,
    created: input.created, modified: input.modified, note: input.note ?? null, opinion: input.opinion ?? null, comment: input.comment ?? null,
    relationship_type: input.relationshipType ?? null, related_object_uuid: input.relatedObjectUuid ? uuidToBytes(input.relatedObjectUuid) : null,
    related_object_type: input.relatedObjectType ?? null,
  };
}

/**
 * One item to write, the writer's rights already decided: the organisations named (resolved to ids in
 * the transaction that writes it), whose stored item it may replace, and whether its version always wins.
 */
export interface AnalystWrite extends Omit<AnalystDataInput, 'orgcId' | 'orgId'> {
  orgc: OrganisationRef;
  org: OrganisationRef;
  /** A stored item of this uuid is replaced only when its creator is this organisation; undefined: whoever made it. */
  replacesOnlyOf?: number;
  /** A request's version is now and replaces the stored one; a document's replaces it only when newer. */
  fromRequest: boolean;
  /** A document's item that says no version (no `modified`): one stored of its uuid is left as it is. */
  unversioned?: boolean;
}

export interface AnalystWriteResult {
  stored: string[];
  skipped: Array<{ uuid: string; reason: string }>;
}

/**
 * Writes the items in the transaction given: a new uuid is inserted; a known one is changed when the
 * writer may change it and its version is newer, keeping its creator, kind, creation and element.
 */
export async function writeAnalystItems(db: Kysely<Database>, orgId: (ref: OrganisationRef) => Promise<number>, items: readonly AnalystWrite[]): Promise<AnalystWriteResult> {
  const result: AnalystWriteResult = { stored: [], skipped: [] };
  for (const item of items) {
    const { orgc, org, replacesOnlyOf, fromRequest, unversioned, ...rest } = item;
    const input: AnalystDataInput = { ...rest, orgcId: await orgId(orgc), orgId: await orgId(org) };
    const known = await factsIn(db, item.uuid);
    if (!known) {
      await db.insertInto('analyst_data').values({ uuid: uuidToBytes(input.uuid), ...columns(input) }).execute();
      result.stored.push(item.uuid);
      continue;
    }
    if (known.kind !== item.kind) { result.skipped.push({ uuid: item.uuid, reason: `${item.uuid} is a ${known.kind}, not a ${item.kind}` }); continue; }
    if (replacesOnlyOf !== undefined && known.orgcId !== replacesOnlyOf) {
      result.skipped.push({ uuid: item.uuid, reason: `${item.kind} ${item.uuid} is another organisation's` });
      continue;
    }
    if (!fromRequest && (unversioned || item.modified <= known.modified)) continue;
    const { kind: _kind, created: _created, org_id: _org, object_uuid: _target, object_type: _type, ...changed } = columns(input);
    await db.updateTable('analyst_data').set({ ...changed, orgc_id: known.orgcId, modified: Math.max(item.modified, known.modified + (fromRequest ? 0 : 1)) })
      .where('id', '=', known.id).execute();
    result.stored.push(item.uuid);
  }
  return result;
}

/** Writes items alone (analyst_data/add and edit), all or none, in a transaction of their own. */
export async function saveAnalystItems(store: Store, items: readonly AnalystWrite[]): Promise<AnalystWriteResult> {
  return store.db.transaction().execute(async (trx) => {
    const refs = new RefResolver(store, trx, newIdScope());
    return writeAnalystItems(trx, (ref) => refs.org(ref), items);
  });
}

/** Removes an item for good (MISP deletes analyst data so); what is attached to it stays. */
export async function deleteAnalystData(store: Store, id: number): Promise<void> {
  await store.db.deleteFrom('analyst_data').where('id', '=', id).execute();
}

/** How deep notes on notes are followed; the visibility rule reads as deep. */
const ATTACHED_DEPTH = 8;

/**
 * Removes the notes, opinions and relationships about elements removed for good, and those about them in
 * turn. Left behind, an item whose element is gone would follow its own distribution alone, and a note
 * its organisation wrote about a private event could then reach everyone.
 */
export async function purgeAnalystDataAbout(db: Kysely<Database>, elementUuids: readonly Buffer[]): Promise<void> {
  let about = [...elementUuids];
  for (let depth = 0; depth < ATTACHED_DEPTH && about.length > 0; depth++) {
    const next: Buffer[] = [];
    for (let i = 0; i < about.length; i += 500) {
      const part = about.slice(i, i + 500);
      const items = await db.selectFrom('analyst_data').select(['id', 'uuid']).where('object_uuid', 'in', part).execute();
      if (items.length === 0) continue;
      await db.deleteFrom('analyst_data').where('id', 'in', items.map((x) => x.id)).execute();
      next.push(...items.map((x) => x.uuid));
    }
    about = next;
  }
}

/** Stands for the event's id in eventHasAnalystData's query, compiled once (precompiled). */
const EVENT = -7_303_001;

/**
 * Whether any analyst data is attached to this event or to any attribute, object or report of it, the
 * viewer's policy aside: a gate before the lookup by each element's uuid (10,000 uuids in 21 queries for
 * a large event), which most events, holding none, need not pay. It reveals nothing: what is then read
 * is read through the policy as before. Each side walks the event's elements by their event index and
 * looks each uuid up in the analyst data's index of what it is attached to, stopping at the first.
 */
export async function eventHasAnalystData(store: Store, eventId: number): Promise<boolean> {
  // Asked by every event view: compiled once, prepared on PostgreSQL (EVENT stands for the event's id).
  const [row] = await runPrecompiled(store, 'analyst-data.event-has', () => store.db.selectFrom('event').where('event.id', '=', EVENT).select((eb) => {
    const attachedTo = (table: 'attribute' | 'object' | 'event_report') => eb.exists(eb.selectFrom(table)
      .innerJoin('analyst_data', 'analyst_data.object_uuid', `${table}.uuid`).select('analyst_data.id').where(`${table}.event_id`, '=', EVENT));
    return eb.or([
      eb.exists(eb.selectFrom('analyst_data').select('analyst_data.id').whereRef('analyst_data.object_uuid', '=', 'event.uuid')),
      attachedTo('attribute'), attachedTo('object'), attachedTo('event_report'),
    ]).as('held');
  }), [EVENT], [eventId]);
  // An event not held (yet) answers yes: the caller then looks as it did without the gate.
  return row === undefined || Boolean(row.held);
}
