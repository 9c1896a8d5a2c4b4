import { ANALYST_KINDS, isAnalystTarget, type AnalystData, type AnalystKind } from '../../model/analyst-data.js';
import { isUuid, type EventDistribution, type OrganisationRef } from '../../model/event.js';
import { asArray, asInt, asString, derivedUuid, isObject, type JsonObject } from './coerce.js';

/**
 * MISP 2.5's notes, opinions and relationships as documents carry them: under `Note`, `Opinion` and
 * `Relationship` of the element they are attached to (an event, attribute, object, report, or another
 * note or opinion), or alone as analyst_data/add sends one. Read leniently, as the rest of MISP JSON:
 * an item that cannot be read (no text for a note, no type for a relationship) is left out.
 */

const uuidOf = (raw: unknown): string | undefined => {
  const s = asString(raw)?.trim().toLowerCase();
  return s && isUuid(s) ? s : undefined;
};

/** MISP writes created/modified as `YYYY-MM-DD HH:MM:SS` (UTC); PyMISP may send epoch seconds. */
function seconds(raw: unknown): number | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) return Math.floor(raw);
  const text = asString(raw)?.trim();
  if (!text) return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.floor(Number(text));
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

function orgOf(raw: JsonObject): OrganisationRef | undefined {
  const org = isObject(raw.Orgc) ? raw.Orgc : undefined;
  const uuid = uuidOf(org?.uuid) ?? uuidOf(raw.orgc_uuid);
  if (!uuid) return undefined;
  return { uuid, name: asString(org?.name) ?? '' };
}

/**
 * One item of the given kind; `parent` names the element it sits under in a document (which wins over
 * what the item itself says, as MISP's capture does). Its own notes and opinions follow it in the result.
 */
export function readAnalystItem(raw: unknown, kind: AnalystKind, parent?: { uuid: string; type: string }): AnalystData[] {
  if (!isObject(raw)) return [];
  const body = isObject(raw[kind]) ? raw[kind] : raw;
  const objectUuid = parent?.uuid ?? uuidOf(body.object_uuid);
  const objectType = parent?.type ?? asString(body.object_type)?.trim();
  if (!objectUuid || !objectType || !isAnalystTarget(objectType)) return [];
  const d = asInt(body.distribution);
  const distribution = d !== undefined && d >= 0 && d <= 4 ? (d as EventDistribution) : null;
  const sgId = asInt(body.sharing_group_id);
  const sgUuid = uuidOf(isObject(body.SharingGroup) ? body.SharingGroup.uuid : undefined);
  const item: AnalystData = {
    kind,
    uuid: '',
    object_uuid: objectUuid,
    object_type: objectType,
    authors: asString(body.authors)?.trim() || null,
    language: asString(body.language)?.trim() || null,
    distribution,
    ...(distribution === 4 && (sgId || sgUuid) ? { sharing_group: sgUuid ? { uuid: sgUuid } : { id: sgId! } } : {}),
    ...(orgOf(body) ? { orgc: orgOf(body)! } : {}),
    created: seconds(body.created),
    modified: seconds(body.modified),
  };
  if (kind === 'Note') {
    const note = asString(body.note);
    if (note === undefined) return [];
    item.note = note;
  } else if (kind === 'Opinion') {
    const opinion = asInt(body.opinion);
    if (opinion === undefined || opinion < 0 || opinion > 100) return [];
    item.opinion = opinion;
    item.comment = asString(body.comment) ?? '';
  } else {
    const type = asString(body.relationship_type)?.trim();
    const related = uuidOf(body.related_object_uuid);
    const relatedType = asString(body.related_object_type)?.trim();
    if (!related || !relatedType) return [];
    item.relationship_type = type ?? '';
    item.related_object_uuid = related;
    item.related_object_type = relatedType;
  }
  // One without a uuid under an element of a document is named by what it says, so that importing the
  // document again finds it again (as reports are); one sent alone to be added is new each time.
  const given = uuidOf(body.uuid);
  item.uuid = given ?? (parent ? derivedUuid(objectUuid, kind, item.authors ?? '', item.note ?? item.comment ?? '', String(item.opinion ?? ''),
    item.relationship_type ?? '', item.related_object_uuid ?? '') : crypto.randomUUID());
  return [item, ...readAnalystChildren(body, item.uuid, kind)];
}

/** The notes, opinions and relationships an element of a document carries, its uuid and type given. */
export function readAnalystChildren(raw: JsonObject, uuid: string, type: string): AnalystData[] {
  return ANALYST_KINDS.flatMap((kind) => asArray(raw[kind]).flatMap((item) => readAnalystItem(item, kind, { uuid, type })));
}

/** Every note, opinion and relationship of an event document: on the event, its attributes, objects (and their attributes) and reports. */
export function readEventAnalystData(rawEvent: JsonObject, eventUuid: string): AnalystData[] {
  const out = readAnalystChildren(rawEvent, eventUuid, 'Event');
  const each = (list: unknown, type: string, inner?: (item: JsonObject) => void) => {
    for (const item of asArray(list)) {
      if (!isObject(item)) continue;
      const uuid = uuidOf(item.uuid);
      if (uuid) out.push(...readAnalystChildren(item, uuid, type));
      inner?.(item);
    }
  };
  each(rawEvent.Attribute, 'Attribute');
  each(rawEvent.Object, 'Object', (o) => each(o.Attribute, 'Attribute'));
  each(rawEvent.EventReport, 'EventReport');
  return out;
}

const datetime = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** One item in MISP's portable shape (no local ids: the creator and the sharing group by uuid), without what is attached to it. */
function analystItemJson(item: AnalystData): JsonObject {
  const out: JsonObject = {
    uuid: item.uuid, object_uuid: item.object_uuid, object_type: item.object_type, authors: item.authors ?? '',
    distribution: String(item.distribution ?? 1),
    ...(item.sharing_group?.uuid ? { SharingGroup: { uuid: item.sharing_group.uuid } } : {}),
    ...(item.created !== null ? { created: datetime(item.created) } : {}),
    ...(item.modified !== null ? { modified: datetime(item.modified) } : {}),
    ...(item.orgc ? { orgc_uuid: item.orgc.uuid, Orgc: { uuid: item.orgc.uuid, name: item.orgc.name } } : {}),
    note_type_name: item.kind,
  };
  if (item.kind === 'Note') Object.assign(out, { note: item.note ?? '', language: item.language ?? '' });
  else if (item.kind === 'Opinion') Object.assign(out, { opinion: String(item.opinion ?? 0), comment: item.comment ?? '' });
  else Object.assign(out, { relationship_type: item.relationship_type ?? '', related_object_uuid: item.related_object_uuid ?? '', related_object_type: item.related_object_type ?? '' });
  return out;
}

/**
 * Notes, opinions and relationships as MISP writes them in a document: under `Note`, `Opinion` and
 * `Relationship` of the element each is attached to, those on another item nested under that one. The
 * answer gives, by element uuid, the members to add to it; items on items come nested, not listed.
 */
export function analystMembers(items: readonly AnalystData[]): Map<string, JsonObject> {
  const docs = new Map(items.map((item) => [item.uuid, analystItemJson(item)]));
  const members = new Map<string, JsonObject>();
  for (const item of items) {
    const doc = docs.get(item.uuid)!;
    const parent = item.object_uuid !== item.uuid ? docs.get(item.object_uuid) : undefined;
    const slot = parent ?? members.get(item.object_uuid) ?? {};
    if (!parent) members.set(item.object_uuid, slot);
    ((slot[item.kind] ??= []) as JsonObject[]).push(doc);
  }
  return members;
}
