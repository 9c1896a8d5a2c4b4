import type { Viewer } from '../../access/viewer.js';
import type { JsonObject } from '../../formats/misp-json/coerce.js';
import { ANALYST_KINDS, type AnalystKind } from '../../model/analyst-data.js';
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
