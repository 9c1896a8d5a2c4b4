import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Viewer } from '../access/viewer.js';
import type { Store } from './db/database.js';
import { indexFilter, type EventIndexFilter } from './events/list.js';
import type { TaxiiCollectionTable } from './db/schema.js';
import { uuidToBytes } from './db/uuid.js';
import { attributeVisibleTo, eventVisibleTo, objectVisibleTo, sharingGroupVisibleTo, sightingVisibleTo } from './visibility.js';

/** What a collection holds: every event the user may see, those carrying a tag, or those shared with a sharing group. */
export type CollectionKind = 'all' | 'tag' | 'sharing-group';

export interface TaxiiCollection {
  id: string;
  apiRoot: string;
  title: string;
  description: string;
  alias: string | null;
  kind: CollectionKind;
  tag: string | null;
  sharingGroupId: number | null;
  /** Whether users who may add events may POST objects into it. */
  writable: boolean;
  created: number;
}

export type TaxiiCollectionInput = Omit<TaxiiCollection, 'id' | 'created'>;

function toCollection(r: Selectable<TaxiiCollectionTable>): TaxiiCollection {
  return {
    id: r.id, apiRoot: r.api_root, title: r.title, description: r.description, alias: r.alias, kind: r.kind as CollectionKind,
    tag: r.tag, sharingGroupId: r.sharing_group_id, writable: r.writable === 1, created: Number(r.created),
  };
}

/** Every configured collection, for the operator. */
export async function allTaxiiCollections(store: Store): Promise<TaxiiCollection[]> {
  return (await store.db.selectFrom('taxii_collection').selectAll().orderBy('api_root').orderBy('created').orderBy('id').execute()).map(toCollection);
}

/** The API roots that hold at least one collection. */
export async function taxiiApiRoots(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('taxii_collection').select('api_root').distinct().orderBy('api_root').execute()).map((r) => r.api_root);
}

/** The collections of an API root the viewer may use: a sharing group's only for those who see the group. */
export async function taxiiCollections(store: Store, viewer: Viewer, apiRoot: string): Promise<TaxiiCollection[]> {
  const rows = await store.db.selectFrom('taxii_collection').selectAll().where('api_root', '=', apiRoot)
    .where((eb) => eb.or([
      eb('kind', '!=', 'sharing-group'),
      eb('sharing_group_id', 'in', eb.selectFrom('sharing_group').select('sharing_group.id').where(sharingGroupVisibleTo(viewer))),
    ]))
    .orderBy('created').orderBy('id').execute();
  return rows.map(toCollection);
}

export async function addTaxiiCollection(store: Store, input: TaxiiCollectionInput): Promise<TaxiiCollection> {
  const row = {
    id: randomUUID(), api_root: input.apiRoot, title: input.title, description: input.description, alias: input.alias, kind: input.kind,
    tag: input.tag, sharing_group_id: input.sharingGroupId, writable: input.writable ? 1 : 0, created: Date.now(),
  };
  await store.db.insertInto('taxii_collection').values(row).execute();
  return toCollection(row);
}

export async function removeTaxiiCollection(store: Store, id: string): Promise<boolean> {
  const done = await store.db.deleteFrom('taxii_collection').where('id', '=', id).executeTakeFirst();
  return Number(done.numDeletedRows) > 0;
}

/** A place in a collection's order of events: by when this server last wrote them, then by id. */
export interface ChangeCursor {
  changed: number;
  id: number;
}

export interface CollectionEventQuery {
  /** From this place on, this event included. */
  from?: ChangeCursor;
  /** Only events written after this time (milliseconds). */
  addedAfter?: number;
  /** Only among these events. */
  within?: readonly number[];
  limit: number;
}

/** The events of a collection the viewer may see, in the order they were last written, a batch at a time. */
export async function collectionEvents(store: Store, viewer: Viewer, c: TaxiiCollection, q: CollectionEventQuery): Promise<ChangeCursor[]> {
  const filter: EventIndexFilter = {
    ...(c.kind === 'tag' && c.tag ? { tags: { any: [c.tag] } } : {}),
    ...(c.kind === 'sharing-group' ? { distributions: { any: [4] }, sharingGroups: { any: [c.sharingGroupId ?? -1] } } : {}),
    ...(q.within ? { within: q.within } : {}),
  };
  let query = store.db.selectFrom('event').select(['event.id', 'event.changed'])
    .where(eventVisibleTo(viewer)).where(indexFilter(store, filter));
  const from = q.from;
  if (from) query = query.where((eb) => eb.or([eb('event.changed', '>', from.changed), eb.and([eb('event.changed', '=', from.changed), eb('event.id', '>=', from.id)])]));
  if (q.addedAfter !== undefined) query = query.where('event.changed', '>', q.addedAfter);
  const rows = await query.orderBy('event.changed').orderBy('event.id').limit(q.limit).execute();
  return rows.map((r) => ({ id: r.id, changed: Number(r.changed) }));
}

/** The events that hold a uuid the viewer may see: as the event's own, or an attribute's, object's or sighting's. */
export async function eventsHoldingUuid(store: Store, viewer: Viewer, uuid: string): Promise<number[]> {
  const bytes = uuidToBytes(uuid);
  const db = store.db;
  const found = await Promise.all([
    db.selectFrom('event').select('event.id as id').where('event.uuid', '=', bytes).where(eventVisibleTo(viewer)).execute(),
    db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id').select('event.id as id')
      .where('attribute.uuid', '=', bytes).where(attributeVisibleTo(viewer)).execute(),
    db.selectFrom('object').innerJoin('event', 'event.id', 'object.event_id').select('event.id as id')
      .where('object.uuid', '=', bytes).where(objectVisibleTo(viewer)).execute(),
    db.selectFrom('sighting').innerJoin('event', 'event.id', 'sighting.event_id').select('event.id as id')
      .where('sighting.uuid', '=', bytes).where(eventVisibleTo(viewer)).where(sightingVisibleTo(viewer)).execute(),
  ]);
  return [...new Set(found.flat().map((r) => r.id))];
}

/** Keeps the status of a POST for its user to read back. */
export async function saveTaxiiStatus(store: Store, id: string, userId: number, body: object): Promise<void> {
  await store.db.insertInto('taxii_status').values({ id, user_id: userId, created: Date.now(), body: JSON.stringify(body) }).execute();
}

/** A status its user asked for; undefined for another user's or an unknown one. */
export async function loadTaxiiStatus(store: Store, id: string, userId: number): Promise<unknown> {
  const row = await store.db.selectFrom('taxii_status').select('body').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return row && JSON.parse(row.body);
}
