import { randomUUID } from 'node:crypto';
import { clusterTagName } from '../../libraries/galaxy.js';
import type { Store } from '../db/database.js';
import type { Viewer } from '../../access/viewer.js';
import { clusterVisibleTo } from '../visibility.js';

/** What a user gives for a cluster of his own: MISP's GalaxyCluster fields that saveCluster/editCluster take. */
export interface CustomClusterFields {
  value: string;
  description: string;
  source: string;
  authors: string[];
  distribution: number;
  sharingGroupId: number | null;
  /** The cluster's GalaxyElement list as key → values (MISP's galaxy meta form). */
  meta: Record<string, string[]>;
}

export interface NewRelation {
  referencedUuid: string;
  type: string;
  distribution: number;
  sharingGroupId: number | null;
  tags: string[];
}

/** MISP versions a custom cluster by the time of its last change. */
const now = () => Math.floor(Date.now() / 1000);

/**
 * Stores a cluster a user made in a galaxy, owned by his organisation, unpublished. Its tag names it by
 * uuid (`misp-galaxy:<type>="<uuid>"`), as MISP does, so two organisations' clusters of the same value
 * never share a tag.
 */
export async function addCustomCluster(store: Store, galaxy: { id: number; type: string }, orgId: number, fields: CustomClusterFields,
  fork: { uuid: string; version: number } | undefined): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    const uuid = randomUUID();
    const tagName = clusterTagName(galaxy.type, uuid);
    const { id } = await trx.insertInto('galaxy_cluster').values({
      uuid, galaxy_id: galaxy.id, type: galaxy.type, value: fields.value, tag_name: tagName, description: fields.description, source: fields.source,
      authors: JSON.stringify(fields.authors), version: now(), meta: JSON.stringify(fields.meta), related: '[]', custom: 1, org_id: orgId, orgc_id: orgId,
      distribution: fields.distribution, sharing_group_id: fields.distribution === 4 ? fields.sharingGroupId : null, published: 0, deleted: 0,
      extends_uuid: fork?.uuid ?? null, extends_version: fork?.version ?? null,
    }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('galaxy_cluster_name').values({ tag_name: tagName, cluster_id: id, synonym: 0 }).execute();
    return id;
  });
}

/** Changes a custom cluster (its elements replaced when given): a new version, unpublished again, as MISP's editCluster. */
export async function editCustomCluster(store: Store, id: number, fields: Partial<CustomClusterFields>): Promise<void> {
  await store.db.updateTable('galaxy_cluster').set({
    ...(fields.value !== undefined ? { value: fields.value } : {}),
    ...(fields.description !== undefined ? { description: fields.description } : {}),
    ...(fields.source !== undefined ? { source: fields.source } : {}),
    ...(fields.authors !== undefined ? { authors: JSON.stringify(fields.authors) } : {}),
    ...(fields.meta !== undefined ? { meta: JSON.stringify(fields.meta) } : {}),
    ...(fields.distribution !== undefined
      ? { distribution: fields.distribution, sharing_group_id: fields.distribution === 4 ? fields.sharingGroupId ?? null : null } : {}),
    version: now(), published: 0,
  }).where('id', '=', id).where('custom', '=', 1).execute();
}

export async function setCustomClusterPublished(store: Store, id: number, published: boolean): Promise<void> {
  await store.db.updateTable('galaxy_cluster').set({ published: published ? 1 : 0 }).where('id', '=', id).where('custom', '=', 1).execute();
}

/** Soft: the cluster stays, marked deleted and unpublished. Hard: it goes, with its names and relations. */
export async function deleteCustomCluster(store: Store, id: number, hard: boolean): Promise<void> {
  if (!hard) {
    await store.db.updateTable('galaxy_cluster').set({ deleted: 1, published: 0, version: now() }).where('id', '=', id).where('custom', '=', 1).execute();
    return;
  }
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('galaxy_cluster_relation').where('galaxy_cluster_id', '=', id).execute();
    await trx.deleteFrom('galaxy_cluster_name').where('cluster_id', '=', id).execute();
    await trx.deleteFrom('galaxy_cluster').where('id', '=', id).where('custom', '=', 1).execute();
  });
}

/**
 * Saves a relation of a custom cluster. One to the same cluster with the same type is the same relation
 * (MISP's saveRelation): it takes the new distribution and gains the tags it did not have. Returns its id.
 */
export async function saveClusterRelation(store: Store, clusterId: number, r: NewRelation): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('galaxy_cluster_relation').select(['id', 'tags']).where('galaxy_cluster_id', '=', clusterId)
      .where('referenced_uuid', '=', r.referencedUuid).where('type', '=', r.type).executeTakeFirst();
    const sharing = { distribution: r.distribution, sharing_group_id: r.distribution === 4 ? r.sharingGroupId : null };
    if (existing) {
      const tags = [...new Set([...(JSON.parse(existing.tags) as string[]), ...r.tags])];
      await trx.updateTable('galaxy_cluster_relation').set({ ...sharing, tags: JSON.stringify(tags) }).where('id', '=', existing.id).execute();
      return existing.id;
    }
    const { id } = await trx.insertInto('galaxy_cluster_relation').values({
      galaxy_cluster_id: clusterId, referenced_uuid: r.referencedUuid, type: r.type, ...sharing, tags: JSON.stringify([...new Set(r.tags)]),
    }).returning('id').executeTakeFirstOrThrow();
    return id;
  });
}

/** Changes a relation's target, type, sharing or tags (given tags replace the old ones). */
export async function editClusterRelation(store: Store, id: number, r: Partial<NewRelation>): Promise<void> {
  await store.db.updateTable('galaxy_cluster_relation').set({
    ...(r.referencedUuid !== undefined ? { referenced_uuid: r.referencedUuid } : {}),
    ...(r.type !== undefined ? { type: r.type } : {}),
    ...(r.distribution !== undefined ? { distribution: r.distribution, sharing_group_id: r.distribution === 4 ? r.sharingGroupId ?? null : null } : {}),
    ...(r.tags !== undefined ? { tags: JSON.stringify([...new Set(r.tags)]) } : {}),
  }).where('id', '=', id).execute();
}

/** The cluster a relation belongs to, by the relation's id. */
export async function relationOwner(store: Store, id: number): Promise<{ id: number; clusterId: number } | undefined> {
  const row = await store.db.selectFrom('galaxy_cluster_relation').select(['id', 'galaxy_cluster_id']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, clusterId: row.galaxy_cluster_id };
}

/** Deletes a relation and touches its cluster: a new version, unpublished, as MISP does. */
export async function deleteClusterRelation(store: Store, id: number, clusterId: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('galaxy_cluster_relation').where('id', '=', id).execute();
    await trx.updateTable('galaxy_cluster').set({ version: now(), published: 0 }).where('id', '=', clusterId).execute();
  });
}

/**
 * The custom clusters the viewer may see, as uuid and version (MISP's minimal galaxy_clusters/restSearch,
 * which a syncing instance compares with its own); deleted ones are left out.
 */
export async function customClusterVersions(store: Store, viewer: Viewer, f: { published?: boolean; uuids?: readonly string[] }): Promise<Array<{ uuid: string; version: number }>> {
  if (f.uuids && f.uuids.length === 0) return [];
  let q = store.db.selectFrom('galaxy_cluster').select(['galaxy_cluster.uuid', 'galaxy_cluster.version'])
    .where('galaxy_cluster.custom', '=', 1).where('galaxy_cluster.deleted', '=', 0).where(clusterVisibleTo(viewer)).orderBy('galaxy_cluster.id');
  if (f.published !== undefined) q = q.where('galaxy_cluster.published', '=', f.published ? 1 : 0);
  if (f.uuids) q = q.where('galaxy_cluster.uuid', 'in', f.uuids.map((u) => u.toLowerCase()));
  return (await q.execute()).map((r) => ({ uuid: r.uuid, version: Number(r.version) }));
}
