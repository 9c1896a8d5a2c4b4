import { type ControlledTransaction, type Insertable, type Transaction } from 'kysely';
import type { Attribute, MispEvent, Sighting } from '../../model/event.js';
import type { ImportProblem } from '../../model/problems.js';
import type { Store } from '../db/database.js';
import { takeWriterTurn, touchEvents } from './changed.js';
import { bulkInsert, type BulkInsert, type UuidTable } from '../db/bulk-insert.js';
import { clearIds, newIdScope, promoteIds } from './id-scope.js';
import { RefResolver } from './ref-resolver.js';
import type { Database } from '../db/schema.js';
import { attributeRow, eventRow, flag, groupRefs, objectRow, referenceRow, reportRow, type GroupIds } from './rows.js';
import { uuidToBytes, bytesToUuid } from '../db/uuid.js';
import { splitValue } from '../values/key.js';
import { attributeCorrelates, secondPartCorrelates } from '../../correlation/rules.js';
import { applyValueEvents, correlatingValueIds, recordValueEvents, type InternState, type ValueEventDeltas } from '../values/index.js';
import { purgeAnalystDataAbout, writeAnalystItems, type AnalystWrite, type AnalystWriteResult } from '../analyst-data.js';
import { changedEventStamp } from '../../model/versions.js';
import { forgetDeletedIds } from '../generations.js';
import { GROWTH_SHARE_MIDWAY, noteEventGrowth } from '../db/statistics.js';
import { prepareNewEvents, writeNewEvents, type PreparedEvents } from './new-events.js';

/** `exists`: the event was to be new (onlyNew) but its uuid is taken; nothing was written. */
export type SaveStatus = 'created' | 'updated' | 'unchanged' | 'exists';

export interface SaveOutcome {
  status: SaveStatus;
  eventId: number;
  /** Items of the event that could not be stored, each with the reason. */
  problems: ImportProblem[];
  rejectedAttributes: number;
  /** What became of the analyst data given with the event (written in the event's transaction). */
  analyst?: AnalystWriteResult;
}

/** How an event is saved: onlyNew leaves a taken uuid alone; the analyst data given is written with the event, in its transaction. */
export interface SaveOptions {
  onlyNew?: boolean;
  analyst?: readonly AnalystWrite[];
  /**
   * A change made here by a user (an edit, not an import): it is the newest version even when its
   * timestamp equals the stored one, as MISP stamps an edit with the second it was made in; so are the
   * items it changes, those named in changedItems (by uuid), or when that is not given every item the
   * document holds.
   */
  localEdit?: boolean;
  changedItems?: ReadonlySet<string>;
}

type Trx = Transaction<Database>;

/** What EventWrite.merge stored, by position in the items it was given. */
interface Merged {
  ids: Array<number | undefined>;
  written: Uint8Array;
  replaced: number[];
  rejected: number;
}
type Known = Map<string, { id: number; timestamp: number }>;

/** What of one event is already stored, by uuid. */
async function known(trx: Trx, table: UuidTable, eventId: number): Promise<Known> {
  const rows = await trx.selectFrom(table).select(['id', 'uuid', 'timestamp']).where('event_id', '=', eventId).execute();
  return new Map(rows.map((r) => [bytesToUuid(r.uuid), { id: r.id, timestamp: r.timestamp }]));
}

class EventWrite {
  readonly problems: ImportProblem[] = [];
  rejectedAttributes = 0;
  /** Attributes not marked deleted that this write stored. */
  liveAttributesWritten = 0;
  /** The values that the attributes this write stored correlate on. */
  readonly correlatingValues = new Set<number>();

  constructor(
    private readonly trx: Trx,
    private readonly bulk: BulkInsert,
    private readonly refs: RefResolver,
    private readonly event: MispEvent,
    private readonly eventId: number,
    private readonly isNew: boolean,
    private readonly groups: GroupIds,
    /** Items a local edit changes: taken also at a timestamp equal to the stored one (SaveOptions.localEdit). */
    private readonly changed: ReadonlySet<string> | 'every' | undefined,
  ) {}

  private takes(item: { uuid: string; timestamp: number }, stored: { timestamp: number }): boolean {
    if (item.timestamp > stored.timestamp) return true;
    return item.timestamp === stored.timestamp && this.changed !== undefined && (this.changed === 'every' || this.changed.has(item.uuid));
  }

  private reject(item: string, field: string, reason: string): void {
    this.problems.push({ event: this.event.uuid, item, field, reason });
  }

  /**
   * Stores the items of one table: new uuids are inserted, newer versions of this event's items replace
   * them, the rest is left alone. A new uuid that another event already holds is rejected.
   * Answers by position in `items` (a large event would otherwise spend its time hashing uuids): each
   * item's id (undefined when rejected), whether this write stored it, and the positions it replaced.
   */
  private async merge<T extends { uuid: string; timestamp: number }, R extends { uuid: Buffer }>(
    table: Exclude<UuidTable, 'sighting'>, items: readonly T[], toRow: (item: T, at: number) => R, what: string,
  ): Promise<Merged> {
    const mine: Known = this.isNew ? new Map() : await known(this.trx, table, this.eventId);
    const ids: Array<number | undefined> = new Array(items.length);
    const written = new Uint8Array(items.length);
    const replaced: number[] = [];
    let rejected = 0;
    const fresh: number[] = [];
    const rows: R[] = [];
    items.forEach((item, at) => {
      const k = mine.size === 0 ? undefined : mine.get(item.uuid);
      if (k) ids[at] = k.id;
      else {
        fresh.push(at);
        rows.push(toRow(item, at));
      }
    });
    const inserted = await this.bulk.unique(table, rows as never);
    fresh.forEach((at, i) => {
      const id = inserted[i];
      if (id !== null && id !== undefined) {
        ids[at] = id;
        written[at] = 1;
      } else {
        rejected++;
        this.reject(items[at]!.uuid, 'uuid', `another event already holds a ${what} with this uuid; skipped`);
      }
    });
    for (let at = 0; at < items.length && mine.size > 0; at++) {
      const item = items[at]!;
      const k = mine.get(item.uuid);
      if (k && this.takes(item, k)) {
        await this.trx.updateTable(table).set(toRow(item, at) as never).where('id', '=', k.id).execute();
        written[at] = 1;
        replaced.push(at);
      }
    }
    return { ids, written, replaced, rejected };
  }

  async run(): Promise<void> {
    const objects = await this.merge('object', this.event.objects, (o) => objectRow(o, this.eventId, this.groups), 'object');
    // Every attribute of the event with the object holding it, by position.
    const list: Attribute[] = [...this.event.attributes];
    const objectIds: Array<number | null> = list.map(() => null);
    const inDeletedObject: boolean[] = list.map(() => false);
    this.event.objects.forEach((o, at) => {
      const id = objects.ids[at];
      if (id === undefined) {
        this.rejectedAttributes += o.attributes.length;
        return;
      }
      for (const a of o.attributes) {
        list.push(a);
        objectIds.push(id);
        inDeletedObject.push(o.deleted);
      }
    });
    const parts = list.map((a) => splitValue(a.type, a.value));
    const texts: string[] = [];
    for (const { value1, value2 } of parts) {
      texts.push(value1);
      if (value2 !== '') texts.push(value2);
    }
    const valueIds = await this.refs.valueIds(texts);
    const stored = await this.merge('attribute', list, (a, at) => attributeRow(a, parts[at]!, this.eventId, objectIds[at]!, valueIds, this.groups), 'attribute');
    this.rejectedAttributes += stored.rejected;
    const written: number[] = [];
    list.forEach((a, at) => {
      if (!stored.written[at]) return;
      written.push(at);
      if (!a.deleted) this.liveAttributesWritten++;
      if (!attributeCorrelates(a, this.event.disable_correlation, inDeletedObject[at]!)) return;
      const { value1, value2 } = parts[at]!;
      this.correlatingValues.add(valueIds.get(value1) as number);
      if (value2 !== '' && secondPartCorrelates(a.type)) this.correlatingValues.add(valueIds.get(value2) as number);
    });
    // Tags and sightings follow the attributes this write created or replaced.
    // A replaced attribute takes the tags of its new version.
    const replacedIds = stored.replaced.map((at) => stored.ids[at] as number);
    for (let i = 0; i < replacedIds.length; i += 500) {
      await this.trx.deleteFrom('attribute_tag').where('attribute_id', 'in', replacedIds.slice(i, i + 500)).execute();
    }
    await this.writeAttributeTags(written.map((at) => [list[at]!, stored.ids[at] as number]));
    const held: Array<[Attribute, number]> = [];
    list.forEach((a, at) => {
      const id = stored.ids[at];
      if (id !== undefined && a.sightings.length > 0) held.push([a, id]);
    });
    await this.writeSightings(held);

    const refs = this.event.objects.flatMap((o, at) => {
      const id = objects.ids[at];
      return id === undefined ? [] : o.references.map((r) => ({ ...r, objectId: id }));
    });
    await this.merge('object_reference', refs, (r) => referenceRow(r, this.eventId, r.objectId), 'object reference');
    await this.merge('event_report', this.event.reports, (r) => reportRow(r, this.eventId, this.groups), 'event report');
  }

  private async writeAttributeTags(attributes: ReadonlyArray<[Attribute, number]>): Promise<void> {
    const rows: Array<Insertable<Database['attribute_tag']>> = [];
    for (const [a, id] of attributes) {
      if (a.tags.length === 0) continue;
      const tagIds = await this.refs.tagIds(a.tags);
      a.tags.forEach((t, i) => rows.push({
        attribute_id: id,
        event_id: this.eventId,
        tag_id: tagIds[i] as number,
        local: flag(t.local),
        relationship_type: t.relationship_type,
      }));
    }
    await this.bulk.all('attribute_tag', rows);
  }

  private async writeSightings(attributes: ReadonlyArray<[Attribute, number]>): Promise<void> {
    const rows: Array<Insertable<Database['sighting']> & { uuid: Buffer }> = [];
    for (const [a, id] of attributes) {
      for (const s of a.sightings) rows.push(await this.sightingRow(s, id));
    }
    // A sighting is a fact that never changes: one already stored is kept as it is.
    await this.bulk.unique('sighting', rows);
  }

  private async sightingRow(s: Sighting, attributeId: number): Promise<Insertable<Database['sighting']> & { uuid: Buffer }> {
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
}

/**
 * Writes the event, then the notes, opinions and relationships given with it (also when the event itself
 * is unchanged: an item has a version of its own), so that the transaction holds both or neither.
 */
async function writeEvent(store: Store, trx: Trx, refs: RefResolver, deltas: ValueEventDeltas, event: MispEvent, options: SaveOptions): Promise<SaveOutcome> {
  const outcome = await writeEventItself(store, trx, refs, deltas, event, options);
  if (outcome.status === 'exists' || !options.analyst?.length) return outcome;
  return { ...outcome, analyst: await writeAnalystItems(trx, (ref) => refs.org(ref), options.analyst) };
}

async function writeEventItself(store: Store, trx: Trx, refs: RefResolver, deltas: ValueEventDeltas, event: MispEvent, options: SaveOptions): Promise<SaveOutcome> {
  const existing = await trx.selectFrom('event').select(['id', 'timestamp']).where('uuid', '=', uuidToBytes(event.uuid)).executeTakeFirst();
  if (existing && options.onlyNew) return { status: 'exists', eventId: existing.id, problems: [], rejectedAttributes: 0 };
  if (existing && (options.localEdit ? event.timestamp < existing.timestamp : event.timestamp <= existing.timestamp)) {
    return { status: 'unchanged', eventId: existing.id, problems: [], rejectedAttributes: 0 };
  }
  // What the event correlated on before this write, to move the values' event counts by the difference.
  const correlatedBefore = existing ? await correlatingValueIds(trx, existing.id) : new Set<number>();
  const orgcId = await refs.org(event.orgc);
  const groups = await refs.sharingGroupIds(groupRefs(event), orgcId);
  const row = {
    ...eventRow(event, orgcId, event.org ? await refs.org(event.org) : orgcId, groups),
    ...(event.protected !== undefined ? { protected: flag(event.protected) } : {}),
    ...(event.locked !== undefined ? { locked: flag(event.locked) } : {}),
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
  const bulk = bulkInsert(store, trx);
  const tagIds = await refs.tagIds(event.tags);
  await bulk.all('event_tag', event.tags.map((t, i) => ({
    event_id: eventId, tag_id: tagIds[i] as number, local: flag(t.local), relationship_type: t.relationship_type,
  })));
  const write = new EventWrite(trx, bulk, refs, event, eventId, !existing, groups, options.localEdit ? (options.changedItems ?? 'every') : undefined);
  await write.run();
  // A new event correlates on what was just written; an updated one is read back whole.
  recordValueEvents(deltas, correlatedBefore, existing ? await correlatingValueIds(trx, eventId) : write.correlatingValues);
  // A new event holds just what was written; an updated one is counted afresh.
  const count = existing
    ? Number((await trx.selectFrom('attribute').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('event_id', '=', eventId).where('deleted', '=', 0).executeTakeFirstOrThrow()).n)
    : write.liveAttributesWritten;
  await trx.updateTable('event').set({ attribute_count: count }).where('id', '=', eventId).execute();
  return { status: existing ? 'updated' : 'created', eventId, problems: write.problems, rejectedAttributes: write.rejectedAttributes };
}

export interface EventSaverOptions {
  /**
   * Commit once this many attributes have been written since the last commit. By default a tenth of
   * what the store holds, between 100,000 and 1,000,000 (see EventSaver).
   */
  commitEveryAttributes?: number;
  /** Commit once the open transaction is this old (default 30 s). */
  commitEveryMs?: number;
  /**
   * PostgreSQL: organisations and tags are created outside the saver's transaction, for savers writing
   * at once (ref-resolver.ts `dictionary`); one an event that failed named then stays.
   */
  dictionaryOutside?: boolean;
}

const COMMIT_ATTRIBUTES_MIN = 100_000;
const COMMIT_ATTRIBUTES_MAX = 1_000_000;

/** Attributes per commit for a store that holds this many: a commit's cost grows with the store. */
export function commitSize(storeAttributes: number): number {
  return Math.min(COMMIT_ATTRIBUTES_MAX, Math.max(COMMIT_ATTRIBUTES_MIN, Math.round(storeAttributes / 10)));
}

/** About how many attributes the store holds (its highest id: no count over millions of rows). */
async function storeAttributes(trx: Trx): Promise<number> {
  const row = await trx.selectFrom('attribute').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Stores events, each atomically: every event is either entirely stored or absent, even if the process
 * dies. Commits are grouped because uuid and value indexes are random, so that each commit rewrites
 * most of their pages: one commit per event would cost more writes than the data itself. For the same
 * reason a commit costs more the more the store holds, so the group grows with the store (a tenth of it,
 * between 100,000 and 1,000,000 attributes; at 10 M this took the import from 37,000 to 47,000
 * attributes/s), and a time limit (30 s) bounds how long other writers wait. Savepoints per event would isolate a failing event too, but they copy
 * every index page an event touches first, which costs a sixth of the import; instead the saver keeps
 * the events of the open transaction, and when one fails it rolls back and writes the others again.
 *
 * A new uuid creates the event; a newer timestamp updates it, item by item (matched by uuid, a newer
 * item replacing the stored one); an equal or older timestamp leaves it as it is.
 */
export class EventSaver {
  private trx: ControlledTransaction<Database> | undefined;
  /** Events written in the open transaction, to write again should a later one fail. */
  private pending: Array<{ event: MispEvent; options: SaveOptions }> = [];
  private written = 0;
  private openedAt = 0;
  private readonly batchIds = newIdScope();
  /** The values' counts of events that the open transaction changes, applied just before it commits. */
  private valueEvents: ValueEventDeltas = new Map();
  /** The share of stored values among the last batch interned (kept for the saver's life: values/index.ts InternState). */
  private readonly interning: InternState = { storedShare: 1 };
  /** As given, or chosen for the store's size when each transaction opens. */
  private readonly commitEveryAttributesGiven: number | undefined;
  private commitEveryAttributes = COMMIT_ATTRIBUTES_MIN;
  private readonly commitEveryMs: number;
  private readonly dictionaryOutside: boolean;
  /** Events the open transaction creates or changes, marked as written just before it commits. */
  private changed = new Set<number>();
  /** A group of new events failed: the next ones insert their items' uuids with a check (saveMany). */
  private uuidsClashed = false;

  constructor(private readonly store: Store, options: EventSaverOptions = {}) {
    this.commitEveryAttributesGiven = options.commitEveryAttributes;
    this.commitEveryMs = options.commitEveryMs ?? 30_000;
    this.dictionaryOutside = options.dictionaryOutside ?? false;
  }

  private async open(): Promise<ControlledTransaction<Database>> {
    if (!this.trx) {
      this.trx = await this.store.db.startTransaction().execute();
      this.openedAt = Date.now();
      await forgetDeletedIds(this.store, this.trx);
      this.commitEveryAttributes = this.commitEveryAttributesGiven ?? commitSize(await storeAttributes(this.trx));
    }
    return this.trx;
  }

  /**
   * Whether the open transaction holds a version of this event: another transaction writing the event
   * would wait for this one to end (grouped-writer.ts gives the event to this saver instead).
   */
  holdsEvent(uuid: string): boolean {
    // A scan: a transaction holds a few thousand events at most, and a group asks once per event.
    return this.pending.some((p) => p.event.uuid === uuid);
  }

  /** Opens the transaction now, so that a caller gathering events to write does so while it opens. */
  async begin(): Promise<void> {
    await this.open();
  }

  private async write(event: MispEvent, options: SaveOptions): Promise<SaveOutcome> {
    const trx = await this.open();
    const refs = new RefResolver(this.store, trx, this.batchIds, this.interning, this.dictionaryOutside);
    const outcome = await writeEvent(this.store, trx, refs, this.valueEvents, event, options);
    this.noteWritten(event, options, outcome);
    return outcome;
  }

  private noteWritten(event: MispEvent, options: SaveOptions, outcome: SaveOutcome): void {
    this.pending.push({ event, options });
    if (outcome.status === 'created' || outcome.status === 'updated') this.changed.add(outcome.eventId);
    if (outcome.status === 'created' || outcome.status === 'updated') this.written += event.attributes.length + event.objects.reduce((n, o) => n + o.attributes.length, 0) + 1;
  }

  /**
   * Stores several events as save() with no options would, one after another: on PostgreSQL those new
   * to the store are written together, a statement for all of them (new-events.ts), the others one by
   * one. Answers, in order, each event's outcome or the error that refused it. With onlyNew, an event
   * whose uuid is taken (stored, or given earlier in the list) is left alone (status `exists`), as save() does.
   */
  async saveMany(events: readonly MispEvent[], options: { onlyNew?: boolean; prepared?: PreparedEvents } = {}): Promise<Array<SaveOutcome | Error>> {
    const out: Array<SaveOutcome | Error | undefined> = new Array(events.length);
    const fresh: number[] = [];
    if (this.store.dialect === 'postgres' && events.length > 1) {
      const trx = await this.open();
      const held = new Set((await trx.selectFrom('event').select('uuid').where('uuid', 'in', events.map((e) => uuidToBytes(e.uuid))).execute())
        .map((r) => bytesToUuid(r.uuid)));
      const seen = new Set<string>();
      events.forEach((e, at) => {
        // A uuid given twice: its second version is written after the first, one by one.
        if (!held.has(e.uuid) && !seen.has(e.uuid)) fresh.push(at);
        seen.add(e.uuid);
      });
    }
    if (fresh.length > 1) {
      const group = fresh.map((at) => events[at]!);
      try {
        const refs = new RefResolver(this.store, this.trx!, this.batchIds, this.interning, this.dictionaryOutside);
        // What was prepared holds every event given: of use when all of them are new.
        const prepared = fresh.length === events.length ? options.prepared : undefined;
        const outcomes = await writeNewEvents(this.store, this.trx!, refs, this.valueEvents, group, { uuidsFree: !this.uuidsClashed, ...(prepared ? { prepared } : {}) });
        outcomes.forEach((o, i) => {
          const outcome: SaveOutcome = { status: 'created', ...o };
          this.noteWritten(group[i]!, {}, outcome);
          out[fresh[i]!] = outcome;
        });
      } catch {
        // The group failed as a whole (an item's uuid another event holds, one event's item, a concurrent
        // writer): the transaction is lost. What it held before is written again, and the group's events
        // one by one, each then failing alone. Later groups check their uuids (a feed that clashed once
        // may again, and each failure costs the transaction).
        this.uuidsClashed = true;
        const others = this.pending;
        await this.abandon();
        for (const e of others) await this.write(e.event, e.options);
      }
    }
    for (const [at, event] of events.entries()) {
      if (out[at] !== undefined) continue;
      try {
        out[at] = await this.save(event, options.onlyNew ? { onlyNew: true } : {});
      } catch (err) {
        out[at] = err instanceof Error ? err : new Error(String(err));
      }
    }
    if (this.written >= this.commitEveryAttributes || Date.now() - this.openedAt >= this.commitEveryMs) await this.flush(true);
    return out as Array<SaveOutcome | Error>;
  }

  /**
   * Works out ahead, without the store, what saveMany will need of these events should they all be new
   * (PostgreSQL; undefined on the embedded store, which writes one event at a time). Done while the saver
   * still writes the group before, it overlaps with the server's work on it.
   */
  prepare(events: readonly MispEvent[]): PreparedEvents | undefined {
    return this.store.dialect === 'postgres' && events.length > 1 ? prepareNewEvents(this.store, events) : undefined;
  }

  /** Stores an event; with onlyNew, an event whose uuid is taken is left alone (status `exists`). */
  async save(event: MispEvent, options: SaveOptions = {}): Promise<SaveOutcome> {
    let outcome: SaveOutcome;
    for (let attempt = 1; ; attempt++) {
      try {
        outcome = await this.write(event, options);
        break;
      } catch (err) {
        const others = this.pending;
        await this.abandon();
        for (const e of others) await this.write(e.event, e.options);
        // Writers of several processes run at once (PostgreSQL): two changing the same stored rows in
        // opposite orders (edits of the same events, the same new organisations) deadlock, and PostgreSQL
        // fails one of them. The other has gone on by now: the event is written once more.
        if (attempt === 2 || (err as { code?: unknown } | null)?.code !== '40P01') throw err;
      }
    }
    if (this.written >= this.commitEveryAttributes || Date.now() - this.openedAt >= this.commitEveryMs) await this.flush(true);
    return outcome;
  }

  /**
   * Commits what has been saved so far; on PostgreSQL, analyses the tables once they have grown
   * (statistics.ts). `midway`: a commit the saver makes itself, more writes are to come.
   */
  async flush(midway = false): Promise<void> {
    const trx = this.trx;
    if (!trx) return;
    this.trx = undefined;
    this.pending = [];
    const written = this.written;
    this.written = 0;
    const deltas = this.valueEvents;
    this.valueEvents = new Map();
    const changed = this.changed;
    this.changed = new Set();
    try {
      try {
        await takeWriterTurn(this.store, trx);
        await applyValueEvents(this.store, trx, deltas);
        await touchEvents(this.store, trx, changed);
      } catch (err) {
        await trx.rollback().execute();
        throw err;
      }
      await trx.commit().execute();
    } catch (err) {
      clearIds(this.batchIds);
      throw err;
    }
    promoteIds(this.batchIds, this.store.idCache);
    await noteEventGrowth(this.store, written, midway ? GROWTH_SHARE_MIDWAY : undefined);
  }

  /** Gives up what has not been committed. */
  async abandon(): Promise<void> {
    const trx = this.trx;
    this.trx = undefined;
    this.pending = [];
    this.written = 0;
    this.valueEvents = new Map();
    this.changed = new Set();
    clearIds(this.batchIds);
    if (trx) await trx.rollback().execute();
  }
}

/** Stores one event in a transaction of its own. */
export async function saveEvent(store: Store, event: MispEvent): Promise<SaveOutcome> {
  const saver = new EventSaver(store, { commitEveryAttributes: 0 });
  try {
    const outcome = await saver.save(event);
    await saver.flush();
    return outcome;
  } catch (err) {
    await saver.abandon();
    throw err;
  }
}

/**
 * Deletes an event and everything in it, in one transaction; the values it correlated on lose it from
 * their counts. Returns false when there is no such event.
 */
export async function deleteEvent(store: Store, eventId: number): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('event').select('id').where('id', '=', eventId).executeTakeFirst();
    if (!exists) return false;
    const deltas: ValueEventDeltas = new Map();
    recordValueEvents(deltas, await correlatingValueIds(trx, eventId), new Set());
    await takeWriterTurn(store, trx);
    await applyValueEvents(store, trx, deltas);
    const elements = await Promise.all([
      trx.selectFrom('event').select('uuid').where('id', '=', eventId).execute(),
      trx.selectFrom('attribute').select('uuid').where('event_id', '=', eventId).execute(),
      trx.selectFrom('object').select('uuid').where('event_id', '=', eventId).execute(),
      trx.selectFrom('event_report').select('uuid').where('event_id', '=', eventId).execute(),
    ]);
    await purgeAnalystDataAbout(trx, elements.flat().map((e) => e.uuid));
    // Children first: SQLite and PostgreSQL cascade alike, but sightings and tags name attributes too.
    for (const table of ['sighting', 'attribute_tag', 'event_tag', 'attribute', 'object_reference', 'object', 'event_report', 'shadow_attribute'] as const) {
      await trx.deleteFrom(table).where('event_id', '=', eventId).execute();
    }
    await trx.deleteFrom('event').where('id', '=', eventId).execute();
    return true;
  });
}

/**
 * Switches MISP's protected mode; as MISP does, the event gets a new version (timestamp) and goes back
 * to draft, so that the change is published (and synchronised) like any other.
 */
export async function setProtected(store: Store, eventId: number, protect: boolean): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('event').select('timestamp').where('id', '=', eventId).executeTakeFirst();
    if (!row) return false;
    const timestamp = changedEventStamp(Number(row.timestamp));
    await trx.updateTable('event').set({ protected: protect ? 1 : 0, published: 0, timestamp }).where('id', '=', eventId).execute();
    await touchEvents(store, trx, [eventId]);
    return true;
  });
}

/** Publishes an event (now) or takes it back to draft; false when there is no such event. */
export async function setPublished(store: Store, eventId: number, published: boolean): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    // A publish covers the version stored: that version's timestamp may be ahead of this clock (a peer's
    // clock, or a burst of edits of one item, each newer than the last), and a search by publish_timestamp
    // from that version's timestamp must find the publish.
    const row = await trx.selectFrom('event').select('timestamp').where('id', '=', eventId).executeTakeFirst();
    const at = Math.max(Math.floor(Date.now() / 1000), Number(row?.timestamp ?? 0));
    const set = published ? { published: 1, publish_timestamp: at } : { published: 0 };
    const done = await trx.updateTable('event').set(set).where('id', '=', eventId).executeTakeFirst();
    await touchEvents(store, trx, [eventId]);
    return Number(done.numUpdatedRows) > 0;
  });
}
