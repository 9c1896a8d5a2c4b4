import type { Viewer } from '../../access/viewer.js';
import { listOrganisations } from '../../store/access/organisations.js';
import type { Store } from '../../store/db/database.js';
import { enabledTaxonomyNamespaces, eventTagCounts } from '../../store/stats.js';
import {
  accountCounts, ownSightings, usersPerOrganisation, visibleAttributeTypesPerCreator, visibleDataCounts, visibleEventsPerCreator,
} from '../../store/user-stats.js';
import { ServiceError } from '../errors.js';

/**
 * MISP's users/statistics/CONTEXT as its REST answers have them. Events, attributes, tags and sightings
 * are counted as far as the viewer may see them; users and organisations as the organisation index
 * shows them to every user. Counts are strings where MISP's are.
 */

export const STATISTICS_CONTEXTS = ['data', 'orgs', 'users', 'tags', 'attributehistogram', 'sightings'] as const;
export type StatisticsContext = (typeof STATISTICS_CONTEXTS)[number];

const startOfMonth = (now: Date) => Math.floor(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000);
const startOfYear = (now: Date) => Math.floor(Date.UTC(now.getUTCFullYear(), 0, 1) / 1000);

/** data: the instance's usage figures (MISP's figures of discussions, proposals and PGP keys Cairn has not). */
async function usage(store: Store, viewer: Viewer, now: Date) {
  const month = startOfMonth(now);
  const data = await visibleDataCounts(store, viewer, month);
  const accounts = await accountCounts(store, [null]);
  const orgs = await listOrganisations(store);
  const users = accounts.users[0]!;
  const localOrgs = orgs.filter((o) => o.local).length;
  const stats = {
    event_count: data.events, event_count_month: data.eventsSince,
    attribute_count: data.attributes, attribute_count_month: data.attributesSince,
    attributes_per_event: data.events ? Math.round(data.attributes / data.events) : 0,
    user_count: users, org_count: orgs.length, local_org_count: localOrgs,
    contributing_org_count: data.creators,
    average_user_per_org: localOrgs ? Math.round((10 * users) / localOrgs) / 10 : 0,
  };
  return { stats: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, String(v)])) };
}

/** orgs: the organisations of a scope (local by default, external, or all) by name, with their users and the events of theirs the viewer sees. */
async function organisations(store: Store, viewer: Viewer, scope: string) {
  if (!['local', 'external', 'all'].includes(scope)) throw new ServiceError('rejected', `scope must be local, external or all, not "${scope}"`);
  const users = await usersPerOrganisation(store);
  const events = await visibleEventsPerCreator(store, viewer);
  const orgs = (await listOrganisations(store)).filter((o) => scope === 'all' || o.local === (scope === 'local'))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
  return Object.fromEntries(orgs.map((o) => {
    const made = events.get(o.id);
    return [o.name, {
      id: String(o.id), name: o.name, description: o.description, local: o.local, contacts: o.contacts, type: o.type,
      sector: o.sector, nationality: o.nationality,
      ...(users.has(o.id) ? { userCount: String(users.get(o.id)) } : {}),
      ...(made ? { eventCount: String(made.events), attributeCount: String(made.attributes) } : {}),
    }];
  }));
}

/** users: users, local and external organisations, in all, made this month and this year. */
async function accounts(store: Store, now: Date) {
  const c = await accountCounts(store, [null, startOfMonth(now), startOfYear(now)]);
  const ranges = (n: number[]) => ({ data: { total: n[0]!, month: n[1]!, year: n[2]! } });
  return { user: ranges(c.users), org_local: ranges(c.localOrgs), org_external: ranges(c.externalOrgs) };
}

/** tags: the tags of events the viewer sees, grouped under their enabled taxonomy's namespace, else `custom`. */
async function tags(store: Store, viewer: Viewer) {
  const namespaces = new Set(await enabledTaxonomyNamespaces(store));
  const counts = (await eventTagCounts(store, viewer)).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  const flatData: Record<string, Record<string, { name: string; size: number }>> = {};
  for (const t of counts) {
    const parts = t.name.split(':');
    const group = parts.length > 1 && namespaces.has(parts[0]!) ? parts[0]! : 'custom';
    (flatData[group] ??= {})[t.name] = { name: t.name, size: t.count };
  }
  const treemap = {
    name: 'tags',
    children: Object.entries(flatData).map(([name, group]) => ({ name, children: Object.values(group) })),
  };
  return { flatData: counts.length ? flatData : [], treemap };
}

/** attributehistogram: live attributes by type, for all organisations and for each creator of events the viewer sees, most first. */
async function histogram(store: Store, viewer: Viewer) {
  const rows = await visibleAttributeTypesPerCreator(store, viewer);
  const names = new Map((await listOrganisations(store)).map((o) => [o.id, o.name]));
  const groups = new Map<number, Record<string, string>>([[0, {}]]);
  const add = (key: number, type: string, n: number) => {
    const g = groups.get(key) ?? {};
    groups.set(key, g);
    g[type] = String(Number(g[type] ?? 0) + n);
  };
  for (const r of rows) {
    add(0, r.type, r.count);
    add(r.orgcId, r.type, r.count);
  }
  return [...groups].map(([id, data]) => ({
    data: Object.keys(data).length ? data : [],
    org_name: id === 0 ? 'All organisations' : names.get(id) ?? '',
    total: Object.values(data).reduce((n, v) => n + Number(v), 0),
  })).sort((a, b) => b.total - a.total);
}

const SIGHTING_TYPES = ['sighting', 'false-positive', 'expiration'] as const;

/** sightings: his organisation's sightings by source (most first), and by source and type the events they were on. */
async function sightings(store: Store, viewer: Viewer) {
  if (viewer.kind !== 'user') return { toplist: [], eventids: [] };
  const toplist = new Map<string, number>();
  const eventids: Record<string, Record<string, string[]>> = {};
  for (const s of await ownSightings(store, viewer)) {
    const source = s.source === '' ? 'Undefined' : s.source;
    toplist.set(source, (toplist.get(source) ?? 0) + 1);
    const ids = ((eventids[source] ??= {})[SIGHTING_TYPES[s.type] ?? String(s.type)] ??= []);
    if (!ids.includes(String(s.eventId))) ids.push(String(s.eventId));
  }
  const top = [...toplist].sort((a, b) => b[1] - a[1]);
  return { toplist: top.length ? Object.fromEntries(top) : [], eventids: top.length ? eventids : [] };
}

export async function userStatistics(store: Store, viewer: Viewer, context: string, options: { scope?: string } = {}): Promise<unknown> {
  const now = new Date();
  switch (context) {
    case 'data': return usage(store, viewer, now);
    case 'orgs': return organisations(store, viewer, options.scope ?? 'local');
    case 'users': return accounts(store, now);
    case 'tags': return tags(store, viewer);
    case 'attributehistogram': return histogram(store, viewer);
    case 'sightings': return sightings(store, viewer);
    default: throw new ServiceError('not-found', 'Invalid page');
  }
}
