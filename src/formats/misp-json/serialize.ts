import type { Attribute, EventReport, MispEvent, MispObject, ObjectReference, OrganisationRef, SharingGroupRef, Sighting, StoredEvent, TagRef } from '../../model/event.js';
import { analystMembers } from './analyst-data.js';
import type { JsonObject } from './coerce.js';

export interface SerializeOptions {
  /** Leave out local tags, as a feed or a sync to another instance must. */
  omitLocalTags?: boolean;
}

/**
 * Where the local ids go, as MISP places them: set when the document answers a client of this instance
 * (events/view, events/add, restSearch), never in a feed or a file, where they mean nothing.
 */
interface LocalIds {
  eventId: string;
}

type Context = SerializeOptions & { ids?: LocalIds };

/** `"12"`, or MISP's `"0"` for none. */
const idText = (id: number | undefined) => String(id ?? 0);

/*
 * MISP writes numbers as strings and flags as booleans in its event JSON; Cairn writes the same so that
 * MISP servers, feeds consumers and PyMISP read its output as they read MISP's.
 */

function tags(list: readonly TagRef[], o: SerializeOptions): JsonObject[] {
  const out: JsonObject[] = [];
  for (const t of list) {
    if (o.omitLocalTags && t.local) continue;
    out.push({ name: t.name, colour: t.colour ?? '', local: t.local, relationship_type: t.relationship_type ?? '' });
  }
  return out;
}

/*
 * The builders of the items an event holds by the thousand (attributes, sightings) set their members one
 * by one instead of spreading optional parts: V8 copies a spread object member by member into a new
 * dictionary, which cost a 10,000-attribute event's view a third of its time. The order of members is
 * MISP's, as in the other builders.
 */

/** Sets an item's sharing group members, as sharingGroup() gives them. */
function setSharingGroup(out: JsonObject, item: { sharing_group?: SharingGroupRef }, c: Context): void {
  const g = item.sharing_group;
  if (!g) {
    if (c.ids) out.sharing_group_id = '0';
    return;
  }
  out.sharing_group_id = String(g.id ?? 0);
  if (g.uuid) out.SharingGroup = { uuid: g.uuid, name: g.name ?? '' };
}

/**
 * MISP names an item's sharing group by its local id and embeds the group; the uuid is what another
 * instance knows it by.
 */
function sharingGroup(item: { sharing_group?: SharingGroupRef }, c: Context): JsonObject {
  const g = item.sharing_group;
  if (!g) return c.ids ? { sharing_group_id: '0' } : {};
  return { sharing_group_id: String(g.id ?? 0), ...(g.uuid ? { SharingGroup: { uuid: g.uuid, name: g.name ?? '' } } : {}) };
}

function sighting(s: Sighting, attributeId: number | undefined, c: Context): JsonObject {
  const out: JsonObject = {};
  if (c.ids) {
    out.id = idText(s.id);
    out.attribute_id = idText(attributeId);
    out.event_id = c.ids.eventId;
    out.org_id = idText(s.org?.id);
  }
  out.uuid = s.uuid;
  out.type = String(s.type);
  out.date_sighting = String(s.date_sighting);
  out.source = s.source;
  if (s.org) out.Organisation = organisation(s.org, c);
  return out;
}

/** An organisation as an event names it; with its local id in answers to clients. */
function organisation(o: OrganisationRef, c: Context): JsonObject {
  return { ...(c.ids ? { id: idText(o.id) } : {}), uuid: o.uuid, name: o.name };
}

function attribute(a: Attribute, c: Context, objectId?: number): JsonObject {
  const out: JsonObject = {};
  if (c.ids) {
    out.id = idText(a.id);
    out.event_id = c.ids.eventId;
    out.object_id = idText(objectId);
  }
  out.uuid = a.uuid;
  out.type = a.type;
  out.category = a.category;
  out.value = a.value;
  out.to_ids = a.to_ids;
  out.distribution = String(a.distribution);
  setSharingGroup(out, a, c);
  out.comment = a.comment;
  out.timestamp = String(a.timestamp);
  out.disable_correlation = a.disable_correlation;
  out.deleted = a.deleted;
  out.first_seen = a.first_seen;
  out.last_seen = a.last_seen;
  if (a.object_relation !== null) out.object_relation = a.object_relation;
  if (a.data !== null) out.data = a.data;
  if (a.tags.length > 0) {
    const t = tags(a.tags, c);
    if (t.length > 0) out.Tag = t;
  }
  if (a.sightings.length > 0) out.Sighting = a.sightings.map((s) => sighting(s, a.id, c));
  return out;
}

function reference(r: ObjectReference, object: MispObject, c: Context): JsonObject {
  return {
    ...(c.ids ? { id: idText(r.id), object_id: idText(object.id), event_id: c.ids.eventId, source_uuid: object.uuid } : {}),
    uuid: r.uuid,
    object_uuid: object.uuid,
    referenced_uuid: r.referenced_uuid,
    relationship_type: r.relationship_type,
    comment: r.comment,
    timestamp: String(r.timestamp),
    deleted: r.deleted,
  };
}

function object(m: MispObject, c: Context): JsonObject {
  return {
    ...(c.ids ? { id: idText(m.id), event_id: c.ids.eventId } : {}),
    uuid: m.uuid,
    name: m.name,
    'meta-category': m.meta_category,
    description: m.description,
    template_uuid: m.template_uuid,
    template_version: m.template_version,
    comment: m.comment,
    distribution: String(m.distribution),
    ...sharingGroup(m, c),
    timestamp: String(m.timestamp),
    first_seen: m.first_seen,
    last_seen: m.last_seen,
    deleted: m.deleted,
    Attribute: m.attributes.map((a) => attribute(a, c, m.id)),
    ObjectReference: m.references.map((r) => reference(r, m, c)),
  };
}

function report(r: EventReport, c: Context): JsonObject {
  return {
    ...(c.ids ? { id: idText(r.id), event_id: c.ids.eventId } : {}),
    uuid: r.uuid,
    name: r.name,
    content: r.content,
    distribution: String(r.distribution),
    ...sharingGroup(r, c),
    timestamp: String(r.timestamp),
    deleted: r.deleted,
  };
}

/** The event as MISP JSON, `{"Event": {...}}`, without instance-local numeric ids: what a feed or a file holds. */
export function serializeMispEvent(e: MispEvent, options: SerializeOptions = {}): { Event: JsonObject } {
  return serialize(e, options);
}

/**
 * A stored event as MISP answers its clients: with the local ids of the event, its organisations, items
 * and sightings where MISP writes them, as text (`object_id` and `sharing_group_id` "0" for none).
 */
export function serializeStoredEvent(e: StoredEvent, options: SerializeOptions = {}): { Event: JsonObject } {
  const { Event: doc } = serialize(e, { ...options, ids: { eventId: String(e.id) } });
  return {
    Event: {
      id: String(e.id), org_id: idText(e.org?.id), orgc_id: idText(e.orgc.id), attribute_count: String(e.attribute_count), ...doc,
    },
  };
}

function serialize(e: MispEvent, c: Context): { Event: JsonObject } {
  const event: JsonObject = {
    uuid: e.uuid,
    info: e.info,
    date: e.date,
    threat_level_id: String(e.threat_level_id),
    analysis: String(e.analysis),
    distribution: String(e.distribution),
    ...sharingGroup(e, c),
    published: e.published,
    publish_timestamp: String(e.publish_timestamp),
    timestamp: String(e.timestamp),
    extends_uuid: e.extends_uuid ?? '',
    disable_correlation: e.disable_correlation,
    Orgc: organisation(e.orgc, c),
    ...(e.org ? { Org: organisation(e.org, c) } : {}),
    Tag: tags(e.tags, c),
    Attribute: e.attributes.map((a) => attribute(a, c)),
    Object: e.objects.map((m) => object(m, c)),
  };
  if (e.reports.length > 0) event.EventReport = e.reports.map((r) => report(r, c));
  if (e.analyst_data?.length) withAnalystData(event, e.analyst_data);
  return { Event: event };
}

/** Each element of the document gets the notes, opinions and relationships attached to it, where MISP puts them. */
function withAnalystData(event: JsonObject, items: NonNullable<MispEvent['analyst_data']>): void {
  const members = analystMembers(items);
  const objects = event.Object as JsonObject[];
  const elements = [event, ...(event.Attribute as JsonObject[]), ...objects, ...objects.flatMap((o) => o.Attribute as JsonObject[]),
    ...((event.EventReport as JsonObject[] | undefined) ?? [])];
  for (const element of elements) Object.assign(element, members.get(element.uuid as string) ?? {});
}
