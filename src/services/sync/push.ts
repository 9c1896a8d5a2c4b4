import { eventPushRefusal } from '../../access/policy/servers.js';
import { OPERATOR } from '../../access/viewer.js';
import { serializeStoredEvent } from '../../formats/misp-json/serialize.js';
import type { StoredEvent, TagRef } from '../../model/event.js';
import { findSharingGroup, type SharingGroup } from '../../store/access/sharing-groups.js';
import { pushCandidates, type PushCandidate } from '../../store/events/push-candidates.js';
import { loadEvent } from '../../store/events/reader.js';
import { editServer } from '../../store/servers.js';
import { latestSightings, listSightings } from '../../store/sightings.js';
import { nonExportableTags } from '../../store/tags.js';
import { RemoteError, messageOf, parseJson } from './client.js';
import { pushAnalystData } from './analyst-data.js';
import { remoteInfo } from './connection.js';
import { groupFacts, preparePushedEvent, syncTarget } from './prepare.js';
import { pushClusters } from './push-clusters.js';
import type { SyncRunContext } from './run-context.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A push's scope: MISP's full and incremental (after lastpushedid), or one event by id. */
export type PushScope = 'full' | 'incremental' | string;

function withoutTags(event: StoredEvent, names: ReadonlySet<string>): StoredEvent {
  if (names.size === 0) return event;
  const keep = <T extends { tags: TagRef[] }>(x: T): T => ({ ...x, tags: x.tags.filter((t) => !names.has(t.name)) });
  return { ...keep(event), attributes: event.attributes.map(keep), objects: event.objects.map((o) => ({ ...o, attributes: o.attributes.map(keep) })) };
}

class Groups {
  private readonly cache = new Map<number, SharingGroup | null>();
  constructor(private readonly ctx: SyncRunContext) {}
  async get(id: number | null | undefined): Promise<SharingGroup | undefined> {
    if (!id) return undefined;
    if (!this.cache.has(id)) this.cache.set(id, (await findSharingGroup(this.ctx.store, OPERATOR, { id })) ?? null);
    return this.cache.get(id) ?? undefined;
  }
  /** Every group an event document names, by local id. */
  async of(doc: Json): Promise<Map<number, SharingGroup>> {
    const items = [doc, ...list(doc.Attribute), ...list(doc.Object), ...list(doc.Object).flatMap((o) => list(o.Attribute)), ...list(doc.EventReport)];
    const out = new Map<number, SharingGroup>();
    for (const item of items) {
      const g = await this.get(Number(item.sharing_group_id ?? 0));
      if (g) out.set(g.id, g);
    }
    return out;
  }
}

const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/**
 * Pushes to a server as MISP's Server::push does: the remote's version (a sync user is needed for
 * events, sighting rights for sightings), the published events that may cross (the policy decides:
 * never distribution 0, a sharing group only with the server and the remote's organisation in it),
 * the remote asked which it lacks (filterEventIdsForPush), each trimmed for it and sent (add, or edit
 * when the remote holds it: HEAD, or add's 404 with Location), then the sightings it lacks.
 */
export async function push(ctx: SyncRunContext, scope: PushScope): Promise<void> {
  const info = await remoteInfo(ctx.client);
  if (!info.permSync && !info.permSighting) throw new RemoteError('The remote user is neither a sync user nor may add sightings: nothing can be pushed.');
  const byId = scope !== 'full' && scope !== 'incremental';
  if (byId && !/^\d+$/.test(scope)) throw new RemoteError(`push takes full, incremental or an event id, not "${scope}"`);
  const filter = byId ? { id: Number(scope) } : scope === 'incremental' ? { afterId: ctx.server.lastPushedId ?? 0 } : {};
  const groups = new Groups(ctx);
  const candidates = await crossing(ctx, groups, filter, byId);
  if (info.permSync && ctx.server.flags.push) {
    // MISP pushes custom clusters before the events, so that their tags find them there: all of them on a
    // full push, those the events carry otherwise.
    if (scope === 'full') await pushClusters(ctx, info);
    const missing = await filterEventIdsForPush(ctx, candidates);
    if (scope !== 'full') await pushClusters(ctx, info, candidates.filter((x) => missing.has(x.uuid)).map((x) => x.id));
    const tags = await nonExportableTags(ctx.store);
    for (const c of candidates.filter((x) => missing.has(x.uuid))) await pushEvent(ctx, c, groups, tags);
    if (!byId && candidates.length > 0) await editServer(ctx.store, ctx.server.id, { lastPushedId: Math.max(...candidates.map((c) => c.id)) });
  }
  if (info.permSighting && ctx.server.flags.push_sightings) {
    // Sightings move on events pushed long ago: an incremental push looks at every event that crosses, as MISP's syncSightings.
    const sightable = scope === 'incremental' ? await crossing(ctx, groups, {}) : candidates;
    await pushSightings(ctx, sightable);
  }
  await pushAnalystData(ctx, info);
}

/** The published events of the filter that may cross to the server; one asked for by id that may not is a refusal. */
async function crossing(ctx: SyncRunContext, groups: Groups, filter: { afterId?: number; id?: number }, refuseEach = false): Promise<PushCandidate[]> {
  const target = syncTarget(ctx.server);
  const out: PushCandidate[] = [];
  for (const c of await pushCandidates(ctx.store, filter)) {
    const g = await groups.get(c.sharingGroupId);
    const refusal = eventPushRefusal(c.distribution, g ? groupFacts(g) : undefined, target);
    if (!refusal) out.push(c);
    else if (refuseEach) ctx.refuse(c.uuid, refusal);
  }
  return out;
}

async function filterEventIdsForPush(ctx: SyncRunContext, candidates: readonly PushCandidate[]): Promise<Set<string>> {
  const missing = new Set<string>();
  for (let i = 0; i < candidates.length; i += 1000) {
    const offered = candidates.slice(i, i + 1000).map((c) => ({ Event: { uuid: c.uuid, timestamp: String(c.timestamp) } }));
    const answer = await ctx.client.json<unknown>('POST', '/events/filterEventIdsForPush', { body: offered });
    for (const u of Array.isArray(answer) ? answer : []) if (typeof u === 'string') missing.add(u.toLowerCase());
  }
  return missing;
}

async function pushEvent(ctx: SyncRunContext, c: PushCandidate, groups: Groups, nonExportable: ReadonlySet<string>): Promise<void> {
  const stored = await loadEvent(ctx.store, OPERATOR, { id: c.id }, { includeDeleted: true });
  if (!stored) return;
  const doc = serializeStoredEvent(withoutTags(stored, nonExportable), { omitLocalTags: !ctx.server.flags.internal });
  const prepared = preparePushedEvent(doc, ctx.server, await groups.of(doc.Event));
  if ('refusal' in prepared) {
    ctx.refuse(c.uuid, prepared.refusal);
    return;
  }
  try {
    const head = await ctx.client.request('HEAD', `/events/view/${c.uuid}`, { accept: [404, 403] });
    const exists = head.status >= 200 && head.status < 300;
    let answer = await ctx.client.request('POST', exists ? `/events/edit/${c.uuid}/metadata:1` : '/events/add/metadata:1', { body: prepared.event, accept: [404] });
    if (answer.status === 404) {
      // MISP answers an add of an event it holds with 404 and the event's address in Location.
      const location = answer.headers.location;
      const ref = exists ? undefined : typeof location === 'string' ? location.split('/').filter(Boolean).pop() : undefined;
      if (exists) answer = await ctx.client.request('POST', '/events/add/metadata:1', { body: prepared.event });
      else if (ref) answer = await ctx.client.request('POST', `/events/edit/${encodeURIComponent(ref)}/metadata:1`, { body: prepared.event });
      else throw new RemoteError(`events/add answered 404: ${messageOf(answer.text)}`, 404, answer.text);
    }
    const saved = parseJson<Json>(answer, '/events/add');
    if (!isObject(saved) || !isObject(saved.Event)) throw new RemoteError(`the remote answered no event: ${answer.text.slice(0, 200)}`);
    ctx.counts.pushed++;
  } catch (err) {
    ctx.refuse(c.uuid, err instanceof RemoteError && err.body ? messageOf(err.body) : (err as Error).message);
  }
}

/**
 * MISP's sighting push: for each event that crosses whose latest sighting here is newer than the
 * remote's, the remote is asked which of its sightings it holds (filterSightingUuidsForPush) and sent
 * the others (bulkSaveSightings), with their organisations.
 */
async function pushSightings(ctx: SyncRunContext, candidates: readonly PushCandidate[]): Promise<void> {
  if (candidates.length === 0) return;
  const local = await latestSightings(ctx.store, OPERATOR, candidates.map((c) => c.id));
  const sighted = candidates.filter((c) => local.has(c.id));
  if (sighted.length === 0) return;
  const index = await ctx.client.json<unknown>('POST', '/events/index', { body: { minimal: 1, published: 1 } });
  const remote = new Map<string, number>();
  for (const e of Array.isArray(index) ? index.filter(isObject) : []) remote.set(String(e.uuid).toLowerCase(), Number(e.sighting_timestamp ?? 0));
  for (const c of sighted) {
    if (!remote.has(c.uuid) || (remote.get(c.uuid) ?? 0) >= local.get(c.id)!) continue;
    const sightings = await listSightings(ctx.store, OPERATOR, { eventId: c.id });
    try {
      const held = await ctx.client.json<unknown>('POST', `/sightings/filterSightingUuidsForPush/${c.uuid}`, { body: sightings.map((s) => s.uuid) });
      const heldSet = new Set((Array.isArray(held) ? held : []).map((u) => String(u).toLowerCase()));
      const fresh = sightings.filter((s) => !heldSet.has(s.uuid));
      if (fresh.length === 0) continue;
      await ctx.client.json<unknown>('POST', `/sightings/bulkSaveSightings/${c.uuid}`, {
        body: fresh.map((s) => ({
          uuid: s.uuid, attribute_uuid: s.attributeUuid, event_uuid: c.uuid, type: String(s.type), date_sighting: String(s.dateSighting), source: s.source,
          org_id: s.orgId === null ? '0' : String(s.orgId), ...(s.orgUuid ? { Organisation: { uuid: s.orgUuid, name: s.orgName } } : {}),
        })),
      });
      ctx.counts.sightings += fresh.length;
    } catch (err) {
      ctx.refuse(c.uuid, `sightings: ${(err as Error).message}`);
    }
  }
}
