import type { Selectable } from 'kysely';
import type { Viewer } from '../../access/viewer.js';
import type { ClusterRelation, Galaxy, GalaxyCluster } from '../../libraries/galaxy.js';
import type { Store } from '../db/database.js';
import type { GalaxyClusterTable, GalaxyTable } from '../db/schema.js';
import { clusterRelationVisibleTo, clusterVisibleTo } from '../visibility.js';

/** A stored galaxy: as published, with its id here. */
export type GalaxyInfo = Omit<Galaxy, 'killChainOrder'> & { id: number; killChainOrder: Record<string, string[]> | null };

/** A custom cluster's relation: with its id and its own distribution. */
export type RelationInfo = ClusterRelation & { id?: number; distribution?: number; sharingGroupId?: number | null };

/** What a custom (user-made) cluster has that a library one does not: its owner and its sharing. */
export interface CustomClusterInfo {
  orgId: number;
  orgcId: number;
  distribution: number;
  sharingGroupId: number | null;
  published: boolean;
  deleted: boolean;
  extendsUuid: string | null;
  extendsVersion: number | null;
}

/** A stored cluster: as published, with its id, its galaxy's and its tag name; `custom` for one a user made. */
export type ClusterInfo = Omit<GalaxyCluster, 'related'> & { id: number; galaxyId: number; tagName: string; related: RelationInfo[]; custom?: CustomClusterInfo };

function galaxyInfo(r: Selectable<GalaxyTable>): GalaxyInfo {
  return { id: r.id, uuid: r.uuid, type: r.type, name: r.name, namespace: r.namespace, description: r.description, version: r.version, icon: r.icon,
    killChainOrder: r.kill_chain_order ? JSON.parse(r.kill_chain_order) as Record<string, string[]> : null };
}

function clusterInfo(r: Selectable<GalaxyClusterTable>): ClusterInfo {
  return { id: r.id, uuid: r.uuid, galaxyId: r.galaxy_id, type: r.type, value: r.value, tagName: r.tag_name, description: r.description, source: r.source,
    authors: JSON.parse(r.authors) as string[], version: r.version, meta: JSON.parse(r.meta) as Record<string, unknown>,
    related: JSON.parse(r.related) as ClusterRelation[],
    ...(r.custom === 1 ? {
      custom: {
        orgId: r.org_id ?? 0, orgcId: r.orgc_id ?? 0, distribution: r.distribution, sharingGroupId: r.sharing_group_id, published: r.published === 1,
        deleted: r.deleted === 1, extendsUuid: r.extends_uuid, extendsVersion: r.extends_version,
      },
    } : {}) };
}

/**
 * Custom clusters with their relations, those the viewer may see: the relation's own distribution allows
 * it and the cluster it points to is one he may see (MISP drops relations to clusters out of reach).
 */
async function withRelations(store: Store, viewer: Viewer, clusters: ClusterInfo[]): Promise<ClusterInfo[]> {
  const custom = clusters.filter((c) => c.custom);
  if (custom.length === 0) return clusters;
  const rows = await store.db.selectFrom('galaxy_cluster_relation').innerJoin('galaxy_cluster', 'galaxy_cluster.id', 'galaxy_cluster_relation.galaxy_cluster_id')
    .selectAll('galaxy_cluster_relation').where('galaxy_cluster_relation.galaxy_cluster_id', 'in', custom.map((c) => c.id))
    .where(clusterRelationVisibleTo(viewer)).orderBy('galaxy_cluster_relation.id').execute();
  const targets = [...new Set(rows.map((r) => r.referenced_uuid))];
  const reachable = new Set(targets.length === 0 ? [] : (await store.db.selectFrom('galaxy_cluster').select('uuid')
    .where('uuid', 'in', targets).where(clusterVisibleTo(viewer)).execute()).map((r) => r.uuid));
  for (const c of custom) {
    c.related = rows.filter((r) => r.galaxy_cluster_id === c.id && reachable.has(r.referenced_uuid)).map((r) => ({
      id: r.id, destUuid: r.referenced_uuid, type: r.type, tags: JSON.parse(r.tags) as string[], distribution: r.distribution, sharingGroupId: r.sharing_group_id,
    }));
  }
  return clusters;
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

/** Which of a galaxy's clusters galaxy_clusters/index lists: MISP's `context`. */
export type ClusterContext = 'all' | 'default' | 'custom' | 'org' | 'orgc' | 'deleted';

/**
 * A galaxy's clusters the viewer may see, or those whose value, synonyms or description hold `search`;
 * soft-deleted ones only in the `deleted` context, as MISP's index.
 */
export async function clustersOfGalaxy(store: Store, viewer: Viewer, galaxyId: number,
  options: { search?: string; limit?: number; context?: ClusterContext } = {}): Promise<ClusterInfo[]> {
  const { search, limit = 1000, context = 'all' } = options;
  const orgId = viewer.kind === 'user' ? viewer.orgId : 0;
  let q = store.db.selectFrom('galaxy_cluster').selectAll().where('galaxy_id', '=', galaxyId).where(clusterVisibleTo(viewer))
    .where('deleted', '=', context === 'deleted' ? 1 : 0).orderBy('value').limit(limit);
  if (context === 'default') q = q.where('custom', '=', 0);
  if (context === 'custom') q = q.where('custom', '=', 1);
  if (context === 'org') q = q.where('org_id', '=', orgId);
  if (context === 'orgc') q = q.where('orgc_id', '=', orgId);
  if (search) {
    const like = `%${search}%`;
    q = q.where((eb) => eb.or([eb('value', 'like', like), eb('description', 'like', like),
      eb('id', 'in', eb.selectFrom('galaxy_cluster_name').select('cluster_id').where('tag_name', 'like', like))]));
  }
  return withRelations(store, viewer, (await q.execute()).map(clusterInfo));
}

/** A cluster by id or uuid, if the viewer may see it (soft-deleted ones too). */
export async function clusterByRef(store: Store, viewer: Viewer, ref: string): Promise<ClusterInfo | undefined> {
  const q = store.db.selectFrom('galaxy_cluster').selectAll().where(clusterVisibleTo(viewer));
  const row = await (/^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where('uuid', '=', ref.toLowerCase())).executeTakeFirst();
  return row ? (await withRelations(store, viewer, [clusterInfo(row)]))[0] : undefined;
}

/** The clusters the viewer may see that tags name, by their own value or by a synonym (a value wins over a synonym), each with its galaxy. */
export async function clustersOfTags(store: Store, viewer: Viewer, tagNames: readonly string[]): Promise<Map<string, { cluster: ClusterInfo; galaxy: GalaxyInfo }>> {
  const out = new Map<string, { cluster: ClusterInfo; galaxy: GalaxyInfo }>();
  const names = [...new Set(tagNames.filter((n) => n.startsWith('misp-galaxy:')))];
  if (names.length === 0) return out;
  const hits = await store.db.selectFrom('galaxy_cluster_name').innerJoin('galaxy_cluster', 'galaxy_cluster.id', 'galaxy_cluster_name.cluster_id')
    .select(['galaxy_cluster_name.tag_name', 'cluster_id', 'synonym']).where('galaxy_cluster_name.tag_name', 'in', names).where(clusterVisibleTo(viewer))
    .orderBy('synonym').orderBy('cluster_id').execute();
  const chosen = new Map<string, number>();
  for (const h of hits) if (!chosen.has(h.tag_name)) chosen.set(h.tag_name, h.cluster_id);
  if (chosen.size === 0) return out;
  const found = (await store.db.selectFrom('galaxy_cluster').selectAll().where('id', 'in', [...new Set(chosen.values())]).execute()).map(clusterInfo);
  const clusters = new Map((await withRelations(store, viewer, found)).map((c) => [c.id, c]));
  const galaxyIds = [...new Set([...clusters.values()].map((c) => c.galaxyId))];
  const galaxies = new Map((await store.db.selectFrom('galaxy').selectAll().where('id', 'in', galaxyIds).execute()).map((r) => [r.id, galaxyInfo(r)]));
  for (const [name, id] of chosen) {
    const cluster = clusters.get(id);
    const galaxy = cluster && galaxies.get(cluster.galaxyId);
    if (cluster && galaxy) out.set(name, { cluster, galaxy });
  }
  return out;
}
