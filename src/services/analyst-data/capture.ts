import type { User } from '../../access/user.js';
import { viewerOf } from '../../access/viewer.js';
import { keepsAnalystCreator, mayEditAnalystData } from '../../access/policy/analyst-data.js';
import type { AnalystData } from '../../model/analyst-data.js';
import type { OrganisationRef } from '../../model/event.js';
import { findSharingGroup } from '../../store/access/sharing-groups.js';
import { saveAnalystItems, type AnalystWrite } from '../../store/analyst-data.js';
import type { Store } from '../../store/db/database.js';

/** MISP's default distribution for analyst data that names none (its default event distribution). */
export const DEFAULT_ANALYST_DISTRIBUTION = 1;

/**
 * Who stores analyst data: a user (as his organisation, the creator kept only where the policy says),
 * or the operator importing documents (as the event's organisation, the creator as the document says).
 */
export type AnalystWriter =
  | { kind: 'user'; user: User }
  | { kind: 'operator'; org: OrganisationRef };

export interface CaptureResult {
  /** The uuids stored, new or changed. */
  stored: string[];
  /** What was left out, and why. */
  skipped: Array<{ uuid: string; reason: string }>;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What is to be written, each item's rights decided, and what was left out before writing. */
export interface AnalystPlan {
  writes: AnalystWrite[];
  skipped: Array<{ uuid: string; reason: string }>;
}

/**
 * Decides how notes, opinions and relationships as a document or a request carries them are to be
 * stored (MISP's captureAnalystData): as whose, shared with which group, replacing which stored item.
 * Nothing is written here: an event's items are written in its own transaction (EventSaver), items
 * sent alone by captureAnalystData.
 */
export async function planAnalystData(store: Store, writer: AnalystWriter, items: readonly AnalystData[], options: { fromRequest?: boolean } = {}): Promise<AnalystPlan> {
  const plan: AnalystPlan = { writes: [], skipped: [] };
  const now = nowSeconds();
  const ownOrg: OrganisationRef = writer.kind === 'user' ? { uuid: writer.user.org.uuid, name: writer.user.org.name } : writer.org;
  for (const item of items) {
    const distribution = item.distribution ?? DEFAULT_ANALYST_DISTRIBUTION;
    let sharingGroupId: number | null = null;
    if (distribution === 4) {
      const ref = item.sharing_group;
      const by = ref?.id !== undefined ? { id: ref.id } : { uuid: ref?.uuid ?? '' };
      const group = !ref ? undefined : await findSharingGroup(store, writer.kind === 'user' ? viewerOf(writer.user) : { kind: 'operator' }, by);
      if (!group) {
        plan.skipped.push({ uuid: item.uuid, reason: ref ? `no sharing group ${ref.id ?? ref.uuid} that you may use` : 'distribution 4 (a sharing group) needs sharing_group_id' });
        continue;
      }
      sharingGroupId = group.id;
    }
    const keeps = writer.kind === 'operator' || keepsAnalystCreator(writer.user);
    plan.writes.push({
      uuid: item.uuid, kind: item.kind, objectUuid: item.object_uuid, objectType: item.object_type,
      authors: item.authors ?? (writer.kind === 'user' ? writer.user.email : ownOrg.name),
      language: item.language, orgc: keeps && item.orgc ? item.orgc : ownOrg, org: ownOrg,
      distribution, sharingGroupId, created: item.created ?? now, modified: options.fromRequest ? now : item.modified ?? now,
      note: item.note ?? null, opinion: item.opinion ?? null, comment: item.comment ?? null,
      relationshipType: item.relationship_type ?? null, relatedObjectUuid: item.related_object_uuid ?? null, relatedObjectType: item.related_object_type ?? null,
      // Who may change a stored item (access/policy/analyst-data), said so that the store can decide in the write's transaction.
      ...(writer.kind === 'user' && !mayEditAnalystData(writer.user, { orgcId: -1 }) ? { replacesOnlyOf: writer.user.org.id } : {}),
      fromRequest: options.fromRequest ?? false,
      // Without a version, importing the same document again would otherwise rewrite the item as new each time.
      ...(!options.fromRequest && item.modified === null ? { unversioned: true } : {}),
    });
  }
  return plan;
}

/** Stores items sent alone (analyst_data/add, edit) at once, all or none of those the plan keeps. */
export async function captureAnalystData(store: Store, writer: AnalystWriter, items: readonly AnalystData[], options: { fromRequest?: boolean } = {}): Promise<CaptureResult> {
  const plan = await planAnalystData(store, writer, items, options);
  const written = await saveAnalystItems(store, plan.writes);
  return { stored: written.stored, skipped: [...plan.skipped, ...written.skipped] };
}
