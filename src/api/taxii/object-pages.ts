import type { Viewer } from '../../access/viewer.js';
import type { StixObject } from '../../formats/stix/observables.js';
import type { Store } from '../../store/db/database.js';
import { loadEvent } from '../../store/events/reader.js';
import { eventStixObjects } from '../../services/export/stix.js';
import { collectionEvents, type TaxiiCollection } from '../../store/taxii.js';
import { TaxiiError } from './media.js';

/** How long an event's objects are kept: enough for a client paging through it. */
const KEEP_MS = 5_000;

/** What a client asked of a collection's objects: TAXII's `match[…]` and `added_after`. */
export interface ObjectFilter {
  ids?: ReadonlySet<string>;
  types?: ReadonlySet<string>;
  /** Exact versions asked for; undefined for `last`, `first` or `all`, which all name the one version Cairn keeps. */
  versions?: ReadonlySet<number>;
  specVersions?: ReadonlySet<string>;
  /** Milliseconds. */
  addedAfter?: number;
}

/** One object of a collection, with when this server added it and its version. */
export interface Entry {
  object: StixObject;
  dateAdded: number;
  version: string;
  /** The event whose copy of the object this is. */
  eventId: number;
}

/** Where a page stops: the event (by when it was written and its id) and how many of its objects were passed. */
export interface Position {
  changed: number;
  id: number;
  skip: number;
}

export function encodePosition(p: Position): string {
  return Buffer.from(`${p.changed}.${p.id}.${p.skip}`).toString('base64url');
}

export function decodePosition(text: string): Position {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!m) throw new TaxiiError(400, 'Invalid next', 'next must be a value this server gave in an earlier answer');
  return { changed: Number(m[1]), id: Number(m[2]), skip: Number(m[3]) };
}

/** The version of a STIX object: its `modified`, else its `created`, else (observables) when it was added (or posted). */
export function versionOf(o: StixObject, dateAdded: number): string {
  const v = o.modified ?? o.created;
  return typeof v === 'string' ? v : new Date(dateAdded).toISOString();
}

function matches(o: StixObject, version: string, f: ObjectFilter): boolean {
  if (f.ids && !f.ids.has(o.id)) return false;
  if (f.types && !f.types.has(String(o.type))) return false;
  if (f.specVersions && !f.specVersions.has(String(o.spec_version ?? '2.1'))) return false;
  if (f.versions && !f.versions.has(Date.parse(version))) return false;
  return true;
}

/**
 * Each event's STIX objects, kept a few seconds: paging through a large event reads it once, not once
 * a page. Keyed by who reads (what he may see of it) and when the event was last written.
 */
export class EventObjectsCache {
  private readonly kept = new Map<string, { objects: StixObject[]; until: number }>();

  constructor(private readonly store: Store, private readonly size = 32) {}

  async of(viewer: Viewer, eventId: number, changed: number, store: Store = this.store): Promise<StixObject[]> {
    const key = `${viewer.kind === 'user' ? (viewer.siteAdmin ? 'admin' : `org${viewer.orgId}`) : 'operator'}:${eventId}:${changed}`;
    const hit = this.kept.get(key);
    if (hit && hit.until > Date.now()) return hit.objects;
    const event = await loadEvent(store, viewer, { id: eventId });
    const objects = event ? await eventStixObjects(store, viewer, event) : [];
    if (this.kept.size >= this.size) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, { objects, until: Date.now() + KEEP_MS });
    return objects;
  }
}

/** Events read per query, and at most per page: a filter that matches little ends a page early (with `more`) rather than reading the whole collection. */
const EVENT_BATCH = 50;
const MAX_EVENTS_PER_PAGE = 500;

/**
 * A page of a collection's objects: its events in the order this server last wrote them, each event's
 * objects in bundle order. An object several events hold (an organisation's identity, a marking, an
 * observable) is on a page once, where it first comes; each event carries its own copy of it (dated by
 * that event), and with `latest` the page keeps the copy of the latest version instead (TAXII's default
 * for an object asked for by id).
 */
export async function readPage(store: Store, cache: EventObjectsCache, viewer: Viewer, collection: TaxiiCollection,
  q: { filter: ObjectFilter; from?: Position; limit: number; within?: readonly number[]; latest?: boolean }): Promise<{ entries: Entry[]; next?: Position }> {
  const entries: Entry[] = [];
  const onPage = new Map<string, number>();
  let from = q.from;
  let read = 0;
  for (;;) {
    const batch = await collectionEvents(store, viewer, collection, {
      ...(from ? { from } : {}), ...(q.filter.addedAfter !== undefined ? { addedAfter: q.filter.addedAfter } : {}),
      ...(q.within ? { within: q.within } : {}), limit: EVENT_BATCH,
    });
    if (batch.length === 0) return { entries };
    for (const event of batch) {
      const objects = await cache.of(viewer, event.id, event.changed, store);
      const skip = from && from.id === event.id && from.changed === event.changed ? from.skip : 0;
      for (let i = skip; i < objects.length; i++) {
        const object = objects[i]!;
        const version = versionOf(object, event.changed);
        if (!matches(object, version, q.filter)) continue;
        const at = onPage.get(object.id);
        if (at !== undefined) {
          if (q.latest && Date.parse(version) >= Date.parse(entries[at]!.version)) entries[at] = { object, dateAdded: event.changed, version, eventId: event.id };
          continue;
        }
        if (entries.length === q.limit) return { entries, next: { changed: event.changed, id: event.id, skip: i } };
        onPage.set(object.id, entries.length);
        entries.push({ object, dateAdded: event.changed, version, eventId: event.id });
      }
      if (++read >= MAX_EVENTS_PER_PAGE) return { entries, next: { changed: event.changed, id: event.id, skip: objects.length } };
    }
    if (batch.length < EVENT_BATCH) return { entries };
    const last = batch[batch.length - 1]!;
    from = { changed: last.changed, id: last.id + 1, skip: 0 };
  }
}
