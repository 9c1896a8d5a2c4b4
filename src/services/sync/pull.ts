import { OPERATOR } from '../../access/viewer.js';
import { isUuid } from '../../model/event.js';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { captureOrganisation } from '../../store/access/organisations.js';
import { eventVersions } from '../../store/events/ownership.js';
import { saveServerIndexEtag, serverIndexEtag } from '../../store/server-runs.js';
import { latestSightings, saveSyncedSightings, visibleAttributeIds, type SyncedSighting } from '../../store/sightings.js';
import { parseOptionsFor, runImport, type ImportEntry } from '../import/pipeline.js';
import type { ParsedItem } from '../import/parsed-event.js';
import { pullActor } from './actor.js';
import { RemoteError, parseJson } from './client.js';
import { remoteInfo } from './connection.js';
import { pullAnalystData } from './analyst-data.js';
import { preparePulledEvent } from './prepare.js';
import { pullClusters } from './pull-clusters.js';
import { pullProposals } from './pull-proposals.js';
import type { SyncRunContext } from './run-context.js';
import { filterByType, pullTypeRules } from './type-filter.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Events imported at once during a pull. */
const LANES = 8;

/** A pull's scope: MISP's full and incremental, or one event by uuid. */
export type PullScope = 'full' | 'incremental' | string;

export interface IndexEntry {
  uuid: string;
  timestamp: number;
  sightingTimestamp: number;
}

/**
 * MISP's filterRuleToParameter: each rule list becomes the index filter of its singular name (tags →
 * tag), NOT entries prefixed with "!"; url_params (JSON) are merged in as they are.
 */
export function pullRuleParameters(text: string): Json {
  let rules: unknown;
  try {
    rules = JSON.parse(text || '{}');
  } catch {
    return {};
  }
  if (!isObject(rules)) return {};
  const out: Json = {};
  for (const [field, value] of Object.entries(rules)) {
    if (field === 'url_params') {
      if (typeof value === 'string' && value.trim()) {
        try {
          const extra: unknown = JSON.parse(value);
          if (isObject(extra)) Object.assign(out, extra);
        } catch {
          // url_params that are not JSON add nothing
        }
      }
      continue;
    }
    if (!isObject(value)) continue;
    const terms: string[] = [];
    for (const [operator, elements] of Object.entries(value)) {
      for (const e of Array.isArray(elements) ? elements : []) {
        const text = String(e ?? '');
        if (text) terms.push(operator === 'NOT' ? `!${text}` : text);
      }
    }
    if (terms.length) out[field.slice(0, -1)] = terms;
  }
  return out;
}

/** The named parameters MISP's pull reads each event with. */
export function eventViewPath(uuid: string, internal: boolean): string {
  return `/events/view/${uuid}/deleted[]:0/deleted[]:1/excludeGalaxy:1/includeEventCorrelations:0/includeFeedCorrelations:0/includeWarninglistHits:0${internal ? '' : '/excludeLocalTags:1'}`;
}

/** The remote's event index (minimal, published, filtered by the pull rules); `not-modified` when the ETag given still holds. */
async function eventIndex(ctx: SyncRunContext, etag: string): Promise<{ status: 'not-modified' } | { status: 'ok'; entries: IndexEntry[]; etag: string | null }> {
  const body = { ...pullRuleParameters(ctx.server.pullRules), minimal: 1, published: 1 };
  const answer = await ctx.client.request('POST', '/events/index', { body, headers: { 'If-None-Match': etag }, accept: [304] });
  if (answer.status === 304) return { status: 'not-modified' };
  const raw = parseJson<unknown>(answer, '/events/index');
  const items = Array.isArray(raw) ? raw : isObject(raw) && isObject(raw.Event) ? [raw] : isObject(raw) && raw.id !== undefined ? [raw] : [];
  const entries: IndexEntry[] = [];
  for (const item of items) {
    const e = isObject(item) && isObject(item.Event) ? item.Event : item;
    if (!isObject(e) || typeof e.uuid !== 'string' || !isUuid(e.uuid.toLowerCase())) continue;
    entries.push({ uuid: e.uuid.toLowerCase(), timestamp: Number(e.timestamp ?? 0), sightingTimestamp: Number(e.sighting_timestamp ?? 0) });
  }
  const header = answer.headers.etag;
  return { status: 'ok', entries, etag: typeof header === 'string' ? header : null };
}

async function localVersions(ctx: SyncRunContext, uuids: readonly string[]) {
  const out = new Map<string, { id: number; timestamp: number; locked: boolean }>();
  for (let i = 0; i < uuids.length; i += 1000) {
    for (const v of await eventVersions(ctx.store, OPERATOR, uuids.slice(i, i + 1000))) out.set(v.uuid, v);
  }
  return out;
}

/**
 * Pulls from a server as MISP's Server::pull does: the remote's version (a sync user is needed), its
 * event index with the pull rules (If-None-Match with the ETag of the last complete pull, on an
 * incremental one: a 304 means nothing to do), only the events newer than the copy here (and never over
 * an event made here), each read with events/view and imported through the one pipeline as a locked
 * event of the server's organisation, with MISP's downgrades; then the sightings of events whose
 * sightings moved on the remote.
 */
export async function pull(ctx: SyncRunContext, scope: PullScope): Promise<void> {
  const info = await remoteInfo(ctx.client);
  if (!info.permSync) throw new RemoteError('The remote user is not a sync user: it may not pull.');
  await pullClusters(ctx, info);
  const single = scope !== 'full' && scope !== 'incremental';
  let wanted: string[];
  let index: IndexEntry[] = [];
  let newEtag: string | null = null;
  if (single) {
    if (!isUuid(scope.toLowerCase())) throw new RemoteError(`pull takes full, incremental or an event uuid, not "${scope}"`);
    wanted = [scope.toLowerCase()];
  } else {
    const since = scope === 'incremental' ? (await serverIndexEtag(ctx.store, ctx.server.id)) ?? '""' : '""';
    const answer = await eventIndex(ctx, since);
    if (answer.status === 'not-modified') return;
    index = answer.entries;
    newEtag = answer.etag;
    const local = await localVersions(ctx, index.map((e) => e.uuid));
    // MISP's removeOlderEvents: nothing older or as old as the copy here, nothing over an event made here.
    wanted = index.filter((e) => {
      const held = local.get(e.uuid);
      return !held || (held.timestamp < e.timestamp && held.locked);
    }).sort((a, b) => a.timestamp - b.timestamp).map((e) => e.uuid);
  }
  const refusedBefore = ctx.counts.refusals.length;
  await pullEvents(ctx, wanted);
  if (!single) {
    // The ETag is kept only when every event was taken: otherwise the next incremental pull must look again.
    const allTaken = ctx.counts.refusals.length === refusedBefore;
    await pullProposals(ctx, info);
    await pullSightings(ctx, index);
    await pullAnalystData(ctx, info);
    if (allTaken) await saveServerIndexEtag(ctx.store, ctx.server.id, newEtag);
  }
}

async function pullEvents(ctx: SyncRunContext, uuids: readonly string[]): Promise<void> {
  const actor = pullActor(ctx.server);
  const options = parseOptionsFor(actor, 1);
  const typeRules = await pullTypeRules(ctx);
  const download = (uuid: string) => ctx.client.json<unknown>('GET', eventViewPath(uuid, ctx.server.flags.internal)).then(
    (doc) => ({ uuid, doc }),
    (err: unknown) => ({ uuid, error: err instanceof RemoteError && err.status === 404 ? 'the remote has no such event for its sync user' : `failed downloading the event: ${(err as Error).message}` }),
  );
  async function* items(): AsyncGenerator<ParsedItem> {
    const AHEAD = 16;
    const pending = uuids.slice(0, AHEAD).map(download);
    for (let i = 0; i < uuids.length; i++) {
      const next = uuids[i + AHEAD];
      if (next) pending.push(download(next));
      const got = await pending.shift()!;
      if ('error' in got) {
        ctx.refuse(got.uuid, got.error);
        continue;
      }
      const prepared = preparePulledEvent(got.doc, ctx.server);
      if (!prepared) {
        ctx.refuse(got.uuid, 'the remote answered no event');
        continue;
      }
      // An event the type rules emptied is left out, and is no failure (MISP's pullRulesEmptiedEvent).
      if (typeRules && filterByType(prepared.Event, typeRules)) continue;
      yield { source: got.uuid, parsed: parseMispEvent(prepared, options) };
    }
  }
  // Events are independent: a few go through the pipeline at once, so that the writer commits them together
  // instead of one commit per event. The lanes share one generator (its next() calls queue in order).
  const shared = items();
  const options2 = {
    actor, writer: ctx.writer,
    onEntry: (entry: ImportEntry) => {
      if (entry.status === 'refused') ctx.refuse(entry.uuid || entry.source, entry.reason ?? 'refused');
      else if (entry.status === 'created' || entry.status === 'updated') ctx.counts.pulled++;
    },
  };
  await Promise.all(Array.from({ length: LANES }, () => runImport(ctx.store, shared, options2)));
}

/**
 * MISP's pullSightings: the events whose latest sighting on the remote is newer than here, their
 * sightings asked in one search, kept under their uuids and organisations on the attributes held here.
 */
async function pullSightings(ctx: SyncRunContext, index: readonly IndexEntry[]): Promise<void> {
  const moved = index.filter((e) => e.sightingTimestamp > 0);
  if (moved.length === 0) return;
  const local = await localVersions(ctx, moved.map((e) => e.uuid));
  const latest = await latestSightings(ctx.store, OPERATOR, [...local.values()].map((v) => v.id));
  const asked = moved.filter((e) => local.has(e.uuid) && e.sightingTimestamp > (latest.get(local.get(e.uuid)!.id) ?? 0)).map((e) => e.uuid);
  for (let i = 0; i < asked.length; i += 100) {
    const chunk = asked.slice(i, i + 100);
    const answer = await ctx.client.json<unknown>('POST', '/sightings/restSearch/event', { body: { returnFormat: 'json', last: 0, includeUuid: true, uuid: chunk } });
    const rows = (isObject(answer) && Array.isArray(answer.response) ? answer.response : Array.isArray(answer) ? answer : [])
      .map((r) => (isObject(r) && isObject(r.Sighting) ? r.Sighting : r)).filter(isObject);
    const byEvent = new Map<string, Json[]>();
    for (const s of rows) {
      const ev = String(s.event_uuid ?? '').toLowerCase();
      if (local.has(ev)) byEvent.set(ev, [...(byEvent.get(ev) ?? []), s]);
    }
    for (const [uuid, sightings] of byEvent) {
      const eventId = local.get(uuid)!.id;
      const attributes = await visibleAttributeIds(ctx.store, OPERATOR, eventId, [...new Set(sightings.map((s) => String(s.attribute_uuid ?? '').toLowerCase()))]);
      const saved: SyncedSighting[] = [];
      for (const s of sightings) {
        const attributeId = attributes.get(String(s.attribute_uuid ?? '').toLowerCase());
        const sUuid = String(s.uuid ?? '').toLowerCase();
        const type = Number(s.type ?? 0);
        if (attributeId === undefined || !isUuid(sUuid) || ![0, 1, 2].includes(type)) continue;
        const org = isObject(s.Organisation) ? s.Organisation : undefined;
        const orgId = org && typeof org.uuid === 'string' && isUuid(org.uuid.toLowerCase())
          ? await captureOrganisation(ctx.store, { uuid: org.uuid.toLowerCase(), name: String(org.name ?? org.uuid) }) : null;
        saved.push({ uuid: sUuid, attributeId, eventId, orgId, type, dateSighting: Number(s.date_sighting ?? 0), source: String(s.source ?? '') });
      }
      ctx.counts.sightings += await saveSyncedSightings(ctx.store, saved);
    }
  }
}
