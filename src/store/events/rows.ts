import type { Insertable } from 'kysely';
import type { Attribute, EventReport, MispEvent, MispObject, ObjectReference, SharingGroupRef } from '../../model/event.js';
import type { AttributeTable } from '../db/schema.js';
import { uuidToBytes } from '../db/uuid.js';
import type { splitValue } from '../values/key.js';

/** The rows an event's items are stored as: shared by the writer of one event and that of many new ones. */

export type StoredValue = ReturnType<typeof splitValue>;

export const flag = (b: boolean): number => (b ? 1 : 0);

export type ValueIds = ReadonlyMap<string, number>;
/** Local sharing group ids by uuid. */
export type GroupIds = ReadonlyMap<string, number>;

export function groupOf(groups: GroupIds, item: { sharing_group?: SharingGroupRef }): number | null {
  const uuid = item.sharing_group?.uuid;
  return uuid ? (groups.get(uuid) ?? null) : null;
}

/** Every sharing group an event's items name. */
export function groupRefs(event: MispEvent): Array<SharingGroupRef | undefined> {
  return [
    event.sharing_group,
    ...event.attributes.map((a) => a.sharing_group),
    ...event.objects.flatMap((o) => [o.sharing_group, ...o.attributes.map((a) => a.sharing_group)]),
    ...event.reports.map((r) => r.sharing_group),
  ];
}

/**
 * An event's own columns, as a new event is inserted and a stored one updated: not its uuid, nor the
 * flags (protected, locked) that each of them sets its own way. The attribute count is set once known.
 */
export function eventRow(event: MispEvent, orgcId: number, orgId: number, groups: GroupIds) {
  return {
    orgc_id: orgcId,
    org_id: orgId,
    info: event.info,
    date: event.date,
    threat_level_id: event.threat_level_id,
    analysis: event.analysis,
    distribution: event.distribution,
    sharing_group_id: groupOf(groups, event),
    published: flag(event.published),
    publish_timestamp: event.publish_timestamp,
    timestamp: event.timestamp,
    extends_uuid: event.extends_uuid,
    disable_correlation: flag(event.disable_correlation),
    attribute_count: 0,
  };
}

export function attributeRow(a: Attribute, value: StoredValue, eventId: number, objectId: number | null, valueIds: ValueIds, groups: GroupIds): Insertable<AttributeTable> {
  return Object.assign(attributeFields(a, value), attributeLinks(a, value, eventId, objectId, valueIds, groups));
}

/** The columns of an attribute's row that are its own: known before the store is asked anything. */
export function attributeFields(a: Attribute, { value1, value2 }: StoredValue) {
  return {
    uuid: uuidToBytes(a.uuid),
    object_relation: a.object_relation,
    type: a.type,
    category: a.category,
    value1,
    value2,
    to_ids: flag(a.to_ids),
    distribution: a.distribution,
    comment: a.comment,
    timestamp: a.timestamp,
    first_seen: a.first_seen,
    last_seen: a.last_seen,
    disable_correlation: flag(a.disable_correlation),
    deleted: flag(a.deleted),
    data: a.data,
  };
}

/** The columns of an attribute's row that are ids of other rows. */
export function attributeLinks(a: Attribute, { value1, value2 }: StoredValue, eventId: number, objectId: number | null, valueIds: ValueIds, groups: GroupIds) {
  return {
    event_id: eventId,
    object_id: objectId,
    value1_id: valueIds.get(value1) as number,
    value2_id: value2 === '' ? null : (valueIds.get(value2) as number),
    sharing_group_id: groupOf(groups, a),
  };
}

export function objectRow(o: MispObject, eventId: number, groups: GroupIds) {
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
    sharing_group_id: groupOf(groups, o),
    timestamp: o.timestamp,
    first_seen: o.first_seen,
    last_seen: o.last_seen,
    deleted: flag(o.deleted),
  };
}

export function referenceRow(r: ObjectReference, eventId: number, objectId: number) {
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

export function reportRow(r: EventReport, eventId: number, groups: GroupIds) {
  return {
    uuid: uuidToBytes(r.uuid),
    event_id: eventId,
    name: r.name,
    content: r.content,
    distribution: r.distribution,
    sharing_group_id: groupOf(groups, r),
    timestamp: r.timestamp,
    deleted: flag(r.deleted),
  };
}

