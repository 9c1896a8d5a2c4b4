import type { Attribute, EventReport, MispEvent, MispObject, ObjectReference, SharingGroupRef, Sighting, TagRef } from '../../model/event.js';
import { analystMembers } from './analyst-data.js';
import type { JsonObject } from './coerce.js';

export interface SerializeOptions {
  /** Leave out local tags, as a feed or a sync to another instance must. */
  omitLocalTags?: boolean;
}

/*
 * MISP writes numbers as strings and flags as booleans in its event JSON; Cairn writes the same so that
 * MISP servers, feeds consumers and PyMISP read its output as they read MISP's.
 */

function tags(list: readonly TagRef[], o: SerializeOptions): JsonObject[] {
  return list
    .filter((t) => !(o.omitLocalTags && t.local))
    .map((t) => ({ name: t.name, colour: t.colour ?? '', local: t.local, relationship_type: t.relationship_type ?? '' }));
}

/**
 * MISP names an item's sharing group by its local id and embeds the group; the uuid is what another
 * instance knows it by.
 */
function sharingGroup(item: { sharing_group?: SharingGroupRef }): JsonObject {
  const g = item.sharing_group;
  if (!g) return {};
  return { sharing_group_id: String(g.id ?? 0), ...(g.uuid ? { SharingGroup: { uuid: g.uuid, name: g.name ?? '' } } : {}) };
}

function sighting(s: Sighting): JsonObject {
  return {
    uuid: s.uuid,
    type: String(s.type),
    date_sighting: String(s.date_sighting),
    source: s.source,
    ...(s.org ? { Organisation: { uuid: s.org.uuid, name: s.org.name } } : {}),
  };
}

function attribute(a: Attribute, o: SerializeOptions): JsonObject {
  const out: JsonObject = {
    uuid: a.uuid,
    type: a.type,
    category: a.category,
    value: a.value,
    to_ids: a.to_ids,
    distribution: String(a.distribution),
    ...sharingGroup(a),
    comment: a.comment,
    timestamp: String(a.timestamp),
    disable_correlation: a.disable_correlation,
    deleted: a.deleted,
    first_seen: a.first_seen,
    last_seen: a.last_seen,
  };
  if (a.object_relation !== null) out.object_relation = a.object_relation;
  if (a.data !== null) out.data = a.data;
  const t = tags(a.tags, o);
  if (t.length > 0) out.Tag = t;
  if (a.sightings.length > 0) out.Sighting = a.sightings.map(sighting);
  return out;
}

function reference(r: ObjectReference, objectUuid: string): JsonObject {
  return {
    uuid: r.uuid,
    object_uuid: objectUuid,
    referenced_uuid: r.referenced_uuid,
    relationship_type: r.relationship_type,
    comment: r.comment,
    timestamp: String(r.timestamp),
    deleted: r.deleted,
  };
}

function object(m: MispObject, o: SerializeOptions): JsonObject {
  return {
    uuid: m.uuid,
    name: m.name,
    'meta-category': m.meta_category,
    description: m.description,
    template_uuid: m.template_uuid,
    template_version: m.template_version,
    comment: m.comment,
    distribution: String(m.distribution),
    ...sharingGroup(m),
    timestamp: String(m.timestamp),
    first_seen: m.first_seen,
    last_seen: m.last_seen,
    deleted: m.deleted,
    Attribute: m.attributes.map((a) => attribute(a, o)),
    ObjectReference: m.references.map((r) => reference(r, m.uuid)),
  };
}

function report(r: EventReport): JsonObject {
  return {
    uuid: r.uuid,
    name: r.name,
    content: r.content,
    distribution: String(r.distribution),
    ...sharingGroup(r),
    timestamp: String(r.timestamp),
    deleted: r.deleted,
  };
}

/** The event as MISP JSON, `{"Event": {...}}`, without instance-local numeric ids. */
export function serializeMispEvent(e: MispEvent, options: SerializeOptions = {}): { Event: JsonObject } {
  const event: JsonObject = {
    uuid: e.uuid,
    info: e.info,
    date: e.date,
    threat_level_id: String(e.threat_level_id),
    analysis: String(e.analysis),
    distribution: String(e.distribution),
    ...sharingGroup(e),
    published: e.published,
    publish_timestamp: String(e.publish_timestamp),
    timestamp: String(e.timestamp),
    extends_uuid: e.extends_uuid ?? '',
    disable_correlation: e.disable_correlation,
    Orgc: { uuid: e.orgc.uuid, name: e.orgc.name },
    ...(e.org ? { Org: { uuid: e.org.uuid, name: e.org.name } } : {}),
    Tag: tags(e.tags, options),
    Attribute: e.attributes.map((a) => attribute(a, options)),
    Object: e.objects.map((m) => object(m, options)),
  };
  if (e.reports.length > 0) event.EventReport = e.reports.map(report);
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
