import type { Viewer } from '../../access/viewer.js';
import type { JsonObject } from '../../formats/misp-json/coerce.js';
import { ANALYST_KINDS, type AnalystData, type AnalystKind } from '../../model/analyst-data.js';
import type { MispEvent } from '../../model/event.js';
import { findAnalystData, type AnalystDataRow } from '../../store/analyst-data.js';
import type { Store } from '../../store/db/database.js';

/** How many levels of notes on notes a document carries (MISP follows two below an element's own). */
const CHILD_DEPTH = 3;

const datetime = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** One note, opinion or relationship in MISP's shape (ids and enums as text, created/modified as `Y-m-d H:i:s` UTC). */
export function analystJson(r: AnalystDataRow): JsonObject {
  const base: JsonObject = {
    id: String(r.id), uuid: r.uuid, object_uuid: r.objectUuid, object_type: r.objectType, authors: r.authors,
    org_uuid: r.org.uuid, orgc_uuid: r.orgc.uuid, created: datetime(r.created), modified: datetime(r.modified),
    distribution: String(r.distribution), sharing_group_id: r.sharingGroup ? String(r.sharingGroup.id) : null, locked: false,
  };
  const own: JsonObject = r.kind === 'Note' ? { note: r.note ?? '', language: r.language ?? '' }
    : r.kind === 'Opinion' ? { opinion: String(r.opinion ?? 0), comment: r.comment ?? '' }
    : { relationship_type: r.relationshipType ?? '', related_object_uuid: r.relatedObjectUuid ?? '', related_object_type: r.relatedObjectType ?? '' };
  return {
    ...base, ...own,
    note_type: String(ANALYST_KINDS.indexOf(r.kind)), note_type_name: r.kind,
    Org: { id: String(r.org.id), uuid: r.org.uuid, name: r.org.name },
    Orgc: { id: String(r.orgc.id), uuid: r.orgc.uuid, name: r.orgc.name },
    ...(r.sharingGroup ? { SharingGroup: { id: String(r.sharingGroup.id), uuid: r.sharingGroup.uuid, name: r.sharingGroup.name } } : {}),
  };
}

export type AttachedAnalystData = Partial<Record<AnalystKind, JsonObject[]>>;

/**
 * The analyst data the viewer may see on each of these elements, by element uuid, each item with the
 * notes and opinions on it nested under `Note` and `Opinion` (and relationships under `Relationship`).
 */
export async function attachedAnalystData(store: Store, viewer: Viewer, uuids: readonly string[]): Promise<Map<string, AttachedAnalystData>> {
  const byTarget = new Map<string, AttachedAnalystData>();
  const docs = new Map<string, JsonObject>();
  let level = [...new Set(uuids)];
  for (let depth = 0; depth <= CHILD_DEPTH && level.length > 0; depth++) {
    const rows = await findAnalystData(store, viewer, { objectUuids: level });
    for (const r of rows) {
      if (docs.has(r.uuid)) continue;
      const doc = analystJson(r);
      docs.set(r.uuid, doc);
      const parent = docs.get(r.objectUuid);
      if (parent && !uuids.includes(r.objectUuid)) ((parent[r.kind] ??= []) as JsonObject[]).push(doc);
      else {
        const slot = byTarget.get(r.objectUuid) ?? {};
        (slot[r.kind] ??= []).push(doc);
        byTarget.set(r.objectUuid, slot);
      }
    }
    level = rows.map((r) => r.uuid).filter((u) => !uuids.includes(u));
  }
  return byTarget;
}

/** One item with what is attached to it nested, as analyst_data/view answers it. */
export async function analystWithChildren(store: Store, viewer: Viewer, row: AnalystDataRow): Promise<JsonObject> {
  const attached = (await attachedAnalystData(store, viewer, [row.uuid])).get(row.uuid) ?? {};
  return { ...analystJson(row), ...attached };
}

/** A stored item as the model holds it, as a document of events carries it to another instance. */
function modelOf(r: AnalystDataRow): AnalystData {
  return {
    kind: r.kind, uuid: r.uuid, object_uuid: r.objectUuid, object_type: r.objectType, authors: r.authors, language: r.language,
    distribution: r.distribution as AnalystData['distribution'],
    ...(r.sharingGroup ? { sharing_group: { uuid: r.sharingGroup.uuid } } : {}),
    orgc: { uuid: r.orgc.uuid, name: r.orgc.name }, created: r.created, modified: r.modified,
    ...(r.note !== null ? { note: r.note } : {}), ...(r.opinion !== null ? { opinion: r.opinion } : {}), ...(r.comment !== null ? { comment: r.comment } : {}),
    ...(r.relationshipType !== null ? { relationship_type: r.relationshipType } : {}),
    ...(r.relatedObjectUuid !== null ? { related_object_uuid: r.relatedObjectUuid } : {}),
    ...(r.relatedObjectType !== null ? { related_object_type: r.relatedObjectType } : {}),
  };
}

/**
 * Gives the event the notes, opinions and relationships the viewer may see on it and its elements
 * (and on those, as deep as documents carry them), so that its MISP JSON carries them (MISP's
 * includeAnalystData); an event without any is left as it is, and its document stays the same.
 */
export async function withEventAnalystData<E extends MispEvent>(store: Store, viewer: Viewer, event: E): Promise<E> {
  const elements = [event.uuid, ...event.attributes.map((a) => a.uuid), ...event.objects.flatMap((o) => [o.uuid, ...o.attributes.map((a) => a.uuid)]),
    ...event.reports.map((r) => r.uuid)];
  const found: AnalystData[] = [];
  const seen = new Set<string>();
  let level = elements;
  for (let depth = 0; depth <= CHILD_DEPTH && level.length > 0; depth++) {
    const rows = (await findAnalystData(store, viewer, { objectUuids: level })).filter((r) => !seen.has(r.uuid));
    for (const r of rows) {
      seen.add(r.uuid);
      found.push(modelOf(r));
    }
    level = rows.map((r) => r.uuid);
  }
  return found.length > 0 ? { ...event, analyst_data: found } : event;
}
