import type { StoredEvent } from '../model/event.js';

/*
 * What MISP's events/view (and events/add and events/edit, which answer the event) read from their named
 * parameters, which arrive as the query string (named-params.ts): `deleted`, `noSightings`,
 * `excludeGalaxy`, `excludeLocalTags`, `includeEventCorrelations`, `metadata`. PyMISP's get_event posts
 * `deleted` (and `extended`) in a body instead; MISP reads both.
 */

/** Which items an answer holds: live ones (MISP's default), deleted ones too, or only deleted ones. */
export type DeletedScope = 'live' | 'both' | 'deleted';

export interface EventViewOptions {
  deleted: DeletedScope;
  /** Attributes without their sightings. */
  noSightings: boolean;
  /** No `Galaxy` list. */
  excludeGalaxy: boolean;
  /** Local tags left out, as another instance would see the event. */
  excludeLocalTags: boolean;
  /** `RelatedEvent` filled (MISP's default for REST). */
  includeEventCorrelations: boolean;
  /** The event without its attributes, objects and reports. */
  metadata: boolean;
  /** Each attribute's hits in the cached feeds (`Feed`), and the event's feeds. */
  includeFeedCorrelations: boolean;
}

/** MISP's `!empty()`: absent, empty, 0 and "0" are off; `false`/"false" too, as clients send them. */
export function isOn(value: unknown): boolean {
  const v = Array.isArray(value) ? value[value.length - 1] : value;
  return !(v === undefined || v === null || v === '' || v === 0 || v === '0' || v === false || v === 'false');
}

const isOne = (v: unknown) => v === 1 || v === '1' || v === true || v === 'true';
const isZero = (v: unknown) => v === 0 || v === '0' || v === false || v === 'false' || v === '';

/**
 * MISP's reading of `deleted`: a list names the states wanted (`[0, 1]` both, `[1]` only deleted), 1 (or
 * true) is both, 0 live only, and any other value only deleted.
 */
export function deletedScope(value: unknown): DeletedScope {
  if (value === undefined || value === null) return 'live';
  if (Array.isArray(value)) {
    const live = value.some(isZero);
    const gone = value.some(isOne);
    return live && gone ? 'both' : gone ? 'deleted' : 'live';
  }
  return isOne(value) ? 'both' : isZero(value) ? 'live' : 'deleted';
}

const recordOf = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** The options of a request: its query string, and for events/view a body's `deleted`, which wins as in MISP. */
export function eventViewOptions(query: unknown, body?: unknown): EventViewOptions {
  const q = recordOf(query);
  const b = recordOf(body);
  const correlations = q.includeEventCorrelations;
  return {
    deleted: deletedScope(b.deleted ?? q.deleted),
    noSightings: isOn(q.noSightings),
    excludeGalaxy: isOn(q.excludeGalaxy),
    excludeLocalTags: isOn(q.excludeLocalTags),
    includeEventCorrelations: correlations === undefined || isOn(correlations),
    metadata: isOn(q.metadata),
    includeFeedCorrelations: isOn(b.includeFeedCorrelations ?? q.includeFeedCorrelations),
  };
}

/** An event read with its deleted items, narrowed to them alone (`deleted: [1]`): objects that are deleted or hold a deleted attribute. */
export function onlyDeleted(event: StoredEvent): StoredEvent {
  const objects = event.objects
    .map((o) => (o.deleted ? o : { ...o, attributes: o.attributes.filter((a) => a.deleted), references: o.references.filter((r) => r.deleted) }))
    .filter((o) => o.deleted || o.attributes.length > 0);
  return { ...event, attributes: event.attributes.filter((a) => a.deleted), objects, reports: event.reports.filter((r) => r.deleted) };
}

/** The event as the options shape it before it is serialised: no sightings, no items (metadata). */
export function shapedEvent(event: StoredEvent, options: EventViewOptions): StoredEvent {
  let e = options.deleted === 'deleted' ? onlyDeleted(event) : event;
  if (options.metadata) e = { ...e, attributes: [], objects: [], reports: [] };
  if (options.noSightings) {
    const bare = <T extends { sightings: unknown[] }>(a: T): T => ({ ...a, sightings: [] });
    e = { ...e, attributes: e.attributes.map(bare), objects: e.objects.map((o) => ({ ...o, attributes: o.attributes.map(bare) })) };
  }
  return e;
}
