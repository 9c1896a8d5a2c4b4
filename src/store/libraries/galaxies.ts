import type { Selectable } from 'kysely';
import type { ClusterRelation, Galaxy, GalaxyCluster } from '../../libraries/galaxy.js';
import type { Store } from '../db/database.js';
import type { GalaxyClusterTable, GalaxyTable } from '../db/schema.js';

/** A stored galaxy: as published, with its id here. */
export type GalaxyInfo = Omit<Galaxy, 'killChainOrder'> & { id: number; killChainOrder: Record<string, string[]> | null };

/** A stored cluster: as published, with its id, its galaxy's and its tag name. */
export type ClusterInfo = GalaxyCluster & { id: number; galaxyId: number; tagName: string };

function galaxyInfo(r: Selectable<GalaxyTable>): GalaxyInfo {
  return { id: r.id, uuid: r.uuid, type: r.type, name: r.name, namespace: r.namespace, description: r.description, version: r.version, icon: r.icon,
    killChainOrder: r.kill_chain_order ? JSON.parse(r.kill_chain_order) as Record<string, string[]> : null };
}

function clusterInfo(r: Selectable<GalaxyClusterTable>): ClusterInfo {
  return { id: r.id, uuid: r.uuid, galaxyId: r.galaxy_id, type: r.type, value: r.value, tagName: r.tag_name, description: r.description, source: r.source,
    authors: JSON.parse(r.authors) as string[], version: r.version, meta: JSON.parse(r.meta) as Record<string, unknown>,
    related: JSON.parse(r.related) as ClusterRelation[] };
}

/** Every galaxy, or those whose name, type or namespace holds `search`. */
export async function listGalaxies(store: Store, search?: string): Promise<GalaxyInfo[]> {
  let q = store.db.selectFrom('galaxy').selectAll().orderBy('name');
  if (search) q = q.where((eb) => eb.or([eb('name', 'like', `%${search}%`), eb('type', 'like', `%${search}%`), eb('namespace', 'like', `%${search}%`)]));
  return (await q.execute()).map(galaxyInfo);
}

/** A galaxy by id, uuid or type. */
export async function galaxyByRef(store: Store, ref: string): Promise<GalaxyInfo | undefined> {
  const q = store.db.selectFrom('galaxy').selectAll();
  const row = await (/^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where((eb) => eb.or([eb('uuid', '=', ref.toLowerCase()), eb('type', '=', ref)])))
    .executeTakeFirst();
  return row && galaxyInfo(row);
}

/** A galaxy's clusters, or those whose value, synonyms or description hold `search`. */
export async function clustersOfGalaxy(store: Store, galaxyId: number, search?: string, limit = 1000): Promise<ClusterInfo[]> {
  let q = store.db.selectFrom('galaxy_cluster').selectAll().where('galaxy_id', '=', galaxyId).orderBy('value').limit(limit);
  if (search) {
    const like = `%${search}%`;
    q = q.where((eb) => eb.or([eb('value', 'like', like), eb('description', 'like', like),
      eb('id', 'in', eb.selectFrom('galaxy_cluster_name').select('cluster_id').where('tag_name', 'like', like))]));
  }
  return (await q.execute()).map(clusterInfo);
}

/** A cluster by id or uuid. */
export async function clusterByRef(store: Store, ref: string): Promise<ClusterInfo | undefined> {
  const q = store.db.selectFrom('galaxy_cluster').selectAll();
  const row = await (/^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where('uuid', '=', ref.toLowerCase())).executeTakeFirst();
  return row && clusterInfo(row);
}

/** The clusters that tags name, by their own value or by a synonym (a value wins over a synonym), each with its galaxy. */
export async function clustersOfTags(store: Store, tagNames: readonly string[]): Promise<Map<string, { cluster: ClusterInfo; galaxy: GalaxyInfo }>> {
  const out = new Map<string, { cluster: ClusterInfo; galaxy: GalaxyInfo }>();
  const names = [...new Set(tagNames.filter((n) => n.startsWith('misp-galaxy:')))];
  if (names.length === 0) return out;
  const hits = await store.db.selectFrom('galaxy_cluster_name').select(['tag_name', 'cluster_id', 'synonym'])
    .where('tag_name', 'in', names).orderBy('synonym').orderBy('cluster_id').execute();
  const chosen = new Map<string, number>();
  for (const h of hits) if (!chosen.has(h.tag_name)) chosen.set(h.tag_name, h.cluster_id);
  if (chosen.size === 0) return out;
  const clusters = new Map((await store.db.selectFrom('galaxy_cluster').selectAll().where('id', 'in', [...new Set(chosen.values())]).execute())
    .map((r) => [r.id, clusterInfo(r)]));
  const galaxyIds = [...new Set([...clusters.values()].map((c) => c.galaxyId))];
  const galaxies = new Map((await store.db.selectFrom('galaxy').selectAll().where('id', 'in', galaxyIds).execute()).map((r) => [r.id, galaxyInfo(r)]));
  for (const [name, id] of chosen) {
    const cluster = clusters.get(id);
    const galaxy = cluster && galaxies.get(cluster.galaxyId);
    if (cluster && galaxy) out.set(name, { cluster, galaxy });
  }
  return out;
}
