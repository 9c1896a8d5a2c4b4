import type { Compilable, Kysely, Selectable } from 'kysely';
import { seesEverything, type Viewer } from '../../access/viewer.js';
import type {
  Analysis, Attribute, Distribution, EventDistribution, MispObject, OrganisationRef, SharingGroupRef, SightingType, StoredEvent, TagRef,
  ThreatLevel,
} from '../../model/event.js';
import { parseItemRef, type ItemRef } from '../../model/event.js';
import { precompiled, readRowArrays, runPrecompiled, type Store } from '../db/database.js';
import type { AttributeTable, Database } from '../db/schema.js';
import { bytesToUuid, uuidToBytes } from '../db/uuid.js';
import { joinValue } from '../values/key.js';
import { sharingGroupNames } from '../access/sharing-groups.js';
import { attributeVisibleTo, eventVisibleTo, objectVisibleTo, reportVisibleTo, sightingVisibleTo } from '../visibility.js';

export type EventRef = ItemRef;

type Db = Kysely<Database>;

export interface ReadOptions {
  /** Include soft-deleted attributes, objects, references and reports (false by default). */
  includeDeleted?: boolean;
}

/** An event named by id or uuid; anything else names no event. */
export const parseEventRef: (text: string) => EventRef | undefined = parseItemRef;

/** The event that holds an attribute, when the viewer may see the attribute. */
export async function eventOfAttribute(store: Store, viewer: Viewer, attributeUuid: string): Promise<EventRef | undefined> {
  const row = await store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select('event.id').where('attribute.uuid', '=', uuidToBytes(attributeUuid)).where(attributeVisibleTo(viewer)).executeTakeFirst();
  return row && { id: row.id };
}

type GroupNames = ReadonlyMap<number, SharingGroupRef>;

/** The sharing group of a row at distribution 4, as a field to spread into the item. */
function groupField(groups: GroupNames, id: number | null): { sharing_group?: SharingGroupRef } {
  const ref = id === null ? undefined : groups.get(id);
  return ref ? { sharing_group: ref } : {};
}

/** The attribute columns loadEvent reads, in the order of its rows' arrays (readRowArrays). */
const ATTRIBUTE_COLUMNS = [
  'id', 'uuid', 'object_id', 'object_relation', 'type', 'category', 'value1', 'value2', 'to_ids', 'distribution', 'sharing_group_id',
  'comment', 'timestamp', 'first_seen', 'last_seen', 'disable_correlation', 'deleted', 'data',
] as const satisfies ReadonlyArray<keyof AttributeTable>;

type AttributeRow = Pick<Selectable<AttributeTable>, (typeof ATTRIBUTE_COLUMNS)[number]>;

/** A row of eventAttributesQuery, read as an array, as the row it stands for. */
function attributeRow(r: readonly unknown[]): AttributeRow {
  return {
    id: r[0] as number, uuid: r[1] as Buffer, object_id: r[2] as number | null, object_relation: r[3] as string | null, type: r[4] as string,
    category: r[5] as string, value1: r[6] as string, value2: r[7] as string, to_ids: r[8] as AttributeRow['to_ids'], distribution: r[9] as number,
    sharing_group_id: r[10] as number | null, comment: r[11] as string, timestamp: Number(r[12]), first_seen: r[13] as string | null,
    last_seen: r[14] as string | null, disable_correlation: r[15] as AttributeRow['disable_correlation'], deleted: r[16] as AttributeRow['deleted'],
    data: r[17] as string | null,
  };
}

function toAttribute(r: AttributeRow, tags: TagRef[] | undefined, groups: GroupNames): Attribute {
  return {
    ...groupField(groups, r.sharing_group_id),
    id: r.id,
    uuid: bytesToUuid(r.uuid),
    type: r.type,
    category: r.category,
    value: joinValue(r.type, r.value1, r.value2),
    to_ids: r.to_ids === 1,
    distribution: r.distribution as Distribution,
    comment: r.comment,
    timestamp: r.timestamp,
    disable_correlation: r.disable_correlation === 1,
    deleted: r.deleted === 1,
    first_seen: r.first_seen,
    last_seen: r.last_seen,
    object_relation: r.object_relation,
    data: r.data,
    tags: tags ?? [],
    sightings: [],
  };
}

/*
 * The queries of loadEvent that apply the access policy, one builder each so that the query catalogue
 * (src/store/queries/catalogue.ts) compiles exactly what loadEvent runs. `live` is the deleted flags read.
 */

/** The event row with its organisations, when the viewer may see the event. */
export function eventRowQuery(db: Db, viewer: Viewer, ref: EventRef) {
  return db
    .selectFrom('event')
    .innerJoin('organisation as orgc', 'orgc.id', 'event.orgc_id')
    .innerJoin('organisation as org', 'org.id', 'event.org_id')
    .selectAll('event')
    .select(['orgc.uuid as orgc_uuid', 'orgc.name as orgc_name', 'org.uuid as org_uuid', 'org.name as org_name'])
    .where((eb) => ('id' in ref ? eb('event.id', '=', ref.id) : eb('event.uuid', '=', uuidToBytes(ref.uuid))))
    .where(eventVisibleTo(viewer));
}

/** The event's attributes the viewer may see. */
export function eventAttributesQuery(db: Db, viewer: Viewer, eventId: number, live: readonly number[]) {
  return db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(ATTRIBUTE_COLUMNS.map((c) => `attribute.${c}` as const))
    .where('attribute.event_id', '=', eventId).where('attribute.deleted', 'in', [...live])
    .where(attributeVisibleTo(viewer))
    .orderBy('attribute.id');
}

/** The event's objects the viewer may see. */
export function eventObjectsQuery(db: Db, viewer: Viewer, eventId: number, live: readonly number[]) {
  return db.selectFrom('object').innerJoin('event', 'event.id', 'object.event_id').selectAll('object')
    .where('object.event_id', '=', eventId).where('object.deleted', 'in', [...live])
    .where(objectVisibleTo(viewer)).orderBy('object.id');
}

/** The event's reports the viewer may see. */
export function eventReportsQuery(db: Db, viewer: Viewer, eventId: number, live: readonly number[]) {
  return db.selectFrom('event_report').innerJoin('event', 'event.id', 'event_report.event_id').selectAll('event_report')
    .where('event_report.event_id', '=', eventId).where('event_report.deleted', 'in', [...live])
    .where(reportVisibleTo(viewer)).orderBy('event_report.id');
}

/** The sightings of the event's attributes the viewer may see, with the organisation that made each. */
export function eventSightingsQuery(db: Db, viewer: Viewer, eventId: number) {
  return db.selectFrom('sighting').innerJoin('event', 'event.id', 'sighting.event_id')
    .leftJoin('organisation', 'organisation.id', 'sighting.org_id')
    .select(['sighting.id', 'sighting.uuid', 'sighting.attribute_id', 'sighting.org_id', 'sighting.type', 'sighting.date_sighting', 'sighting.source',
      'organisation.uuid as org_uuid', 'organisation.name as org_name'])
    .where('sighting.event_id', '=', eventId).where(sightingVisibleTo(viewer)).orderBy('sighting.id');
}

/* loadEvent's queries (and eventCorrelations') are compiled once per shape (precompiled): these stand for what changes. */
export const EVENT_ID = -7_302_001;
export const ORG_ID = -7_302_002;

/**
 * The viewer as loadEvent's queries are compiled: one who sees everything as he is (his policy is no
 * SQL), any other with his organisation a placeholder, so that one compiled query serves every organisation.
 */
export function viewerShape(viewer: Viewer): { shape: string; as: Viewer; orgId: number } {
  if (seesEverything(viewer) || viewer.kind !== 'user') return { shape: 'all', as: viewer, orgId: 0 };
  return { shape: 'org', as: { kind: 'user', orgId: ORG_ID, siteAdmin: false }, orgId: viewer.orgId };
}

/** One whole event as the viewer may see it, or undefined when it does not exist or is not his to see. */
export async function loadEvent(store: Store, viewer: Viewer, ref: EventRef, options: ReadOptions = {}): Promise<StoredEvent | undefined> {
  const db = store.db;
  const { shape, as, orgId } = viewerShape(viewer);
  // By uuid (the rarer way in) the row's query is compiled each time: its uuid is bytes made from text.
  const [row] = 'id' in ref
    ? await runPrecompiled(store, `events.row.${shape}`, () => eventRowQuery(db, as, { id: EVENT_ID }), [EVENT_ID, ORG_ID], [ref.id, orgId])
    : [await eventRowQuery(db, viewer, ref).executeTakeFirst()];
  if (!row) return undefined;
  const eventId = row.id;
  const live = options.includeDeleted ? [0, 1] : [0];
  // Each of the event's parts by a query compiled once per viewer's shape and deleted flags read.
  const part = <R>(name: string, build: () => Compilable<R>) =>
    precompiled(store, `events.${name}.${shape}.${live.length}`, build, [EVENT_ID, ORG_ID], [eventId, orgId]);

  const tagRows = (await db.executeQuery(part('tags', () => db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id')
    .select(['tag.name', 'tag.colour', 'event_tag.local', 'event_tag.relationship_type'])
    .where('event_tag.event_id', '=', EVENT_ID).orderBy('event_tag.id')))).rows;

  const attributeRows = (await readRowArrays(store, part('attributes', () => eventAttributesQuery(db, as, EVENT_ID, live)))).map(attributeRow);

  const attributeTags = new Map<number, TagRef[]>();
  const attrTagRows = (await db.executeQuery(part('attribute-tags', () => db.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id')
    .select(['attribute_tag.attribute_id', 'tag.name', 'tag.colour', 'attribute_tag.local', 'attribute_tag.relationship_type'])
    .where('attribute_tag.event_id', '=', EVENT_ID).orderBy('attribute_tag.id')))).rows;
  for (const t of attrTagRows) {
    let list = attributeTags.get(t.attribute_id);
    if (!list) attributeTags.set(t.attribute_id, (list = []));
    list.push({ name: t.name, colour: t.colour, local: t.local === 1, relationship_type: t.relationship_type });
  }

  const objectRows = (await db.executeQuery(part('objects', () => eventObjectsQuery(db, as, EVENT_ID, live)))).rows;
  const reportRows = (await db.executeQuery(part('reports', () => eventReportsQuery(db, as, EVENT_ID, live)))).rows;
  const groups = await sharingGroupNames(db, [row.sharing_group_id, ...[attributeRows, objectRows, reportRows].flatMap((rows) => rows.map((r) => r.sharing_group_id))]);

  const attributes = new Map<number, Attribute>();
  for (const r of attributeRows) attributes.set(r.id, toAttribute(r, attributeTags.get(r.id), groups));

  const sightingRows = (await db.executeQuery(part('sightings', () => eventSightingsQuery(db, as, EVENT_ID)))).rows;
  for (const s of sightingRows) {
    attributes.get(s.attribute_id)?.sightings.push({
      id: s.id,
      uuid: bytesToUuid(s.uuid),
      type: s.type as SightingType,
      date_sighting: s.date_sighting,
      source: s.source,
      org: s.org_uuid && s.org_name !== null && s.org_id !== null ? { id: s.org_id, uuid: bytesToUuid(s.org_uuid), name: s.org_name } : null,
    });
  }

  const objects = new Map<number, MispObject>();
  for (const o of objectRows) {
    objects.set(o.id, {
      ...groupField(groups, o.sharing_group_id),
      id: o.id, uuid: bytesToUuid(o.uuid), name: o.name, meta_category: o.meta_category, description: o.description,
      template_uuid: o.template_uuid, template_version: o.template_version, comment: o.comment,
      distribution: o.distribution as Distribution, timestamp: o.timestamp, first_seen: o.first_seen, last_seen: o.last_seen,
      deleted: o.deleted === 1, attributes: [], references: [],
    });
  }
  const refRows = (await db.executeQuery(part('references', () => db.selectFrom('object_reference').selectAll()
    .where('event_id', '=', EVENT_ID).where('deleted', 'in', live).orderBy('id')))).rows;
  for (const r of refRows) {
    objects.get(r.object_id)?.references.push({
      id: r.id, uuid: bytesToUuid(r.uuid), referenced_uuid: bytesToUuid(r.referenced_uuid), relationship_type: r.relationship_type,
      comment: r.comment, timestamp: r.timestamp, deleted: r.deleted === 1,
    });
  }

  const eventAttributes: Attribute[] = [];
  for (const r of attributeRows) {
    const a = attributes.get(r.id) as Attribute;
    if (r.object_id === null) eventAttributes.push(a);
    else objects.get(r.object_id)?.attributes.push(a);
  }


  const org = (id: number, uuid: Buffer, name: string): OrganisationRef => ({ id, uuid: bytesToUuid(uuid), name });
  return {
    id: row.id,
    uuid: bytesToUuid(row.uuid),
    info: row.info,
    date: row.date,
    threat_level_id: row.threat_level_id as ThreatLevel,
    analysis: row.analysis as Analysis,
    distribution: row.distribution as EventDistribution,
    ...groupField(groups, row.sharing_group_id),
    published: row.published === 1,
    publish_timestamp: row.publish_timestamp,
    timestamp: row.timestamp,
    extends_uuid: row.extends_uuid,
    disable_correlation: row.disable_correlation === 1,
    attribute_count: row.attribute_count,
    ...(row.protected === 1 ? { protected: true } : {}),
    ...(row.locked === 1 ? { locked: true } : {}),
    orgc: org(row.orgc_id, row.orgc_uuid, row.orgc_name),
    org: org(row.org_id, row.org_uuid, row.org_name),
    tags: tagRows.map((t) => ({ name: t.name, colour: t.colour, local: t.local === 1, relationship_type: t.relationship_type })),
    attributes: eventAttributes,
    objects: [...objects.values()],
    reports: reportRows.map((r) => ({
      ...groupField(groups, r.sharing_group_id),
      id: r.id, uuid: bytesToUuid(r.uuid), name: r.name, content: r.content, distribution: r.distribution as Distribution,
      timestamp: r.timestamp, deleted: r.deleted === 1,
    })),
  };
}

/** Ids of every event the viewer may see, oldest first, a page at a time so that none sits whole in memory. */
export async function* visibleEventIds(store: Store, viewer: Viewer, pageSize = 1000): AsyncGenerator<number> {
  let after = 0;
  for (;;) {
    const rows = await store.db.selectFrom('event').select('id').where('id', '>', after)
      .where(eventVisibleTo(viewer)).orderBy('id').limit(pageSize).execute();
    for (const r of rows) yield r.id;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * Whether any attribute, in any event, holds this uuid: a proposed new attribute may not take one (it
 * would overwrite it). Outside the viewer's policy, as eventUuidTaken, for the same reason.
 */
export async function attributeUuidTaken(store: Store, uuid: string): Promise<boolean> {
  return (await store.db.selectFrom('attribute').select('id').where('uuid', '=', uuidToBytes(uuid)).executeTakeFirst()) !== undefined;
}

/**
 * Whether any event holds this uuid, whoever may see it: a new event may not take it. Outside the
 * viewer's policy on purpose; it answers a yes or no about a uuid the asker already holds, nothing more.
 */
export async function eventUuidTaken(store: Store, uuid: string): Promise<boolean> {
  return (await store.db.selectFrom('event').select('id').where('uuid', '=', uuidToBytes(uuid)).executeTakeFirst()) !== undefined;
}
