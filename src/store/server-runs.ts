import type { Store } from './db/database.js';

/**
 * The sync client's runs (migration 037): the history of each server's pulls and pushes, the claim that
 * keeps one run per server at a time across processes, the schedule's claims and the remote index's
 * ETag. Times are seconds since the epoch.
 */

export type RunKind = 'pull' | 'push';
export type RunStatus = 'running' | 'ok' | 'failed';

export interface RunRefusal {
  event: string;
  reason: string;
}

export interface ServerRun {
  id: number;
  serverId: number;
  kind: RunKind;
  scope: string;
  status: RunStatus;
  started: number;
  finished: number | null;
  pulled: number;
  pushed: number;
  refused: number;
  error: string | null;
  refusals: RunRefusal[];
  sightings: number;
  proposals: number;
  clusters: number;
  analystData: number;
}

export interface RunCounts {
  pulled: number;
  pushed: number;
  refused: number;
  refusals: RunRefusal[];
  sightings: number;
  proposals: number;
  clusters: number;
  analystData: number;
}

const num = (v: number | string | bigint | null) => (v === null ? null : Number(v));

function parseRefusals(text: string): RunRefusal[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? (v as RunRefusal[]) : [];
  } catch {
    return [];
  }
}

/**
 * Claims a server for a run: marks it running now unless a run of it (by any process) started less than
 * `leaseSeconds` ago. Check and mark are one statement, so only one caller wins.
 */
export async function claimServerRun(store: Store, serverId: number, now: number, leaseSeconds: number): Promise<boolean> {
  const done = await store.db.updateTable('server').set({ running_since: now }).where('id', '=', serverId)
    .where((eb) => eb.or([eb('running_since', 'is', null), eb('running_since', '<=', now - leaseSeconds)])).executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** Lets the next run of the server start; only the claim made at `since` is released. */
export async function releaseServerRun(store: Store, serverId: number, since: number): Promise<void> {
  await store.db.updateTable('server').set({ running_since: null }).where('id', '=', serverId).where('running_since', '=', since).execute();
}

/** Claims a server's scheduled pull or push, as claimScheduledRun does for feeds: one caller per interval. */
export async function claimScheduledSync(store: Store, serverId: number, kind: RunKind, now: number, intervalSeconds: number): Promise<boolean> {
  const column = kind === 'pull' ? 'pull_scheduled_at' : 'push_scheduled_at';
  const done = await store.db.updateTable('server').set({ [column]: now }).where('id', '=', serverId)
    .where((eb) => eb.or([eb(column, 'is', null), eb(column, '<=', now - intervalSeconds)])).executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

export async function insertServerRun(store: Store, serverId: number, kind: RunKind, scope: string, started: number): Promise<number> {
  const row = await store.db.insertInto('server_run').values({ server_id: serverId, kind, scope, status: 'running', started, error: null })
    .returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Progress of a run under way, or its end (with a status other than running). */
export async function saveServerRun(store: Store, id: number, counts: RunCounts, end?: { status: Exclude<RunStatus, 'running'>; finished: number; error: string | null }): Promise<void> {
  await store.db.updateTable('server_run').set({
    pulled: counts.pulled, pushed: counts.pushed, refused: counts.refused, refusals: JSON.stringify(counts.refusals),
    sightings: counts.sightings, proposals: counts.proposals, clusters: counts.clusters, analyst_data: counts.analystData,
    ...(end ? { status: end.status, finished: end.finished, error: end.error } : {}),
  }).where('id', '=', id).execute();
}

/** A server's runs, newest first. */
export async function listServerRuns(store: Store, serverId: number, limit = 50): Promise<ServerRun[]> {
  const rows = await store.db.selectFrom('server_run').selectAll().where('server_id', '=', serverId).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id, serverId: r.server_id, kind: r.kind as RunKind, scope: r.scope, status: r.status as RunStatus,
    started: num(r.started)!, finished: num(r.finished), pulled: r.pulled, pushed: r.pushed, refused: r.refused, error: r.error,
    refusals: parseRefusals(r.refusals), sightings: r.sightings, proposals: r.proposals, clusters: r.clusters, analystData: r.analyst_data,
  }));
}

export async function findServerRun(store: Store, id: number): Promise<ServerRun | undefined> {
  const row = await store.db.selectFrom('server_run').select('server_id').where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return (await listServerRuns(store, row.server_id, 1_000_000)).find((r) => r.id === id);
}

/** Runs left `running` by a process that stopped: marked failed once their claim has lapsed. */
export async function failAbandonedRuns(store: Store, serverId: number, now: number, current: number): Promise<void> {
  await store.db.updateTable('server_run').set({ status: 'failed', finished: now, error: 'The process running it stopped before it ended.' })
    .where('server_id', '=', serverId).where('status', '=', 'running').where('id', '<', current).execute();
}

export async function serverIndexEtag(store: Store, serverId: number): Promise<string | null> {
  const row = await store.db.selectFrom('server').select('index_etag').where('id', '=', serverId).executeTakeFirst();
  return row?.index_etag ?? null;
}

export async function saveServerIndexEtag(store: Store, serverId: number, etag: string | null): Promise<void> {
  await store.db.updateTable('server').set({ index_etag: etag }).where('id', '=', serverId).execute();
}
