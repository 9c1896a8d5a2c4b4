import { eventPushRefusal } from '../../access/policy/servers.js';
import { OPERATOR, type Viewer } from '../../access/viewer.js';
import { readAnalystItem } from '../../formats/misp-json/analyst-data.js';
import { ANALYST_KINDS, type AnalystData, type AnalystKind } from '../../model/analyst-data.js';
import { isUuid } from '../../model/event.js';
import { findSharingGroup } from '../../store/access/sharing-groups.js';
import { findAnalystData, type AnalystDataRow } from '../../store/analyst-data.js';
import { captureAnalystData } from '../analyst-data/capture.js';
import { analystJson } from '../analyst-data/document.js';
import { RemoteError, messageOf } from './client.js';
import type { RemoteInfo } from './connection.js';
import { groupDocument, groupFacts, readPushRules, syncTarget } from './prepare.js';
import type { SyncRunContext } from './run-context.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const datetime = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
/** MISP writes `modified` as `Y-m-d H:i:s` (Cairn in UTC); a number is taken as seconds. */
const secondsOf = (v: unknown) => (typeof v === 'number' ? v : Math.floor(Date.parse(`${String(v).replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? '' : 'Z'}`) / 1000) || 0);

/** MISP's buildPullFilterRules: the pull rules' organisations, NOT ones prefixed "!". */
export function analystPullFilter(pullRules: string): { orgc_name: string[] } {
  let rules: unknown = {};
  try {
    rules = JSON.parse(pullRules || '{}');
  } catch {
    rules = {};
  }
  const orgs = isObject(rules) && isObject(rules.orgs) ? rules.orgs : {};
  const or = Array.isArray(orgs.OR) ? orgs.OR.map(String) : [];
  const not = Array.isArray(orgs.NOT) ? orgs.NOT.map((o) => `!${String(o)}`) : [];
  return { orgc_name: [...or, ...not] };
}

/**
 * MISP's AnalystData::pull: the remote's minimal index (analyst_data/indexMinimal, filtered by the pull
 * rules' organisations), the items not held here or held older read a hundred at a time
 * (analyst_data/index/<kind>/uuid[]:…), and stored as the server's organisation's, their creator kept,
 * downgraded as events are (1 → 0, 2 → 1) unless the server is internal. Needs a remote that grants
 * its sync user perm_analyst_data.
 */
export async function pullAnalystData(ctx: SyncRunContext, info: RemoteInfo): Promise<void> {
  if (!ctx.server.flags.pull_analyst_data || !info.permAnalystData) return;
  let index: unknown;
  try {
    index = await ctx.client.json<unknown>('POST', '/analyst_data/indexMinimal', { body: analystPullFilter(ctx.server.pullRules) });
  } catch (err) {
    ctx.refuse('analyst data', `the remote's analyst data index could not be read: ${(err as Error).message}`);
    return;
  }
  const remote = isObject(index) && isObject(index.response) ? index.response : index;
  if (!isObject(remote)) return;
  for (const kind of ANALYST_KINDS) {
    const offered = isObject(remote[kind]) ? remote[kind] : {};
    const uuids = Object.keys(offered).map((u) => u.toLowerCase()).filter((u) => isUuid(u));
    if (uuids.length === 0) continue;
    const held = new Map((await findAnalystData(ctx.store, OPERATOR, { uuids })).map((r) => [r.uuid, r.modified]));
    const wanted = Object.entries(offered).filter(([u, m]) => isUuid(u.toLowerCase()) && (!held.has(u.toLowerCase()) || held.get(u.toLowerCase())! < secondsOf(m))).map(([u]) => u);
    for (let i = 0; i < wanted.length; i += 100) {
      const chunk = wanted.slice(i, i + 100);
      let rows: unknown;
      try {
        rows = await ctx.client.json<unknown>('GET', `/analyst_data/index/${kind}${chunk.map((u) => `/uuid[]:${u}`).join('')}.json`);
      } catch (err) {
        ctx.refuse('analyst data', `failed downloading ${kind} items: ${(err as Error).message}`);
        continue;
      }
      const items: AnalystData[] = [];
      for (const row of Array.isArray(rows) ? rows : []) {
        // Only the items asked for: the children a document carries come in their own index entries.
        const [item] = readAnalystItem(row, kind);
        if (!item || !chunk.some((u) => u.toLowerCase() === item.uuid)) continue;
        if (!ctx.server.flags.internal && item.distribution !== null) item.distribution = item.distribution === 1 ? 0 : item.distribution === 2 ? 1 : item.distribution;
        items.push(item);
      }
      if (items.length === 0) continue;
      const result = await captureAnalystData(ctx.store, { kind: 'operator', org: { uuid: ctx.server.org.uuid, name: ctx.server.org.name } }, items);
      ctx.counts.analystData += result.stored.length;
      for (const s of result.skipped) ctx.refuse(s.uuid, `${kind}: ${s.reason}`);
    }
  }
}

/**
 * What may be pushed to a server: MISP's collectDataForPush (never this organisation or community
 * only, unless internal; a sharing group's only with the server or the remote's organisation in it;
 * the push rules' organisations), and what Cairn adds: only items the remote's organisation may see
 * here, so that a note on an event the remote may not see never crosses either.
 */
async function crossingItems(ctx: SyncRunContext): Promise<AnalystDataRow[]> {
  const target = syncTarget(ctx.server);
  const remoteViewer: Viewer = { kind: 'user', orgId: ctx.server.remoteOrg.id, siteAdmin: false };
  const rules = readPushRules(ctx.server.pushRules).orgs;
  const isOrg = (names: string[], r: AnalystDataRow) => names.some((n) => n === r.orgc.uuid || n === String(r.orgc.id) || n.toLowerCase() === r.orgc.name.toLowerCase());
  const out: AnalystDataRow[] = [];
  for (const r of await findAnalystData(ctx.store, remoteViewer, {})) {
    const g = r.sharingGroup ? await findSharingGroup(ctx.store, OPERATOR, { id: r.sharingGroup.id }) : undefined;
    if (eventPushRefusal(r.distribution, g && groupFacts(g), target)) continue;
    if ((rules.OR.length && !isOrg(rules.OR, r)) || (rules.NOT.length && isOrg(rules.NOT, r))) continue;
    out.push(r);
  }
  return out;
}

/**
 * MISP's AnalystData::push: the items that may cross offered as {Note: {uuid: modified}, …} to
 * analyst_data/filterAnalystDataForPush, and each one the remote would take sent to
 * analyst_data/pushAnalystData, locked, connected communities downgraded to this community.
 */
export async function pushAnalystData(ctx: SyncRunContext, info: RemoteInfo): Promise<void> {
  if (!ctx.server.flags.push_analyst_data || !info.permSync || !info.permAnalystData) return;
  const items = await crossingItems(ctx);
  if (items.length === 0) return;
  const offered: Record<AnalystKind, Record<string, string>> = { Note: {}, Opinion: {}, Relationship: {} };
  for (const r of items) offered[r.kind][r.uuid] = datetime(r.modified);
  let accepted: unknown;
  try {
    accepted = await ctx.client.json<unknown>('POST', '/analyst_data/filterAnalystDataForPush', { body: offered });
  } catch (err) {
    ctx.refuse('analyst data', `the remote did not say which analyst data it lacks: ${(err as Error).message}`);
    return;
  }
  const wanted = isObject(accepted) && isObject(accepted.response) ? accepted.response : accepted;
  for (const r of items) {
    const kindAccepted = isObject(wanted) && isObject(wanted[r.kind]) ? wanted[r.kind] as Json : {};
    if (!Object.keys(kindAccepted).some((u) => u.toLowerCase() === r.uuid)) continue;
    const doc: Json = analystJson(r);
    delete doc.id;
    delete doc.sharing_group_id;
    doc.locked = true;
    if (!ctx.server.flags.internal && r.distribution === 2) doc.distribution = '1';
    if (r.sharingGroup) {
      const g = await findSharingGroup(ctx.store, OPERATOR, { id: r.sharingGroup.id });
      if (g) doc.SharingGroup = groupDocument(g);
    }
    try {
      await ctx.client.json<unknown>('POST', '/analyst_data/pushAnalystData', { body: { [r.kind]: doc } });
      ctx.counts.analystData++;
    } catch (err) {
      ctx.refuse(r.uuid, `${r.kind}: ${err instanceof RemoteError && err.body ? messageOf(err.body) : (err as Error).message}`);
    }
  }
}
