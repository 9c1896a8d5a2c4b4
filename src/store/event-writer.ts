import type { Insertable, Transaction } from 'kysely';
import type { Attribute, EventReport, MispEvent, MispObject, ObjectReference, Sighting } from '../model/event.js';
import type { ImportProblem } from '../formats/misp-json/problems.js';
import type { Store } from './database.js';
import { RefResolver } from './refs.js';
import type { AttributeTable, Database } from './schema.js';
import { uuidToBytes, bytesToUuid } from './uuid.js';
import { splitValue, valueKey } from './value-key.js';

export type SaveStatus = 'created' | 'updated' | 'unchanged';

export interface SaveOutcome {
  status: SaveStatus;
  eventId: number;
  /** Items of the event that could not be stored, each with the reason. */
  problems: ImportProblem[];
  rejectedAttributes: number;
}

type Trx = Transaction<Database>;
type Known = Map<string, { id: number; timestamp: number }>;

/** Rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const CHUNK = 500;

const flag = (b: boolean): number => (b ? 1 : 0);

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function attributeRow(a: Attribute, eventId: number, objectId: number | null): Insertable<AttributeTable> {
  const { value1, value2 } = splitValue(a.type, a.value);
  return {
    uuid: uuidToBytes(a.uuid),
    event_id: eventId,
    object_id: objectId,
    object_relation: a.object_relation,
    type: a.type,
    category: a.category,
    value1,
    value2,
    value1_key: valueKey(value1),
    value2_key: value2 === '' ? null : valueKey(value2),
    to_ids: flag(a.to_ids),
    distribution: a.distribution,
    sharing_group_id: null,
    comment: a.comment,
    timestamp: a.timestamp,
    first_seen: a.first_seen,
    last_seen: a.last_seen,
    disable_correlation: flag(a.disable_correlation),
    deleted: flag(a.deleted),
    data: a.data,
  };
}

function objectRow(o: MispObject, eventId: number) {
  return {
    uuid: uuidToBytes(o.uuid),
    event_id: eventId,
    name: o.name,
    meta_category: o.meta_category,
    description: o.description,
    template_uuid: o.template_uuid,
    template_version: o.template_version,
    comment: o.comment,
    distribution: o.distribution,
    sharing_group_id: null,
    timestamp: o.timestamp,
    first_seen: o.first_seen,
    last_seen: o.last_seen,
    deleted: flag(o.deleted),
  };
}

function referenceRow(r: ObjectReference, eventId: number, objectId: number) {
  return {
    uuid: uuidToBytes(r.uuid),
    event_id: eventId,
    object_id: objectId,
    referenced_uuid: uuidToBytes(r.referenced_uuid),
    relationship_type: r.relationship_type,
    comment: r.comment,
    timestamp: r.timestamp,
    deleted: flag(r.deleted),
  };
}

function reportRow(r: EventReport, eventId: number) {
  return {
    uuid: uuidToBytes(r.uuid),
    event_id: eventId,
    name: r.name,
    content: r.content,
    distribution: r.distribution,
    sharing_group_id: null,
    timestamp: r.timestamp,
    deleted: flag(r.deleted),
  };
}

type UuidTable = 'attribute' | 'object' | 'object_reference' | 'event_report';

/** What of one event is already stored, by uuid. */
async function known(trx: Trx, table: UuidTable, eventId: number): Promise<Known> {
  const rows = await trx.selectFrom(table).select(['id', 'uuid', 'timestamp']).where('event_id', '=', eventId).execute();
  return new Map(rows.map((r) => [bytesToUuid(r.uuid), { id: r.id, timestamp: r.timestamp }]));
}

/** Uuids among these that another event already holds. */
async function takenElsewhere(trx: Trx, table: UuidTable, uuids: readonly string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  for (const part of chunks(uuids)) {
    const rows = await trx.selectFrom(table).select('uuid').where('uuid', 'in', part.map(uuidToBytes)).execute();
    for (const r of rows) taken.add(bytesToUuid(r.uuid));
  }
  return taken;
}

class EventWrite {
  readonly problems: ImportProblem[] = [];
  rejectedAttributes = 0;

  constructor(
    private readonly trx: Trx,
    private readonly refs: RefResolver,
    private readonly event: MispEvent,
    private readonly eventId: number,
    private readonly isNew: boolean,
  ) {}

  private reject(item: string, field: string, reason: string): void {
    this.problems.push({ event: this.event.uuid, item, field, reason });
  }

  /** Splits incoming items into new ones, newer versions of stored ones, and the rest; drops uuid clashes. */
  private async sort<T extends { uuid: string; timestamp: number }>(table: UuidTable, items: readonly T[], what: string) {
    const mine: Known = this.isNew ? new Map() : await known(this.trx, table, this.eventId);
    const fresh = items.filter((i) => !mine.has(i.uuid));
    const clash = fresh.length ? await takenElsewhere(this.trx, table, fresh.map((i) => i.uuid)) : new Set<string>();
    for (const u of clash) this.reject(u, 'uuid', `another event already holds a ${what} with this uuid; skipped`);
    return {
      mine,
      added: fresh.filter((i) => !clash.has(i.uuid)),
      changed: items.filter((i) => {
        const k = mine.get(i.uuid);
        return k !== undefined && i.timestamp > k.timestamp;
      }),
      clash,
    };
  }

  async run(): Promise<void> {
    const objectIds = await this.writeObjects();
    const attributes: Array<[Attribute, number | null]> = this.event.attributes.map((a) => [a, null]);
    for (const o of this.event.objects) {
      const id = objectIds.get(o.uuid);
      if (id === undefined) continue;
      for (const a of o.attributes) attributes.push([a, id]);
    }
    await this.writeAttributes(attributes);
    await this.writeReferences(objectIds);
    await this.writeReports();
  }

  private async writeObjects(): Promise<Map<string, number>> {
    const { mine, added, changed, clash } = await this.sort('object', this.event.objects, 'object');
    for (const o of this.event.objects) if (clash.has(o.uuid)) this.rejectedAttributes += o.attributes.length;
    const ids = new Map<string, number>([...mine].map(([u, k]) => [u, k.id]));
    for (const part of chunks(added)) {
      const rows = await this.trx.insertInto('object').values(part.map((o) => objectRow(o, this.eventId))).returning(['id', 'uuid']).execute();
      for (const r of rows) ids.set(bytesToUuid(r.uuid), r.id);
    }
    for (const o of changed) {
      await this.trx.updateTable('object').set(objectRow(o, this.eventId)).where('id', '=', ids.get(o.uuid) as number).execute();
    }
    return ids;
  }

  private async writeAttributes(items: Array<[Attribute, number | null]>): Promise<void> {
    const { mine, added, changed } = await this.sort('attribute', items.map(([a]) => a), 'attribute');
    this.rejectedAttributes += items.length - added.length - [...items].filter(([a]) => mine.has(a.uuid)).length;
    const objectOf = new Map(items.map(([a, o]) => [a.uuid, o]));
    const ids = new Map<string, number>([...mine].map(([u, k]) => [u, k.id]));
    for (const part of chunks(added)) {
      const rows = part.map((a) => attributeRow(a, this.eventId, objectOf.get(a.uuid) ?? null));
      const q = this.trx.insertInto('attribute').values(rows);
      // Ids are only needed to hang tags and sightings on; most attributes have neither.
      if (part.some((a) => a.tags.length > 0 || a.sightings.length > 0)) {
        for (const r of await q.returning(['id', 'uuid']).execute()) ids.set(bytesToUuid(r.uuid), r.id);
      } else {
        await q.execute();
      }
    }
    for (const a of changed) {
      const id = ids.get(a.uuid) as number;
      await this.trx.updateTable('attribute').set(attributeRow(a, this.eventId, objectOf.get(a.uuid) ?? null)).where('id', '=', id).execute();
      await this.trx.deleteFrom('attribute_tag').where('attribute_id', '=', id).execute();
    }
    await this.writeAttributeTags([...added, ...changed], ids);
    await this.writeSightings([...added, ...changed], ids);
  }

  private async writeAttributeTags(attributes: readonly Attribute[], ids: Map<string, number>): Promise<void> {
    const rows: Array<Insertable<Database['attribute_tag']>> = [];
    for (const a of attributes) {
      if (a.tags.length === 0) continue;
      const tagIds = await this.refs.tagIds(a.tags);
      a.tags.forEach((t, i) => rows.push({
        attribute_id: ids.get(a.uuid) as number,
        event_id: this.eventId,
        tag_id: tagIds[i] as number,
        local: flag(t.local),
        relationship_type: t.relationship_type,
      }));
    }
    for (const part of chunks(rows)) await this.trx.insertInto('attribute_tag').values(part).execute();
  }

  private async writeSightings(attributes: readonly Attribute[], ids: Map<string, number>): Promise<void> {
    const rows: Array<Insertable<Database['sighting']>> = [];
    for (const a of attributes) {
      for (const s of a.sightings) rows.push(await this.sightingRow(s, ids.get(a.uuid) as number));
    }
    // A sighting is a fact that never changes: one already stored is kept as it is.
    for (const part of chunks(rows)) {
      await this.trx.insertInto('sighting').values(part).onConflict((oc) => oc.column('uuid').doNothing()).execute();
    }
  }

  private async sightingRow(s: Sighting, attributeId: number): Promise<Insertable<Database['sighting']>> {
    return {
      uuid: uuidToBytes(s.uuid),
      attribute_id: attributeId,
      event_id: this.eventId,
      org_id: s.org ? await this.refs.org(s.org) : null,
      type: s.type,
      date_sighting: s.date_sighting,
      source: s.source,
    };
  }

  private async writeReferences(objectIds: Map<string, number>): Promise<void> {
    const refs = this.event.objects.flatMap((o) =>
      objectIds.has(o.uuid) ? o.references.map((r) => ({ ...r, objectId: objectIds.get(o.uuid) as number })) : [],
    );
    const { mine, added, changed } = await this.sort('object_reference', refs, 'object reference');
    for (const part of chunks(added)) {
      await this.trx.insertInto('object_reference').values(part.map((r) => referenceRow(r, this.eventId, r.objectId))).execute();
    }
    for (const r of changed) {
      await this.trx.updateTable('object_reference').set(referenceRow(r, this.eventId, r.objectId)).where('id', '=', mine.get(r.uuid)!.id).execute();
    }
  }

  private async writeReports(): Promise<void> {
    const { mine, added, changed } = await this.sort('event_report', this.event.reports, 'event report');
    for (const part of chunks(added)) {
      await this.trx.insertInto('event_report').values(part.map((r) => reportRow(r, this.eventId))).execute();
    }
    for (const r of changed) {
      await this.trx.updateTable('event_report').set(reportRow(r, this.eventId)).where('id', '=', mine.get(r.uuid)!.id).execute();
    }
  }
}

/**
 * Stores one event in one transaction. A new uuid creates the event; a newer timestamp updates it,
 * attribute by attribute and object by object (matched by uuid, a newer item replacing the stored one);
 * an equal or older timestamp leaves it as it is.
 */
export async function saveEvent(store: Store, event: MispEvent): Promise<SaveOutcome> {
  let resolver: RefResolver | undefined;
  const outcome = await store.db.transaction().execute(async (trx): Promise<SaveOutcome> => {
    const refs = (resolver = new RefResolver(store, trx));
    const existing = await trx.selectFrom('event').select(['id', 'timestamp']).where('uuid', '=', uuidToBytes(event.uuid)).executeTakeFirst();
    if (existing && event.timestamp <= existing.timestamp) {
      return { status: 'unchanged', eventId: existing.id, problems: [], rejectedAttributes: 0 };
    }
    const orgcId = await refs.org(event.orgc);
    const row = {
      orgc_id: orgcId,
      org_id: event.org ? await refs.org(event.org) : orgcId,
      info: event.info,
      date: event.date,
      threat_level_id: event.threat_level_id,
      analysis: event.analysis,
      distribution: event.distribution,
      sharing_group_id: null,
      published: flag(event.published),
      publish_timestamp: event.publish_timestamp,
      timestamp: event.timestamp,
      extends_uuid: event.extends_uuid,
      disable_correlation: flag(event.disable_correlation),
      attribute_count: 0,
    };
    let eventId: number;
    if (existing) {
      eventId = existing.id;
      await trx.updateTable('event').set(row).where('id', '=', eventId).execute();
      await trx.deleteFrom('event_tag').where('event_id', '=', eventId).execute();
    } else {
      const inserted = await trx.insertInto('event').values({ ...row, uuid: uuidToBytes(event.uuid) }).returning('id').executeTakeFirstOrThrow();
      eventId = inserted.id;
    }
    const tagIds = await refs.tagIds(event.tags);
    if (tagIds.length > 0) {
      await trx.insertInto('event_tag').values(event.tags.map((t, i) => ({
        event_id: eventId, tag_id: tagIds[i] as number, local: flag(t.local), relationship_type: t.relationship_type,
      }))).execute();
    }
    const write = new EventWrite(trx, refs, event, eventId, !existing);
    await write.run();
    const count = await trx.selectFrom('attribute').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('event_id', '=', eventId).where('deleted', '=', 0).executeTakeFirstOrThrow();
    await trx.updateTable('event').set({ attribute_count: Number(count.n) }).where('id', '=', eventId).execute();
    return { status: existing ? 'updated' : 'created', eventId, problems: write.problems, rejectedAttributes: write.rejectedAttributes };
  });
  resolver?.commit();
  return outcome;
}
