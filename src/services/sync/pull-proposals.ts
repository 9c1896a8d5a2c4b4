import { OPERATOR } from '../../access/viewer.js';
import { isUuid } from '../../model/event.js';
import { captureOrganisation } from '../../store/access/organisations.js';
import { eventVersions } from '../../store/events/ownership.js';
import { captureProposal } from '../../store/proposals.js';
import { visibleAttributeIds } from '../../store/sightings.js';
import type { RemoteInfo } from './connection.js';
import type { SyncRunContext } from './run-context.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const truthy = (v: unknown) => v === true || v === 1 || v === '1';
const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

const PAGE = 1000;
const NINETY_DAYS = 90 * 24 * 3600;

/** MISP's FEATURE_PROPOSALS: 2.4.111 and later. */
function supportsProposals(version: string): boolean {
  const [major, minor, hotfix] = version.split('.').map(Number);
  return major === 2 && ((minor === 4 && (hotfix ?? 0) >= 111) || minor === 5);
}

/**
 * MISP's pullProposals: the remote's proposals of the last 90 days (all:1, deleted ones too), a page of
 * 1,000 at a time, each kept here when its event is held here, under the proposing organisation, and
 * only when newer than the same proposal held (MISP's capture). A failing page ends the step, as in MISP.
 */
export async function pullProposals(ctx: SyncRunContext, info: RemoteInfo): Promise<void> {
  if (!supportsProposals(info.version)) return;
  const since = Math.floor(Date.now() / 1000) - NINETY_DAYS;
  for (let page = 1; ; page++) {
    let rows: Json[];
    try {
      const answer = await ctx.client.json<unknown>('GET', `/shadow_attributes/index/all:1/timestamp:${since}/limit:${PAGE}/page:${page}/deleted[]:0/deleted[]:1.json`);
      rows = (Array.isArray(answer) ? answer : []).map((r) => (isObject(r) && isObject(r.ShadowAttribute) ? r.ShadowAttribute : r)).filter(isObject);
    } catch (err) {
      ctx.refuse('proposals', `page ${page} of the remote's proposals could not be read: ${(err as Error).message}`);
      return;
    }
    await captureAll(ctx, rows);
    if (rows.length < PAGE) return;
  }
}

async function captureAll(ctx: SyncRunContext, rows: readonly Json[]): Promise<void> {
  const eventUuids = [...new Set(rows.map((p) => text(p.event_uuid).toLowerCase()).filter((u) => isUuid(u)))];
  const events = new Map((await eventVersions(ctx.store, OPERATOR, eventUuids)).map((e) => [e.uuid, e.id]));
  for (const p of rows) {
    const eventId = events.get(text(p.event_uuid).toLowerCase());
    const uuid = text(p.uuid).toLowerCase();
    const org = isObject(p.Org) && typeof p.Org.uuid === 'string' && isUuid(p.Org.uuid.toLowerCase()) ? p.Org : undefined;
    // MISP's __preCaptureMassage: a proposal without its event here or its organisation is not kept.
    if (eventId === undefined || !org || !isUuid(uuid) || !text(p.type) || p.value === undefined) continue;
    const orgId = await captureOrganisation(ctx.store, { uuid: text(org.uuid).toLowerCase(), name: text(org.name) || text(org.uuid) });
    // A change proposed to an attribute points at that attribute here, when this instance holds it.
    const oldId = text(p.old_id) !== '' && text(p.old_id) !== '0' ? (await visibleAttributeIds(ctx.store, OPERATOR, eventId, [uuid])).get(uuid) ?? 0 : 0;
    const identity = { eventId, uuid, value: text(p.value), type: text(p.type), category: text(p.category), toIds: truthy(p.to_ids), comment: text(p.comment) };
    const stored = await captureProposal(ctx.store, identity, {
      uuid, event_id: eventId, old_id: oldId, org_id: orgId, email: text(p.email), type: identity.type, category: identity.category, value: identity.value,
      to_ids: identity.toIds ? 1 : 0, comment: identity.comment, first_seen: p.first_seen ? text(p.first_seen) : null, last_seen: p.last_seen ? text(p.last_seen) : null,
      disable_correlation: truthy(p.disable_correlation) ? 1 : 0, proposal_to_delete: truthy(p.proposal_to_delete) ? 1 : 0, deleted: truthy(p.deleted) ? 1 : 0,
      timestamp: Number(p.timestamp ?? 0) || Math.floor(Date.now() / 1000),
    });
    if (stored) ctx.counts.proposals++;
  }
}
