import { captureSyncedCluster, heldClusterVersions } from '../../store/libraries/synced-clusters.js';
import { readSyncedCluster } from './cluster-document.js';
import type { RemoteInfo } from './connection.js';
import type { SyncRunContext } from './run-context.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The remote's custom clusters as galaxy_clusters/restSearch lists them minimal: uuid → version. */
export async function remoteClusterVersions(ctx: SyncRunContext, extra: Json = {}): Promise<Map<string, number>> {
  const answer = await ctx.client.json<unknown>('POST', '/galaxy_clusters/restSearch', { body: { published: 1, minimal: 1, custom: 1, ...extra } });
  const items = isObject(answer) && Array.isArray(answer.response) ? answer.response : Array.isArray(answer) ? answer : [];
  const out = new Map<string, number>();
  for (const item of items) {
    const c = isObject(item) && isObject(item.GalaxyCluster) ? item.GalaxyCluster : item;
    if (isObject(c) && typeof c.uuid === 'string') out.set(c.uuid.toLowerCase(), Number(c.version ?? 0));
  }
  return out;
}

/**
 * MISP's pullGalaxyClusters, before the events (so that the events' cluster tags find their clusters):
 * the remote's published custom clusters its sync user may see, each one not held here or held in an
 * older version read with galaxy_clusters/view and stored as the server's organisation's, its creator
 * kept, locked, downgraded as events are. A remote too old for cluster sync (no perm_galaxy_editor in
 * its getVersion) is left alone; a failing listing is recorded and the pull goes on, as in MISP.
 */
export async function pullClusters(ctx: SyncRunContext, info: RemoteInfo): Promise<void> {
  if (!ctx.server.flags.pull_galaxy_clusters || !info.hasGalaxyEditorFlag) return;
  let remote: Map<string, number>;
  try {
    remote = await remoteClusterVersions(ctx);
  } catch (err) {
    ctx.refuse('galaxy clusters', `the remote's cluster list could not be read: ${(err as Error).message}`);
    return;
  }
  const held = await heldClusterVersions(ctx.store, [...remote.keys()]);
  const wanted = [...remote].filter(([uuid, version]) => !held.has(uuid) || held.get(uuid)! < version).map(([uuid]) => uuid);
  const arrival = { owner: ctx.server.org, downgrade: !ctx.server.flags.internal };
  for (const uuid of wanted) {
    try {
      const doc = await ctx.client.json<unknown>('GET', `/galaxy_clusters/view/${uuid}`);
      const cluster = await readSyncedCluster(ctx.store, doc, arrival);
      if ('failed' in cluster) {
        ctx.refuse(uuid, `cluster: ${cluster.failed}`);
        continue;
      }
      const saved = await captureSyncedCluster(ctx.store, cluster, { internal: ctx.server.flags.internal });
      if (saved.outcome === 'imported') ctx.counts.clusters++;
      else if (saved.outcome === 'failed') ctx.refuse(uuid, `cluster: ${saved.reason}`);
    } catch (err) {
      ctx.refuse(uuid, `cluster: ${(err as Error).message}`);
    }
  }
}
