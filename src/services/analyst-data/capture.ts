import type { User } from '../../access/user.js';
import { viewerOf } from '../../access/viewer.js';
import { keepsAnalystCreator, mayEditAnalystData } from '../../access/policy/analyst-data.js';
import type { AnalystData } from '../../model/analyst-data.js';
import type { OrganisationRef } from '../../model/event.js';
import { addOrganisation, findOrganisation } from '../../store/access/organisations.js';
import { findSharingGroup } from '../../store/access/sharing-groups.js';
import { analystDataFacts, insertAnalystData, updateAnalystData, type AnalystDataInput } from '../../store/analyst-data.js';
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

async function orgId(store: Store, ref: OrganisationRef): Promise<number> {
  const found = await findOrganisation(store, ref.uuid);
  if (found) return found.id;
  return (await addOrganisation(store, ref.name || ref.uuid, ref.uuid, { local: false })).id;
}

/**
 * Stores notes, opinions and relationships as a document or a request carries them (MISP's
 * captureAnalystData): a new uuid is added; a known one is changed when the writer may change it and
 * the version is newer (a request's version is now); anything else is skipped and said so.
 */
export async function captureAnalystData(store: Store, writer: AnalystWriter, items: readonly AnalystData[], options: { fromRequest?: boolean } = {}): Promise<CaptureResult> {
  const result: CaptureResult = { stored: [], skipped: [] };
  const now = nowSeconds();
  const ownOrg = writer.kind === 'user' ? writer.user.org : writer.org;
  const ownOrgId = writer.kind === 'user' ? writer.user.org.id : await orgId(store, writer.org);
  for (const item of items) {
    const skip = (reason: string) => result.skipped.push({ uuid: item.uuid, reason });
    const distribution = item.distribution ?? DEFAULT_ANALYST_DISTRIBUTION;
    let sharingGroupId: number | null = null;
    if (distribution === 4) {
      const ref = item.sharing_group;
      const group = !ref ? undefined : writer.kind === 'user'
        ? await findSharingGroup(store, viewerOf(writer.user), 'id' in ref && ref.id !== undefined ? { id: ref.id } : { uuid: ref.uuid! })
        : await findSharingGroup(store, { kind: 'operator' }, 'id' in ref && ref.id !== undefined ? { id: ref.id } : { uuid: ref.uuid! });
      if (!group) {
        skip(ref ? `no sharing group ${ref.id ?? ref.uuid} that you may use` : 'distribution 4 (a sharing group) needs sharing_group_id');
        continue;
      }
      sharingGroupId = group.id;
    }
    const keeps = writer.kind === 'operator' || keepsAnalystCreator(writer.user);
    const modified = options.fromRequest ? now : item.modified ?? now;
    const input: AnalystDataInput = {
      uuid: item.uuid, kind: item.kind, objectUuid: item.object_uuid, objectType: item.object_type,
      authors: item.authors ?? (writer.kind === 'user' ? writer.user.email : ownOrg.name),
      language: item.language, orgcId: keeps && item.orgc ? await orgId(store, item.orgc) : ownOrgId, orgId: ownOrgId,
      distribution, sharingGroupId, created: item.created ?? now, modified,
      note: item.note ?? null, opinion: item.opinion ?? null, comment: item.comment ?? null,
      relationshipType: item.relationship_type ?? null, relatedObjectUuid: item.related_object_uuid ?? null, relatedObjectType: item.related_object_type ?? null,
    };
    const known = await analystDataFacts(store, item.uuid);
    if (!known) {
      await insertAnalystData(store, input);
      result.stored.push(item.uuid);
      continue;
    }
    if (known.kind !== item.kind) { skip(`${item.uuid} is a ${known.kind}, not a ${item.kind}`); continue; }
    if (writer.kind === 'user' && !mayEditAnalystData(writer.user, known)) { skip(`${item.kind} ${item.uuid} is another organisation's`); continue; }
    if (!options.fromRequest && modified <= known.modified) continue;
    await updateAnalystData(store, known.id, { ...input, orgcId: known.orgcId, modified: Math.max(modified, known.modified + (options.fromRequest ? 0 : 1)) });
    result.stored.push(item.uuid);
  }
  return result;
}
