import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Insertable, Transaction } from 'kysely';
import type { Attribute, MispEvent, MispObject } from '../../model/event.js';
import type { ImportProblem } from '../../model/problems.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { bulkInsert, type BulkInsert } from '../db/bulk-insert.js';
import { columnParam, insertByArrays, insertColumns, knownColumnTypes, PG_ARRAY_CHUNK, type ColumnParam } from '../db/pg-arrays.js';
import { uuidToBytes } from '../db/uuid.js';
import { splitValue } from '../values/key.js';
import { attributeCorrelates, secondPartCorrelates } from '../../correlation/rules.js';
import { internValues, recordValueEvents, type InternState, type ValueEventDeltas } from '../values/index.js';
import type { RefResolver } from './ref-resolver.js';
import { attributeFields, attributeLinks, attributeRow, eventRow, flag, groupRefs, objectRow, referenceRow, reportRow, type GroupIds, type StoredValue, type ValueIds } from './rows.js';

/** What writeNewEvents did with one event (as the writer of one event answers it). */
export interface NewEventOutcome {
  eventId: number;
  problems: ImportProblem[];
  rejectedAttributes: number;
}

type Trx = Transaction<Database>;

/** One event of the group and what the write learns of it along the way. */
interface Item {
  event: MispEvent;
  eventId: number;
  groups: GroupIds;
  problems: ImportProblem[];
  rejected: number;
  live: number;
  /** Attributes, own and objects', the object each sits in, and whether that object is deleted. */
  attributes: Attribute[];
  objectIds: Array<number | null>;
  inDeletedObject: boolean[];
  parts: StoredValue[];
  correlating: Set<number>;
}

/** An event's attributes as the writer stores them: its own, then each object's, with the object holding each. */
interface EventItems {
  attributes: Attribute[];
  objects: Array<MispObject | null>;
  parts: StoredValue[];
}

function eventItems(event: MispEvent): EventItems {
  const attributes: Attribute[] = [...event.attributes];
  const objects: Array<MispObject | null> = attributes.map(() => null);
  for (const o of event.objects) {
    for (const a of o.attributes) {
      attributes.push(a);
      objects.push(o);
    }
  }
  return { attributes, objects, parts: attributes.map((a) => splitValue(a.type, a.value)) };
}

/**
 * What of a group of new events needs no answer from the store, worked out ahead (prepareNewEvents): the
 * grouped import prepares a group while the statements of the one before it run on the server, so that
 * on two cores Cairn's work and PostgreSQL's overlap instead of each waiting for the other.
 */
export interface PreparedEvents {
  readonly events: readonly MispEvent[];
  readonly items: readonly EventItems[];
  /**
   * The attributes' own columns (attributeFields), bound, by statement of PG_ARRAY_CHUNK rows, and each
   * row's uuid. Absent when the group holds an object's or an attribute's uuid twice (those take
   * the checked way), or before the table's column types are known.
   */
  readonly attributes?: { chunks: Array<Array<[string, ColumnParam]>>; uuids: Buffer[] };
  /**
   * The ids of the group's values, being found or created (values/index.ts internValues) on a connection
   * of their own while the saver's transaction still writes the group before: the server interns one
   * group's values as it inserts the other's rows, on two cores at once. A value row holds nothing of an
   * event and is never deleted, so an id learnt here stays good whatever becomes of either transaction.
   * Undefined (the write interns them itself) where interning failed.
   */
  readonly values?: Promise<ReadonlyMap<string, number> | undefined>;
}

/** What interning ahead learns of the share of stored values, per store, from one group to the next. */
const interning = new WeakMap<Store, InternState>();

function internAhead(store: Store, items: readonly EventItems[]): Promise<ReadonlyMap<string, number> | undefined> {
  // Only the server store creates values outside the writer's transaction (RefResolver.valueIds).
  if (store.dialect !== 'postgres') return Promise.resolve(undefined);
  const texts = new Set<string>();
  for (const item of items) {
    for (const { value1, value2 } of item.parts) {
      if (!store.idCache.values.has(value1)) texts.add(value1);
      if (value2 !== '' && !store.idCache.values.has(value2)) texts.add(value2);
    }
  }
  let state = interning.get(store);
  if (!state) interning.set(store, state = { storedShare: 1 });
  // A failure here is met again, and answered, by the write interning the values itself.
  return internValues(store, store.db, texts, state).catch(() => undefined);
}

export function prepareNewEvents(store: Store, events: readonly MispEvent[]): PreparedEvents {
  const items = events.map(eventItems);
  const values = internAhead(store, items);
  const types = knownColumnTypes(store, 'attribute');
  if (!types || !distinct(events.flatMap((e) => e.objects.map((o) => o.uuid)))) return { events, items, values };
  // Uuids as parsed are in one spelling (lower case, with dashes).
  if (!distinct(items.flatMap((item) => item.attributes.map((a) => a.uuid)))) return { events, items, values };
  const uuids: Buffer[] = [];
  const fields: Array<ReturnType<typeof attributeFields>> = [];
  for (const item of items) {
    item.attributes.forEach((a, at) => {
      const row = attributeFields(a, item.parts[at]!);
      fields.push(row);
      uuids.push(row.uuid);
    });
  }
  const chunks: Array<Array<[string, ColumnParam]>> = [];
  const columns = fields.length > 0 ? Object.keys(fields[0]!) as Array<keyof (typeof fields)[number]> : [];
  for (let start = 0; start < fields.length; start += PG_ARRAY_CHUNK) {
    const part = fields.slice(start, start + PG_ARRAY_CHUNK);
    chunks.push(columns.map((c) => [c, columnParam(types.get(c)!, part.map((r) => r[c] ?? null))]));
  }
  return { events, items, values, attributes: { chunks, uuids } };
}

function distinct(keys: readonly string[]): boolean {
  return new Set(keys).size === keys.length;
}

/**
 * Writes events whose uuids the store does not hold, all at once: each statement (the events, their
 * tags, objects, values, attributes, …) carries the rows of every event of the group, where the writer
 * of one event (writer.ts) sends them event by event. On PostgreSQL a statement's round trip, planning
 * and start cost as much as writing a few hundred rows, and an import of events of a few hundred
 * attributes spent most of its time on them. Items keep the rules of writer.ts for a new event: a
 * uuid another event already holds (or that comes twice) is rejected with a problem, its first holder
 * keeps it.
 *
 * The caller holds the event writer's transaction and checked that no event of the group is stored (a
 * concurrent writer storing one meanwhile makes the event insert fail, and the caller writes the group
 * one event at a time).
 */
export async function writeNewEvents(
  store: Store, trx: Trx, refs: RefResolver, deltas: ValueEventDeltas, events: readonly MispEvent[],
  options: { uuidsFree?: boolean; prepared?: PreparedEvents } = {},
): Promise<NewEventOutcome[]> {
  const bulk = bulkInsert(store, trx);
  const unique = options.uuidsFree ? freeUuids(store, trx, bulk) : bulk.unique;
  const items: Item[] = [];
  const eventRows = [];
  for (const event of events) {
    const orgcId = await refs.org(event.orgc);
    const groups = await refs.sharingGroupIds(groupRefs(event), orgcId);
    eventRows.push({
      uuid: uuidToBytes(event.uuid),
      // The attribute count, set here to what is expected, is corrected below only where items were rejected.
      ...eventRow(event, orgcId, event.org ? await refs.org(event.org) : orgcId, groups),
      protected: flag(event.protected === true),
      locked: flag(event.locked === true),
    });
    items.push({ event, eventId: 0, groups, problems: [], rejected: 0, live: 0, attributes: [], objectIds: [], inDeletedObject: [], parts: [], correlating: new Set() });
  }
  const expected = events.map((e) => e.attributes.filter((a) => !a.deleted).length + e.objects.reduce((n, o) => n + o.attributes.filter((a) => !a.deleted).length, 0));
  eventRows.forEach((r, i) => { r.attribute_count = expected[i]!; });
  // No `on conflict`: the caller found none of these uuids stored, and a clash fails the whole group.
  const inserted = await insertByArrays<{ id: number; uuid: Buffer }>(store, trx, { table: 'event', rows: eventRows, tail: 'returning "id", "uuid"' });
  const eventIds = new Map(inserted.map((r) => [r.uuid.toString('hex'), r.id]));
  for (const item of items) item.eventId = eventIds.get(uuidToBytes(item.event.uuid).toString('hex'))!;

  const tagRows: Array<Insertable<Database['event_tag']>> = [];
  for (const item of items) {
    const tagIds = await refs.tagIds(item.event.tags);
    item.event.tags.forEach((t, i) => tagRows.push({ event_id: item.eventId, tag_id: tagIds[i]!, local: flag(t.local), relationship_type: t.relationship_type }));
  }
  await bulk.all('event_tag', tagRows);

  // Objects, then every attribute with the object holding it.
  const objectOwners = items.flatMap((item) => item.event.objects.map((o) => ({ item, o })));
  const objectIds = await unique('object', objectOwners.map(({ item, o }) => objectRow(o, item.eventId, item.groups)));
  const objectIdOf = new Map<object, number>();
  objectOwners.forEach(({ item, o }, i) => {
    const id = objectIds[i];
    if (id === null || id === undefined) {
      item.problems.push({ event: item.event.uuid, item: o.uuid, field: 'uuid', reason: 'another event already holds a object with this uuid; skipped' });
      item.rejected += o.attributes.length;
      return;
    }
    objectIdOf.set(o, id);
  });
  const given = options.prepared?.events.length === events.length && options.prepared.events.every((e, i) => e === events[i]) ? options.prepared : undefined;
  const texts: string[] = [];
  items.forEach((item, i) => {
    const all = given?.items[i] ?? eventItems(item.event);
    all.attributes.forEach((a, at) => {
      const o = all.objects[at]!;
      const id = o ? objectIdOf.get(o) : null;
      if (id === undefined) return;
      item.attributes.push(a);
      item.objectIds.push(id);
      item.inDeletedObject.push(o?.deleted ?? false);
      item.parts.push(all.parts[at]!);
    });
    for (const { value1, value2 } of item.parts) {
      texts.push(value1);
      if (value2 !== '') texts.push(value2);
    }
  });
  const valueIds = await refs.valueIds(texts, given?.values ? await given.values : undefined);
  const attributeOwners = items.flatMap((item) => item.attributes.map((a, at) => ({ item, a, at })));
  // Prepared columns hold every attribute of the group: usable when none was left out with its object.
  const attributeIds = given?.attributes && options.uuidsFree && attributeOwners.length === given.attributes.uuids.length
    ? await insertPrepared(store, trx, given.attributes, attributeOwners, valueIds)
    : await unique('attribute', attributeOwners.map(({ item, a, at }) =>
      attributeRow(a, item.parts[at]!, item.eventId, item.objectIds[at]!, valueIds, item.groups)));
  const stored: Array<[Attribute, number, Item]> = [];
  attributeOwners.forEach(({ item, a, at }, i) => {
    const id = attributeIds[i];
    if (id === null || id === undefined) {
      item.rejected++;
      item.problems.push({ event: item.event.uuid, item: a.uuid, field: 'uuid', reason: 'another event already holds a attribute with this uuid; skipped' });
      return;
    }
    stored.push([a, id, item]);
    if (!a.deleted) item.live++;
    if (!attributeCorrelates(a, item.event.disable_correlation, item.inDeletedObject[at]!)) return;
    const { value1, value2 } = item.parts[at]!;
    item.correlating.add(valueIds.get(value1)!);
    if (value2 !== '' && secondPartCorrelates(a.type)) item.correlating.add(valueIds.get(value2)!);
  });

  const attributeTags: Array<Insertable<Database['attribute_tag']>> = [];
  const sightings: Array<Insertable<Database['sighting']> & { uuid: Buffer }> = [];
  for (const [a, id, item] of stored) {
    if (a.tags.length > 0) {
      const tagIds = await refs.tagIds(a.tags);
      a.tags.forEach((t, i) => attributeTags.push({ attribute_id: id, event_id: item.eventId, tag_id: tagIds[i]!, local: flag(t.local), relationship_type: t.relationship_type }));
    }
    for (const s of a.sightings) {
      sightings.push({
        uuid: uuidToBytes(s.uuid), attribute_id: id, event_id: item.eventId, org_id: s.org ? await refs.org(s.org) : null,
        type: s.type, date_sighting: s.date_sighting, source: s.source,
      });
    }
  }
  await bulk.all('attribute_tag', attributeTags);
  // A sighting is a fact that never changes: one already stored is kept as it is.
  await bulk.unique('sighting', sightings);

  const references = items.flatMap((item) => item.event.objects.flatMap((o) => {
    const objectId = objectIdOf.get(o);
    return objectId === undefined ? [] : o.references.map((r) => ({ item, r, objectId }));
  }));
  const referenceIds = await bulk.unique('object_reference', references.map(({ item, r, objectId }) => referenceRow(r, item.eventId, objectId)));
  references.forEach(({ item, r }, i) => {
    if (referenceIds[i] === null) item.problems.push({ event: item.event.uuid, item: r.uuid, field: 'uuid', reason: 'another event already holds a object reference with this uuid; skipped' });
  });
  const reports = items.flatMap((item) => item.event.reports.map((r) => ({ item, r })));
  const reportIds = await bulk.unique('event_report', reports.map(({ item, r }) => reportRow(r, item.eventId, item.groups)));
  reports.forEach(({ item, r }, i) => {
    if (reportIds[i] === null) item.problems.push({ event: item.event.uuid, item: r.uuid, field: 'uuid', reason: 'another event already holds a event report with this uuid; skipped' });
  });

  for (const [i, item] of items.entries()) {
    recordValueEvents(deltas, new Set(), item.correlating);
    if (item.live !== expected[i]) await trx.updateTable('event').set({ attribute_count: item.live }).where('id', '=', item.eventId).execute();
  }
  return items.map((item) => ({ eventId: item.eventId, problems: item.problems, rejectedAttributes: item.rejected }));
}

/**
 * Inserts rows whose uuids are taken to be free (PostgreSQL): without `on conflict`, whose check reads
 * the uuid index once more per row before the insert reads it again (a fifth of the server's work in an
 * import of new events). A uuid that is taken after all fails the statement, and with it the group; a
 * uuid given twice is seen here and goes through `on conflict` as usual.
 */
function freeUuids(store: Store, trx: Trx, bulk: BulkInsert): BulkInsert['unique'] {
  return async (table, rows) => {
    const seen = new Set<string>();
    for (const r of rows) {
      const key = r.uuid.toString('hex');
      if (seen.has(key)) return bulk.unique(table, rows);
      seen.add(key);
    }
    const returned = await insertByArrays<{ id: number; uuid: Buffer }>(store, trx, { table, rows, tail: 'returning "id", "uuid"' });
    const ids = new Map(returned.map((r) => [r.uuid.toString('hex'), r.id]));
    return rows.map((r) => ids.get(r.uuid.toString('hex')) ?? null);
  };
}

/**
 * Inserts the group's attributes from their prepared columns, adding the ids (event, object, values,
 * sharing group) now known; uuids taken to be free, as freeUuids. Answers each attribute's id in order.
 */
async function insertPrepared(
  store: Store, trx: Trx, prepared: NonNullable<PreparedEvents['attributes']>,
  owners: ReadonlyArray<{ item: Item; a: Attribute; at: number }>, valueIds: ValueIds,
): Promise<Array<number | null>> {
  const types = knownColumnTypes(store, 'attribute')!;
  // Each statement is sent as soon as its ids are bound, without waiting for the one before: the next
  // is bound while the server inserts the last (the turn of the event loop lets the driver send it).
  const statements: Array<Promise<Array<{ id: number; uuid: Buffer }>>> = [];
  for (const [n, own] of prepared.chunks.entries()) {
    const start = n * PG_ARRAY_CHUNK;
    const links = owners.slice(start, start + PG_ARRAY_CHUNK)
      .map(({ item, a, at }) => attributeLinks(a, item.parts[at]!, item.eventId, item.objectIds[at]!, valueIds, item.groups));
    const columns = Object.keys(links[0]!) as Array<keyof (typeof links)[number]>;
    const params = [...own, ...columns.map((c): [string, ColumnParam] => [c, columnParam(types.get(c)!, links.map((r) => r[c]))])];
    statements.push(insertColumns<{ id: number; uuid: Buffer }>(store, trx, 'attribute', params, 'returning "id", "uuid"'));
    if (n + 1 < prepared.chunks.length) await nextTurn();
  }
  const returned = (await Promise.all(statements)).flat();
  // PostgreSQL returns the rows in the order inserted, though it does not promise it: checked row by
  // row, and matched by uuid where the order differs.
  if (returned.length === prepared.uuids.length && returned.every((r, i) => r.uuid.equals(prepared.uuids[i]!))) return returned.map((r) => r.id);
  const byUuid = new Map(returned.map((r) => [r.uuid.toString('hex'), r.id]));
  return prepared.uuids.map((u) => byUuid.get(u.toString('hex')) ?? null);
}
