import { isIsoDate, normaliseDatetime, todayUtc } from '../../model/datetime.js';
import type {
  Analysis, Attribute, Distribution, EventDistribution, EventReport, MispEvent, MispObject, ObjectReference,
  OrganisationRef, SharingGroupRef, Sighting, SightingType, TagRef, ThreatLevel,
} from '../../model/event.js';
import { isUuid } from '../../model/event.js';
import { defaultCategory, defaultToIds, isCategoryAllowed, isKnownCategory } from '../../model/types.js';
import { normaliseValue } from '../../model/values.js';
import { asArray, asBool, asInt, asString, derivedUuid, isObject, type JsonObject } from './coerce.js';
import type { ImportProblem } from '../../model/problems.js';
import { readEventAnalystData } from './analyst-data.js';

export interface ParsedEvent {
  /** Null when the event could not be read at all; the problems then say why. */
  event: MispEvent | null;
  problems: ImportProblem[];
  /** Attributes that were left out because of an invalid field. */
  rejectedAttributes: number;
}

export interface ParseOptions {
  /** Distribution given to events that carry none (feeds usually don't). */
  defaultDistribution?: EventDistribution;
  /** The organisation that creates events that name no creator. */
  defaultOrg?: OrganisationRef;
}

const HOST_ORG: OrganisationRef = { uuid: '00000000-0000-4000-8000-000000000000', name: 'Cairn' };

class EventReader {
  readonly problems: ImportProblem[] = [];
  rejectedAttributes = 0;
  constructor(readonly eventUuid: string | null) {}

  problem(item: string | null, field: string, reason: string, value?: string): void {
    this.problems.push({ event: this.eventUuid, item, field, reason, ...(value === undefined ? {} : { value }) });
  }
}


function readUuid(raw: unknown): string | undefined {
  const s = asString(raw)?.trim().toLowerCase();
  return s && isUuid(s) ? s : undefined;
}

function readDistribution(r: EventReader, item: string | null, raw: unknown, fallback: Distribution, max: 4 | 5): Distribution {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const d = asInt(raw);
  if (d === undefined || d < 0 || d > max) {
    r.problem(item, 'distribution', `must be a whole number from 0 to ${max}; kept ${fallback}`, asString(raw));
    return fallback;
  }
  return d as Distribution;
}

function readSeen(r: EventReader, item: string, field: string, raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const text = asString(raw) ?? '';
  // MISP also writes first_seen/last_seen as microseconds since the epoch.
  const micros = /^\d{13,17}$/.test(text) ? new Date(Number(text) / 1000).toISOString() : text;
  const v = normaliseDatetime(micros);
  if (!v) r.problem(item, field, 'not an ISO 8601 date and time; dropped', text);
  return v ?? null;
}

export function readTags(raw: unknown): TagRef[] {
  const tags: TagRef[] = [];
  const seen = new Set<string>();
  for (const t of asArray(raw)) {
    const name = isObject(t) ? asString(t.name)?.trim() : undefined;
    if (!name || seen.has(name) || !isObject(t)) continue;
    seen.add(name);
    tags.push({
      name,
      colour: asString(t.colour) ?? null,
      local: asBool(t.local) ?? false,
      relationship_type: asString(t.relationship_type) || null,
    });
  }
  return tags;
}

function readSightings(raw: unknown, attributeUuid: string): Sighting[] {
  const out: Sighting[] = [];
  for (const s of asArray(raw)) {
    if (!isObject(s)) continue;
    const date = asInt(s.date_sighting) ?? 0;
    const type = asInt(s.type) ?? 0;
    const org = isObject(s.Organisation) ? readOrg(s.Organisation) : null;
    out.push({
      uuid: readUuid(s.uuid) ?? derivedUuid(attributeUuid, 'sighting', String(date), asString(s.source) ?? ''),
      type: (type >= 0 && type <= 2 ? type : 0) as SightingType,
      date_sighting: date,
      source: asString(s.source) ?? '',
      org,
    });
  }
  return out;
}

function readOrg(raw: JsonObject): OrganisationRef | null {
  const name = asString(raw.name)?.trim();
  const uuid = readUuid(raw.uuid);
  if (!name && !uuid) return null;
  return { name: name || uuid!, uuid: uuid ?? derivedUuid('organisation', name!) };
}

/**
 * The sharing group of an item at distribution 4: the group MISP embeds (`SharingGroup`, with its
 * organisations), or the local id a client of this instance gives as `sharing_group_id`.
 */
function readSharingGroup(raw: JsonObject, distribution: Distribution): { sharing_group?: SharingGroupRef } {
  if (distribution !== 4) return {};
  const ref: SharingGroupRef = {};
  const id = asInt(raw.sharing_group_id);
  if (id !== undefined && id > 0) ref.id = id;
  const sg = isObject(raw.SharingGroup) ? raw.SharingGroup : undefined;
  const uuid = sg && readUuid(sg.uuid);
  if (sg && uuid) {
    ref.uuid = uuid;
    const name = asString(sg.name)?.trim();
    if (name) ref.name = name;
    ref.organisations = asArray(sg.SharingGroupOrg)
      .map((m) => (isObject(m) && isObject(m.Organisation) ? readOrg(m.Organisation) : null))
      .filter((o): o is OrganisationRef => o !== null);
  }
  return ref.id === undefined && ref.uuid === undefined ? {} : { sharing_group: ref };
}

/**
 * MISP turns correlation off for an image attachment that does not say otherwise: the names of
 * pictures (`image.png`) are generic and link unrelated events.
 */
function isImageAttachment(type: string, value: string): boolean {
  return type === 'attachment' && /\.(jpe?g|png|gif|webp)$/i.test(value);
}

function readAttribute(r: EventReader, raw: unknown, index: number, owner: string, inObject: boolean, eventTimestamp: number): Attribute | null {
  if (!isObject(raw)) {
    r.problem(null, `Attribute[${index}]`, 'not a JSON object; skipped');
    r.rejectedAttributes++;
    return null;
  }
  const type = asString(raw.type)?.trim() ?? '';
  const rawValue = asString(raw.value);
  const uuid = readUuid(raw.uuid) ?? derivedUuid(owner, 'attribute', type, rawValue ?? '', String(index));
  const reject = (field: string, reason: string, value?: string): null => {
    r.problem(uuid, field, `${reason}; attribute skipped`, value);
    r.rejectedAttributes++;
    return null;
  };
  if (!type) return reject('type', 'missing');
  if (rawValue === undefined) return reject('value', `missing for type ${type}`);
  const checked = normaliseValue(type, rawValue);
  if (!checked.ok) return reject('value', `invalid ${type}: ${checked.reason}`, rawValue);
  let category = asString(raw.category)?.trim() || defaultCategory(type)!;
  if (!isKnownCategory(category)) return reject('category', 'unknown category', category);
  if (!isCategoryAllowed(type, category)) return reject('category', `type ${type} is not allowed in this category`, category);
  const objectRelation = asString(raw.object_relation)?.trim() || null;
  if (inObject && !objectRelation) return reject('object_relation', 'an object attribute needs its relation');
  const distribution = readDistribution(r, uuid, raw.distribution, 5, 5);
  return {
    uuid,
    type,
    category,
    value: checked.value,
    to_ids: asBool(raw.to_ids) ?? defaultToIds(type),
    distribution,
    ...readSharingGroup(raw, distribution),
    comment: asString(raw.comment) ?? '',
    timestamp: asInt(raw.timestamp) ?? eventTimestamp,
    disable_correlation: asBool(raw.disable_correlation) ?? isImageAttachment(type, checked.value),
    deleted: asBool(raw.deleted) ?? false,
    first_seen: readSeen(r, uuid, 'first_seen', raw.first_seen),
    last_seen: readSeen(r, uuid, 'last_seen', raw.last_seen),
    object_relation: inObject ? objectRelation : null,
    data: asString(raw.data) || null,
    tags: readTags(raw.Tag),
    sightings: readSightings(raw.Sighting, uuid),
  };
}

function readReference(r: EventReader, raw: unknown, objectUuid: string, eventTimestamp: number): ObjectReference | null {
  if (!isObject(raw)) return null;
  const referenced = readUuid(raw.referenced_uuid) ?? (isObject(raw.Attribute) ? readUuid(raw.Attribute.uuid) : undefined)
    ?? (isObject(raw.Object) ? readUuid(raw.Object.uuid) : undefined);
  const relationship = asString(raw.relationship_type)?.trim() ?? '';
  const uuid = readUuid(raw.uuid) ?? derivedUuid(objectUuid, 'reference', referenced ?? '', relationship);
  if (!referenced) {
    r.problem(uuid, 'referenced_uuid', 'missing or not a uuid; reference skipped', asString(raw.referenced_uuid));
    return null;
  }
  return {
    uuid,
    referenced_uuid: referenced,
    relationship_type: relationship,
    comment: asString(raw.comment) ?? '',
    timestamp: asInt(raw.timestamp) ?? eventTimestamp,
    deleted: asBool(raw.deleted) ?? false,
  };
}

function readObject(r: EventReader, raw: unknown, index: number, eventUuid: string, eventTimestamp: number): MispObject | null {
  if (!isObject(raw)) {
    r.problem(null, `Object[${index}]`, 'not a JSON object; skipped');
    return null;
  }
  const name = asString(raw.name)?.trim() ?? '';
  const uuid = readUuid(raw.uuid) ?? derivedUuid(eventUuid, 'object', name, String(index));
  if (!name) {
    r.problem(uuid, 'name', 'an object needs its template name; object skipped');
    r.rejectedAttributes += asArray(raw.Attribute).length;
    return null;
  }
  const timestamp = asInt(raw.timestamp) ?? eventTimestamp;
  const distribution = readDistribution(r, uuid, raw.distribution, 5, 5);
  const attributes = asArray(raw.Attribute)
    .map((a, i) => readAttribute(r, a, i, uuid, true, timestamp))
    .filter((a): a is Attribute => a !== null);
  return {
    uuid,
    name,
    meta_category: asString(raw['meta-category']) ?? asString(raw.meta_category) ?? '',
    description: asString(raw.description) ?? '',
    template_uuid: readUuid(raw.template_uuid) ?? '',
    template_version: asString(raw.template_version) ?? '',
    comment: asString(raw.comment) ?? '',
    distribution,
    ...readSharingGroup(raw, distribution),
    timestamp,
    first_seen: readSeen(r, uuid, 'first_seen', raw.first_seen),
    last_seen: readSeen(r, uuid, 'last_seen', raw.last_seen),
    deleted: asBool(raw.deleted) ?? false,
    attributes,
    references: asArray(raw.ObjectReference)
      .map((ref) => readReference(r, ref, uuid, timestamp))
      .filter((ref): ref is ObjectReference => ref !== null),
  };
}

function readReport(r: EventReader, raw: unknown, eventUuid: string, eventTimestamp: number): EventReport | null {
  if (!isObject(raw)) return null;
  const name = asString(raw.name) ?? '';
  const distribution = readDistribution(r, null, raw.distribution, 5, 5);
  return {
    uuid: readUuid(raw.uuid) ?? derivedUuid(eventUuid, 'report', name),
    name,
    content: asString(raw.content) ?? '',
    distribution,
    ...readSharingGroup(raw, distribution),
    timestamp: asInt(raw.timestamp) ?? eventTimestamp,
    deleted: asBool(raw.deleted) ?? false,
  };
}

/** Galaxy clusters name their tag; a cluster whose tag the event does not list keeps its place as a tag. */
function galaxyTags(raw: unknown): TagRef[] {
  const out: TagRef[] = [];
  for (const g of asArray(raw)) {
    if (!isObject(g)) continue;
    for (const c of asArray(g.GalaxyCluster)) {
      const name = isObject(c) ? asString(c.tag_name) : undefined;
      if (name) out.push({ name, colour: null, local: asBool(isObject(c) ? c.local : false) ?? false, relationship_type: null });
    }
  }
  return out;
}

function enumValue<T extends number>(r: EventReader, field: string, raw: unknown, min: number, max: number, fallback: T): T {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = asInt(raw);
  if (n === undefined || n < min || n > max) {
    r.problem(null, field, `must be a whole number from ${min} to ${max}; kept ${fallback}`, asString(raw));
    return fallback;
  }
  return n as T;
}

/** Reads one MISP event, `{"Event": {...}}` or the bare event object. */
export function parseMispEvent(input: unknown, options: ParseOptions = {}): ParsedEvent {
  const raw = isObject(input) && isObject(input.Event) ? input.Event : input;
  if (!isObject(raw)) {
    const r = new EventReader(null);
    r.problem(null, 'Event', 'not a JSON object; event skipped');
    return { event: null, problems: r.problems, rejectedAttributes: 0 };
  }
  // An event without a uuid gets one, as MISP gives one; derived from its content, so that importing
  // the same file again finds the same event. A uuid that is there but malformed is refused.
  const given = asString(raw.uuid)?.trim();
  const uuid = given ? readUuid(given) : derivedUuid('event', JSON.stringify(raw));
  const r = new EventReader(uuid ?? null);
  const fail = (field: string, reason: string, value?: string): ParsedEvent => {
    r.problem(null, field, `${reason}; event skipped`, value);
    return { event: null, problems: r.problems, rejectedAttributes: asArray(raw.Attribute).length };
  };
  if (!uuid) return fail('uuid', 'not a uuid', given);
  const info = asString(raw.info)?.trim();
  if (!info) return fail('info', 'an event needs its title (info)');
  const timestamp = asInt(raw.timestamp) ?? 0;
  const written = asString(raw.date)?.trim() ?? '';
  // A date in any form PHP reads (`2017/11/13`, `9 Jun 2018`) is taken, as MISP takes it.
  let date = isIsoDate(written.slice(0, 10)) ? written.slice(0, 10) : (normaliseDatetime(written)?.slice(0, 10) ?? written);
  if (!isIsoDate(date)) {
    const fallback = timestamp > 0 ? new Date(timestamp * 1000).toISOString().slice(0, 10) : todayUtc();
    if (date) r.problem(null, 'date', `not a YYYY-MM-DD date; used ${fallback}`, date);
    date = fallback;
  }
  const orgc = (isObject(raw.Orgc) ? readOrg(raw.Orgc) : null) ?? options.defaultOrg ?? HOST_ORG;
  const tags = readTags(raw.Tag);
  const distribution = readDistribution(r, null, raw.distribution, options.defaultDistribution ?? 1, 4) as EventDistribution;
  for (const g of galaxyTags(raw.Galaxy)) if (!tags.some((t) => t.name === g.name)) tags.push(g);
  const event: MispEvent = {
    uuid,
    info,
    date,
    threat_level_id: enumValue<ThreatLevel>(r, 'threat_level_id', raw.threat_level_id, 1, 4, 4),
    analysis: enumValue<Analysis>(r, 'analysis', raw.analysis, 0, 2, 0),
    distribution,
    ...readSharingGroup(raw, distribution),
    published: asBool(raw.published) ?? false,
    publish_timestamp: asInt(raw.publish_timestamp) ?? 0,
    timestamp,
    extends_uuid: readUuid(raw.extends_uuid) ?? null,
    disable_correlation: asBool(raw.disable_correlation) ?? false,
    ...(asBool(raw.protected) !== undefined ? { protected: asBool(raw.protected) } : {}),
    ...(asBool(raw.locked) !== undefined ? { locked: asBool(raw.locked) } : {}),
    orgc,
    org: isObject(raw.Org) ? readOrg(raw.Org) : null,
    tags,
    attributes: asArray(raw.Attribute)
      .map((a, i) => readAttribute(r, a, i, uuid, false, timestamp))
      .filter((a): a is Attribute => a !== null),
    objects: asArray(raw.Object)
      .map((o, i) => readObject(r, o, i, uuid, timestamp))
      .filter((o): o is MispObject => o !== null),
    reports: asArray(raw.EventReport)
      .map((rep) => readReport(r, rep, uuid, timestamp))
      .filter((rep): rep is EventReport => rep !== null),
  };
  dropDuplicateUuids(r, event);
  const analystData = readEventAnalystData(raw, uuid);
  if (analystData.length > 0) event.analyst_data = analystData;
  return { event, problems: r.problems, rejectedAttributes: r.rejectedAttributes };
}

/** A uuid names one attribute (one object): a second one with the same uuid in the same event is rejected. */
function dropDuplicateUuids(r: EventReader, event: MispEvent): void {
  const seen = new Set<string>();
  const keep = (a: Attribute): boolean => {
    if (!seen.has(a.uuid)) return seen.add(a.uuid), true;
    r.problem(a.uuid, 'uuid', 'appears twice in the event; the second one is skipped');
    r.rejectedAttributes++;
    return false;
  };
  event.attributes = event.attributes.filter(keep);
  // The same for objects: the store would otherwise take the second for another event's object.
  const objects = new Set<string>();
  event.objects = event.objects.filter((o) => {
    if (!objects.has(o.uuid)) return objects.add(o.uuid), true;
    r.problem(o.uuid, 'uuid', `appears twice in the event as an object; the second one (${o.attributes.length} attributes) is skipped`);
    r.rejectedAttributes += o.attributes.length;
    return false;
  });
  for (const o of event.objects) o.attributes = o.attributes.filter(keep);
}
